import ArgumentParser
import DSAC
import DSACData
import DSACTraining
import Foundation

/// The e2e stage from the command line (and the demo).
enum E2ESupport {
    static func run(provider: FrameProvider, modelPath: String, command c: TrainCommand) throws {
        var o = E2ETrainingOptions()
        if let i = c.iterations { o.iterations = i }
        if let lr = c.learningRate { o.learningRate = lr }
        guard let kind = OptimizerKind(rawValue: c.optimizer) else { throw ValidationError("--optimizer: adam or sgd") }
        o.optimizer = kind
        o.schedule = c.schedule == "cosine" ? "constant" : c.schedule
        o.seed = c.seed
        o.threads = c.threads
        o.brightness = c.brightness
        o.contrast = c.contrast
        o.maxFrames = c.maxFrames
        o.imageHeight = c.imageHeight
        _ = try run(provider: provider, options: o, modelPath: modelPath, output: c.out, checkpoint: c.checkpoint,
                    checkpointEvery: c.checkpointEvery, resume: c.resume, logPath: c.log, quiet: c.quiet)
    }

    static func run(provider: FrameProvider, options o: E2ETrainingOptions, modelPath: String?,
                    start: SceneCoordinateNetwork? = nil, output: String, checkpoint: String?, checkpointEvery: Int,
                    resume: Bool, logPath: String?, quiet: Bool) throws -> (network: SceneCoordinateNetwork, seconds: Double) {
        let started = Date()
        let trainer = try E2ETrainer(options: o)
        var network: SceneCoordinateNetwork
        if let start { network = start } else { network = try SceneCoordinateNetwork.load(modelPath!) }
        var resumeState: (iteration: Int, state: OptimizerState)?
        for path in [checkpoint, output].compactMap({ $0 }) { ModelFile.removeTemporaries(of: path) }
        if resume, let checkpoint, FileManager.default.fileExists(atPath: checkpoint) {
            let c = try InitTrainer.readCheckpoint(checkpoint, stage: "e2e", fingerprint: o.fingerprint)
            network = c.network
            resumeState = (c.iteration, c.state)
            if !quiet { print("resuming e2e from \(checkpoint) at iteration \(c.iteration)") }
        }
        let log = try TrainingSupport.Log(path: logPath, stage: "e2e", keepUpTo: resumeState?.iteration)
        let bar = TrainingSupport.Bar("e2e   ", enabled: !quiet)
        network = try trainer.train(
            provider, network: network, resume: resumeState,
            checkpointing: checkpoint.map { InitTrainer.Checkpointing(path: $0, every: checkpointEvery) }
        ) { p in
            log.write(p.line)
            bar.draw(p.iteration, p.total, String(format: "E[loss] %.2f  argmax 5cm/5° %.0f%%  %.1f frames/s",
                                                  p.line.loss, 100 * (p.line.within_5cm_5deg ?? 0),
                                                  p.line.samples_per_s))
        }
        bar.finish()
        try network.save(output, metadata: ["stage": "e2e", "iterations": "\(o.iterations)", "seed": "\(o.seed)",
                                            "fingerprint": o.fingerprint])
        if let checkpoint { try? FileManager.default.removeItem(atPath: checkpoint) }
        let seconds = Date().timeIntervalSince(started)
        if !quiet { print(String(format: "e2e stage: %.1f s; model written to %@", seconds, output)) }
        return (network, seconds)
    }
}
