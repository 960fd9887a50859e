import DSAC
import Foundation

/// 12-Scenes: `info.txt` (`key = value` lines: colour and depth sizes and 4×4 intrinsics, `m_depthShift`),
/// `split.txt` whose first line `sequence0 [frames=N] ...` makes the first N frames (by name) the test set, and
/// frames `data/frame-XXXXXX.{color.jpg,depth.png,pose.txt}`. Frames whose pose holds INF are skipped.
/// Depth (a separate 640×480 camera) is moved into the colour camera with the depth intrinsics of `info.txt`;
/// the extrinsics in `info.txt` are used as colour_from_depth = colourExtrinsic⁻¹ · depthExtrinsic.
enum TwelveScenesLayout {
    static func open(_ root: String) throws(DataError) -> Dataset {
        let infoPath = root + "/info.txt"
        var info: [String: (line: Int, value: String)] = [:]
        var lineNumber = 0
        for line in try FileIO.readText(infoPath).split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            info[parts[0].trimmingCharacters(in: .whitespaces)] = (lineNumber, parts[1].trimmingCharacters(in: .whitespacesAndNewlines))
        }
        func numbers(_ key: String, _ count: Int) throws(DataError) -> [Double] {
            guard let (line, value) = info[key] else { throw .missingFile(path: infoPath, expected: "a line '\(key) = ...'") }
            let tokens = value.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard tokens.count == count else {
                throw .wrongFieldCount(path: infoPath, line: line, found: tokens.count, expected: "\(count) numbers for \(key)")
            }
            var out: [Double] = []
            for (k, t) in tokens.enumerated() { out.append(try NumberText.number(t, path: infoPath, line: line, field: k + 3)) }
            return out
        }
        func size(_ key: String) throws(DataError) -> Int {
            let v = try numbers(key, 1)[0]
            guard v >= 1, v <= 100_000, v == v.rounded() else {
                throw .malformedNumber(path: infoPath, line: info[key]?.line ?? 0, field: 3, text: "\(v)",
                                       expected: "an image size in pixels (1–100000) for \(key)")
            }
            return Int(v)
        }
        let colourWidth = try size("m_colorWidth")
        let colourHeight = try size("m_colorHeight")
        let kc = try numbers("m_calibrationColorIntrinsic", 16)
        let colour = Intrinsics(fx: kc[0], fy: kc[5], cx: kc[2], cy: kc[6])
        try colourOrThrow(colour, infoPath)

        var notes: [String] = []
        var depthCamera: DepthCamera?
        if info["m_calibrationDepthIntrinsic"] != nil {
            let kd = try numbers("m_calibrationDepthIntrinsic", 16)
            let shift = info["m_depthShift"] != nil ? try numbers("m_depthShift", 1)[0] : 1000
            let dw = info["m_depthWidth"] != nil ? try size("m_depthWidth") : 640
            let dh = info["m_depthHeight"] != nil ? try size("m_depthHeight") : 480
            var colourFromDepth = Pose.identity
            if info["m_calibrationColorExtrinsic"] != nil, info["m_calibrationDepthExtrinsic"] != nil {
                let ec = Pose(matrix4x4: try numbers("m_calibrationColorExtrinsic", 16))
                let ed = Pose(matrix4x4: try numbers("m_calibrationDepthExtrinsic", 16))
                colourFromDepth = ec.inverse * ed
            }
            guard kd[0] > 0, kd[5] > 0, shift > 0 else {
                throw .malformedNumber(path: infoPath, line: info["m_calibrationDepthIntrinsic"]?.line ?? 0, field: 3,
                                       text: "\(kd[0]) \(kd[5]) (shift \(shift))",
                                       expected: "positive depth focal lengths and m_depthShift")
            }
            depthCamera = DepthCamera(intrinsics: Intrinsics(fx: kd[0], fy: kd[5], cx: kd[2], cy: kd[6]),
                                      width: dw, height: dh, colourFromDepth: colourFromDepth, unitsPerMetre: Float(shift))
        } else {
            notes.append("info.txt has no depth intrinsics: no scene coordinates")
        }

        let splitPath = root + "/split.txt"
        let splitText = try FileIO.readText(splitPath, expected: "split.txt ('sequence0 [frames=N] ...')")
        guard let first = NumberText.tokenLines(splitText).first,
              let framesToken = first.tokens.first(where: { $0.contains("frames=") }) else {
            throw .malformedNumber(path: splitPath, line: 1, field: 2, text: String(splitText.prefix(40)),
                                   expected: "'[frames=N]' on the first line")
        }
        let digits = framesToken.drop(while: { $0 != "=" }).dropFirst().prefix(while: \.isNumber)
        guard let testCount = Int(digits) else {
            throw .malformedNumber(path: splitPath, line: first.line, field: 2, text: String(framesToken), expected: "'[frames=N]'")
        }

        let folder = FileIO.isDirectory(root + "/data") ? root + "/data" : root
        let names = try FileIO.list(folder).filter { $0.hasSuffix(".color.jpg") || $0.hasSuffix(".color.png") }
        var train: [FrameSource] = [], test: [FrameSource] = []
        var skipped = 0
        for (index, name) in names.enumerated() {
            let stem = String(name.dropLast(".color.jpg".count))
            let posePath = folder + "/" + stem + ".pose.txt"
            if let text = try? FileIO.readText(posePath), text.lowercased().contains("inf") {
                skipped += 1
                continue
            }
            var depth = DepthInput.none
            if let camera = depthCamera, FileIO.exists(folder + "/" + stem + ".depth.png") {
                depth = .separate(folder + "/" + stem + ".depth.png", camera)
            }
            let source = FrameSource(name: stem, sequence: "sequence", imagePath: folder + "/" + name,
                                     pose: .file(posePath),
                                     intrinsics: .value(colour, width: colourWidth, height: colourHeight),
                                     expectedSize: (colourWidth, colourHeight), depth: depth)
            if index < testCount { test.append(source) } else { train.append(source) }
        }
        if skipped > 0 { notes.append("skipped \(skipped) frames whose pose holds INF") }
        return Dataset(root: root, layout: .twelveScenes, notes: notes, sources: [.train: train, .test: test])
    }

    private static func colourOrThrow(_ k: Intrinsics, _ path: String) throws(DataError) {
        guard k.fx > 0, k.fy > 0 else {
            throw .malformedNumber(path: path, line: 0, field: 1, text: "\(k.fx) \(k.fy)", expected: "positive focal lengths in m_calibrationColorIntrinsic")
        }
    }
}
