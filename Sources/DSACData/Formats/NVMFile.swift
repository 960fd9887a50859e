import DSAC
import Foundation

/// The first model of an NVM_V3 reconstruction (VisualSfM; Cambridge Landmarks ships one):
/// `<file> <focal> <qw qx qy qz> <cx cy cz> <radial> 0` per camera (quaternion = rotation cam_from_world, c = camera
/// centre), then `<X Y Z> <R G B> <n> (<image> <feature> <x> <y>)×n` per point.
struct NVMFile {
    struct Camera {
        var name: String
        var focal: Double
        var worldFromCam: Pose
    }

    var cameras: [Camera]
    /// For each camera, the world points it observes.
    var pointsSeen: [[SIMD3<Double>]]

    static func read(_ path: String) throws(DataError) -> NVMFile {
        let lines = try FileIO.readText(path, expected: "an NVM_V3 reconstruction").split(separator: "\n", omittingEmptySubsequences: false)
        var i = 0
        func nextTokens() -> (line: Int, tokens: [Substring])? {
            while i < lines.count {
                let tokens = lines[i].split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
                i += 1
                if !tokens.isEmpty { return (i, tokens) }
            }
            return nil
        }
        guard let header = nextTokens(), header.tokens[0] == "NVM_V3" else {
            throw .malformedNumber(path: path, line: 1, field: 1, text: String(lines.first ?? ""), expected: "NVM_V3 header")
        }
        func count(_ what: String) throws(DataError) -> Int {
            guard let (line, tokens) = nextTokens() else { throw .wrongFieldCount(path: path, line: lines.count, found: 0, expected: what) }
            guard tokens.count == 1, let n = Int(tokens[0]), n >= 0, n <= 100_000_000 else {
                throw .malformedNumber(path: path, line: line, field: 1, text: String(tokens[0]), expected: what)
            }
            return n
        }
        let cameraCount = try count("the number of cameras")
        var cameras: [Camera] = []
        for _ in 0..<cameraCount {
            guard let (line, t) = nextTokens() else { throw .wrongFieldCount(path: path, line: lines.count, found: 0, expected: "\(cameraCount) camera lines") }
            guard t.count >= 9 else { throw .wrongFieldCount(path: path, line: line, found: t.count, expected: "at least 9 fields per camera") }
            var v: [Double] = []
            for k in 1..<9 { v.append(try NumberText.number(t[k], path: path, line: line, field: k + 1)) }
            let r = Rotation.matrix(quaternion: v[1], v[2], v[3], v[4])
            let centre = SIMD3(v[5], v[6], v[7])
            cameras.append(Camera(name: String(t[0]), focal: v[0], worldFromCam: Pose(rotation: r.transposed, translation: centre)))
        }
        let pointCount = try count("the number of points")
        var seen = [[SIMD3<Double>]](repeating: [], count: cameraCount)
        for _ in 0..<pointCount {
            guard let (line, t) = nextTokens() else { throw .wrongFieldCount(path: path, line: lines.count, found: 0, expected: "\(pointCount) point lines") }
            guard t.count >= 7 else { throw .wrongFieldCount(path: path, line: line, found: t.count, expected: "at least 7 fields per point") }
            let x = SIMD3(try NumberText.number(t[0], path: path, line: line, field: 1),
                          try NumberText.number(t[1], path: path, line: line, field: 2),
                          try NumberText.number(t[2], path: path, line: line, field: 3))
            guard let n = Int(t[6]), t.count >= 7 + 4 * n else {
                throw .wrongFieldCount(path: path, line: line, found: t.count, expected: "7 + 4 × (number of measurements) fields")
            }
            for m in 0..<n {
                guard let camera = Int(t[7 + 4 * m]), camera >= 0, camera < cameraCount else {
                    throw .malformedNumber(path: path, line: line, field: 8 + 4 * m, text: String(t[7 + 4 * m]),
                                           expected: "a camera index below \(cameraCount)")
                }
                seen[camera].append(x)
            }
        }
        return NVMFile(cameras: cameras, pointsSeen: seen)
    }
}
