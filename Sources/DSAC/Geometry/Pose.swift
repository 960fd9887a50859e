/// A rigid transform y = R x + t. Name every pose by its frames at the use site: `camFromWorld`,
/// `worldFromCam`. The localizer estimates cam_from_world (x_cam = R X_world + t, OpenCV axes); data sets store
/// world_from_cam (7-Scenes convention).
public struct Pose: Sendable, Hashable, Codable {
    public var rotation: Matrix3
    public var translation: SIMD3<Double>

    public init(rotation: Matrix3, translation: SIMD3<Double>) {
        self.rotation = rotation
        self.translation = translation
    }

    public static let identity = Pose(rotation: .identity, translation: .zero)

    /// From a 4×4 homogeneous matrix in row-major order (16 values, last row 0 0 0 1).
    public init(matrix4x4 m: [Double]) {
        precondition(m.count == 16, "a 4×4 pose needs 16 values")
        rotation = Matrix3(rowMajor: [m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]])
        translation = SIMD3(m[3], m[7], m[11])
    }

    /// The 4×4 homogeneous matrix, row-major.
    public var matrix4x4: [Double] {
        let r = rotation
        return [r[0, 0], r[0, 1], r[0, 2], translation.x,
                r[1, 0], r[1, 1], r[1, 2], translation.y,
                r[2, 0], r[2, 1], r[2, 2], translation.z,
                0, 0, 0, 1]
    }

    /// The inverse transform: for cam_from_world it is world_from_cam.
    public var inverse: Pose {
        let rt = rotation.transposed
        return Pose(rotation: rt, translation: -(rt * translation))
    }

    /// Where the origin of the source frame lands, inverted: for cam_from_world, the camera centre in the world,
    /// c = −Rᵀt.
    public var inverseTranslation: SIMD3<Double> { inverse.translation }

    public func apply(_ x: SIMD3<Double>) -> SIMD3<Double> { rotation * x + translation }

    /// Composition: (a * b).apply(x) == a.apply(b.apply(x)).
    public static func * (a: Pose, b: Pose) -> Pose {
        Pose(rotation: a.rotation * b.rotation, translation: a.rotation * b.translation + a.translation)
    }

    public var isFinite: Bool { rotation.isFinite && translation.x.isFinite && translation.y.isFinite && translation.z.isFinite }
}
