import ArgumentParser
import DSAC
import DSACData
import DSACTraining
import Foundation

/// `dsac train`: the init stage (scene-coordinate loss) and the e2e stage (DSAC expected loss).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a scene-coordinate network on a data set (init stage, then e2e).",
        discussion: """
            init: the encoder is fixed; its features of the (augmented) training frames are buffered once and the \
            head is trained on shuffled buffered cells with DSAC*'s loss (L1 reprojection error with a √ soft clamp \
            once within --tolerance of the ground truth, the 3D distance before). network: the same loss on every cell of \
            full frames, backpropagated into the head and the encoder (DSAC*'s recipe; slower per cell than init, but \
            it learns the scene's features; no checkpoints yet). e2e: the DSAC expected pose loss \
            (64 hypotheses, soft inlier score, refinement) is backpropagated through the coordinates into the head. \
            memory: no training; the encoder (--encoder, e.g. the bundled pre-trained one) runs once over the \
            training frames and --entries cells with ground truth become a memory head: a cell's coordinate is the \
            one stored with the most similar descriptor (inverted-file search over --lists lists, --probes visited).
            --checkpoint FILE --checkpoint-every N writes a checkpoint every N iterations (atomically); after a \
            kill, the same command with --resume continues from it and ends with the same model as an \
            uninterrupted run (same seed and options; the thread count does not matter).
            """)

    @Option(help: "Data set folder (7-Scenes, 12-Scenes, Cambridge or DSAC*-style layout).") var dataset: String
    @Option(help: "init (fixed encoder, head on buffered features), network (encoder and head on full frames), memory (a memory head) or e2e.")
    var stage = "init"
    @Option(help: "e2e: the init model to start from.") var model: String?
    @Option(help: ArgumentHelp("The encoder: 'bundled' (pre-trained, shipped with the package), 'random', or a model "
                               + "file whose encoder is used (e.g. `dsac pretrain`'s). Default: bundled for memory, "
                               + "random for init and network."))
    var encoder: String?
    @Option(help: "Where to write the trained model.") var out = "model.dsacmodel"
    @Option(help: "Iterations (init: head updates on batches of buffered cells; e2e: frames).") var iterations: Int?
    @Option(name: .customLong("batch-size"), help: "init: buffered cells per update.") var batchSize = 4096
    @Option(name: .customLong("learning-rate"), help: "Base learning rate (init default 1e-2, e2e 1e-4).")
    var learningRate: Double?
    @Option(help: "adam or sgd (momentum 0.9).") var optimizer = "adam"
    @Option(help: "Learning-rate schedule: cosine (5% warm-up), constant, step:EVERY:FACTOR.") var schedule = "cosine"
    @Option(help: "Seed of everything random (augmentation, cell choice, batches, initialisation).") var seed: UInt64 = 1
    @Option(help: "Kernel threads and frame workers (results do not depend on it).") var threads = 2
    @Option(name: .customLong("buffer-size"), help: "init: buffered cells.") var bufferSize = 600_000
    @Option(name: .customLong("augment-passes"), help: "init: times each frame is encoded, each with fresh augmentation.")
    var augmentPasses = 1
    @Option(help: "Brightness jitter ±fraction (DSAC*: 0.1).") var brightness = 0.1
    @Option(help: "Contrast jitter ±fraction (DSAC*: 0.1).") var contrast = 0.1
    @Option(name: .customLong("scale-augment"), help: "network: zoom factors drawn from [1/S, S] (DSAC*, ACE: 1.5; 1: off).")
    var scaleAugment = 1.0
    @Option(name: .customLong("roll-augment"), help: "network: roll drawn from ±D degrees (ACE: 15; 0: off).")
    var rollAugment = 0.0
    @Option(name: .customLong("frames-per-step"),
            help: "network: frames per update, run side by side on the threads (results do not depend on them).")
    var framesPerStep = 1
    @Option(name: .customLong("max-frames"), help: "Use at most this many training frames (evenly spaced).")
    var maxFrames: Int?
    @Option(name: .customLong("image-height"), help: "Resize images to this height (DSAC*: 480).") var imageHeight = 480
    @Option(help: "Scene-coordinate loss: tolerance (m) before switching to the reprojection error.") var tolerance = 0.1
    @Option(help: "Network size: default or tiny.") var network = "default"
    @Option(name: .customLong("head-width"), help: "Width of the head's 1×1 layers (default 128).") var headWidth: Int?
    @Option(name: .customLong("head-blocks"), help: "Residual blocks of the head (default 1).") var headBlocks: Int?
    @Option(name: .customLong("encoder-widths"), help: "Six comma-separated encoder widths (default 16,32,64,64,64,64).")
    var encoderWidths: String?
    @Option(help: "memory: entries kept.") var entries = SceneMemoryOptions().entries
    @Option(name: .customLong("key-dimension"), help: "memory: key dimension (principal directions kept).")
    var keyDimension = SceneMemoryOptions().keyDimension
    @Option(help: "memory: inverted-file lists.") var lists = SceneMemoryOptions().lists
    @Option(help: "memory: lists each query visits.") var probes = SceneMemoryOptions().probes
    @Option(help: "Checkpoint file.") var checkpoint: String?
    @Option(name: .customLong("checkpoint-every"), help: "Write the checkpoint every N iterations.")
    var checkpointEvery = 500
    @Flag(help: "Continue from --checkpoint if it exists.") var resume = false
    @Option(help: "Training log, JSON lines (one per --log-every iterations).") var log: String?
    @Flag(help: "No progress display.") var quiet = false

    func initOptions() throws -> InitTrainingOptions {
        var o = InitTrainingOptions()
        switch network {
        case "default": o.config = .default
        case "tiny": o.config = .tiny
        default: throw ValidationError("--network must be default or tiny")
        }
        if let headWidth { o.config.headWidth = headWidth }
        if let headBlocks { o.config.headBlocks = headBlocks }
        if let encoderWidths {
            let w = encoderWidths.split(separator: ",").compactMap { Int($0) }
            guard w.count == 6 else { throw ValidationError("--encoder-widths needs six integers, got '\(encoderWidths)'") }
            o.config.encoderWidths = w
        }
        if let iterations { o.iterations = iterations }
        o.batchSize = batchSize
        if let learningRate { o.learningRate = learningRate }
        guard let kind = OptimizerKind(rawValue: optimizer) else { throw ValidationError("--optimizer: adam or sgd") }
        o.optimizer = kind
        o.schedule = schedule
        o.seed = seed
        o.threads = threads
        o.bufferSize = bufferSize
        o.augmentationPasses = augmentPasses
        o.brightness = brightness
        o.contrast = contrast
        o.maxFrames = maxFrames
        o.imageHeight = imageHeight
        o.loss.tolerance = tolerance
        return o
    }

    /// `--stage network`: encoder and head trained together on full frames with the init loss (DSAC*'s recipe).
    func runNetwork(_ data: Dataset) throws {
        guard checkpoint == nil, !resume else {
            throw ValidationErrorText("--stage network does not write or resume checkpoints yet; drop --checkpoint/--resume")
        }
        let init0 = try initOptions()
        var o = NetworkTrainingOptions()
        if let iterations { o.iterations = iterations }
        if let learningRate { o.learningRate = learningRate }
        o.schedule = schedule
        o.seed = seed
        o.threads = threads
        o.brightness = brightness
        o.contrast = contrast
        o.maxFrames = maxFrames
        o.imageHeight = imageHeight
        o.loss = init0.loss
        o.scale = scaleAugment
        o.rollDegrees = rollAugment
        o.framesPerStep = framesPerStep
        var start = try SceneCoordinateNetwork(config: init0.config, headSeed: seed)
        if let e = try TrainingSupport.encoder(encoder ?? "random") { try start.replaceEncoder(with: e) }
        let log = try TrainingSupport.Log(path: self.log, stage: "network", keepUpTo: nil)
        let bar = TrainingSupport.Bar("network", enabled: !quiet)
        let started = Date()
        let network = try NetworkTrainer(options: o).train(data, network: start) { p in
            log.write(p.line)
            bar.draw(p.iteration, p.total, TrainingSupport.progressDetail(p.line))
        }
        bar.finish()
        try network.save(out, metadata: ["stage": "network", "iterations": "\(o.iterations)", "seed": "\(seed)",
                                         "dataset": dataset])
        if !quiet { print(String(format: "network stage: %.1f s; model written to %@", Date().timeIntervalSince(started), out)) }
    }

    func memoryOptions() -> SceneMemoryOptions {
        var m = SceneMemoryOptions()
        (m.entries, m.keyDimension, m.lists, m.probes, m.seed) = (entries, keyDimension, lists, probes, seed)
        return m
    }

    func validate() throws {
        guard (try? memoryOptions().validate()) != nil, probes <= lists else {
            throw ValidationError("memory options: --entries ≥ 1, --key-dimension in 1...4096, --lists in 1...65536, "
                                  + "--probes in 1...lists (got \(entries), \(keyDimension), \(lists), \(probes))")
        }
    }

    /// `--stage memory`: the encoder's descriptors of the training cells with their coordinates (no training).
    func runMemory(_ data: Dataset) throws {
        guard checkpoint == nil, !resume else {
            throw ValidationErrorText("--stage memory takes seconds and writes no checkpoints; drop --checkpoint/--resume")
        }
        let o = try initOptions()
        let m = memoryOptions()
        var start = try SceneCoordinateNetwork(config: o.config, headSeed: seed)
        if let e = try TrainingSupport.encoder(encoder ?? "bundled") { try start.replaceEncoder(with: e) }
        let started = Date()
        let network = try TrainingSupport.buildMemory(start, provider: data, options: o, memory: m, quiet: quiet)
        try network.save(out, metadata: ["stage": "memory", "seed": "\(seed)", "dataset": dataset,
                                         "encoder": encoder ?? "bundled"])
        if !quiet {
            print(String(format: "memory stage: %d entries, %d lists, %.1f s; model written to %@",
                         network.memory?.count ?? 0, network.memory?.lists ?? 0, Date().timeIntervalSince(started), out))
        }
    }

    func run() throws {
        do {
            let data = try Dataset.open(at: dataset)
            switch stage {
            case "init":
                var o = try initOptions()
                let pretrained = try TrainingSupport.encoder(encoder ?? "random")
                if let encoder { o.encoderSource = encoder }
                _ = try TrainingSupport.runInit(
                    provider: data, options: o, output: out, checkpoint: checkpoint,
                    checkpointEvery: checkpointEvery, resume: resume, logPath: log, quiet: quiet,
                    metadata: ["dataset": dataset, "encoder": encoder ?? "random"], encoder: pretrained)
            case "network":
                try runNetwork(data)
            case "memory":
                try runMemory(data)
            case "e2e":
                guard let model else { throw ValidationErrorText("--stage e2e needs --model FILE (an init model)") }
                try E2ESupport.run(provider: data, modelPath: model, command: self)
            default:
                throw ValidationErrorText("--stage must be init, network, memory or e2e, got '\(stage)'")
            }
        } catch let e as ValidationError {
            throw e
        } catch {
            throw TrainingSupport.fail(error)
        }
    }
}
