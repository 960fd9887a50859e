import ArgumentParser
import DSAC
import DSACData
import DSACTraining
import Foundation

/// `dsac experiment …`: the paper's experiments as commands anyone can run.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment", abstract: "Reproduce the paper's experiments.",
        subcommands: [AblationCommand.self])
}

/// `dsac experiment ablation`: componentwise vs end-to-end DSAC vs SoftAM vs the learned score (CVPR 2017, Table 1).
struct AblationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ablation",
        abstract: "Train and test (a) componentwise, (b) e2e DSAC, (c) e2e SoftAM, (d) DSAC with the learned score.",
        discussion: """
            --head memory (the default): (a) is a memory head over the encoder's descriptors of the mapping run (no \
            training), and the e2e arms train its values; --head mlp: (a) trains a regression head (whole network, \
            or --ace-init). Without --dataset, runs on the built-in synthetic room (rendered on the fly at 640×480 \
            for the memory head, 320×240 for the mlp head).
            """)

    @Option(help: "Data set folder (7-Scenes, 12-Scenes, Cambridge or DSAC*-style); default: the synthetic room.")
    var dataset: String?
    @Option(help: "memory (a memory head; e2e trains its values) or mlp (a trained regression head).") var head = "memory"
    @Option(help: "memory: the encoder, 'bundled' (pre-trained, shipped with the package), 'random', or a model file.")
    var encoder = "bundled"
    @Option(help: "Wall-clock budget in minutes; iteration counts are sized to fit it.") var budget = 20.0
    @Option(help: "Write the result as JSON here.") var json: String?
    @Option(help: "Write an SVG bar chart here.") var plot: String?
    @Option(help: "Seeds (≥ 3 for a standard error worth reading).") var seeds = 3
    @Option(name: .customLong("seed"), help: "First seed.") var seed: UInt64 = 1
    @Option(name: .customLong("init-iterations"), help: "Init-stage iterations (default: from the budget).")
    var initIterations: Int?
    @Option(name: .customLong("e2e-iterations"), help: "e2e frames per arm (default: from the budget).")
    var e2eIterations: Int?
    @Option(name: .customLong("score-iterations"), help: "Score-CNN pre-training updates.") var scoreIterations = 150
    @Option(name: .customLong("train-frames"), help: "Training frames used (evenly spaced).") var trainFrames = 1200
    @Option(name: .customLong("test-frames"), help: "Test frames used (evenly spaced).") var testFrames = 50
    @Option(name: .customLong("e2e-frames"),
            help: "memory: training frames the e2e arms draw from (evenly spaced; each holds 3.7 MB of features).")
    var e2eFrames = AblationOptions().memoryE2EFrames
    @Option(name: .customLong("image-height"), help: "Images are resized to this height (memory default 480, mlp 120).")
    var imageHeight: Int?
    @Option(name: .customLong("buffer-size"), help: "Init-stage buffered cells.") var bufferSize = 200_000
    @Option(help: "Hypotheses per frame.") var hypotheses = 64
    @Option(name: .customLong("entropy-target"), help: "Entropy target (bits) of the learned-score arm.")
    var entropyTarget: Double?
    @Option(name: .customLong("softam-average-weight"), help: "w in SoftAM's E = ℓ(refine(h̄)) + w·ℓ(h̄).")
    var softamAverageWeight = 1.0
    @Option(name: .customLong("head-width"), help: "Head width.") var headWidth = NetworkConfig.default.headWidth
    @Flag(name: .customLong("ace-init"),
          help: "Componentwise stage with ACE's recipe (fixed random encoder) instead of whole-network training.")
    var aceInit = false
    @Flag(name: .customLong("tiny"), help: "The tiny test network (smoke runs).") var tiny = false
    @Option(help: "Kernel threads.") var threads = 2
    @Flag(help: "No progress lines.") var quiet = false

    func validate() throws {
        guard budget > 0, budget.isFinite else { throw ValidationError("--budget must be positive") }
        guard (1...100).contains(seeds) else { throw ValidationError("--seeds must be in 1...100") }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be in 1...64") }
        guard trainFrames >= 1, testFrames >= 1, e2eFrames >= 1 else {
            throw ValidationError("--train-frames/--test-frames/--e2e-frames ≥ 1")
        }
        guard head == "memory" || head == "mlp" else { throw ValidationError("--head must be memory or mlp") }
        if let h = imageHeight, !(16...4096).contains(h) { throw ValidationError("--image-height in 16...4096") }
        guard (4...4096).contains(hypotheses) else { throw ValidationError("--hypotheses in 4...4096") }
        if let i = initIterations, i < 0 { throw ValidationError("--init-iterations ≥ 0") }
        if let i = e2eIterations, i < 0 { throw ValidationError("--e2e-iterations ≥ 0") }
    }

    func run() throws {
        do {
            let provider: FrameProvider
            if let dataset {
                provider = try Dataset.open(at: dataset)
            } else {
                // The demo's room and mapping run (1,200 frames circling it 8 times), rendered at 320×240.
                let size = head == "memory" ? (640, 480) : (320, 240)
                var s = SyntheticOptions(width: size.0, height: size.1, trainFrames: 1200, testFrames: 200)
                s.testTurns = 1
                s.trainTurns = SyntheticOptions.mappingRunTurns
                provider = try SyntheticScene(name: "room", seed: 1, options: s)
            }
            var o = AblationOptions()
            o.seeds = seeds
            o.baseSeed = seed
            o.budgetMinutes = budget
            o.initIterations = initIterations
            o.e2eIterations = e2eIterations
            o.scorePretrainIterations = scoreIterations
            o.trainFrames = trainFrames
            o.testFrames = testFrames
            o.memoryE2EFrames = e2eFrames
            o.imageHeight = imageHeight ?? (head == "memory" ? 480 : 120)
            if head == "memory" {
                o.memory = SceneMemoryOptions()
                o.encoder = try TrainingSupport.encoder(encoder)
            }
            o.bufferSize = bufferSize
            o.arm.hypotheses = hypotheses
            o.arm.softAMAverageWeight = softamAverageWeight
            o.entropyTargetBits = entropyTarget
            o.threads = threads
            o.wholeNetwork = !aceInit
            o.config = tiny ? .tiny : NetworkConfig.default
            if !tiny { o.config.headWidth = headWidth }
            let source = (dataset ?? "synthetic room (seed 1, \(head == "memory" ? "640×480" : "320×240"), 8-turn mapping run)")
                + (head == "memory" ? ", memory head, encoder \(encoder)" : ", mlp head")
            if !quiet {
                print("ablation on \(source): \(seeds) seed(s), budget \(budget) min, \(threads) thread(s)")
            }
            let quiet = self.quiet
            let report = try AblationExperiment(options: o).run(provider) { line in
                if !quiet { print(line) }
            }
            print(report.table, terminator: "")
            if let p = report.plan {
                print(String(format: "init %d iterations, e2e %d frames per arm, %d hypotheses, %d test frames; "
                             + "%.1f of %.1f min", p.init_iterations, p.e2e_iterations, p.hypotheses, p.test_frames,
                             p.elapsed_minutes, p.budget_minutes))
            }
            if let json { try report.json().write(to: URL(fileURLWithPath: json), options: .atomic) }
            if let plot {
                try report.svg(title: "DSAC ablation: \(source)").write(toFile: plot, atomically: true,
                                                                         encoding: .utf8)
            }
        } catch let e as ValidationError {
            throw e
        } catch {
            throw TrainingSupport.fail(error)
        }
    }
}
