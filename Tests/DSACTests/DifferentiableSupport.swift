import DSAC
import Foundation

/// Shared helpers of the differentiable-layer tests.
enum DiffFixture {
    /// A small frame (N = 20 × 15 = 300 correspondences) with noise and outliers.
    static func problem(seed: UInt64, noise: Double = 1, outliers: Double = 0.3, width: Int = 160, height: Int = 120)
        -> PnPProblem
    {
        var o = SyntheticProblemOptions(noisePixels: noise, outlierFraction: outliers)
        o.width = width
        o.height = height
        o.focal = 525.0 * Double(width) / 640
        return SyntheticProblem.make(seed: seed, options: o)
    }

    /// A copy of the correspondences with scene coordinate `axis` of point `i` moved by about `delta` metres;
    /// returns the float32 step actually taken.
    static func perturbed(_ c: Correspondences, _ i: Int, axis: Int, by delta: Double) -> (Correspondences, Double) {
        var sx = c.sceneX, sy = c.sceneY, sz = c.sceneZ
        func move(_ a: inout [Float]) -> Double {
            let old = a[i]
            a[i] = Float(Double(old) + delta)
            return Double(a[i]) - Double(old)
        }
        let step = axis == 0 ? move(&sx) : axis == 1 ? move(&sy) : move(&sz)
        return (try! Correspondences(pixelX: c.pixelX, pixelY: c.pixelY, sceneX: sx, sceneY: sy, sceneZ: sz), step)
    }
}

/// |a − b| relative to the larger magnitude, with an absolute floor for values that are both tiny.
func gradientError(_ analytic: Double, _ numeric: Double, floor: Double) -> Double {
    abs(analytic - numeric) / max(abs(analytic), abs(numeric), floor)
}
