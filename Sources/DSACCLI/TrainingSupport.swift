import ArgumentParser
import DSAC
import DSACData
import DSACTraining
import Foundation

/// Shared by train, demo and test: progress lines, the training log, the init stage end to end.
enum TrainingSupport {
    static func fail(_ error: Error) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        return ExitCode(1)
    }

    /// The range checks of the commands that run the network on images (test, localize).
    static func validate(imageHeight: Int, threads: Int) throws {
        guard (8...4096).contains(imageHeight) else {
            throw ValidationError("--image-height must be in 8...4096 (got \(imageHeight))")
        }
        guard (1...LocalizerOptions.maxThreads).contains(threads) else {
            throw ValidationError("--threads must be in 1...\(LocalizerOptions.maxThreads) (got \(threads))")
        }
    }

    /// Appends JSON lines to a log shared by the stages (init, network, e2e): other stages' lines are always kept;
    /// this stage's earlier lines are kept up to `iteration` when resuming, and replaced by a fresh run (nil).
    final class Log {
        let handle: FileHandle?
        init(path: String?, stage: String, keepUpTo iteration: Int?) throws {
            guard let path else {
                handle = nil
                return
            }
            var kept = ""
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                for line in text.split(separator: "\n") {
                    guard let data = line.data(using: .utf8),
                        let entry = try? JSONDecoder().decode(TrainingLogLine.self, from: data)
                    else { continue }
                    if entry.stage != stage || (iteration.map { entry.iteration <= $0 } ?? false) {
                        kept += line + "\n"
                    }
                }
            }
            try Data(kept.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            handle = FileHandle(forWritingAtPath: path)
            handle?.seekToEndOfFile()
        }
        func write(_ line: TrainingLogLine) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            guard let handle, let data = try? encoder.encode(line) else { return }
            handle.write(data + Data("\n".utf8))
        }
        deinit { try? handle?.close() }
    }

    /// A one-line progress display on standard error: bar, loss, throughput, ETA.
    final class Bar: @unchecked Sendable {
        let label: String
        let enabled: Bool
        let start = Date()
        var lastDraw = Date.distantPast
        let lock = NSLock()
        var first: Int?
        init(_ label: String, enabled: Bool) {
            self.label = label
            self.enabled = enabled
        }
        func draw(_ done: Int, _ total: Int, _ detail: String = "") {
            guard enabled else { return }
            lock.lock()
            defer { lock.unlock() }
            if first == nil { first = done - 1 }
            let now = Date()
            guard done == total || now.timeIntervalSince(lastDraw) > 0.25 else { return }
            lastDraw = now
            let width = 24
            let filled = total > 0 ? width * done / total : width
            let elapsed = now.timeIntervalSince(start)
            let rate = Double(done - (first ?? 0)) / max(elapsed, 1e-9)
            let eta = rate > 0 ? Double(total - done) / rate : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let line = String(format: "\r%@ [%@] %d/%d %@ ETA %.0f s  ", label, bar, done, total, detail, eta)
            FileHandle.standardError.write(Data(line.utf8))
        }
        func finish() {
            guard enabled else { return }
            FileHandle.standardError.write(Data("\n".utf8))
        }
    }

    static func progressDetail(_ l: TrainingLogLine) -> String {
        String(format: "loss %.3f  reproj %.0f%%  3D %.3f m  %.0fk cells/s", l.loss, 100 * l.reprojection_fraction,
               l.mean_distance_m, l.samples_per_s / 1000)
    }

    /// The init stage: buffer, train (resuming from a checkpoint when asked), write the model.
    /// An encoder named on the command line: "bundled" (the package's pre-trained one), "random" (nil: the
    /// network's own initialisation), or a model file whose encoder is used.
    static func encoder(_ spec: String) throws -> Encoder? {
        switch spec {
        case "bundled": return try PretrainedEncoder.load()
        case "random": return nil
        default: return try SceneCoordinateNetwork.load(spec).encoder
        }
    }

    /// The memory stage with a progress bar over the frames encoded.
    static func buildMemory(_ start: SceneCoordinateNetwork, provider: FrameProvider, options: InitTrainingOptions,
                            memory: SceneMemoryOptions, quiet: Bool) throws -> SceneCoordinateNetwork
    {
        let bar = Bar("memory", enabled: !quiet)
        let network = try start.withMemory(from: provider, buffer: options, memory: memory) { done, total in
            bar.draw(done, total, "frames")
        }
        bar.finish()
        return network
    }

    static func runInit(provider: FrameProvider, options: InitTrainingOptions, output: String,
                        checkpoint: String?, checkpointEvery: Int, resume: Bool, logPath: String?, quiet: Bool,
                        metadata: [String: String], encoder: Encoder? = nil)
        throws -> (network: SceneCoordinateNetwork, seconds: Double)
    {
        let started = Date()
        let trainer = try InitTrainer(options: options)
        var start = try trainer.freshNetwork(encoder: encoder)
        var resumeState: (iteration: Int, state: OptimizerState)?
        for path in [checkpoint, output].compactMap({ $0 }) { ModelFile.removeTemporaries(of: path) }
        if resume {
            guard let checkpoint else { throw ValidationErrorText("--resume needs --checkpoint FILE") }
            // A run that wrote its model and removed its checkpoint may still have been killed before it exited:
            // resuming it is a no-op, not a fresh start.
            if !FileManager.default.fileExists(atPath: checkpoint),
               let done = try? ModelFile.read(output), done.header.metadata["stage"] == "init",
               done.header.metadata["fingerprint"] == options.fingerprint
            {
                if !quiet { print("\(output) is already the finished model of this run: nothing to resume") }
                return (try SceneCoordinateNetwork.load(output), Date().timeIntervalSince(started))
            }
            if FileManager.default.fileExists(atPath: checkpoint) {
                let c = try InitTrainer.readCheckpoint(checkpoint, stage: "init", fingerprint: options.fingerprint)
                start = c.network
                resumeState = (c.iteration, c.state)
                if !quiet { print("resuming from \(checkpoint) at iteration \(c.iteration)") }
            } else if !quiet {
                print("no checkpoint at \(checkpoint) yet: starting from scratch")
            }
        }
        let frames = FeatureBuffer.frameIndices(total: provider.frameCount(.train), maxFrames: options.maxFrames).count
        if !quiet {
            let p = start.parameterCount, f = start.flops(width: 640, height: 480)
            print(String(format: "network: %d parameters (encoder %d fixed, head %d trained), %.2f GFLOP per 640×480 frame",
                         p, start.encoder.parameterCount, start.head.parameterCount,
                         Double(f.encoder + f.head) / 1e9))
            print("buffering \(options.bufferSize) cells from \(frames) training frames × \(options.augmentationPasses) "
                  + "augmentation pass(es), \(options.threads) thread(s)")
        }
        let bufferBar = Bar("buffer", enabled: !quiet)
        let buffer = try FeatureBuffer.build(start, frames: provider, options: options) { done, total in
            bufferBar.draw(done, total, "frames")
        }
        bufferBar.finish()
        let bufferSeconds = Date().timeIntervalSince(started)
        let log = try Log(path: logPath, stage: "init", keepUpTo: resumeState?.iteration)
        let bar = Bar("init  ", enabled: !quiet)
        let network = try trainer.train(
            buffer, network: start, resume: resumeState,
            checkpointing: checkpoint.map { InitTrainer.Checkpointing(path: $0, every: checkpointEvery) }
        ) { p in
            log.write(p.line)
            bar.draw(p.iteration, p.total, progressDetail(p.line))
        }
        bar.finish()
        var meta = metadata
        meta["stage"] = "init"
        meta["iterations"] = "\(options.iterations)"
        meta["seed"] = "\(options.seed)"
        meta["fingerprint"] = options.fingerprint
        try network.save(output, metadata: meta)
        let seconds = Date().timeIntervalSince(started)
        if !quiet {
            print(String(format: "init stage: buffer %.1f s, training %.1f s; model written to %@", bufferSeconds,
                         seconds - bufferSeconds, output))
        }
        if let checkpoint, FileManager.default.fileExists(atPath: checkpoint) {
            try? FileManager.default.removeItem(atPath: checkpoint)
        }
        return (network, seconds)
    }

    static func printSummary(_ r: EvaluationReport) {
        let s = r.summary
        print("frames | 5 cm/5° | 2 cm/2° | 1 cm/1° | median rot ° | median trans cm | ms network | ms RANSAC"
              + " | cells ≤ 10 cm")
        print("-------|---------|---------|---------|--------------|-----------------|------------|----------"
              + "|--------------")
        let cells = s.pct_cells_within_10cm.map { String(format: "%12.1f%%", $0) } ?? "            –"
        print(String(format: "%6d | %6.1f%% | %6.1f%% | %6.1f%% | %12.3f | %15.2f | %10.1f | %9.1f", s.frames,
                     s.pct_within_5cm_5deg, s.pct_within_2cm_2deg, s.pct_within_1cm_1deg, s.median_rot_deg,
                     s.median_trans_cm, s.median_ms_network, s.median_ms_ransac) + " | " + cells)
    }

    static func writeReport(_ r: EvaluationReport, json: String?, plot: String?, title: String) throws {
        if let json { try r.json().write(to: URL(fileURLWithPath: json), options: .atomic) }
        if let plot { try ErrorPlot.svg(r, title: title).write(toFile: plot, atomically: true, encoding: .utf8) }
    }
}

struct ValidationErrorText: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
