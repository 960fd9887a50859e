import DSAC
import Foundation

/// The score CNN's input: reprojection errors r_i = ‖π(R X_i + t) − x_i‖ (px) of a fixed G×G grid of the
/// correspondences of one scene-coordinate map (row-major `mapHeight × mapWidth` cells), clamped and normalised
/// as x = (min(r, clamp) − shift) / scale, and the vector–Jacobian products back into the points and the pose.
///
/// Derivatives (p = R X + t the camera point, e = (u − x, v − y) the residual, g_p = (∂r/∂p)ᵀ):
///   ∂r/∂X = Rᵀ g_p;  perturbation R(d) = exp([d_ω]×) R, t(d) = t + d_t:  ∂r/∂d_ω = (R X) × g_p, ∂r/∂d_t = g_p.
/// A clamped error (r ≥ clamp) or a point at depth < `minDepth` (error set to the clamp) has zero derivative.
public struct ErrorImage: Sendable {
    public let grid: Int
    /// Correspondence index of each grid cell (G² values, row-major): cell ((gy + ½)·H/G, (gx + ½)·W/G).
    public let indices: [Int]
    public let clamp: Double, shift: Double, scale: Double
    /// Camera depth (m) below which a point counts as behind the camera.
    public static let minDepth = 0.01

    public init(config: ScoreCNNConfig, mapWidth: Int, mapHeight: Int) {
        grid = config.grid
        clamp = config.clamp
        shift = config.shift
        scale = config.scale
        var idx: [Int] = []
        for gy in 0..<grid {
            let r = min(mapHeight - 1, Int((Double(gy) + 0.5) * Double(mapHeight) / Double(grid)))
            for gx in 0..<grid {
                let c = min(mapWidth - 1, Int((Double(gx) + 0.5) * Double(mapWidth) / Double(grid)))
                idx.append(r * mapWidth + c)
            }
        }
        indices = idx
    }

    /// The normalised image (1×G×G) and, per cell, g_p scaled by 1/scale (zero where the error is clamped).
    public func image(_ c: Correspondences, intrinsics k: Intrinsics, pose: Pose)
        -> (image: FeatureMap, dPixel: [SIMD3<Double>])
    {
        var values = [Float](repeating: 0, count: grid * grid)
        var d = [SIMD3<Double>](repeating: .zero, count: grid * grid)
        for (cell, i) in indices.enumerated() {
            let x = SIMD3(Double(c.sceneX[i]), Double(c.sceneY[i]), Double(c.sceneZ[i]))
            let p = pose.apply(x)
            var r = clamp
            if p.z >= Self.minDepth {
                let u = k.fx * p.x / p.z + k.cx - Double(c.pixelX[i])
                let v = k.fy * p.y / p.z + k.cy - Double(c.pixelY[i])
                let rr = (u * u + v * v).squareRoot()
                if rr < clamp {
                    r = rr
                    if rr > 1e-12 {
                        let du = u / rr, dv = v / rr
                        d[cell] = SIMD3(du * k.fx / p.z, dv * k.fy / p.z,
                                        -(du * k.fx * p.x + dv * k.fy * p.y) / (p.z * p.z)) / scale
                    }
                }
            }
            values[cell] = Float((r - shift) / scale)
        }
        return (FeatureMap(channels: 1, height: grid, width: grid, values: values), d)
    }

    /// Adds dL/dX (N×3 interleaved) and returns dL/d(d_ω, d_t) given dL/d(image) for one pose.
    public func backward(_ c: Correspondences, pose: Pose, dPixel: [SIMD3<Double>], dImage: [Float],
                         coordinates: inout [Double]) -> [Double] {
        var gw = SIMD3<Double>.zero, gt = SIMD3<Double>.zero
        let rt = pose.rotation.transposed
        for (cell, i) in indices.enumerated() {
            let gp = Double(dImage[cell]) * dPixel[cell]
            if gp == .zero { continue }
            let x = SIMD3(Double(c.sceneX[i]), Double(c.sceneY[i]), Double(c.sceneZ[i]))
            let dx = rt * gp
            coordinates[3 * i] += dx.x
            coordinates[3 * i + 1] += dx.y
            coordinates[3 * i + 2] += dx.z
            gw += cross(pose.rotation * x, gp)
            gt += gp
        }
        return [gw.x, gw.y, gw.z, gt.x, gt.y, gt.z]
    }
}
