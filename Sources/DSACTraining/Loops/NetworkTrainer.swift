import DSAC
import DSACData
import Foundation

/// Options of whole-network training (encoder and head together, on full frames, DSAC*'s init loss).
/// Defaults in one place.
public struct NetworkTrainingOptions: Sendable, Hashable, Codable {
    /// Frames (one forward/backward of the whole network each).
    public var iterations: Int = 1000
    public var learningRate: Double = 1e-3
    /// `constant`, `cosine` or `step:EVERY:FACTOR`.
    public var schedule: String = "cosine"
    public var seed: UInt64 = 1
    public var threads: Int = 2
    public var brightness: Double = 0.1
    public var contrast: Double = 0.1
    /// Geometric augmentation (`GeometricAugmentation`): zoom factors drawn log-uniformly from [1/scale, scale]
    /// (DSAC*, ACE: 1.5) and a roll drawn uniformly from ±`rollDegrees` (ACE: 15, DSAC*: 30). 1 and 0: off.
    public var scale: Double = 1
    public var rollDegrees: Double = 0
    /// Frames per update (their gradients averaged). With 2 or more threads they run side by side, one kernel
    /// thread each: on small images that is faster than splitting each frame's kernels. The result does not
    /// depend on the thread count.
    public var framesPerStep: Int = 1
    /// Use at most this many training frames (evenly spaced); nil: all.
    public var maxFrames: Int?
    public var imageHeight: Int = 480
    /// Keep every decoded (rendered) training frame and its ground truth in memory, so each is decoded once:
    /// 12 bytes per pixel (RGB float), about 0.9 MB per frame at 320×240 and 3.7 MB at 640×480.
    public var cacheFrames: Bool = true
    public var loss = SceneCoordinateLossOptions()

    public init() {}

    public func validate() throws(TrainingError) {
        guard iterations >= 0 else { throw .invalidArgument("iterations must be ≥ 0, got \(iterations)") }
        guard learningRate.isFinite, learningRate > 0 else { throw .invalidArgument("learning rate must be > 0") }
        guard (1...1024).contains(threads) else { throw .invalidArgument("threads must be in 1...1024") }
        guard (0..<1).contains(brightness), (0..<1).contains(contrast) else {
            throw .invalidArgument("brightness and contrast jitter must be in [0, 1)")
        }
        guard (8...4096).contains(imageHeight) else { throw .invalidArgument("image height must be in 8...4096") }
        guard (1...64).contains(framesPerStep) else {
            throw .invalidArgument("frames per step must be in 1...64, got \(framesPerStep)")
        }
        guard scale.isFinite, (1...4).contains(scale), rollDegrees.isFinite, (0...180).contains(rollDegrees) else {
            throw .invalidArgument("scale augmentation must be in 1...4 and roll in 0...180 degrees")
        }
        _ = try LearningRateSchedule.parse(schedule, total: iterations)
    }

    var augmentsGeometry: Bool { scale > 1 || rollDegrees > 0 }

    /// How training frames are loaded: at the training height, or (geometric augmentation) at twice it with dense
    /// ground truth, the source of the augmented views.
    func loadOptions(_ config: NetworkConfig) -> LoadOptions {
        LoadOptions(targetHeight: augmentsGeometry ? 2 * imageHeight : imageHeight,
                    colour: config.inputChannels == 1 ? .grey : .rgb, sceneCoordinates: true,
                    stride: augmentsGeometry ? 1 : NetworkConfig.outputStride)
    }

    /// A loaded frame as the network trains on it (geometric, then photometric augmentation), and which cells
    /// may be supervised (nil: all).
    func augment(_ frame: Frame, rng: inout SeededGenerator) -> (frame: Frame, supervised: [Bool]?) {
        var f = frame
        var inside: [Bool]?
        if augmentsGeometry {
            let logScale = log(scale) * (2 * uniform(&rng) - 1)
            let roll = rollDegrees * Double.pi / 180 * (2 * uniform(&rng) - 1)
            let width = max(1, (frame.image.width * imageHeight + frame.image.height / 2) / frame.image.height)
            (f, inside) = GeometricAugmentation.apply(frame, width: width, height: imageHeight, scale: exp(logScale),
                                                      roll: roll)
        }
        FeatureBuffer.jitter(&f.image, brightness: brightness, contrast: contrast, rng: &rng)
        return (f, inside)
    }
}

/// Trains the whole network (DSAC*'s init stage, TPAMI 2021 §3.2): per iteration one training frame, every output
/// cell under `SceneCoordinateLoss`, backpropagated through the head, the (fixed) feature standardisation and the
/// encoder; Adam on the encoder and on the head, each with its own moments.
/// Frame i comes from mixSeed(seed, 2^36 + i): the same seed gives the same network on any thread count.
public struct NetworkTrainer: Sendable {
    public let options: NetworkTrainingOptions

    public init(options: NetworkTrainingOptions) throws(TrainingError) {
        try options.validate()
        self.options = options
    }

    /// The per-channel feature statistics and the scene mean, from up to `frames` evenly spaced training frames
    /// (every cell): the standardisation the head sees, kept fixed while the encoder trains.
    public static func statistics(_ network: inout SceneCoordinateNetwork, provider: FrameProvider,
                                  frames: [Frame], threads: Int) throws(TrainingError) {
        let d = network.config.featureChannels
        var sum = [Double](repeating: 0, count: d), sq = [Double](repeating: 0, count: d)
        var n = 0
        var total = SIMD3<Double>.zero
        var known = 0
        for frame in frames {
            let f = try network.features(frame.image, threads: threads)
            let plane = f.plane
            for c in 0..<d {
                var s = 0.0, q = 0.0
                for i in 0..<plane {
                    let v = Double(f.values[c * plane + i])
                    s += v
                    q += v * v
                }
                sum[c] += s
                sq[c] += q
            }
            n += plane
            if let g = frame.sceneCoordinates {
                for r in 0..<g.rows {
                    for c in 0..<g.columns {
                        if let x = g[column: c, row: r] {
                            total += SIMD3(Double(x.x), Double(x.y), Double(x.z))
                            known += 1
                        }
                    }
                }
            }
        }
        network.featureMean = (0..<d).map { Float(sum[$0] / Double(max(1, n))) }
        network.featureScale = (0..<d).map { c in
            let m = sum[c] / Double(max(1, n))
            let variance = max(0, sq[c] / Double(max(1, n)) - m * m)
            return Float(1 / (variance.squareRoot() + 1e-3))
        }
        let m = known > 0 ? total / Double(known) : .zero
        network.sceneMean = SIMD3(Float(m.x), Float(m.y), Float(m.z))
    }

    /// One frame through the whole network under `SceneCoordinateLoss` (mean over the frame's cells):
    /// the loss statistics and the gradients of the head's and the encoder's parameters. The feature
    /// standardisation is held fixed (its gradient passes through the scale).
    /// Cells with `supervised[i] == false` (augmentation padding) get no loss.
    public static func gradients(_ network: SceneCoordinateNetwork, frame f: Frame, supervised: [Bool]? = nil,
                                 loss: SceneCoordinateLossOptions, threads: Int) throws(TrainingError)
        -> (stats: LossStatistics, cells: Int, head: [Float], encoder: [Float])
    {
        let mean = SIMD3<Double>(Double(network.sceneMean.x), Double(network.sceneMean.y),
                                 Double(network.sceneMean.z))
        let input = SceneCoordinateNetwork.input(f.image, channels: network.config.inputChannels)
        let ea = try network.encoder.forward(input, threads: threads)
        var x = ea.features
        network.standardize(&x)
        let cells = x.plane, width = x.width
        let flat = FeatureMap(channels: x.channels, height: 1, width: cells, values: x.values)
        let ha = try network.head.forward(flat, threads: threads)
        let p = ha.prediction.values
        var g = FeatureMap(channels: 3, height: 1, width: cells)
        var stats = LossStatistics()
        let grid = f.sceneCoordinates
        let camFromWorld = f.camFromWorld
        for i in 0..<cells where supervised?[i] ?? true {
            let c = i % width, r = i / width
            let truth = grid.flatMap { g in c < g.columns && r < g.rows ? g[column: c, row: r] : nil }
            let target = LossTarget(pixel: SIMD2(Double(8 * c + 4), Double(8 * r + 4)), truth: truth,
                                    camFromWorld: camFromWorld, intrinsics: f.intrinsics)
            let y = SIMD3(Double(p[i]), Double(p[cells + i]), Double(p[2 * cells + i])) + mean
            let dy = SceneCoordinateLoss.evaluate(y, target, options: loss, stats: &stats)
            g.values[i] = Float(dy.x / Double(cells))
            g.values[cells + i] = Float(dy.y / Double(cells))
            g.values[2 * cells + i] = Float(dy.z / Double(cells))
        }
        var headGradient = [Float](repeating: 0, count: network.head.parameterCount)
        let dx = try network.head.backward(ha, outputGradient: g, gradient: &headGradient, wantInput: true,
                                           threads: threads)!
        // Through the standardisation (x − m) · s: dL/df = dL/dx · s.
        var df = FeatureMap(channels: x.channels, height: x.height, width: x.width, values: dx.values)
        for ch in 0..<df.channels {
            let s = network.featureScale[ch]
            for i in (ch * cells)..<((ch + 1) * cells) { df.values[i] *= s }
        }
        var encoderGradient = [Float](repeating: 0, count: network.encoder.parameterCount)
        try network.encoder.backward(ea, featureGradient: df, gradient: &encoderGradient, threads: threads)
        return (stats, cells, headGradient, encoderGradient)
    }

    /// The mean of `gradients` over several (network, frame) pairs, computed side by side on up to `threads`
    /// workers and summed in order (so the bits do not depend on the thread count). Heads are returned per pair
    /// (already divided by the pair count), for callers whose pairs have different heads.
    static func batchGradients(_ jobs: [(network: SceneCoordinateNetwork, frame: Frame, supervised: [Bool]?)],
                               loss: SceneCoordinateLossOptions, threads: Int) throws(TrainingError)
        -> (stats: LossStatistics, cells: Int, heads: [[Float]], encoder: [Float])
    {
        final class Results: @unchecked Sendable {
            var steps: [(stats: LossStatistics, cells: Int, head: [Float], encoder: [Float])?]
            var errors: [TrainingError?]
            init(_ n: Int) {
                steps = Array(repeating: nil, count: n)
                errors = Array(repeating: nil, count: n)
            }
        }
        let n = jobs.count
        let results = Results(n)
        if n == 1 {
            results.steps[0] = try gradients(jobs[0].network, frame: jobs[0].frame, supervised: jobs[0].supervised,
                                             loss: loss, threads: threads)
        } else {
            let workers = max(1, min(threads, n))
            let kernelThreads = max(1, threads / workers)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for j in stride(from: w, to: n, by: workers) {
                    do {
                        results.steps[j] = try gradients(jobs[j].network, frame: jobs[j].frame,
                                                         supervised: jobs[j].supervised, loss: loss,
                                                         threads: kernelThreads)
                    } catch let e as TrainingError {
                        results.errors[j] = e
                    } catch {
                        results.errors[j] = .invalidArgument("\(error)")
                    }
                }
            }
        }
        if let e = results.errors.compactMap({ $0 }).first { throw e }
        var stats = LossStatistics(), cells = 0
        var encoder = [Float](repeating: 0, count: jobs[0].network.encoder.parameterCount)
        var heads: [[Float]] = []
        let scale = 1 / Float(n)
        for case let step? in results.steps {
            stats.merge(step.stats)
            cells += step.cells
            for i in encoder.indices { encoder[i] += step.encoder[i] }
            heads.append(step.head.map { $0 * scale })
        }
        for i in encoder.indices { encoder[i] *= scale }
        return (stats, cells, heads, encoder)
    }

    /// One data set's training frames as the whole-network stages read them: each loaded (decoded or rendered)
    /// once and kept when the options say so, drawn at random and augmented.
    final class TrainingFrames: @unchecked Sendable {
        let provider: FrameProvider
        let options: NetworkTrainingOptions
        /// The training frames in use (`maxFrames` evenly spaced).
        let indices: [Int]
        private let load: LoadOptions
        private var kept: [Int: Frame] = [:]

        init(_ provider: FrameProvider, options: NetworkTrainingOptions, config: NetworkConfig) {
            self.provider = provider
            self.options = options
            indices = FeatureBuffer.frameIndices(total: provider.frameCount(.train), maxFrames: options.maxFrames)
            load = options.loadOptions(config)
        }

        func frame(_ index: Int) throws(TrainingError) -> Frame {
            if let f = kept[index] { return f }
            let f: Frame
            do { f = try provider.frame(.train, at: index, options: load) } catch { throw .data(error) }
            if options.cacheFrames { kept[index] = f }
            return f
        }

        /// A random training frame, augmented; both drawn from `rng`.
        func draw(_ rng: inout SeededGenerator) throws(TrainingError) -> (frame: Frame, supervised: [Bool]?) {
            options.augment(try frame(indices[rng.below(indices.count)]), rng: &rng)
        }

        /// `network`'s feature statistics and scene mean from `count` evenly spaced frames, augmented from `seed`.
        func statistics(of network: inout SceneCoordinateNetwork, count: Int, seed: UInt64) throws(TrainingError) {
            var rng = SeededGenerator(seed: seed)
            var frames: [Frame] = []
            for k in FeatureBuffer.frameIndices(total: indices.count, maxFrames: count) {
                frames.append(options.augment(try frame(indices[k]), rng: &rng).frame)
            }
            try NetworkTrainer.statistics(&network, provider: provider, frames: frames, threads: options.threads)
        }
    }

    /// Trains `start` in place of its encoder and head; its feature statistics and scene mean are computed first
    /// when `computeStatistics`.
    public func train(_ provider: FrameProvider, network start: SceneCoordinateNetwork, computeStatistics: Bool = true,
                      logEvery: Int = 25, log: (TrainingProgress) -> Void = { _ in }) throws(TrainingError)
        -> SceneCoordinateNetwork
    {
        let o = options
        var network = start
        let frames = TrainingFrames(provider, options: o, config: network.config)
        guard !frames.indices.isEmpty else { throw .invalidArgument("the data set has no training frames") }
        if computeStatistics { try frames.statistics(of: &network, count: 20, seed: mixSeed(o.seed, 1 << 38)) }
        let schedule = try LearningRateSchedule.parse(o.schedule, total: o.iterations)
        var encoderState = OptimizerState(kind: .adam, parameterCount: network.encoder.parameterCount)
        var headState = OptimizerState(kind: .adam, parameterCount: network.head.parameterCount)
        var window = LossLogWindow(stage: "network", every: logEvery, total: o.iterations)
        for iteration in 0..<o.iterations {
            var rng = SeededGenerator(seed: mixSeed(o.seed, (1 << 36) &+ UInt64(iteration)))
            var jobs: [(network: SceneCoordinateNetwork, frame: Frame, supervised: [Bool]?)] = []
            for _ in 0..<o.framesPerStep {
                let a = try frames.draw(&rng)
                jobs.append((network, a.frame, a.supervised))
            }
            let step = try Self.batchGradients(jobs, loss: o.loss, threads: o.threads)
            var headGradient = step.heads[0]
            for h in step.heads.dropFirst() { for i in headGradient.indices { headGradient[i] += h[i] } }
            guard step.stats.loss.isFinite else {
                throw .diverged("loss is \(step.stats.loss) at iteration \(iteration)")
            }
            guard step.encoder.allSatisfy(\.isFinite) else { throw .diverged("non-finite encoder gradient") }
            let lr = schedule.rate(base: o.learningRate, iteration: iteration, total: o.iterations)
            Optimizer.update(&network.head.parameters, gradient: headGradient, state: &headState, learningRate: lr)
            Optimizer.update(&network.encoder.parameters, gradient: step.encoder, state: &encoderState,
                             learningRate: lr)
            window.add(step.stats, samples: step.cells)
            if let p = window.progress(after: iteration + 1, learningRate: lr) { log(p) }
        }
        return network
    }
}
