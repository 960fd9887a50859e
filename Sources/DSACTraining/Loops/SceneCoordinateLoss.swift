import DSAC

/// DSAC*'s initialisation loss (train_init.py, mode 1: RGB + ground-truth coordinates), per predicted coordinate y:
///   - reprojection error e = |π(K (R y + t)) − p| under the ground-truth pose, L1 (not squared), soft-clamped to
///     √(softClamp · e) above softClamp, when y is "valid": in front of the camera (z ≥ minDepth), e ≤ hardClamp, and,
///     where a ground-truth coordinate y* exists, |y − y*| ≤ tolerance;
///   - otherwise, where y* exists, the 3D distance |y − y*| (metres);
///   - otherwise (no y*, invalid y) nothing (counted in the report).
/// The batch loss is the mean over all cells. Named options, counted outcomes: nothing is clamped silently.
public struct SceneCoordinateLossOptions: Sendable, Hashable, Codable {
    /// Switch to the reprojection loss once within this distance of the ground truth, metres (DSAC*: 0.1).
    public var tolerance: Double = 0.1
    /// Reprojection errors above this are √-damped, pixels (DSAC*: 100).
    public var softClamp: Double = 100
    /// Reprojection errors above this make y invalid, pixels (DSAC*: 1000).
    public var hardClamp: Double = 1000
    /// y closer to the camera than this is invalid, metres (DSAC*: 0.1).
    public var minDepth: Double = 0.1
    /// Use only the 3D distance where y* exists (a simpler, RGB-D-like target).
    public var distanceOnly: Bool = false

    public init() {}
}

/// One sample of the loss: where the cell is, what the truth is.
public struct LossTarget: Sendable {
    public var pixel: SIMD2<Double>
    public var truth: SIMD3<Float>?
    public var camFromWorld: Pose
    public var intrinsics: Intrinsics
}

public struct LossStatistics: Sendable, Equatable {
    public var loss: Double = 0
    /// Cells under the reprojection loss, the 3D distance, or no loss.
    public var reprojection = 0
    public var distance = 0
    public var ignored = 0
    /// Mean 3D error where y* exists (metres) and mean reprojection error of the reprojection cells (pixels).
    public var meanDistance = 0.0
    public var meanReprojection = 0.0
    var distanceCount = 0

    mutating func merge(_ o: LossStatistics) {
        loss += o.loss
        reprojection += o.reprojection
        distance += o.distance
        ignored += o.ignored
        meanDistance += o.meanDistance
        meanReprojection += o.meanReprojection
        distanceCount += o.distanceCount
    }
}

public enum SceneCoordinateLoss {
    /// Loss of one cell and dloss/dy (not yet divided by the batch size).
    public static func evaluate(_ y: SIMD3<Double>, _ t: LossTarget, options o: SceneCoordinateLossOptions,
                                stats: inout LossStatistics) -> SIMD3<Double> {
        var dist = 0.0
        if let truth = t.truth {
            let d = y - SIMD3<Double>(Double(truth.x), Double(truth.y), Double(truth.z))
            dist = (d * d).sum().squareRoot()
            stats.meanDistance += dist
            stats.distanceCount += 1
        }
        if !o.distanceOnly {
            let r = t.camFromWorld.rotation
            let xc = r * y + t.camFromWorld.translation
            if xc.z >= o.minDepth {
                let k = t.intrinsics
                let u = k.fx * xc.x / xc.z + k.cx, v = k.fy * xc.y / xc.z + k.cy
                let ru = u - t.pixel.x, rv = v - t.pixel.y
                let e = (ru * ru + rv * rv).squareRoot()
                if e <= o.hardClamp, t.truth == nil || dist <= o.tolerance {
                    stats.reprojection += 1
                    stats.meanReprojection += e
                    let loss: Double, dLde: Double
                    if e <= o.softClamp {
                        loss = e
                        dLde = 1
                    } else {
                        loss = (o.softClamp * e).squareRoot()
                        dLde = 0.5 * (o.softClamp / e).squareRoot()
                    }
                    stats.loss += loss
                    guard e > 1e-12 else { return .zero }
                    // de/dxc = (r/e)ᵀ dπ/dxc; dxc/dy = R.
                    let gu = dLde * ru / e, gv = dLde * rv / e
                    let iz = 1 / xc.z
                    let dxc = SIMD3(gu * k.fx * iz, gv * k.fy * iz,
                                    -(gu * k.fx * xc.x + gv * k.fy * xc.y) * iz * iz)
                    return r.transposed * dxc
                }
            }
        }
        guard let truth = t.truth else {
            stats.ignored += 1
            return .zero
        }
        stats.distance += 1
        stats.loss += dist
        guard dist > 1e-12 else { return .zero }
        return (y - SIMD3<Double>(Double(truth.x), Double(truth.y), Double(truth.z))) / dist
    }
}
