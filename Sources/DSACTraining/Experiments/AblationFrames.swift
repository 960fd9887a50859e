import DSAC
import DSACData
import Foundation

/// The encoder is fixed after the init stage and shared by every e2e arm, so the ablation encodes its e2e training
/// frames and its test frames once per seed (raw features; standardised with the arm's network statistics).
public struct AblationFrame: Sendable {
    public var name: String
    public var features: FeatureMap
    public var intrinsics: Intrinsics
    public var camFromWorld: Pose

    /// Encodes `indices` of `split` (no augmentation).
    public static func encode(_ provider: FrameProvider, split: Split, indices: [Int],
                              network: SceneCoordinateNetwork, imageHeight: Int, threads: Int)
        throws(TrainingError) -> [AblationFrame]
    {
        let load = LoadOptions(targetHeight: imageHeight, colour: network.config.inputChannels == 1 ? .grey : .rgb,
                               sceneCoordinates: false, stride: NetworkConfig.outputStride)
        var out: [AblationFrame] = []
        for i in indices {
            let frame: Frame
            do { frame = try provider.frame(split, at: i, options: load) } catch { throw .data(error) }
            out.append(AblationFrame(name: frame.name, features: try network.features(frame.image, threads: threads),
                                     intrinsics: frame.intrinsics, camFromWorld: frame.camFromWorld))
        }
        return out
    }

    /// Standardised with a network's statistics, as a batch of cells (channels × 1 × cells).
    func standardized(_ network: SceneCoordinateNetwork) -> FeatureMap {
        var f = features
        network.standardize(&f)
        return FeatureMap(channels: f.channels, height: 1, width: f.plane, values: f.values)
    }

    /// Correspondences of a head prediction (3 × cells, planar, relative to the scene mean): cell (r, c) at pixel
    /// (8c + 4, 8r + 4), row-major.
    func correspondences(_ prediction: FeatureMap, sceneMean: SIMD3<Float>) throws(DSACError) -> Correspondences {
        let cells = features.plane, p = prediction.values
        var px = [Float](), py = [Float](), sx = [Float](), sy = [Float](), sz = [Float]()
        px.reserveCapacity(cells)
        for r in 0..<features.height {
            for c in 0..<features.width {
                let i = r * features.width + c
                px.append(Float(8 * c + 4))
                py.append(Float(8 * r + 4))
                sx.append(p[i] + sceneMean.x)
                sy.append(p[cells + i] + sceneMean.y)
                sz.append(p[2 * cells + i] + sceneMean.z)
            }
        }
        return try Correspondences(pixelX: px, pixelY: py, sceneX: sx, sceneY: sy, sceneZ: sz)
    }
}
