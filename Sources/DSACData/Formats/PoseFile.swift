import DSAC
import Foundation

/// 4×4 camera-to-world pose files (7-Scenes, 12-Scenes, DSAC*), validated: finite numbers, last row 0 0 0 1, and a
/// rotation block that is orthonormal with determinant +1 within `tolerance` (7-Scenes stores ~7 digits, so the
/// default is loose enough for real files and tight enough to reject a scaled or sheared matrix).
public enum PoseFile {
    public static let defaultTolerance = 1e-2

    public static func read(_ path: String, tolerance: Double = defaultTolerance) throws(DataError) -> Pose {
        let text = try FileIO.readText(path, expected: "a 4×4 camera-to-world pose")
        return try parse(text, path: path, tolerance: tolerance)
    }

    public static func parse(_ text: String, path: String, tolerance: Double = defaultTolerance) throws(DataError) -> Pose {
        let m = try NumberText.matrix(text, rows: 4, columns: 4, path: path)
        let lastRow = Array(m[12..<16])
        guard abs(lastRow[0]) <= tolerance, abs(lastRow[1]) <= tolerance, abs(lastRow[2]) <= tolerance,
              abs(lastRow[3] - 1) <= tolerance else {
            throw .notARotation(path: path, detail: "last row is \(lastRow.map { format($0) }.joined(separator: " ")) (expected 0 0 0 1)")
        }
        let pose = Pose(matrix4x4: m)
        try validateRotation(pose.rotation, path: path, tolerance: tolerance)
        return pose
    }

    public static func validateRotation(_ r: Matrix3, path: String, tolerance: Double = defaultTolerance) throws(DataError) {
        let orthonormality = r.orthonormalityError
        guard orthonormality <= tolerance else {
            throw .notARotation(path: path, detail: "rotation block is not orthonormal (max |RᵀR − I| = \(format(orthonormality)), expected ≤ \(tolerance))")
        }
        let det = r.determinant
        guard det > 0 else {
            throw .notARotation(path: path, detail: "rotation block has determinant \(format(det)) (a reflection; expected +1)")
        }
    }

    /// The 7-Scenes text form: four lines of four numbers, tab-separated, %.9g.
    public static func format(_ pose: Pose) -> String {
        let m = pose.matrix4x4
        return (0..<4).map { r in (0..<4).map { c in String(format: "%.9g", m[4 * r + c]) }.joined(separator: "\t") }
            .joined(separator: "\n") + "\n"
    }

    public static func write(_ pose: Pose, to path: String) throws(DataError) {
        try FileIO.writeText(format(pose), to: path)
    }

    static func format(_ x: Double) -> String { String(format: "%.6g", x) }
}
