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
        try SceneCoordinateNetwork.correspondences(prediction, width: features.width, height: features.height,
                                                   sceneMean: sceneMean)
    }
}
