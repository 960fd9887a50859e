import ArgumentParser
import DSAC
import DSACData
import DSACTraining
import Foundation

/// `dsac pretrain`: the scene-agnostic encoder, trained ACE-style on several synthetic scenes with one head each.
/// The encoder shipped in the package (`PretrainedEncoder`) was made by this command with its defaults.
struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pre-train the shared encoder on synthetic scenes (one head per scene, as ACE).",
        discussion: """
            Scenes are rendered on the fly from PRESET:SEED pairs (presets: \
            \(SyntheticScene.sceneNames.joined(separator: ", "))). The defaults leave out the demo scene (room, \
            seed 1) so that the demo measures an encoder that never saw it. The model written holds the encoder \
            with the first scene's head; `dsac train --stage init --encoder FILE` uses its encoder for a new scene.
            """)

    static let defaultScenes = "room:11,room:12,office:13,office:14,kitchen:15,kitchen:16,hall:17,hall:18,"
        + "studio:19,studio:20"

    @Option(help: "Comma-separated PRESET:SEED scenes.") var scenes = Self.defaultScenes
    @Option(help: "Training frames rendered per scene (a mapping run: 8 turns around the room).") var frames = 300
    @Option(help: "Iterations (one frame each).") var iterations = 60_000
    @Option(name: .customLong("learning-rate"), help: "Base learning rate (Adam, cosine schedule).")
    var learningRate = 1e-3
    @Option(name: .customLong("image-height"), help: "Training height (scenes are rendered at 4:3, twice as high).")
    var imageHeight = 120
    @Option(name: .customLong("scale-augment"), help: "Zoom factors drawn from [1/S, S] (1: off).") var scaleAugment = 1.5
    @Option(name: .customLong("roll-augment"), help: "Roll drawn from ±D degrees (0: off).") var rollAugment = 15.0
    @Option(name: .customLong("frames-per-step"), help: "Frames per update, run side by side on the threads.")
    var framesPerStep = 2
    @Option(help: "Seed of training (scene choice, frames, jitter, heads).") var seed: UInt64 = 1
    @Option(help: "Kernel threads (the result does not depend on it).") var threads = 2
    @Option(help: "Where to write the model (encoder and the first scene's head).") var out = "encoder.dsacmodel"
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

    func run() throws {
        let list = try parseScenes()
        guard !list.isEmpty else { throw ValidationError("--scenes is empty") }
        guard (8...4096).contains(imageHeight) else {
            throw ValidationError("--image-height must be in 8...4096 (got \(imageHeight))")
        }
        do {
            let providers: [FrameProvider] = try list.map { name, seed in
                var options = SyntheticOptions(width: 2 * imageHeight * 4 / 3, height: 2 * imageHeight,
                                               trainFrames: frames, testFrames: 1)
                options.trainTurns = SyntheticOptions.mappingRunTurns
                return try SyntheticScene(name: name, seed: seed, options: options)
            }
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
            let started = Date()
            let network = try EncoderPretrainer(options: o).train(providers, config: .default) { p in
                log.write(p.line)
                bar.draw(p.iteration, p.total, TrainingSupport.progressDetail(p.line))
            }
            bar.finish()
            try network.save(out, metadata: [
                "stage": "pretrain", "scenes": scenes, "frames": "\(frames)", "iterations": "\(iterations)",
                "learning_rate": "\(learningRate)", "image_height": "\(imageHeight)", "seed": "\(seed)",
                "scale_augment": "\(scaleAugment)", "roll_augment": "\(rollAugment)", "frames_per_step": "\(framesPerStep)",
            ])
            if !quiet {
                print(String(format: "pretrain: %d scenes, %d iterations in %.0f s; wrote %@", list.count, iterations,
                             Date().timeIntervalSince(started), out))
            }
        } catch {
            throw TrainingSupport.fail(error)
        }
    }
}
