import ArgumentParser
import DSAC
import Foundation

/// One training step of the differentiable layer per problem: forward (pool, float64 scores, softmax,
/// refinement above the floor, losses) and backward (one kernel call), timed by stage.
struct TrainStepBenchmark: ParsableCommand {
    /// Stage keys (JSON `ms_<key>` per problem, `median_ms_<key>` per outlier level) and the table's headers.
    static let stages: [(key: String, header: String)] = [
        ("pool", "pool"), ("scoring", "score"), ("refinement", "refine"), ("polish", "polish"), ("loss", "loss"),
        ("bw_preparation", "b.prep"), ("bw_refine_adjoint", "b.adj"), ("bw_score_path", "b.score"),
        ("bw_refine_path", "b.refine"), ("bw_solver_path", "b.p3p"), ("bw_other", "b.other"),
    ]

    static func stageTimes(_ f: ExpectedLossForwardTimings, _ b: ExpectedLossBackwardTimings) -> [Double] {
        [f.pool, f.scoring, f.refinement, f.polish, f.loss, b.preparation, b.refineAdjoint, b.scorePath,
         b.refinePath, b.solverPath, b.other]
    }

    static let configuration = CommandConfiguration(
        commandName: "train-step",
        abstract: "Forward (training mode) + backward of the expected loss on every problem; median ms by stage.")

    @OptionGroup var common: ProblemRunOptions

    func run() throws {
        let set = try ProblemSet(directory: common.problems)
        var o = ExpectedLossOptions()
        o.hypotheses = common.hypotheses
        o.threads = common.threads
        o.seed = common.seed
        let layer = try ExpectedLoss(options: o)
        var rows: [[String: Any]] = []
        let measured = try foreignLoad {
            for entry in set.entries {
                let p = entry.problem
                var forwardTimes: [Double] = [], backwardTimes: [Double] = [], totals: [Double] = []
                var stageTimes: [[Double]] = []
                var last: (ExpectedLossForward, ExpectedLossGradient)?
                var failure: String?
                for run in 0...max(common.runs, 1) {
                    do {
                        let t0 = ContinuousClock.now
                        let f = try layer.forward(p.correspondences, intrinsics: p.intrinsics, target: p.camFromWorld)
                        let t1 = ContinuousClock.now
                        let g = try layer.backward(f, p.correspondences, intrinsics: p.intrinsics)
                        let t2 = ContinuousClock.now
                        if run > 0 {  // run 0 is the warm-up
                            forwardTimes.append(ms(t1 - t0))
                            backwardTimes.append(ms(t2 - t1))
                            totals.append(ms(t2 - t0))
                            stageTimes.append(Self.stageTimes(f.report.timings, g.timings))
                        }
                        last = (f, g)
                    } catch {
                        failure = "\(error)"
                        break
                    }
                }
                var row: [String: Any] = ["file": entry.file, "outlier_fraction": entry.outlierFraction]
                if let (f, g) = last, failure == nil {
                    row["ms"] = median(totals)
                    row["ms_best"] = totals.min()!  // the run least disturbed by other processes
                    row["ms_forward"] = median(forwardTimes)
                    row["ms_backward"] = median(backwardTimes)
                    for (k, stage) in Self.stages.enumerated() { row["ms_" + stage.key] = median(stageTimes.map { $0[k] }) }
                    row["expected_loss"] = f.expectedLoss
                    row["entropy_bits"] = f.report.entropyBits
                    row["rot_err_deg"] = f.report.selectedError.rotationDegrees
                    row["trans_err_cm"] = f.report.selectedError.translationCentimetres
                    row["valid_hypotheses"] = f.report.validHypotheses
                    row["refined"] = f.report.refined
                    row["solver_degenerate"] = g.solverDegenerate
                    row["score_path_skipped"] = g.scorePathSkipped
                } else {
                    row["error"] = failure ?? "unknown"
                }
                rows.append(row)
            }
        }
        var summary: [String: Any] = [:]
        for fraction in Set(set.entries.map(\.outlierFraction)).sorted() {
            let group = rows.filter { ($0["outlier_fraction"] as! Double) == fraction && $0["ms"] != nil }
            func med(_ k: String) -> Double { median(group.compactMap { $0[k] as? Double }) }
            var entry: [String: Any] = [
                "median_ms": med("ms"), "median_ms_forward": med("ms_forward"), "median_ms_backward": med("ms_backward"),
                "median_ms_best": med("ms_best"),
                "median_expected_loss": med("expected_loss"), "median_entropy_bits": med("entropy_bits"),
                "median_rot_deg": med("rot_err_deg"), "median_trans_cm": med("trans_err_cm"),
                "median_refined": median(group.compactMap { ($0["refined"] as? Int).map(Double.init) }),
                "frames": group.count,
                "failed": rows.filter { ($0["outlier_fraction"] as! Double) == fraction && $0["error"] != nil }.count,
            ]
            for stage in Self.stages { entry["median_ms_" + stage.key] = med("ms_" + stage.key) }
            summary[key(fraction)] = entry
        }
        print("dsac train-step: \(common.hypotheses) hypotheses, \(common.threads) thread(s), \(common.runs) timed runs after a warm-up; "
              + String(format: "other processes used %.2f CPU s during %.1f s", measured.foreignCPUSeconds,
                       measured.wallSeconds))
        print("outliers | median ms | forward ms | backward ms | best ms | refined | E        | rot °   | trans cm")
        for k in summary.keys.sorted() {
            let s = summary[k] as! [String: Any]
            print(String(format: "%8@ | %9.3f | %10.3f | %11.3f | %7.3f | %7.1f | %8.4f | %7.4f | %8.4f", k as NSString,
                         s["median_ms"] as! Double, s["median_ms_forward"] as! Double,
                         s["median_ms_backward"] as! Double, s["median_ms_best"] as! Double,
                         s["median_refined"] as! Double,
                         s["median_expected_loss"] as! Double, s["median_rot_deg"] as! Double,
                         s["median_trans_cm"] as! Double))
        }
        print("median ms by stage (forward: pool = sampling + P3P, score = scores + softmax, refine = LM, polish, "
              + "loss; backward: b.*)")
        print("outliers | " + Self.stages.map { $0.header.padding(toLength: 8, withPad: " ", startingAt: 0) }
            .joined(separator: " "))
        for k in summary.keys.sorted() {
            let s = summary[k] as! [String: Any]
            print(String(format: "%8@ | ", k as NSString) + Self.stages.map {
                String(format: "%8.3f", s["median_ms_" + $0.key] as! Double)
            }.joined(separator: " "))
        }
        try writeJSON(
            ["threads": common.threads, "hypotheses": common.hypotheses, "problems": rows, "summary": summary,
             "machine_load": ["foreign_cpu_s": measured.foreignCPUSeconds, "wall_s": measured.wallSeconds]],
            to: common.json)
    }

    func ms(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
    }

    func key(_ f: Double) -> String { String(format: "%.2f", f) }
}
