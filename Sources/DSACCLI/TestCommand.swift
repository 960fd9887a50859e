import ArgumentParser
import DSAC
import DSACData
import DSACTraining
import Foundation

/// `dsac test`: localize the test frames and report pose errors and timings.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Evaluate a model on a data set's test frames: pose errors, thresholds, timings, a plot.",
        discussion: """
            Each frame: the network's coordinates, then RANSAC with DSAC*'s test settings (64 hypotheses, 256 \
            for a memory head; τ = 10 px, argmax, refinement), seeded by the frame index. --json writes the report (stable keys: \
            summary.frames, pct_within_5cm_5deg, pct_within_2cm_2deg, pct_within_1cm_1deg, median_rot_deg, \
            median_trans_cm, median_ms_network, median_ms_ransac; frames[].name, rot_err_deg, trans_err_cm, \
            inliers). --shard i/n evaluates frames [⌊i·T/n⌋, ⌊(i+1)·T/n⌋) only; `dsac report merge` joins the \
            shard reports.
            """)

    @Option(help: "Data set folder.") var dataset: String
    @Option(help: "Model file.") var model: String
    @Option(help: "Write the JSON report here.") var json: String?
    @Option(help: "Write a cumulative error plot (SVG) here.") var plot: String?
    @Option(help: "Evaluate shard i of n (0-based), e.g. 3/8.") var shard: String?
    @Option(name: .customLong("max-frames"), help: "Evaluate at most this many test frames (evenly spaced).")
    var maxFrames: Int?
    @Option(help: "Kernel threads.") var threads = 2
    @Option(name: .customLong("image-height"), help: "Resize images to this height.") var imageHeight = 480
    @Option(help: "RANSAC hypotheses per frame (default: DSAC*'s 64; 256 for a memory head).") var hypotheses: Int?
    @Option(name: .customLong("inlier-threshold"), help: "RANSAC inlier threshold, pixels (DSAC*: 10).")
    var inlierThreshold = 10.0

    func validate() throws {
        try TrainingSupport.validate(imageHeight: imageHeight, threads: threads)
        if let hypotheses, !(1...65_536).contains(hypotheses) {
            throw ValidationError("--hypotheses must be in 1...65536 (got \(hypotheses))")
        }
        guard inlierThreshold.isFinite, inlierThreshold > 0 else {
            throw ValidationError("--inlier-threshold must be a positive number of pixels (got \(inlierThreshold))")
        }
    }
    @Flag(help: "No progress display.") var quiet = false

    func run() throws {
        do {
            let data = try Dataset.open(at: dataset)
            let network = try SceneCoordinateNetwork.load(model)
            let total = data.frameCount(.test)
            var indices = FeatureBuffer.frameIndices(total: total, maxFrames: maxFrames)
            var shardInfo: EvaluationReport.Shard?
            if let shard {
                let parts = shard.split(separator: "/")
                guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (0..<n).contains(i) else {
                    throw ValidationErrorText("--shard must be i/n with 0 ≤ i < n, got '\(shard)'")
                }
                let range = EvaluationReport.shardRange(index: i, count: n, total: indices.count)
                shardInfo = EvaluationReport.Shard(index: i, count: n, total_frames: indices.count)
                indices = Array(indices[range])
            }
            var localizer = Evaluator.defaultLocalizer(for: network, threads: threads)
            if let hypotheses { localizer.hypotheses = hypotheses }
            localizer.inlierThreshold = inlierThreshold
            let evaluator = Evaluator(network: network, threads: threads, imageHeight: imageHeight,
                                      localizer: localizer)
            let bar = TrainingSupport.Bar("test  ", enabled: !quiet)
            let frames = try evaluator.run(data, indices: indices) { done, total in bar.draw(done, total, "frames") }
            bar.finish()
            let report = EvaluationReport(frames: frames, shard: shardInfo)
            TrainingSupport.printSummary(report)
            try TrainingSupport.writeReport(report, json: json, plot: plot,
                                            title: "\((dataset as NSString).lastPathComponent) — \(model)")
        } catch {
            throw TrainingSupport.fail(error)
        }
    }
}
