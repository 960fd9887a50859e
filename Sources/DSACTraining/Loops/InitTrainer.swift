import DSAC
import DSACData
import Foundation

/// One line of the training log (JSON lines; keys stable).
public struct TrainingLogLine: Codable, Sendable, Equatable {
    public var stage: String
    public var iteration: Int
    public var loss: Double
    public var learning_rate: Double
    /// Init stage: fraction of cells under the reprojection loss, mean 3D error (m), mean reprojection error (px)
    /// (0 in the e2e stage).
    public var reprojection_fraction: Double
    public var mean_distance_m: Double
    public var mean_reprojection_px: Double
    /// init: cells per second; e2e: frames per second.
    public var samples_per_s: Double
    public var elapsed_s: Double
    /// e2e stage only: fraction of frames whose argmax hypothesis is within 5 cm / 5°, frames skipped (no valid
    /// hypothesis).
    public var within_5cm_5deg: Double? = nil
    public var skipped_frames: Int? = nil
    /// Contrastive pre-training only: fraction of matches whose true position outscored every other cell.
    public var match_top1: Double? = nil
}

/// The scene-coordinate-loss statistics gathered since the last log line of a stage (init, network, pretrain),
/// and the next line when one is due: every `every`-th iteration and the last.
struct LossLogWindow {
    let stage: String
    let every: Int
    let total: Int
    private let start = ContinuousClock.now
    private var windowStart = ContinuousClock.now
    private var stats = LossStatistics()
    private var samples = 0

    init(stage: String, every: Int, total: Int) {
        self.stage = stage
        self.every = max(1, every)
        self.total = total
    }

    mutating func add(_ s: LossStatistics, samples n: Int) {
        stats.merge(s)
        samples += n
    }

    /// After iteration `done` (1-based): the progress line if it is due, and a fresh window.
    mutating func progress(after done: Int, learningRate: Double) -> TrainingProgress? {
        guard done % every == 0 || done == total else { return nil }
        let now = ContinuousClock.now
        let w = stats
        let counted = Double(w.reprojection + w.distance + w.ignored)
        let line = TrainingLogLine(
            stage: stage, iteration: done, loss: w.loss / Double(max(1, samples)), learning_rate: learningRate,
            reprojection_fraction: Double(w.reprojection) / max(1, counted),
            mean_distance_m: w.meanDistance / Double(max(1, w.distanceCount)),
            mean_reprojection_px: w.meanReprojection / Double(max(1, w.reprojection)),
            samples_per_s: Double(samples) / max(1e-9, InitTrainer.seconds(now - windowStart)),
            elapsed_s: InitTrainer.seconds(now - start))
        stats = LossStatistics()
        samples = 0
        windowStart = now
        return TrainingProgress(iteration: done, total: total, line: line)
    }
}

/// What the trainer tells its caller as it goes.
public struct TrainingProgress: Sendable {
    public var iteration: Int
    public var total: Int
    public var line: TrainingLogLine
}

/// The init stage: the encoder is fixed, the head is trained on the feature buffer with DSAC*'s scene-coordinate
/// loss (ACE, Brachmann et al. CVPR 2023, on DSAC*'s loss, TPAMI 2021).
///
/// Exact resumption: iteration i draws its batch from mixSeed(seed, 2^32 + i), the buffer is rebuilt identically
/// from the seed, the kernels give the same bits on any thread count, and a checkpoint stores the head, the
/// feature statistics and the optimizer moments. A run killed after a checkpoint and resumed ends with the same
/// bits as an uninterrupted one.
public struct InitTrainer: Sendable {
    public let options: InitTrainingOptions

    public init(options: InitTrainingOptions) throws(TrainingError) {
        try options.validate()
        self.options = options
    }

    public struct Checkpointing: Sendable {
        public var path: String
        public var every: Int
        public init(path: String, every: Int) {
            self.path = path
            self.every = every
        }
    }

    /// A network ready for training: head from the training seed; the encoder from the config seed, or `encoder`
    /// (a pre-trained one, whose widths and input channels must match the config's).
    public func freshNetwork(encoder: Encoder? = nil) throws(TrainingError) -> SceneCoordinateNetwork {
        var network = try SceneCoordinateNetwork(config: options.config, headSeed: mixSeed(options.seed, 0xC0FFEE))
        if let encoder { try network.replaceEncoder(with: encoder) }
        return network
    }

    /// Trains from `start` (a fresh network, or one read from a checkpoint with its optimizer state).
    /// `log` receives every `logEvery`-th iteration and the last.
    public func train(_ buffer: FeatureBuffer, network start: SceneCoordinateNetwork,
                      resume: (iteration: Int, state: OptimizerState)? = nil, checkpointing: Checkpointing? = nil,
                      logEvery: Int = 25, log: (TrainingProgress) -> Void = { _ in }) throws(TrainingError)
        -> SceneCoordinateNetwork
    {
        var network = start
        network.featureMean = buffer.featureMean
        network.featureScale = buffer.featureScale
        network.sceneMean = buffer.sceneMean
        let o = options
        let schedule = try LearningRateSchedule.parse(o.schedule, total: o.iterations)
        var state = resume?.state ?? OptimizerState(kind: o.optimizer, parameterCount: network.head.parameterCount)
        guard state.first.count == network.head.parameterCount, state.kind == o.optimizer else {
            throw .invalidArgument("the optimizer state does not fit this network or optimizer")
        }
        let d = buffer.dimension, b = o.batchSize
        let mean = SIMD3<Double>(Double(buffer.sceneMean.x), Double(buffer.sceneMean.y), Double(buffer.sceneMean.z))
        var x = FeatureMap(channels: d, height: 1, width: b)
        var targets = [LossTarget]()
        targets.reserveCapacity(b)
        var window = LossLogWindow(stage: "init", every: logEvery, total: o.iterations)
        for iteration in (resume?.iteration ?? 0)..<o.iterations {
            var rng = SeededGenerator(seed: mixSeed(o.seed, (1 << 32) &+ UInt64(iteration)))
            targets.removeAll(keepingCapacity: true)
            buffer.features.withUnsafeBufferPointer { f in
                x.values.withUnsafeMutableBufferPointer { xv in
                    for k in 0..<b {
                        let s = rng.below(buffer.count)
                        for c in 0..<d { xv[c * b + k] = f[s * d + c] }
                        let cam = buffer.cameras[Int(buffer.frameIndex[s])]
                        let truth: SIMD3<Float>? = buffer.hasTruth[s] != 0
                            ? SIMD3(buffer.truths[3 * s], buffer.truths[3 * s + 1], buffer.truths[3 * s + 2]) : nil
                        targets.append(LossTarget(pixel: SIMD2(Double(buffer.pixels[2 * s]), Double(buffer.pixels[2 * s + 1])),
                                                  truth: truth, camFromWorld: cam.camFromWorld,
                                                  intrinsics: cam.intrinsics))
                    }
                }
            }
            let activations = try network.head.forward(x, threads: o.threads)
            let prediction = activations.prediction
            var g = FeatureMap(channels: 3, height: 1, width: b)
            var stats = LossStatistics()
            for k in 0..<b {
                let y = SIMD3(Double(prediction.values[k]), Double(prediction.values[b + k]),
                              Double(prediction.values[2 * b + k])) + mean
                let dy = SceneCoordinateLoss.evaluate(y, targets[k], options: o.loss, stats: &stats)
                g.values[k] = Float(dy.x / Double(b))
                g.values[b + k] = Float(dy.y / Double(b))
                g.values[2 * b + k] = Float(dy.z / Double(b))
            }
            guard stats.loss.isFinite else { throw .diverged("loss is \(stats.loss) at iteration \(iteration)") }
            var gradient = [Float](repeating: 0, count: network.head.parameterCount)
            _ = try network.head.backward(activations, outputGradient: g, gradient: &gradient, wantInput: false,
                                          threads: o.threads)
            let lr = schedule.rate(base: o.learningRate, iteration: iteration, total: o.iterations)
            Optimizer.update(&network.head.parameters, gradient: gradient, state: &state, learningRate: lr)
            window.add(stats, samples: b)
            let done = iteration + 1
            if let p = window.progress(after: done, learningRate: lr) { log(p) }
            if let checkpointing, checkpointing.every > 0, done % checkpointing.every == 0, done < o.iterations {
                try Self.writeCheckpoint(network, state: state, iteration: done, stage: "init",
                                         fingerprint: o.fingerprint, to: checkpointing.path)
            }
        }
        return network
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    public static func writeCheckpoint(_ network: SceneCoordinateNetwork, state: OptimizerState, iteration: Int,
                                       stage: String, fingerprint: String, to path: String) throws(TrainingError) {
        let training = ModelFile.TrainingState(stage: stage, iteration: iteration, optimizer: state.kind,
                                               optimizerStep: state.step, fingerprint: fingerprint)
        try network.modelFile(kind: "checkpoint", training: training,
                              extra: [("optimizer_first", state.first), ("optimizer_second", state.second)])
            .write(to: path)
    }

    /// A checkpoint's network, optimizer state and iteration, refused when its fingerprint or stage differs.
    public static func readCheckpoint(_ path: String, stage: String, fingerprint: String) throws(TrainingError)
        -> (network: SceneCoordinateNetwork, iteration: Int, state: OptimizerState)
    {
        let file = try ModelFile.read(path)
        guard file.header.kind == "checkpoint", let t = file.header.training else {
            throw .modelFile(.wrongKind(path: path, found: file.header.kind, expected: "checkpoint"))
        }
        guard t.stage == stage else {
            throw .invalidArgument("\(path) is a checkpoint of the \(t.stage) stage, not \(stage)")
        }
        guard t.fingerprint == fingerprint else {
            throw .invalidArgument("\(path) was written with different training options (fingerprint \(t.fingerprint), "
                                   + "now \(fingerprint)): resume with the options of the interrupted run")
        }
        let network = try SceneCoordinateNetwork(file, path: path)
        let count = network.sceneParameterCount
        var state = OptimizerState(kind: t.optimizer, parameterCount: count)
        state.step = t.optimizerStep
        state.first = file.tensors["optimizer_first"] ?? []
        state.second = file.tensors["optimizer_second"] ?? []
        guard state.first.count == count, state.second.count == (t.optimizer == .adam ? count : 0) else {
            throw .modelFile(.tensorMismatch(path: path, tensor: "optimizer_first/second", expected: count,
                                             found: state.first.count))
        }
        return (network, t.iteration, state)
    }
}
