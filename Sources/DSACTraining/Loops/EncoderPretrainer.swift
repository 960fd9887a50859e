import DSAC
import DSACData
import Foundation

/// Pre-trains the scene-agnostic encoder as ACE does (Brachmann et al., CVPR 2023, §3.3): one encoder shared by
/// several training scenes, one head per scene; each iteration takes one frame of a random scene through the
/// encoder and that scene's head under DSAC*'s loss and updates both. What the encoder learns is what tells places
/// apart in any scene, so a new scene then only needs a head (the init stage, on buffered features).
///
/// Iteration i draws its scene, frame and jitter from mixSeed(seed, 2^37 + i): the same seed gives the same encoder
/// on any thread count.
public struct EncoderPretrainer: Sendable {
    public let options: NetworkTrainingOptions

    public init(options: NetworkTrainingOptions) throws(TrainingError) {
        try options.validate()
        self.options = options
    }

    /// Trains a fresh encoder of `config` on `scenes`. The result carries the encoder with the first scene's head,
    /// feature statistics and mean, so it is also a working model of that scene.
    public func train(_ scenes: [FrameProvider], config: NetworkConfig, logEvery: Int = 25,
                      log: (TrainingProgress) -> Void = { _ in }) throws(TrainingError) -> SceneCoordinateNetwork
    {
        guard !scenes.isEmpty else { throw .invalidArgument("encoder pre-training needs at least one scene") }
        let o = options
        var sources = [NetworkTrainer.TrainingFrames]()
        var networks = [SceneCoordinateNetwork]()
        for (k, scene) in scenes.enumerated() {
            let frames = NetworkTrainer.TrainingFrames(scene, options: o, config: config)
            guard !frames.indices.isEmpty else { throw .invalidArgument("scene \(k) has no training frames") }
            var network = try SceneCoordinateNetwork(config: config, headSeed: mixSeed(o.seed, UInt64(k)))
            try frames.statistics(of: &network, count: 10, seed: mixSeed(o.seed, (1 << 38) &+ UInt64(k)))
            sources.append(frames)
            networks.append(network)
        }
        var encoder = networks[0].encoder
        let schedule = try LearningRateSchedule.parse(o.schedule, total: o.iterations)
        var encoderState = OptimizerState(kind: .adam, parameterCount: encoder.parameterCount)
        var headStates = networks.map { OptimizerState(kind: .adam, parameterCount: $0.head.parameterCount) }
        var window = LossLogWindow(stage: "pretrain", every: logEvery, total: o.iterations)
        for iteration in 0..<o.iterations {
            var rng = SeededGenerator(seed: mixSeed(o.seed, (1 << 37) &+ UInt64(iteration)))
            var jobs: [(network: SceneCoordinateNetwork, frame: Frame, supervised: [Bool]?)] = []
            var sceneOf: [Int] = []
            for _ in 0..<o.framesPerStep {
                let k = rng.below(scenes.count)
                let a = try sources[k].draw(&rng)
                networks[k].encoder = encoder
                jobs.append((networks[k], a.frame, a.supervised))
                sceneOf.append(k)
            }
            let step = try NetworkTrainer.batchGradients(jobs, loss: o.loss, threads: o.threads)
            guard step.stats.loss.isFinite, step.encoder.allSatisfy(\.isFinite) else {
                throw .diverged("non-finite loss or encoder gradient at iteration \(iteration) (scenes \(sceneOf))")
            }
            let lr = schedule.rate(base: o.learningRate, iteration: iteration, total: o.iterations)
            // Each scene's head: the sum of its frames' shares, one update.
            for k in Set(sceneOf).sorted() {
                var g = [Float](repeating: 0, count: networks[k].head.parameterCount)
                for (j, scene) in sceneOf.enumerated() where scene == k {
                    for i in g.indices { g[i] += step.heads[j][i] }
                }
                Optimizer.update(&networks[k].head.parameters, gradient: g, state: &headStates[k], learningRate: lr)
            }
            Optimizer.update(&encoder.parameters, gradient: step.encoder, state: &encoderState, learningRate: lr)
            window.add(step.stats, samples: step.cells)
            if let p = window.progress(after: iteration + 1, learningRate: lr) { log(p) }
        }
        var result = networks[0]
        result.encoder = encoder
        return result
    }
}
