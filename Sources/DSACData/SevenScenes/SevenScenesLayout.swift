import DSAC
import Foundation

/// 7-Scenes (and what `dsac synth` writes): `TrainSplit.txt` / `TestSplit.txt` list "sequenceN" lines naming
/// `seq-0N/`; each holds `frame-XXXXXX.color.png` (or `.color.jpg`), `.depth.png` (16-bit mm, 0 and 65535
/// invalid) and `.pose.txt` (4×4 camera-to-world). Intrinsics: `camera-intrinsics.txt` (3×3 K) when present,
/// else 7-Scenes' f = 525, centre (320, 240) at 640×480.
enum SevenScenesLayout {
    static let defaultIntrinsics = Intrinsics(fx: 525, fy: 525, cx: 320, cy: 240)
    /// The file `dsac synth` writes; its presence means depth is registered to colour.
    static let syntheticMarker = "dsac-synth.txt"

    static func open(_ root: String, depthSource: DepthSource) throws(DataError) -> Dataset {
        var notes: [String] = []
        var intrinsics = IntrinsicsSource.value(defaultIntrinsics, width: 640, height: 480)
        let kPath = root + "/camera-intrinsics.txt"
        if FileIO.exists(kPath) {
            do {
                let k = try NumberText.matrix(try FileIO.readText(kPath), rows: 3, columns: 3, path: kPath)
                let c = try CalibrationFile.intrinsics(fromK: k, path: kPath)
                // The K describes the stored images as they are.
                intrinsics = .fixed(c)
            } catch {
                intrinsics = .invalid(error)
            }
        } else {
            notes.append("no camera-intrinsics.txt: using 7-Scenes' f = 525, centre (320, 240) at 640×480")
        }

        var mode = depthSource
        if mode == .automatic {
            mode = FileIO.exists(root + "/" + syntheticMarker) ? .registered : .kinect7Scenes
        }
        switch mode {
        case .registered: notes.append("depth: registered to colour")
        case .kinect7Scenes: notes.append("depth: raw Kinect (f = 585), moved into the colour camera with the LIRIS depth→RGB calibration")
        case .folder(let f): notes.append("depth: registered depth from \(f)")
        case .none: notes.append("depth: not used (no scene coordinates)")
        case .automatic: break
        }

        var sources: [Split: [FrameSource]] = [:]
        for (split, file) in [(Split.train, "TrainSplit.txt"), (.test, "TestSplit.txt")] {
            let path = root + "/" + file
            guard FileIO.exists(path) else { sources[split] = []; continue }
            var list: [FrameSource] = []
            for sequence in try sequences(path) {
                let folder = root + "/" + sequence
                let names = try FileIO.list(folder)
                let colour = names.filter { $0.hasSuffix(".color.png") || $0.hasSuffix(".color.jpg") }
                guard !colour.isEmpty else {
                    throw .inconsistent(path: folder, reason: "no frame-XXXXXX.color.png or .color.jpg files")
                }
                let anyDepth = names.contains { $0.hasSuffix(".depth.png") }
                for name in colour {
                    let stem = String(name.dropLast(".color.png".count))
                    var depth = DepthInput.none
                    switch mode {
                    case .registered where anyDepth:
                        depth = .registered(folder + "/" + stem + ".depth.png", unitsPerMetre: 1000)
                    case .kinect7Scenes where anyDepth:
                        depth = .separate(folder + "/" + stem + ".depth.png", DepthRegistration.sevenScenesDepthCamera)
                    case .folder(let f):
                        let plain = "\(f)/\(sequence)/\(stem).depth.png"
                        let rendered = "\(f)/\(sequence)/\(stem).depth.proj.png"
                        depth = .registered(FileIO.exists(rendered) ? rendered : plain, unitsPerMetre: 1000)
                    default:
                        depth = .none
                    }
                    let k = intrinsics
                    list.append(FrameSource(name: sequence + "/" + stem, sequence: sequence,
                                            imagePath: folder + "/" + name,
                                            pose: .file(folder + "/" + stem + ".pose.txt"), intrinsics: k,
                                            expectedSize: nil, depth: depth))
                }
            }
            sources[split] = list
        }
        try fixExpectedSizes(&sources)
        return Dataset(root: root, layout: .sevenScenes, notes: notes, sources: sources)
    }

    /// "sequenceN" lines → "seq-0N" (N ≥ 1, two digits at least).
    static func sequences(_ path: String) throws(DataError) -> [String] {
        let text = try FileIO.readText(path)
        var out: [String] = []
        for (line, tokens) in NumberText.tokenLines(text) {
            guard tokens.count == 1 else {
                throw .wrongFieldCount(path: path, line: line, found: tokens.count, expected: "one 'sequenceN' per line")
            }
            let token = tokens[0]
            guard token.lowercased().hasPrefix("sequence"), let n = Int(token.dropFirst("sequence".count)), n >= 0 else {
                throw .malformedNumber(path: path, line: line, field: 1, text: String(token), expected: "'sequenceN' with N a sequence number")
            }
            out.append(String(format: "seq-%02d", n))
        }
        guard !out.isEmpty else { throw .inconsistent(path: path, reason: "lists no sequence") }
        return out
    }

    /// Every frame of a split must have the size of the split's first image.
    static func fixExpectedSizes(_ sources: inout [Split: [FrameSource]]) throws(DataError) {
        for split in Split.allCases {
            guard var list = sources[split], let first = list.first else { continue }
            guard let size = try? imageSize(first.imagePath) else { continue }
            for i in list.indices { list[i].expectedSize = size }
            sources[split] = list
        }
    }

    /// The size of an image, from its header.
    static func imageSize(_ path: String) throws(DataError) -> (width: Int, height: Int) {
        let image = try ImageIO.read(path)
        return (image.width, image.height)
    }
}
