import ArgumentParser
import DSAC
import DSACData
import DSACTraining
import Foundation

/// The built-in default job, the whole story with no downloads: render a synthetic room, train the init stage
/// (and e2e when asked), localize the held-out test trajectory, print the table, write the plot and the report to
/// demo-output/. `--localizer-only` runs the geometry-only table of earlier versions (synthetic PnP problems).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Synthesize a scene, train a network (init, optionally e2e), test it; no downloads.")

    @Option(help: "Output folder.") var out = "demo-output"
    @Option(name: .customLong("train-frames"), help: "Training frames rendered.") var trainFrames = 800
    @Option(name: .customLong("test-frames"), help: "Held-out test frames rendered.") var testFrames = 200
    @Option(help: "Init-stage iterations.") var iterations = 4000
    @Option(name: .customLong("e2e-iterations"), help: "e2e-stage frames (0: skip the stage).") var e2eIterations = 100
    @Option(name: .customLong("buffer-size"), help: "Buffered cells.") var bufferSize = 800_000
    @Option(help: "Kernel threads.") var threads = 2
    @Option(help: "Seed of the scene and of training.") var seed: UInt64 = 1
    @Option(name: .customLong("head-width"), help: "Width of the head's 1×1 layers.") var headWidth = NetworkConfig.default.headWidth
    @Option(name: .customLong("head-blocks"), help: "Residual blocks of the head.") var headBlocks = NetworkConfig.default.headBlocks
    @Option(name: .customLong("learning-rate"), help: "Init-stage learning rate.") var learningRate = InitTrainingOptions().learningRate
    @Flag(name: .customLong("localizer-only"), help: "Only the geometry table on synthetic PnP problems.")
    var localizerOnly = false
    @Flag(help: "No progress display.") var quiet = false

    func run() throws {
        if localizerOnly { return try LocalizerDemo().run() }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let started = Date()
            var synthetic = SyntheticOptions(width: 640, height: 480, trainFrames: trainFrames, testFrames: testFrames)
            synthetic.testTurns = 1
            let scene = try SyntheticScene(name: "room", seed: seed, options: synthetic)
            print("demo: synthetic scene '\(scene.name)' (seed \(seed)), \(trainFrames) training and \(testFrames) "
                  + "held-out test frames at 640×480, rendered on the fly; \(threads) thread(s)")
            var o = InitTrainingOptions()
            o.iterations = iterations
            o.bufferSize = bufferSize
            o.threads = threads
            o.seed = seed
            o.config.headWidth = headWidth
            o.config.headBlocks = headBlocks
            o.learningRate = learningRate
            var (network, initSeconds) = try TrainingSupport.runInit(
                provider: scene, options: o, output: out + "/model-init.dsacmodel", checkpoint: nil,
                checkpointEvery: 0, resume: false, logPath: out + "/train-log.jsonl", quiet: quiet,
                metadata: ["dataset": "synthetic room seed \(seed)"])
            var e2eSeconds = 0.0
            if e2eIterations > 0 {
                var e = E2ETrainingOptions()
                e.iterations = e2eIterations
                e.threads = threads
                e.seed = seed
                (network, e2eSeconds) = try E2ESupport.run(
                    provider: scene, options: e, modelPath: nil, start: network, output: out + "/model.dsacmodel",
                    checkpoint: nil, checkpointEvery: 0, resume: false, logPath: out + "/train-log.jsonl", quiet: quiet)
            } else {
                try network.save(out + "/model.dsacmodel", metadata: ["stage": "init"])
            }
            let evaluator = Evaluator(network: network, threads: threads)
            let bar = TrainingSupport.Bar("test  ", enabled: !quiet)
            let frames = try evaluator.run(scene, indices: Array(0..<testFrames)) { d, t in bar.draw(d, t, "frames") }
            bar.finish()
            let report = EvaluationReport(frames: frames)
            try TrainingSupport.writeReport(report, json: out + "/report.json", plot: out + "/errors.svg",
                                            title: "dsac demo: synthetic room, held-out trajectory")
            let f = network.flops(width: 640, height: 480)
            print(String(format: "network: %d parameters, %.2f GFLOP per 640×480 frame; init %.0f s, e2e %.0f s, "
                         + "total %.0f s", network.parameterCount, Double(f.encoder + f.head) / 1e9, initSeconds,
                         e2eSeconds, Date().timeIntervalSince(started)))
            TrainingSupport.printSummary(report)
            print("wrote \(out)/report.json, \(out)/errors.svg, \(out)/model.dsacmodel, \(out)/train-log.jsonl")
        } catch {
            throw TrainingSupport.fail(error)
        }
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
