import DSAC
import DSACData
import Foundation

/// Options of the end-to-end stage; defaults in one place.
public struct E2ETrainingOptions: Sendable, Hashable, Codable, FingerprintedOptions {
    /// Frames (one DSAC forward/backward each).
    public var iterations: Int = 300
    public var learningRate: Double = 1e-4
    public var optimizer: OptimizerKind = .adam
    public var schedule: String = "constant"
    public var seed: UInt64 = 1
    public var threads: Int = 2
    /// Hypotheses of the layer (DSAC*: 64).
    public var hypotheses: Int = 64
    public var brightness: Double = 0.1
    public var contrast: Double = 0.1
    public var maxFrames: Int?
    public var imageHeight: Int = 480

    public init() {}

    public func validate() throws(TrainingError) {
        guard iterations >= 0 else { throw .invalidArgument("iterations must be ≥ 0") }
        guard learningRate.isFinite, learningRate > 0 else { throw .invalidArgument("learning rate must be > 0") }
        guard (1...1024).contains(threads) else { throw .invalidArgument("threads must be in 1...1024") }
        guard (1...4096).contains(hypotheses) else { throw .invalidArgument("hypotheses must be in 1...4096") }
        _ = try LearningRateSchedule.parse(schedule, total: iterations)
    }
}

/// The end-to-end stage (DSAC*, TPAMI 2021 §3.3): per frame, the head's coordinates go through the differentiable
/// DSAC layer (the `ExpectedLoss` of module DSAC: hypotheses, soft inlier scores, softmax, refinement, the pose
/// loss of DSAC*), and dE/d(coordinates) is backpropagated into the head; the encoder stays fixed. With a memory
/// head, the gradient of each cell's coordinate goes to the value of the entry it was read from.
/// Frame i and its pool come from mixSeed(seed, 2^40 + i): resumable exactly like the init stage.
public struct E2ETrainer: Sendable {
    public let options: E2ETrainingOptions

    public init(options: E2ETrainingOptions) throws(TrainingError) {
        try options.validate()
        self.options = options
    }

    public func train(_ provider: FrameProvider, network start: SceneCoordinateNetwork,
                      resume: (iteration: Int, state: OptimizerState)? = nil,
                      checkpointing: InitTrainer.Checkpointing? = nil, logEvery: Int = 10,
                      log: (TrainingProgress) -> Void = { _ in }) throws(TrainingError) -> SceneCoordinateNetwork
    {
        let o = options
        var network = start
        let indices = FeatureBuffer.frameIndices(total: provider.frameCount(.train), maxFrames: o.maxFrames)
        guard !indices.isEmpty else { throw .invalidArgument("the data set has no training frames") }
        let schedule = try LearningRateSchedule.parse(o.schedule, total: o.iterations)
        let parameterCount = network.sceneParameterCount
        var state = resume?.state ?? OptimizerState(kind: o.optimizer, parameterCount: parameterCount)
        guard state.first.count == parameterCount else {
            throw .invalidArgument("the optimizer state holds \(state.first.count) parameters, the network trains "
                                   + "\(parameterCount)")
        }
        let load = LoadOptions(targetHeight: o.imageHeight, colour: network.config.inputChannels == 1 ? .grey : .rgb,
                               sceneCoordinates: false, stride: NetworkConfig.outputStride)
        var layerOptions = ExpectedLossOptions()
        layerOptions.hypotheses = o.hypotheses
        layerOptions.threads = o.threads
        let startTime = ContinuousClock.now
        var windowStart = startTime
        var windowLoss = 0.0, windowGood = 0, windowFrames = 0, windowSkipped = 0
        for iteration in (resume?.iteration ?? 0)..<o.iterations {
            var rng = SeededGenerator(seed: mixSeed(o.seed, (1 << 40) &+ UInt64(iteration)))
            let index = indices[rng.below(indices.count)]
            var frame: Frame
            do { frame = try provider.frame(.train, at: index, options: load) } catch { throw .data(error) }
            FeatureBuffer.jitter(&frame.image, brightness: o.brightness, contrast: o.contrast, rng: &rng)
            var f = try network.features(frame.image, threads: o.threads)
            network.standardize(&f)
            let cells = f.plane
            let x = FeatureMap(channels: f.channels, height: 1, width: cells, values: f.values)
            let pass = try network.sceneHeadForward(x, threads: o.threads)
            layerOptions.seed = rng.next()
            do {
                let c = try SceneCoordinateNetwork.correspondences(pass.prediction, width: f.width, height: f.height,
                                                                   sceneMean: network.sceneMean)
                let layer = try ExpectedLoss(options: layerOptions)
                let (forward, gradient) = try layer.evaluate(c, intrinsics: frame.intrinsics,
                                                             target: frame.camFromWorld)
                var g = FeatureMap(channels: 3, height: 1, width: cells)
                for i in 0..<cells {
                    g.values[i] = gradient.coordinates[3 * i]
                    g.values[cells + i] = gradient.coordinates[3 * i + 1]
                    g.values[2 * cells + i] = gradient.coordinates[3 * i + 2]
                }
                let grad = try network.sceneHeadGradient(pass, outputGradient: g, threads: o.threads)
                let lr = schedule.rate(base: o.learningRate, iteration: iteration, total: o.iterations)
                network.updateSceneHead(gradient: grad, state: &state, learningRate: lr)
                windowLoss += forward.expectedLoss
                windowGood += forward.report.selectedError.isWithin() ? 1 : 0
                windowFrames += 1
            } catch let e as TrainingError {
                throw e
            } catch {
                // No valid hypothesis on this frame (a bad prediction): counted, the frame gives no update.
                windowSkipped += 1
            }
            let done = iteration + 1
            if done % max(1, logEvery) == 0 || done == o.iterations {
                let now = ContinuousClock.now
                let seconds = InitTrainer.seconds(now - windowStart)
                let line = TrainingLogLine(
                    stage: "e2e", iteration: done, loss: windowLoss / Double(max(1, windowFrames)),
                    learning_rate: schedule.rate(base: o.learningRate, iteration: iteration, total: o.iterations),
                    reprojection_fraction: 0, mean_distance_m: 0, mean_reprojection_px: 0,
                    samples_per_s: Double(windowFrames + windowSkipped) / max(1e-9, seconds),
                    elapsed_s: InitTrainer.seconds(now - startTime),
                    within_5cm_5deg: Double(windowGood) / Double(max(1, windowFrames)), skipped_frames: windowSkipped)
                log(TrainingProgress(iteration: done, total: o.iterations, line: line))
                (windowLoss, windowGood, windowFrames, windowSkipped) = (0, 0, 0, 0)
                windowStart = now
            }
            if let checkpointing, checkpointing.every > 0, done % checkpointing.every == 0, done < o.iterations {
                try InitTrainer.writeCheckpoint(network, state: state, iteration: done, stage: "e2e",
                                                fingerprint: o.fingerprint, to: checkpointing.path)
            }
        }
        return network
    }
}
