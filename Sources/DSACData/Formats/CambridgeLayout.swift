import DSAC
import Foundation

/// Cambridge Landmarks: `dataset_train.txt` / `dataset_test.txt` (three header lines, then `<image> X Y Z W P Q R`:
/// camera centre and the quaternion of the cam_from_world rotation), images in `seqN/`, and `reconstruction.nvm`
/// for focal lengths and sparse scene coordinates. Cameras with |t| > 10⁴ (t = −R c) are dropped, as DSAC* does.
/// Principal point at the image centre (W/2, H/2); the NVM focal is taken at the stored image size.
enum CambridgeLayout {
    static func open(_ root: String) throws(DataError) -> Dataset {
        var notes: [String] = []
        var focalByName: [String: Double] = [:]
        var pointIndexByName: [String: Int] = [:]
        var table: [[SIMD3<Double>]] = []
        let nvmPath = root + "/reconstruction.nvm"
        if FileIO.exists(nvmPath) {
            let nvm = try NVMFile.read(nvmPath)
            for (k, camera) in nvm.cameras.enumerated() {
                let key = stripExtension(camera.name)
                focalByName[key] = camera.focal
                pointIndexByName[key] = table.count
                table.append(nvm.pointsSeen[k])
            }
        } else {
            notes.append("no reconstruction.nvm: no focal lengths (frames fail) and no scene coordinates")
        }

        var sources: [Split: [FrameSource]] = [:]
        var dropped = 0
        for (split, file) in [(Split.train, "dataset_train.txt"), (.test, "dataset_test.txt")] {
            let path = root + "/" + file
            guard FileIO.exists(path) else { sources[split] = []; continue }
            var list: [FrameSource] = []
            var lineNumber = 0
            for line in try FileIO.readText(path).split(separator: "\n", omittingEmptySubsequences: false) {
                lineNumber += 1
                guard lineNumber > 3 else { continue }
                let t = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
                if t.isEmpty { continue }
                let name = String(t[0])
                var pose = PoseSource.invalid(.wrongFieldCount(path: path, line: lineNumber, found: t.count - 1,
                                                               expected: "7 numbers after the image name (X Y Z W P Q R)"))
                if t.count == 8 {
                    do {
                        var v: [Double] = []
                        for k in 1..<8 { v.append(try NumberText.number(t[k], path: path, line: lineNumber, field: k + 1)) }
                        let camFromWorldRotation = Rotation.matrix(quaternion: v[3], v[4], v[5], v[6])
                        let centre = SIMD3(v[0], v[1], v[2])
                        let t = -(camFromWorldRotation * centre)
                        if max(abs(t.x), abs(t.y), abs(t.z)) > 1e4 { dropped += 1; continue }
                        pose = .value(Pose(rotation: camFromWorldRotation.transposed, translation: centre))
                    } catch {
                        pose = .invalid(error)
                    }
                }
                let key = stripExtension(name)
                let intrinsics: IntrinsicsSource
                if let f = focalByName[key] {
                    intrinsics = .value(Intrinsics(fx: f, fy: f, cx: -1, cy: -1), width: -1, height: -1)
                } else {
                    intrinsics = .invalid(.missingFile(path: nvmPath, expected: "a camera named \(name) (for its focal length)"))
                }
                let depth = pointIndexByName[key].map { DepthInput.points($0) } ?? .none
                let sequence = name.split(separator: "/").first.map(String.init) ?? "seq"
                list.append(FrameSource(name: key, sequence: sequence, imagePath: root + "/" + name, pose: pose,
                                        intrinsics: intrinsics, expectedSize: nil, depth: depth))
            }
            sources[split] = list
        }
        if dropped > 0 { notes.append("dropped \(dropped) cameras with |t| > 10⁴") }
        return Dataset(root: root, layout: .cambridge, notes: notes,
                       sources: sources.mapValues { $0.map(centred) }, pointTable: table)
    }

    /// A focal-only intrinsics gets its principal point at the centre of the image it is used with.
    private static func centred(_ s: FrameSource) -> FrameSource {
        var s = s
        if case let .value(k, w, _) = s.intrinsics, w < 0 {
            s.intrinsics = .centredFocal(k.fx)
        }
        return s
    }

    static func stripExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), !name[dot...].contains("/") else { return name }
        return String(name[..<dot])
    }
}
