import ArgumentParser
import DSACData
import Foundation

/// `dsac synth`: renders a procedural indoor scene and writes it in the 7-Scenes layout.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Render a synthetic indoor scene and write it in the 7-Scenes layout.",
        discussion: """
            Writes seq-01 (train) and seq-02 (test): frame-XXXXXX.color.png, .depth.png (16-bit millimetres, \
            registered to colour) and .pose.txt (camera-to-world), plus TrainSplit.txt, TestSplit.txt, \
            camera-intrinsics.txt (the 3×3 K) and dsac-synth.txt. The same options and seed give the same files.
            Scenes: \(SyntheticScene.sceneNames.joined(separator: ", ")).
            """)

    @Option(name: .long, help: "Output folder (created if missing).")
    var out: String

    @Option(name: .long, help: "Scene preset.")
    var scene: String = "room"

    @Option(name: .long, help: "Training frames (seq-01).")
    var frames: Int = 1000

    @Option(name: .customLong("test-frames"), help: "Test frames (seq-02).")
    var testFrames: Int = 500

    @Option(name: .long, help: "Image size WIDTHxHEIGHT.")
    var size: String = "640x480"

    @Option(name: .long, help: "Random seed: the same seed gives the same data set.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Standard deviation of Gaussian colour noise (0–1 units).")
    var noise: Float = 0

    @Flag(name: .customLong("lighting-changes"), help: "Vary the lighting along the sequences and between train and test.")
    var lightingChanges = false

    @Option(name: .customLong("train-turns"), help: "Turns of the training camera around the room (its coverage).")
    var trainTurns: Double = SyntheticOptions().trainTurns
    @Option(help: "Amplitude of the fine, non-repeating surface detail, 0–1 (0: flat patterns).")
    var detail: Float = SyntheticOptions().surfaceDetail

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .long, help: "No progress bar.")
    var quiet = false

    func run() throws {
        let parts = size.lowercased().split(separator: "x")
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]) else {
            throw ValidationError("--size must be WIDTHxHEIGHT, e.g. 640x480 (got '\(size)')")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        var options = SyntheticOptions(width: width, height: height, trainFrames: frames, testFrames: testFrames,
                                       noiseSigma: noise, lightingChanges: lightingChanges)
        options.testTurns = 1
        options.trainTurns = trainTurns
        options.surfaceDetail = detail
        do {
            let synthetic = try SyntheticScene(name: scene, seed: seed, options: options)
            let bar = ProgressBar(label: "rendering", enabled: !quiet)
            let report = try SyntheticWriter.write(synthetic, to: out, workers: threads) { done, total in
                bar.update(done, total)
            }
            bar.finish()
            let rate = Double(report.frames) / max(report.seconds, 1e-9)
            print(String(format: "wrote %d frames (%d train, %d test) of '%@' at %dx%d to %@ in %.1f s (%.1f frames/s)",
                         report.frames, frames, testFrames, synthetic.name, width, height, out, report.seconds, rate))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// A one-line progress bar on standard error, redrawn at most 10 times a second.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let lock = NSLock()

    init(label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled
    }

    func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard done == total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let elapsed = now.timeIntervalSince(start)
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(format: "\r%@ [%@] %d/%d  %.1f/s  ETA %.0f s ", label, bar, done, total, rate, eta)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
