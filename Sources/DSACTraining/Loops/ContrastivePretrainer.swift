import DSAC
import DSACData
import Foundation

/// Options of contrastive encoder pre-training; defaults in one place.
public struct ContrastivePretrainingOptions: Sendable, Hashable, Codable, FingerprintedOptions {
    /// Updates (each over `pairsPerStep` pairs of views).
    public var iterations: Int = 20_000
    public var learningRate: Double = 1e-3
    /// `constant`, `cosine` or `step:EVERY:FACTOR` (after a linear warm-up over the first 5% of updates).
    public var schedule: String = "cosine"
    public var seed: UInt64 = 1
    public var threads: Int = 2
    /// Pairs per update, run side by side on the threads (one kernel thread each); gradients averaged.
    public var pairsPerStep: Int = 2
    /// The second view of a pair is at most this many frames away along the scene's mapping run.
    public var maxFrameGap: Int = 4
    /// Matches per pair (a random subset of the cells both views see).
    public var matchesPerPair: Int = 1024
    /// Softmax temperature of the InfoNCE logits (cosine similarities / τ).
    public var temperature: Double = 0.07
    /// Photometric jitter of each view, as the other stages.
    public var brightness: Double = 0.2
    public var contrast: Double = 0.2
    public var imageHeight: Int = 480

    public init() {}

    public func validate() throws(TrainingError) {
        guard iterations >= 0 else { throw .invalidArgument("iterations must be ≥ 0, got \(iterations)") }
        guard learningRate.isFinite, learningRate > 0 else { throw .invalidArgument("learning rate must be > 0") }
        guard (1...1024).contains(threads) else { throw .invalidArgument("threads must be in 1...1024") }
        guard (1...64).contains(pairsPerStep) else { throw .invalidArgument("pairs per step must be in 1...64") }
        guard (1...1000).contains(maxFrameGap) else { throw .invalidArgument("the frame gap must be in 1...1000") }
        guard (8...100_000).contains(matchesPerPair) else {
            throw .invalidArgument("matches per pair must be in 8...100000")
        }
        guard temperature.isFinite, temperature > 0 else { throw .invalidArgument("temperature must be > 0") }
        guard (0..<1).contains(brightness), (0..<1).contains(contrast) else {
            throw .invalidArgument("brightness and contrast jitter must be in [0, 1)")
        }
        guard (8...4096).contains(imageHeight) else { throw .invalidArgument("image height must be in 8...4096") }
        _ = try LearningRateSchedule.parse(schedule, total: iterations)
    }

}

/// Pre-trains the scene-agnostic encoder with `CorrespondenceLoss` on pairs of nearby views of many synthetic
/// scenes: features that stay the same when the viewpoint changes and tell places apart, which is what a scene
/// memory looks up (and what a fresh scene then needs no training for). Unlike ACE's pre-training (one head per
/// scene, `EncoderPretrainer`), every pair teaches the encoder directly; measured on the held-out demo room, a
/// nearest-neighbour look-up of its features localizes far more frames than ACE-style features after the same time.
///
/// Update i draws its pairs and jitter from mixSeed(seed, 2^41 + i); pairs are summed in order, so the encoder is
/// the same on any thread count, and a run resumed from a checkpoint ends with the same bits as an uninterrupted one.
public struct ContrastivePretrainer: Sendable {
    public let options: ContrastivePretrainingOptions
    public static let stage = "pretrain-contrastive"

    public init(options: ContrastivePretrainingOptions) throws(TrainingError) {
        try options.validate()
        self.options = options
    }

    /// What one update saw: its mean loss, the fraction of matches whose positive won, and the matches.
    public struct StepStatistics: Sendable {
        public var loss = 0.0
        public var top1 = 0.0
        public var matches = 0
    }

    /// Trains `start`'s encoder (its head and statistics are kept as they are) and returns the network.
    public func train(_ scenes: [FrameProvider], network start: SceneCoordinateNetwork,
                      resume: (iteration: Int, state: OptimizerState)? = nil,
                      checkpointing: InitTrainer.Checkpointing? = nil, logEvery: Int = 25,
                      log: (TrainingProgress) -> Void = { _ in }) throws(TrainingError) -> SceneCoordinateNetwork
    {
        let o = options
        guard !scenes.isEmpty else { throw .invalidArgument("encoder pre-training needs at least one scene") }
        for (k, scene) in scenes.enumerated() where scene.frameCount(.train) < 2 {
            throw .invalidArgument("scene \(k) has \(scene.frameCount(.train)) training frames; pairs need 2")
        }
        var network = start
        var state = resume?.state ?? OptimizerState(kind: .adam, parameterCount: network.encoder.parameterCount)
        guard state.first.count == network.encoder.parameterCount, state.kind == .adam else {
            throw .invalidArgument("the optimizer state does not fit this encoder")
        }
        let schedule = try LearningRateSchedule.parse(o.schedule, total: o.iterations)
        let warmUp = max(1, o.iterations / 20)
        let started = ContinuousClock.now
        var windowStart = started, window = StepStatistics(), windowSteps = 0, windowPairs = 0
        for iteration in (resume?.iteration ?? 0)..<o.iterations {
            var rng = SeededGenerator(seed: mixSeed(o.seed, (1 << 41) &+ UInt64(iteration)))
            var pairs: [Pair] = []
            for _ in 0..<o.pairsPerStep {
                let scene = scenes[rng.below(scenes.count)]
                let n = scene.frameCount(.train)
                let i = rng.below(n)
                var j = i
                while j == i { j = min(n - 1, max(0, i + rng.below(2 * o.maxFrameGap + 1) - o.maxFrameGap)) }
                pairs.append(Pair(scene: scene, first: i, second: j, seed: rng.next()))
            }
            let (gradient, stats) = try Self.gradient(network.encoder, pairs: pairs, options: o)
            let rate = schedule.rate(base: o.learningRate, iteration: iteration, total: o.iterations)
                * min(1, Double(iteration + 1) / Double(warmUp))
            if stats.matches > 0 {
                guard gradient.allSatisfy(\.isFinite), stats.loss.isFinite else {
                    throw .diverged("non-finite contrastive loss or gradient at iteration \(iteration)")
                }
                Optimizer.update(&network.encoder.parameters, gradient: gradient, state: &state, learningRate: rate)
            }
            window.loss += stats.loss
            window.top1 += stats.top1
            window.matches += stats.matches
            windowSteps += 1
            windowPairs += pairs.count
            let done = iteration + 1
            if done % max(1, logEvery) == 0 || done == o.iterations {
                let now = ContinuousClock.now
                var line = TrainingLogLine(
                    stage: Self.stage, iteration: done, loss: window.loss / Double(windowSteps), learning_rate: rate,
                    reprojection_fraction: 0, mean_distance_m: 0, mean_reprojection_px: 0,
                    samples_per_s: Double(windowPairs) / max(1e-9, InitTrainer.seconds(now - windowStart)),
                    elapsed_s: InitTrainer.seconds(now - started))
                line.match_top1 = window.top1 / Double(windowSteps)
                log(TrainingProgress(iteration: done, total: o.iterations, line: line))
                (window, windowSteps, windowPairs, windowStart) = (StepStatistics(), 0, 0, now)
            }
            if let checkpointing, checkpointing.every > 0, done % checkpointing.every == 0, done < o.iterations {
                try InitTrainer.writeCheckpoint(network, state: state, iteration: done, stage: Self.stage,
                                                fingerprint: o.fingerprint, to: checkpointing.path)
            }
        }
        return network
    }

    /// Two training frames of one scene, and the seed of their jitter and matches.
    struct Pair: @unchecked Sendable {
        var scene: FrameProvider
        var first: Int
        var second: Int
        var seed: UInt64
    }

    /// The mean gradient of the encoder's parameters over the pairs (each pair: both views loaded, jittered, through
    /// the encoder, `CorrespondenceLoss` between them), pairs side by side on the threads and summed in order.
    static func gradient(_ encoder: Encoder, pairs: [Pair], options o: ContrastivePretrainingOptions)
        throws(TrainingError) -> ([Float], StepStatistics)
    {
        final class Slots: @unchecked Sendable {
            var gradients: [[Float]?]
            var stats: [StepStatistics]
            var errors: [TrainingError?]
            init(_ n: Int) {
                gradients = Array(repeating: nil, count: n)
                stats = Array(repeating: StepStatistics(), count: n)
                errors = Array(repeating: nil, count: n)
            }
        }
        let n = pairs.count, slots = Slots(n)
        let workers = max(1, min(o.threads, n)), kernelThreads = max(1, o.threads / workers)
        @Sendable func one(_ k: Int) throws(TrainingError) {
            let pair = pairs[k]
            var rng = SeededGenerator(seed: pair.seed)
            let load = LoadOptions(targetHeight: o.imageHeight, colour: encoder.config.inputChannels == 1 ? .grey : .rgb,
                                   sceneCoordinates: true, stride: NetworkConfig.outputStride)
            var a: Frame, b: Frame
            do {
                a = try pair.scene.frame(.train, at: pair.first, options: load)
                b = try pair.scene.frame(.train, at: pair.second, options: load)
            } catch { throw .data(error) }
            FeatureBuffer.jitter(&a.image, brightness: o.brightness, contrast: o.contrast, rng: &rng)
            FeatureBuffer.jitter(&b.image, brightness: o.brightness, contrast: o.contrast, rng: &rng)
            let matches = CorrespondenceLoss.matches(from: a, to: b, stride: NetworkConfig.outputStride,
                                                     maxCount: o.matchesPerPair, rng: &rng)
            guard matches.count >= 8 else { return }  // views that barely overlap teach nothing
            let channels = encoder.config.inputChannels
            let ea = try encoder.forward(SceneCoordinateNetwork.input(a.image, channels: channels),
                                         threads: kernelThreads)
            let eb = try encoder.forward(SceneCoordinateNetwork.input(b.image, channels: channels),
                                         threads: kernelThreads)
            let r = try CorrespondenceLoss.evaluate(ea.features, eb.features, matches: matches,
                                                    temperature: Float(o.temperature), threads: kernelThreads)
            var g = [Float](repeating: 0, count: encoder.parameterCount)
            try encoder.backward(ea, featureGradient: r.gradientA, gradient: &g, threads: kernelThreads)
            try encoder.backward(eb, featureGradient: r.gradientB, gradient: &g, threads: kernelThreads)
            slots.gradients[k] = g
            slots.stats[k] = StepStatistics(loss: r.loss, top1: r.top1, matches: matches.count)
        }
        if workers == 1 {
            for k in 0..<n { try one(k) }
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for k in stride(from: w, to: n, by: workers) {
                    do throws(TrainingError) { try one(k) } catch { slots.errors[k] = error }
                }
            }
            if let e = slots.errors.compactMap({ $0 }).first { throw e }
        }
        var total = [Float](repeating: 0, count: encoder.parameterCount)
        var stats = StepStatistics(), used = 0
        for k in 0..<n {
            guard let g = slots.gradients[k] else { continue }
            for i in total.indices { total[i] += g[i] }
            stats.loss += slots.stats[k].loss
            stats.top1 += slots.stats[k].top1
            stats.matches += slots.stats[k].matches
            used += 1
        }
        guard used > 0 else { return (total, stats) }
        let scale = 1 / Float(used)
        for i in total.indices { total[i] *= scale }
        stats.loss /= Double(used)
        stats.top1 /= Double(used)
        return (total, stats)
    }

    /// A checkpoint of this stage: the network, the encoder's optimizer state and the iteration, refused when its
    /// fingerprint differs.
    public static func readCheckpoint(_ path: String, fingerprint: String) throws(TrainingError)
        -> (network: SceneCoordinateNetwork, iteration: Int, state: OptimizerState)
    {
        let file = try ModelFile.read(path)
        guard file.header.kind == "checkpoint", let t = file.header.training else {
            throw .modelFile(.wrongKind(path: path, found: file.header.kind, expected: "checkpoint"))
        }
        guard t.stage == stage else { throw .invalidArgument("\(path) is a checkpoint of the \(t.stage) stage, not \(stage)") }
        guard t.fingerprint == fingerprint else {
            throw .invalidArgument("\(path) was written with different training options (fingerprint \(t.fingerprint), "
                                   + "now \(fingerprint)): resume with the options of the interrupted run")
        }
        let network = try SceneCoordinateNetwork(file, path: path)
        var state = OptimizerState(kind: .adam, parameterCount: network.encoder.parameterCount)
        state.step = t.optimizerStep
        state.first = file.tensors["optimizer_first"] ?? []
        state.second = file.tensors["optimizer_second"] ?? []
        guard state.first.count == network.encoder.parameterCount, state.second.count == state.first.count else {
            throw .modelFile(.tensorMismatch(path: path, tensor: "optimizer_first/second",
                                             expected: network.encoder.parameterCount, found: state.first.count))
        }
        return (network, t.iteration, state)
    }
}
