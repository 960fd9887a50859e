import DSAC
import DSACData
import Foundation

/// The paper's experiment (Brachmann et al., CVPR 2017, Table 1): on the same data and seeds, train and test
/// (a) componentwise + argmax RANSAC, (b) end-to-end DSAC, (c) end-to-end SoftAM, (d) DSAC with the learned score.
/// Per seed: init stage (shared by all arms; in memory-head mode the memory build) → (a) tested; score CNN
/// pre-trained on the init network's predictions;
/// (b), (c), (d) each fine-tune a copy of the init network for the same frames and pools, then are tested.
///
/// Budget: unless given, iteration counts come from the budget: the init stage gets 60% of a seed's share after
/// the buffer (timed on seed 0), and after seed 0's init stage each e2e arm is timed on a few frames and the e2e
/// count is the largest that fits the rest (test time included). Every seed uses the same counts.
public struct AblationOptions: Sendable {
    public var seeds = 3
    public var baseSeed: UInt64 = 1
    public var budgetMinutes = 20.0
    public var initIterations: Int?
    public var e2eIterations: Int?
    public var scorePretrainIterations = 150
    public var maxInitIterations = 30_000
    public var maxE2EIterations = 600
    /// Frames kept (evenly spaced) for the init buffer and e2e training, and for testing.
    public var trainFrames = 1200
    public var testFrames = 50
    public var imageHeight = 120
    public var bufferSize = 200_000
    public var config = NetworkConfig.default
    public var initLearningRate = InitTrainingOptions().learningRate
    /// The componentwise stage: whole-network training (encoder and head, `NetworkTrainer`) or ACE's recipe (fixed
    /// random encoder, head on buffered features, `InitTrainer`).
    public var wholeNetwork = true
    public var networkLearningRate = NetworkTrainingOptions().learningRate
    public var arm = AblationArmOptions()
    /// Entropy target of the learned-score arm (bits); nil: half of log₂(hypotheses).
    public var entropyTargetBits: Double?
    public var threads = 2
    /// Memory-head mode: the componentwise stage builds a memory head (no training) over `encoder`'s descriptors;
    /// the e2e arms train its values. The e2e arms then use `memoryE2EFrames` of the training frames (a frame's
    /// features at full resolution are large).
    public var memory: SceneMemoryOptions?
    public var encoder: Encoder?
    public var memoryE2EFrames = 100
    public init() {}
}

public struct AblationExperiment: Sendable {
    public let options: AblationOptions
    public init(options: AblationOptions) { self.options = options }

    public func run(_ provider: FrameProvider, log: (String) -> Void = { _ in }) throws(TrainingError)
        -> AblationReport
    {
        var o = options
        guard o.seeds >= 1 else { throw .invalidArgument("need at least one seed") }
        o.arm.threads = o.threads
        let started = ContinuousClock.now
        func elapsed() -> Double { InitTrainer.seconds(ContinuousClock.now - started) }
        let budget = o.budgetMinutes * 60

        var initOptions = InitTrainingOptions()
        initOptions.config = o.config
        initOptions.threads = o.threads
        initOptions.imageHeight = o.imageHeight
        initOptions.maxFrames = o.trainFrames
        initOptions.bufferSize = o.bufferSize
        initOptions.batchSize = min(initOptions.batchSize, o.bufferSize)
        initOptions.learningRate = o.initLearningRate
        initOptions.brightness = 0
        initOptions.contrast = 0
        let trainIdx = FeatureBuffer.frameIndices(total: provider.frameCount(.train), maxFrames: o.trainFrames)
        let e2eIdx = o.memory == nil ? trainIdx : FeatureBuffer.frameIndices(
            total: provider.frameCount(.train), maxFrames: min(o.trainFrames, o.memoryE2EFrames))
        let testIdx = FeatureBuffer.frameIndices(total: provider.frameCount(.test), maxFrames: o.testFrames)
        guard !trainIdx.isEmpty, !testIdx.isEmpty else { throw .invalidArgument("need training and test frames") }

        let seeds = (0..<o.seeds).map { o.baseSeed &+ UInt64($0) }
        var initIterations = o.initIterations ?? 0
        var e2eIterations = o.e2eIterations ?? 0
        var perSeed: [AblationVariant: [EvaluationReport.Summary]] = [:]
        let entropyTarget = o.entropyTargetBits ?? 0.5 * log2(Double(o.arm.hypotheses))
        for (k, seed) in seeds.enumerated() {
            let seedStart = elapsed()
            var io = initOptions
            io.seed = seed
            let trainer = try InitTrainer(options: io)
            let fresh = try trainer.freshNetwork(encoder: o.encoder)
            var no = NetworkTrainingOptions()
            no.learningRate = o.networkLearningRate
            no.seed = seed
            no.threads = o.threads
            no.imageHeight = o.imageHeight
            no.maxFrames = o.trainFrames
            let buffer = o.wholeNetwork || o.memory != nil
                ? nil : try FeatureBuffer.build(fresh, frames: provider, options: io)
            let bufferSeconds = elapsed() - seedStart
            if k == 0 && o.initIterations == nil && o.memory == nil {
                // Iterations 5…25 of a probe, timed by the trainer's own clock: the first ones pay for decoding or
                // rendering frames that the real run caches, and would make the plan far too short.
                var marks: [Int: Double] = [:]
                if let buffer {
                    var probe = io
                    probe.iterations = 25
                    _ = try InitTrainer(options: probe).train(buffer, network: fresh, logEvery: 5) {
                        marks[$0.iteration] = $0.line.elapsed_s
                    }
                } else {
                    var probe = no
                    probe.iterations = 25
                    probe.maxFrames = 2
                    _ = try NetworkTrainer(options: probe).train(provider, network: fresh, logEvery: 5) {
                        marks[$0.iteration] = $0.line.elapsed_s
                    }
                }
                let perIteration = max(1e-6, ((marks[25] ?? 0) - (marks[5] ?? 0)) / 20)
                let share = (0.9 * budget - elapsed()) / Double(o.seeds) - bufferSeconds
                initIterations = min(o.maxInitIterations, max(50, Int(0.6 * share / perIteration)))
                log(String(format: "init (%@): %.1f ms per iteration → %d iterations per seed",
                           o.wholeNetwork ? "whole network" : "ACE head", perIteration * 1e3, initIterations))
            }
            io.iterations = initIterations
            no.iterations = initIterations
            let network: SceneCoordinateNetwork
            if var m = o.memory {
                m.seed = seed
                initIterations = 0
                network = try fresh.withMemory(from: provider, buffer: io, memory: m)
            } else if let buffer {
                network = try InitTrainer(options: io).train(buffer, network: fresh)
            } else {
                network = try NetworkTrainer(options: no).train(provider, network: fresh)
            }
            log(String(format: "seed %llu: init stage done at %.0f s", seed, elapsed()))
            // The init network's encoder is fixed from here on: encode the e2e and test frames once per seed.
            let trainFrames = try AblationFrame.encode(provider, split: .train, indices: e2eIdx, network: network,
                                                       imageHeight: o.imageHeight, threads: o.threads)
            let testFrames = try AblationFrame.encode(provider, split: .test, indices: testIdx, network: network,
                                                      imageHeight: o.imageHeight, threads: o.threads)

            // Score CNN pre-training on the init network's predictions (DSAC's componentwise score training).
            var cnn = try ScoreCNN(seed: mixSeed(seed, 0x5C0BE))
            var samples: [ScorePretrainer.Sample] = []
            for f in trainFrames {
                let p = try network.sceneHeadForward(f.standardized(network), threads: o.threads).prediction
                if let c = try? f.correspondences(p, sceneMean: network.sceneMean) {
                    samples.append(.init(correspondences: c, intrinsics: f.intrinsics, camFromWorld: f.camFromWorld,
                                         mapWidth: f.features.width, mapHeight: f.features.height))
                }
            }
            var po = ScorePretrainer.Options()
            po.iterations = o.scorePretrainIterations
            po.seed = seed
            let pre = try ScorePretrainer(options: po).train(&cnn, samples: samples)
            log(String(format: "seed %llu: score CNN pre-trained (L1 %.2f → %.2f) at %.0f s", seed, pre.first,
                       pre.last, elapsed()))

            let base = AblationModel(network: network, scoreCNN: nil, entropy: nil)
            var models: [AblationVariant: AblationModel] = [:]
            for v in AblationVariant.allCases {
                var m = base
                if v == .dsacLearnedScore {
                    m.scoreCNN = cnn
                    m.entropy = EntropyControl(targetBits: entropyTarget, alpha: 100)
                }
                models[v] = m
            }
            if k == 0 && o.e2eIterations == nil {
                // Time each e2e arm on a few frames (on throwaway copies), then size the e2e stage.
                var perFrame = 0.0
                var probeArm = o.arm
                probeArm.iterations = 3
                for v in AblationVariant.allCases where v != .componentwise {
                    var copy = models[v]!
                    let t0 = elapsed()
                    try AblationArm.train(v, model: &copy, frames: trainFrames, options: probeArm, seed: seed)
                    perFrame += (elapsed() - t0) / 3
                }
                let t0 = elapsed()
                _ = try AblationArm.test(.componentwise, model: base, frames: Array(testFrames.prefix(3)),
                                         options: o.arm)
                let testPerFrame = (elapsed() - t0) / Double(min(3, testFrames.count))
                let seedSoFar = elapsed() - seedStart
                let perSeedBudget = (0.9 * budget - (elapsed() - seedSoFar)) / Double(o.seeds)
                let testCost = testPerFrame * Double(testFrames.count) * 4 * 1.3
                let rest = perSeedBudget - seedSoFar - testCost
                // ×2: a probe on 3 frames underestimates (refinement grows as the coordinates improve).
                e2eIterations = min(o.maxE2EIterations, max(5, Int(rest / max(2 * perFrame, 1e-6))))
                log(String(format: "e2e: %.2f s per frame over the 3 arms, tests %.2f s per frame → %d e2e frames "
                           + "per arm", perFrame, testPerFrame, e2eIterations))
            }
            for v in AblationVariant.allCases {
                var m = models[v]!
                var arm = o.arm
                arm.iterations = e2eIterations
                let (updates, skipped) = try AblationArm.train(v, model: &m, frames: trainFrames, options: arm,
                                                               seed: seed)
                let results = try AblationArm.test(v, model: m, frames: testFrames, options: o.arm)
                let summary = EvaluationReport(frames: results).summary
                perSeed[v, default: []].append(summary)
                var extra = ""
                if let e = m.entropy { extra = String(format: ", α %.3g", e.alpha) }
                log(String(format: "seed %llu %@: %d updates (%d skipped)%@ → %.1f%% within 5 cm/5°, median %.2f° "
                           + "%.2f cm (%.0f s)", seed, v.rawValue, updates, skipped, extra, summary.pct_within_5cm_5deg,
                           summary.median_rot_deg, summary.median_trans_cm, elapsed()))
            }
        }
        let plan = AblationReport.Plan(
            seeds: seeds, init_iterations: initIterations, e2e_iterations: e2eIterations,
            score_pretrain_iterations: o.scorePretrainIterations, hypotheses: o.arm.hypotheses,
            image_height: o.imageHeight, train_frames: e2eIdx.count, test_frames: testIdx.count,
            budget_minutes: o.budgetMinutes, elapsed_minutes: elapsed() / 60, threads: o.threads,
            head: o.memory == nil ? "mlp" : "memory")
        return AblationReport(perSeed: perSeed, plan: plan)
    }
}
