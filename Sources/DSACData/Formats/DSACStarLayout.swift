import DSAC
import Foundation

/// DSAC*-style folders (also ACE's): `train|test/{rgb,poses,calibration}` plus optional `depth` (16-bit mm,
/// registered, same size as RGB), matched by sorted file name. `calibration/*.txt` holds one focal length
/// (principal point at the image centre) or a 3×3 K. `init/` and `eye/` hold PyTorch-serialised tensors
/// (`torch.save`, a zip of pickles) that DSACData does not decode: they are listed in the notes and ignored, so
/// ground truth comes from `depth/` when it exists.
enum DSACStarLayout {
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    static func open(_ root: String) throws(DataError) -> Dataset {
        var notes: [String] = []
        var sources: [Split: [FrameSource]] = [:]
        for split in Split.allCases {
            let base = root + "/" + split.rawValue
            guard FileIO.isDirectory(base + "/rgb") else { sources[split] = []; continue }
            let rgb = try FileIO.list(base + "/rgb").filter { imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
            let poses = try FileIO.list(base + "/poses")
            let calibration = try FileIO.list(base + "/calibration")
            for (folder, files) in [("poses", poses), ("calibration", calibration)] where files.count != rgb.count {
                throw .inconsistent(path: base + "/" + folder, reason: "\(files.count) files for \(rgb.count) images in rgb/ (files are matched by sorted name)")
            }
            var depth: [String]?
            if FileIO.isDirectory(base + "/depth") {
                let d = try FileIO.list(base + "/depth")
                guard d.count == rgb.count else {
                    throw .inconsistent(path: base + "/depth", reason: "\(d.count) files for \(rgb.count) images in rgb/ (files are matched by sorted name)")
                }
                depth = d
            }
            for extra in ["init", "eye"] where FileIO.isDirectory(base + "/" + extra) {
                notes.append("\(split.rawValue)/\(extra)/ ignored: PyTorch-serialised tensors are not read; " +
                             (depth == nil ? "this split has no scene coordinates" : "scene coordinates come from depth/"))
            }
            sources[split] = rgb.indices.map { i in
                FrameSource(name: CambridgeLayout.stripExtension(rgb[i]), sequence: split.rawValue,
                            imagePath: base + "/rgb/" + rgb[i], pose: .file(base + "/poses/" + poses[i]),
                            intrinsics: .calibrationFile(base + "/calibration/" + calibration[i]), expectedSize: nil,
                            depth: depth.map { .registered(base + "/depth/" + $0[i], unitsPerMetre: 1000) } ?? .none)
            }
        }
        try SevenScenesLayout.fixExpectedSizes(&sources)
        return Dataset(root: root, layout: .dsacStar, notes: notes, sources: sources)
    }
}
