import Foundation

/// A pose loss ℓ(estimate, truth) and its gradient w.r.t. the estimate (cam_from_world), in the perturbation model
/// of every Jacobian: R(d) = exp([d_ω]×) R, t(d) = t + d_t, gradient = (dℓ/dd_ω, dℓ/dd_t).
///
/// Both built-in losses use the rotation angle ∠ = angle of R Rᵀ_true (degrees) and the camera-centre distance
/// Δc = |c − c_true| with c = −Rᵀt (metres). Their derivatives: d∠/dd_ω = the unit axis a of R Rᵀ_true (× 180/π),
/// d∠/dd_t = 0; dΔc/dd_ω = t × (R n), dΔc/dd_t = −R n with n = (c − c_true)/Δc. Where a term is not
/// differentiable (∠ = 0 or 180°, Δc = 0) its gradient is 0 (a subgradient), never NaN.
public enum PoseLoss: Sendable {
    /// DSAC*: ℓ₀ = ∠° + 100·Δc (m), and ℓ = √(softClamp·ℓ₀) above `softClamp` (100) with the TRUE derivative
    /// ½√(softClamp/ℓ₀)·dℓ₀ (DSAC*'s code uses 0.5/√ℓ₀, √softClamp = 10× too small; spec §1.8).
    case dsacStar(softClamp: Double = 100)
    /// DSAC / DSAC++: ℓ = max(∠°, Δc in cm); the gradient is the winning term's (ties: rotation). No 10⁷ cap.
    case maxAngleDistance
    /// Any loss with its gradient (same perturbation model); it must return a finite value and 6 finite values.
    case custom(@Sendable (_ estimate: Pose, _ truth: Pose) -> (value: Double, gradient: [Double]))

    /// DSAC*'s loss with its default soft clamp.
    public static var dsacStar: PoseLoss { .dsacStar(softClamp: 100) }

    /// ℓ and dℓ/d(d_ω, d_t).
    public func evaluate(estimate: Pose, truth: Pose) throws(DSACError) -> (value: Double, gradient: [Double]) {
        switch self {
        case .dsacStar(let clamp):
            let (angle, dAngle) = Self.angleDegrees(estimate, truth)
            let (distance, dDistance) = Self.centreDistance(estimate, truth)
            let raw = angle + 100 * distance
            var gradient = (0..<6).map { dAngle[$0] + 100 * dDistance[$0] }
            if raw > clamp {
                let scale = 0.5 * (clamp / raw).squareRoot()
                gradient = gradient.map { $0 * scale }
                return (((clamp * raw).squareRoot()), gradient)
            }
            return (raw, gradient)
        case .maxAngleDistance:
            let (angle, dAngle) = Self.angleDegrees(estimate, truth)
            let (distance, dDistance) = Self.centreDistance(estimate, truth)
            return angle >= 100 * distance ? (angle, dAngle) : (100 * distance, dDistance.map { 100 * $0 })
        case .custom(let f):
            let (value, gradient) = f(estimate, truth)
            guard value.isFinite, gradient.count == 6, gradient.allSatisfy(\.isFinite) else {
                throw .numericalFailure(
                    "the custom pose loss returned value \(value) and \(gradient.count) gradient values "
                        + "(need a finite value and 6 finite values)")
            }
            return (value, gradient)
        }
    }

    /// ∠ in degrees and its gradient.
    static func angleDegrees(_ estimate: Pose, _ truth: Pose) -> (Double, [Double]) {
        let a = estimate.rotation * truth.rotation.transposed
        let v = SIMD3(a[2, 1] - a[1, 2], a[0, 2] - a[2, 0], a[1, 0] - a[0, 1])  // 2 sin∠ · axis
        let s = length(v)
        let angle = atan2(s / 2, (a.trace - 1) / 2)
        let degrees = 180 / Double.pi
        guard s > 1e-300, angle < .pi - 1e-9 else { return (angle * degrees, [0, 0, 0, 0, 0, 0]) }
        let axis = v / s * degrees
        return (angle * degrees, [axis.x, axis.y, axis.z, 0, 0, 0])
    }

    /// Δc in metres and its gradient.
    static func centreDistance(_ estimate: Pose, _ truth: Pose) -> (Double, [Double]) {
        let d = estimate.inverseTranslation - truth.inverseTranslation
        let distance = length(d)
        guard distance > 1e-300 else { return (distance, [0, 0, 0, 0, 0, 0]) }
        let rn = estimate.rotation * (d / distance)
        let gw = cross(estimate.translation, rn)
        return (distance, [gw.x, gw.y, gw.z, -rn.x, -rn.y, -rn.z])
    }
}
