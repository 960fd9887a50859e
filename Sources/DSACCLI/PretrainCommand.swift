import ArgumentParser
import DSAC
import DSACData
import DSACTraining
import Foundation

/// `dsac pretrain`: the scene-agnostic encoder, trained on synthetic scenes that are not the demo room, either
/// contrastively on pairs of views (the default, `ContrastivePretrainer`) or ACE-style with one head per scene
/// (`EncoderPretrainer`).
struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pre-train the shared encoder on synthetic scenes (contrastive pairs, or one head per scene as ACE).",
        discussion: """
            Scenes are rendered on the fly from PRESET:SEED pairs (presets: \
            \(SyntheticScene.sceneNames.joined(separator: ", "))), each with a surface detail drawn from \
            --detail-range. The defaults leave out the demo scene (room, seed 1) so that the demo measures an \
            encoder that never saw it. The model written holds the encoder (and, for --objective heads, the first \
            scene's head); `dsac train --encoder FILE` starts a new scene from it.
            """)

    enum Objective: String, ExpressibleByArgument, CaseIterable { case contrastive, heads }

    static let defaultScenes = (11...16).flatMap { seed in
        SyntheticScene.sceneNames.map { "\($0):\(seed)" }
    }.joined(separator: ",")

    @Option(help: "contrastive (pairs of views, InfoNCE over cells) or heads (ACE: one head per scene).")
    var objective: Objective = .contrastive
    @Option(help: "Comma-separated PRESET:SEED scenes.") var scenes = Self.defaultScenes
    @Option(help: "Mapping-run frames rendered per scene.") var frames = 240
    @Option(name: .customLong("train-turns"), help: "Turns of each scene's mapping run (pairs are nearby frames).")
    var trainTurns = 4.0
    @Option(name: .customLong("detail-range"), help: "Each scene's surface detail is drawn from this range, LO,HI.")
    var detailRange = "0,0.25"
    @Option(help: "Updates.") var iterations = 20_000
    @Option(name: .customLong("learning-rate"), help: "Base learning rate (Adam, cosine schedule).")
    var learningRate = 1e-3
    @Option(name: .customLong("image-height"), help: "Training height (images are 4:3).") var imageHeight = 480
    @Option(name: .customLong("pairs-per-step"), help: "contrastive: pairs of views per update.") var pairsPerStep = 2
    @Option(name: .customLong("max-frame-gap"), help: "contrastive: a pair's views are at most this many frames apart.")
    var maxFrameGap = 4
    @Option(help: "contrastive: matches per pair.") var matches = 1024
    @Option(help: "contrastive: softmax temperature.") var temperature = 0.07
    @Option(name: .customLong("scale-augment"), help: "heads: zoom factors drawn from [1/S, S] (1: off).")
    var scaleAugment = 1.5
    @Option(name: .customLong("roll-augment"), help: "heads: roll drawn from ±D degrees (0: off).") var rollAugment = 15.0
    @Option(name: .customLong("frames-per-step"), help: "heads: frames per update, run side by side.")
    var framesPerStep = 2
    @Option(help: "Seed of training (scenes' detail, pairs, jitter).") var seed: UInt64 = 1
    @Option(help: "Kernel threads (the result does not depend on it).") var threads = 2
    @Option(help: "Where to write the model.") var out = "encoder.dsacmodel"
    @Option(help: "contrastive: checkpoint file, written every --checkpoint-every updates.") var checkpoint: String?
    @Option(name: .customLong("checkpoint-every")) var checkpointEvery = 1000
    @Flag(help: "contrastive: continue from --checkpoint (same options) where a killed run stopped.") var resume = false
    @Option(help: "Training log, JSON lines.") var log: String?
    @Flag(help: "No progress display.") var quiet = false

    func parseScenes() throws -> [(String, UInt64)] {
        try scenes.split(separator: ",").map { item in
            let parts = item.split(separator: ":")
            guard parts.count == 2, let seed = UInt64(parts[1]) else {
                throw ValidationError("--scenes: '\(item)' is not PRESET:SEED")
            }
            return (String(parts[0]), seed)
        }
    }

    func parseDetailRange() throws -> ClosedRange<Float> {
        let parts = detailRange.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, parts[0] >= 0, parts[0] <= parts[1], parts[1] <= 1 else {
            throw ValidationError("--detail-range must be LO,HI with 0 ≤ LO ≤ HI ≤ 1 (got '\(detailRange)')")
        }
        return parts[0]...parts[1]
    }

    func run() throws {
        let list = try parseScenes()
        guard !list.isEmpty else { throw ValidationError("--scenes is empty") }
        guard (8...4096).contains(imageHeight) else {
            throw ValidationError("--image-height must be in 8...4096 (got \(imageHeight))")
        }
        let details = try parseDetailRange()
        if resume && checkpoint == nil { throw ValidationError("--resume needs --checkpoint FILE") }
        do {
            var rng = SeededGenerator(seed: seed ^ 0xDE7A11)
            let providers: [FrameProvider] = try list.map { name, sceneSeed in
                // The heads objective trains at `imageHeight` from frames rendered at twice it (augmentation).
                let height = objective == .heads ? 2 * imageHeight : imageHeight
                var options = SyntheticOptions(width: height * 4 / 3, height: height, trainFrames: frames, testFrames: 1)
                options.trainTurns = trainTurns
                options.surfaceDetail = Float.random(in: details, using: &rng)
                return try SyntheticScene(name: name, seed: sceneSeed, options: options)
            }
            let started = Date()
            let (network, meta) = objective == .contrastive
                ? try contrastive(providers) : try heads(providers)
            try network.save(out, metadata: meta.merging([
                "stage": "pretrain", "objective": objective.rawValue, "scenes": scenes, "frames": "\(frames)",
                "train_turns": "\(trainTurns)", "detail_range": detailRange, "iterations": "\(iterations)",
                "learning_rate": "\(learningRate)", "image_height": "\(imageHeight)", "seed": "\(seed)",
            ]) { a, _ in a })
            if let checkpoint, FileManager.default.fileExists(atPath: checkpoint) {
                try? FileManager.default.removeItem(atPath: checkpoint)
            }
            if !quiet {
                print(String(format: "pretrain (%@): %d scenes, %d updates in %.0f s; wrote %@", objective.rawValue,
                             list.count, iterations, Date().timeIntervalSince(started), out))
            }
        } catch {
            throw TrainingSupport.fail(error)
        }
    }

    func contrastive(_ providers: [FrameProvider]) throws -> (SceneCoordinateNetwork, [String: String]) {
        var o = ContrastivePretrainingOptions()
        o.iterations = iterations
        o.learningRate = learningRate
        o.seed = seed
        o.threads = threads
        o.imageHeight = imageHeight
        o.pairsPerStep = pairsPerStep
        o.maxFrameGap = maxFrameGap
        o.matchesPerPair = matches
        o.temperature = temperature
        var start = try SceneCoordinateNetwork(config: .default, headSeed: seed)
        var resumeState: (iteration: Int, state: OptimizerState)?
        if let checkpoint { ModelFile.removeTemporaries(of: checkpoint) }
        ModelFile.removeTemporaries(of: out)
        if resume, let checkpoint, FileManager.default.fileExists(atPath: checkpoint) {
            let c = try ContrastivePretrainer.readCheckpoint(checkpoint, fingerprint: o.fingerprint)
            start = c.network
            resumeState = (c.iteration, c.state)
            if !quiet { print("resuming from \(checkpoint) at update \(c.iteration)") }
        }
        let log = try TrainingSupport.Log(path: self.log, stage: ContrastivePretrainer.stage,
                                          keepUpTo: resumeState?.iteration)
        let bar = TrainingSupport.Bar("pretrain", enabled: !quiet)
        let network = try ContrastivePretrainer(options: o).train(
            providers, network: start, resume: resumeState,
            checkpointing: checkpoint.map { InitTrainer.Checkpointing(path: $0, every: checkpointEvery) }
        ) { p in
            log.write(p.line)
            bar.draw(p.iteration, p.total, String(format: "loss %.3f  top-1 %.1f%%  %.1f pairs/s", p.line.loss,
                                                  100 * (p.line.match_top1 ?? 0), p.line.samples_per_s))
        }
        bar.finish()
        return (network, ["pairs_per_step": "\(pairsPerStep)", "max_frame_gap": "\(maxFrameGap)",
                          "matches": "\(matches)", "temperature": "\(temperature)", "fingerprint": o.fingerprint])
    }

    func heads(_ providers: [FrameProvider]) throws -> (SceneCoordinateNetwork, [String: String]) {
        var o = NetworkTrainingOptions()
        o.iterations = iterations
        o.learningRate = learningRate
        o.seed = seed
        o.threads = threads
        o.imageHeight = imageHeight
        o.scale = scaleAugment
        o.rollDegrees = rollAugment
        o.framesPerStep = framesPerStep
        let log = try TrainingSupport.Log(path: self.log, stage: "pretrain", keepUpTo: nil)
        let bar = TrainingSupport.Bar("pretrain", enabled: !quiet)
        let network = try EncoderPretrainer(options: o).train(providers, config: .default) { p in
            log.write(p.line)
            bar.draw(p.iteration, p.total, TrainingSupport.progressDetail(p.line))
        }
        bar.finish()
        return (network, ["scale_augment": "\(scaleAugment)", "roll_augment": "\(rollAugment)",
                          "frames_per_step": "\(framesPerStep)"])
    }
}
