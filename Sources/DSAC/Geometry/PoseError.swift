/// Rotation and camera-centre errors of an estimated pose against the truth, as the field reports them.
public struct PoseError: Sendable, Hashable, Codable {
    /// Angle of R_est R_trueᵀ, degrees.
    public var rotationDegrees: Double
    /// Distance between the camera centres, centimetres.
    public var translationCentimetres: Double

    /// Both poses are cam_from_world (or both world_from_cam: the errors are the same).
    public init(estimated: Pose, truth: Pose) {
        rotationDegrees = Rotation.angleBetween(estimated.rotation, truth.rotation) * 180 / .pi
        translationCentimetres = length(estimated.inverseTranslation - truth.inverseTranslation) * 100
    }

    /// Whether both errors are within the thresholds (the field's 5 cm / 5° by default).
    public func isWithin(centimetres: Double = 5, degrees: Double = 5) -> Bool {
        rotationDegrees < degrees && translationCentimetres < centimetres
    }
}
