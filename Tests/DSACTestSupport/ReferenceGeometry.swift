import DSAC
import Foundation

/// Float64 references the kernels are checked against, written plainly and independently of them.
public enum ReferenceGeometry {
    /// Clamped reprojection error of correspondence i, in float64.
    public static func error(_ c: Correspondences, _ i: Int, intrinsics k: Intrinsics, pose: Pose,
                             maxError: Double) -> Double {
        let X = SIMD3(Double(c.sceneX[i]), Double(c.sceneY[i]), Double(c.sceneZ[i]))
        let p = SIMD2(Double(c.pixelX[i]), Double(c.pixelY[i]))
        let x = pose.apply(X)
        guard x.z > 1e-6, x.x.isFinite, x.y.isFinite, p.x.isFinite, p.y.isFinite else { return maxError }
        let d = k.project(x) - p
        let e = (d * d).sum().squareRoot()
        return e < maxError ? e : maxError
    }

    /// The soft inlier score α Σ sig(β (τ − e)) (÷ N when normalised), float64.
    public static func score(_ c: Correspondences, intrinsics k: Intrinsics, pose: Pose, options o: ScoreOptions)
        -> (score: Double, inliers: Int)
    {
        var sum = 0.0
        var inliers = 0
        for i in 0..<c.count {
            let e = error(c, i, intrinsics: k, pose: pose, maxError: o.maxError)
            sum += 1 / (1 + exp(o.beta * (e - o.threshold)))
            if e < o.threshold { inliers += 1 }
        }
        if o.normalize { sum /= Double(c.count) }
        return (o.alpha * sum, inliers)
    }

    /// The pose moved by the perturbation model of every Jacobian: R ← exp([δω]×) R, t ← t + δt.
    public static func perturbed(_ pose: Pose, _ d: [Double]) -> Pose {
        Pose(rotation: Rotation.matrix(axisAngle: SIMD3(d[0], d[1], d[2])) * pose.rotation,
             translation: pose.translation + SIMD3(d[3], d[4], d[5]))
    }
}

/// Central differences of a vector function, step h.
public func centralDifference(_ f: ([Double]) -> [Double], at x: [Double], step h: Double) -> [[Double]] {
    // Returns J[i][j] = d f_i / d x_j.
    var columns: [[Double]] = []
    for j in x.indices {
        var a = x, b = x
        a[j] += h
        b[j] -= h
        let fa = f(a), fb = f(b)
        columns.append(zip(fa, fb).map { ($0 - $1) / (2 * h) })
    }
    return columns[0].indices.map { i in columns.map { $0[i] } }
}

/// A perturbed copy of a pose: rotation by up to `angle` radians, translation by up to `shift` metres.
public func jittered(_ pose: Pose, angle: Double, shift: Double, _ g: inout SeededGenerator) -> Pose {
    func u() -> Double { Double(g.next() >> 11) * 0x1p-53 * 2 - 1 }
    return Pose(rotation: Rotation.matrix(axisAngle: SIMD3(u(), u(), u()) * angle) * pose.rotation,
                translation: pose.translation + SIMD3(u(), u(), u()) * shift)
}
