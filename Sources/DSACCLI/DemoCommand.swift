import ArgumentParser
import DSAC
import DSACData
import DSACTraining
import Foundation

/// The built-in default job, the whole story with no downloads: render a synthetic room (a 1,200-frame mapping run
/// circling it 8 times, and a held-out test path), build the scene's head, optionally run e2e, localize the held-out
/// test trajectory, print the table, write the plot and the report to demo-output/.
/// `--head memory` (the default): the bundled pre-trained encoder and a memory head over the mapping run (seconds to
/// build). `--head mlp`: a regression head trained by gradient descent (by default encoder and head together on full
/// frames at height 120, `--network-iterations`; with `--network-iterations 0` ACE's recipe, a fixed encoder and the
/// head on buffered features). `--localizer-only` runs the geometry-only table (synthetic PnP problems).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Synthesize a scene, build or train its network (then optionally e2e), test it; no downloads.")

    @Option(help: "Output folder.") var out = "demo-output"
    @Option(help: "memory (bundled encoder + memory head) or mlp (a trained regression head).") var head = "memory"
    @Option(help: "memory: the encoder, 'bundled' (pre-trained, shipped with the package), 'random', or a model file.")
    var encoder = "bundled"
    @Option(name: .customLong("train-frames"), help: "Training frames rendered.") var trainFrames = 1200
    @Option(name: .customLong("train-turns"), help: "Turns of the mapping run around the room.") var trainTurns = SyntheticOptions.mappingRunTurns
    @Option(name: .customLong("test-frames"), help: "Held-out test frames rendered.") var testFrames = 200
    @Option(help: "Test-time RANSAC hypotheses (memory default 256, mlp 64).") var hypotheses: Int?
    @Option(help: "mlp, ACE recipe: init-stage iterations.") var iterations = 4000
    @Option(name: .customLong("e2e-iterations"), help: "e2e-stage frames (0: skip the stage; memory default 300, mlp 100).")
    var e2eIterations: Int?
    @Option(name: .customLong("buffer-size"), help: "mlp, ACE recipe: buffered cells.") var bufferSize = 800_000
    @Option(help: "Kernel threads.") var threads = 2
    @Option(help: "Seed of the scene and of training.") var seed: UInt64 = 1
    @Option(name: .customLong("head-width"), help: "mlp: width of the head's 1×1 layers.") var headWidth = NetworkConfig.default.headWidth
    @Option(name: .customLong("head-blocks"), help: "mlp: residual blocks of the head.") var headBlocks = NetworkConfig.default.headBlocks
    @Option(name: .customLong("learning-rate"), help: "mlp, ACE recipe: init-stage learning rate.") var learningRate = InitTrainingOptions().learningRate
    @Option(name: .customLong("network-iterations"),
            help: ArgumentHelp("mlp: frames of whole-network training (encoder and head, DSAC*'s recipe) instead of "
                               + "the ACE init stage; 0: ACE (fixed random encoder, head on buffered features)."))
    var networkIterations = 30_000
    @Option(name: .customLong("network-learning-rate"), help: "mlp: learning rate of whole-network training.")
    var networkLearningRate = 1e-3
    @Option(name: .customLong("image-height"), help: "Images are resized to this height (memory default 480, mlp 120).")
    var imageHeight: Int?
    @Flag(name: .customLong("localizer-only"), help: "Only the geometry table on synthetic PnP problems.")
    var localizerOnly = false
    @Flag(help: "No progress display.") var quiet = false

    var memoryHead: Bool { head == "memory" }
    var height: Int { imageHeight ?? (memoryHead ? 480 : 120) }

    func run() throws {
        if localizerOnly { return try LocalizerDemo().run() }
        guard head == "memory" || head == "mlp" else { throw ValidationError("--head must be memory or mlp, got '\(head)'") }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let started = Date()
            var synthetic = SyntheticOptions(width: 640, height: 480, trainFrames: trainFrames, testFrames: testFrames)
            synthetic.testTurns = 1
            synthetic.trainTurns = trainTurns
            let scene = try SyntheticScene(name: "room", seed: seed, options: synthetic)
            print("demo: synthetic scene '\(scene.name)' (seed \(seed)), \(trainFrames) training and \(testFrames) "
                  + "held-out test frames at 640×480, rendered on the fly; \(threads) thread(s)")
            var network: SceneCoordinateNetwork, initSeconds: Double
            if memoryHead {
                (network, initSeconds) = try runMemoryStage(scene)
            } else if networkIterations > 0 {
                (network, initSeconds) = try runNetworkStage(scene)
            } else {
                (network, initSeconds) = try runACEStage(scene)
            }
            var e2eSeconds = 0.0
            let e2eFrames = e2eIterations ?? (memoryHead ? 300 : 100)
            if e2eFrames > 0 {
                var e = E2ETrainingOptions()
                e.iterations = e2eFrames
                e.threads = threads
                e.seed = seed
                e.imageHeight = height
                (network, e2eSeconds) = try E2ESupport.run(
                    provider: scene, options: e, modelPath: nil, start: network, output: out + "/model.dsacmodel",
                    checkpoint: nil, checkpointEvery: 0, resume: false, logPath: out + "/train-log.jsonl", quiet: quiet)
            } else {
                try network.save(out + "/model.dsacmodel", metadata: ["stage": memoryHead ? "memory" : "init"])
            }
            var localizer = Evaluator.defaultLocalizer(for: network, threads: threads)
            if let hypotheses { localizer.hypotheses = hypotheses }
            let evaluator = Evaluator(network: network, threads: threads, imageHeight: height, localizer: localizer)
            let bar = TrainingSupport.Bar("test  ", enabled: !quiet)
            let frames = try evaluator.run(scene, indices: Array(0..<testFrames)) { d, t in bar.draw(d, t, "frames") }
            bar.finish()
            let report = EvaluationReport(frames: frames)
            try TrainingSupport.writeReport(report, json: out + "/report.json", plot: out + "/errors.svg",
                                            title: "dsac demo: synthetic room, held-out trajectory")
            let f = network.flops(width: 640, height: 480)
            let what = network.memory.map { m in
                "memory head: \(m.count) entries, \(m.lists) lists, \(m.keyDimension)-d keys"
            } ?? String(format: "%.2f GFLOP per 640×480 frame", Double(f.encoder + f.head) / 1e9)
            print(String(format: "network: %d parameters, %@; %@ %.0f s, e2e %.0f s, total %.0f s; "
                         + "%d hypotheses at test", network.parameterCount, what, memoryHead ? "memory" : "init",
                         initSeconds, e2eSeconds, Date().timeIntervalSince(started), localizer.hypotheses))
            TrainingSupport.printSummary(report)
            print("wrote \(out)/report.json, \(out)/errors.svg, \(out)/model.dsacmodel"
                  + (e2eFrames > 0 || !memoryHead ? ", \(out)/train-log.jsonl" : ""))
        } catch {
            throw TrainingSupport.fail(error)
        }
    }

    /// The memory stage: the encoder's descriptors of the mapping run's cells, each with its scene coordinate.
    func runMemoryStage(_ scene: SyntheticScene) throws -> (SceneCoordinateNetwork, Double) {
        let started = Date()
        var start = try SceneCoordinateNetwork(config: .default, headSeed: seed)
        if let e = try TrainingSupport.encoder(encoder) { try start.replaceEncoder(with: e) }
        var o = InitTrainingOptions()
        o.threads = threads
        o.seed = seed
        o.imageHeight = height
        var m = SceneMemoryOptions()
        m.seed = seed
        if !quiet {
            print("memory head: encoder \(encoder) (\(start.encoder.parameterCount) parameters), \(m.entries) entries "
                  + "from the mapping run at height \(height)")
        }
        let network = try TrainingSupport.buildMemory(start, provider: scene, options: o, memory: m, quiet: quiet)
        return (network, Date().timeIntervalSince(started))
    }

    /// Whole-network training (encoder and head together on full frames, DSAC*'s init loss).
    func runNetworkStage(_ scene: SyntheticScene) throws -> (SceneCoordinateNetwork, Double) {
        let started = Date()
        var o = NetworkTrainingOptions()
        o.iterations = networkIterations
        o.learningRate = networkLearningRate
        o.threads = threads
        o.seed = seed
        o.imageHeight = height
        var config = NetworkConfig.default
        config.headWidth = headWidth
        config.headBlocks = headBlocks
        let start = try SceneCoordinateNetwork(config: config, headSeed: seed)
        if !quiet {
            print("network: \(start.parameterCount) parameters (encoder \(start.encoder.parameterCount) and head "
                  + "\(start.head.parameterCount), trained together on \(networkIterations) frames at height \(height))")
        }
        let log = try TrainingSupport.Log(path: out + "/train-log.jsonl", stage: "network", keepUpTo: nil)
        let bar = TrainingSupport.Bar("network", enabled: !quiet)
        let network = try NetworkTrainer(options: o).train(scene, network: start) { p in
            log.write(p.line)
            bar.draw(p.iteration, p.total, TrainingSupport.progressDetail(p.line))
        }
        bar.finish()
        try network.save(out + "/model-init.dsacmodel",
                         metadata: ["stage": "network", "dataset": "synthetic room seed \(seed)"])
        return (network, Date().timeIntervalSince(started))
    }

    /// ACE's recipe: the fixed random encoder, the head trained on buffered features.
    func runACEStage(_ scene: SyntheticScene) throws -> (SceneCoordinateNetwork, Double) {
        var o = InitTrainingOptions()
        o.iterations = iterations
        o.bufferSize = bufferSize
        o.threads = threads
        o.seed = seed
        o.config.headWidth = headWidth
        o.config.headBlocks = headBlocks
        o.learningRate = learningRate
        o.imageHeight = height
        return try TrainingSupport.runInit(
            provider: scene, options: o, output: out + "/model-init.dsacmodel", checkpoint: nil,
            checkpointEvery: 0, resume: false, logPath: out + "/train-log.jsonl", quiet: quiet,
            metadata: ["dataset": "synthetic room seed \(seed)"])
    }
}

/// Localize built-in synthetic PnP problems and print a table of time and pose error per outlier level.
struct LocalizerDemo {
    var frames = 20
    var outliers = "0,0.3,0.6,0.8"
    var hypotheses = 256
    var threads = 2
    var seed: UInt64 = 1

    func run() throws {
        let fractions = try outliers.split(separator: ",").map { s -> Double in
            guard let v = Double(s.trimmingCharacters(in: .whitespaces)), (0..<1).contains(v) else {
                throw ValidationError("--outliers: '\(s)' is not a fraction in [0, 1)")
            }
            return v
        }
        var options = LocalizerOptions()
        options.hypotheses = hypotheses
        options.threads = threads
        options.seed = seed
        let localizer = try Localizer(options: options)
        print("Localizing \(frames) synthetic frames per level (640×480, 4800 correspondences, 1 px noise), "
              + "\(hypotheses) hypotheses, \(threads) thread(s)")
        print("outliers | median ms | median rot ° | median trans cm | within 5 cm/5° | failed")
        print("---------|-----------|--------------|-----------------|----------------|-------")
        for fraction in fractions {
            var ms: [Double] = [], rot: [Double] = [], trans: [Double] = []
            var within = 0, failed = 0
            for f in 0..<frames {
                let problem = SyntheticProblem.make(
                    seed: seed &* 1000 &+ UInt64(f), options: .init(outlierFraction: fraction))
                do {
                    let report = try localizer.localize(problem.correspondences, intrinsics: problem.intrinsics)
                    let error = PoseError(estimated: report.camFromWorld, truth: problem.camFromWorld)
                    ms.append(report.timings.total)
                    rot.append(error.rotationDegrees)
                    trans.append(error.translationCentimetres)
                    within += error.isWithin() ? 1 : 0
                } catch {
                    failed += 1
                }
            }
            print(String(format: "%8.2f | %9.3f | %12.4f | %15.4f | %13.1f%% | %d", fraction, median(ms),
                         median(rot), median(trans), 100 * Double(within) / Double(frames), failed))
        }
    }
}

func median(_ v: [Double]) -> Double {
    guard !v.isEmpty else { return .nan }
    let s = v.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
