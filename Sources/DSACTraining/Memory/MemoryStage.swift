import DSAC
import DSACData
import Foundation

extension SceneCoordinateNetwork {
    /// This network with a memory head built from `provider`'s training frames: the encoder runs once over them
    /// (as the init stage buffers features: `o` gives the frames, image height, photometric jitter, seed and
    /// threads), and every buffered cell with a ground-truth coordinate becomes an entry. Seconds per thousand
    /// frames; deterministic for a seed, on any thread count.
    public func withMemory(from provider: FrameProvider, buffer o: InitTrainingOptions, memory m: SceneMemoryOptions,
                           progress: @Sendable (Int, Int) -> Void = { _, _ in }) throws(TrainingError)
        -> SceneCoordinateNetwork
    {
        try m.validate()
        var o = o
        o.bufferSize = m.entries
        let buffer = try FeatureBuffer.build(self, frames: provider, options: o, progress: progress)
        let D = buffer.dimension
        var vectors: [Float] = [], coordinates: [Float] = []
        vectors.reserveCapacity(buffer.count * D)
        coordinates.reserveCapacity(buffer.count * 3)
        for s in 0..<buffer.count where buffer.hasTruth[s] != 0 {
            vectors.append(contentsOf: buffer.features[(s * D)..<((s + 1) * D)])
            coordinates.append(contentsOf: buffer.truths[(3 * s)..<(3 * s + 3)])
        }
        guard coordinates.count >= 6 else {
            throw .invalidArgument("the training frames have \(coordinates.count / 3) cells with a ground-truth "
                                   + "coordinate; a memory head needs depth or coordinate ground truth")
        }
        var network = self
        network.featureMean = buffer.featureMean
        network.featureScale = buffer.featureScale
        network.sceneMean = buffer.sceneMean
        network.memory = try SceneMemory.build(vectors: vectors, dimension: D, coordinates: coordinates, options: m,
                                               threads: o.threads)
        return network
    }
}
