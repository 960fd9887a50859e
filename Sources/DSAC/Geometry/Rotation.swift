import Foundation

/// Conversions between rotation matrices, axis-angle vectors and unit quaternions.
public enum Rotation {
    /// Rodrigues: the rotation by |w| radians about w / |w|.
    public static func matrix(axisAngle w: SIMD3<Double>) -> Matrix3 {
        let angle = length(w)
        let k = skew(w)
        if angle < 1e-12 { return add(Matrix3.identity, k) }
        let a = sin(angle) / angle
        let b = (1 - cos(angle)) / (angle * angle)
        return add(add(Matrix3.identity, scale(k, a)), scale(k * k, b))
    }

    /// The axis-angle vector of a rotation matrix, angle in [0, π]; stable near 0 and π.
    public static func axisAngle(_ r: Matrix3) -> SIMD3<Double> {
        let q = quaternion(r)
        let v = SIMD3(q.x, q.y, q.z)
        let s = length(v)
        if s < 1e-15 { return 2 * v }
        let angle = 2 * atan2(s, q.w)
        return v * (angle / s)
    }

    /// Unit quaternion (w, x, y, z) with w ≥ 0 of a rotation matrix (Shepperd's method).
    public static func quaternion(_ r: Matrix3) -> (w: Double, x: Double, y: Double, z: Double) {
        let t = r.trace
        var q: (w: Double, x: Double, y: Double, z: Double)
        if t > max(r[0, 0], r[1, 1], r[2, 2]) {
            let s = 2 * (1 + t).squareRoot()
            q = (s / 4, (r[2, 1] - r[1, 2]) / s, (r[0, 2] - r[2, 0]) / s, (r[1, 0] - r[0, 1]) / s)
        } else if r[0, 0] >= r[1, 1], r[0, 0] >= r[2, 2] {
            let s = 2 * (1 + r[0, 0] - r[1, 1] - r[2, 2]).squareRoot()
            q = ((r[2, 1] - r[1, 2]) / s, s / 4, (r[0, 1] + r[1, 0]) / s, (r[0, 2] + r[2, 0]) / s)
        } else if r[1, 1] >= r[2, 2] {
            let s = 2 * (1 + r[1, 1] - r[0, 0] - r[2, 2]).squareRoot()
            q = ((r[0, 2] - r[2, 0]) / s, (r[0, 1] + r[1, 0]) / s, s / 4, (r[1, 2] + r[2, 1]) / s)
        } else {
            let s = 2 * (1 + r[2, 2] - r[0, 0] - r[1, 1]).squareRoot()
            q = ((r[1, 0] - r[0, 1]) / s, (r[0, 2] + r[2, 0]) / s, (r[1, 2] + r[2, 1]) / s, s / 4)
        }
        let n = (q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z).squareRoot()
        let sign: Double = q.w < 0 ? -1 : 1
        return (sign * q.w / n, sign * q.x / n, sign * q.y / n, sign * q.z / n)
    }

    /// The rotation of a quaternion (w, x, y, z); it need not be normalised.
    public static func matrix(quaternion w: Double, _ x: Double, _ y: Double, _ z: Double) -> Matrix3 {
        let n = (w * w + x * x + y * y + z * z).squareRoot()
        let (w, x, y, z) = (w / n, x / n, y / n, z / n)
        return Matrix3(
            rows: SIMD3(1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)),
            SIMD3(2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)),
            SIMD3(2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)))
    }

    /// Angle (radians) of the rotation a·bᵀ, from a clamped trace.
    public static func angleBetween(_ a: Matrix3, _ b: Matrix3) -> Double {
        let c = ((a * b.transposed).trace - 1) / 2
        return acos(min(1, max(-1, c)))
    }

    /// The cross-product matrix [w]×.
    public static func skew(_ w: SIMD3<Double>) -> Matrix3 {
        Matrix3(rows: SIMD3(0, -w.z, w.y), SIMD3(w.z, 0, -w.x), SIMD3(-w.y, w.x, 0))
    }

    private static func add(_ a: Matrix3, _ b: Matrix3) -> Matrix3 {
        Matrix3(rows: a.row0 + b.row0, a.row1 + b.row1, a.row2 + b.row2)
    }

    private static func scale(_ a: Matrix3, _ s: Double) -> Matrix3 {
        Matrix3(rows: a.row0 * s, a.row1 * s, a.row2 * s)
    }
}
