import ArgumentParser
import DSAC
import Foundation

struct LocalizeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "localize", abstract: "Localize every problem of a DSACPNP1 set; median ms and pose errors.")

    @OptionGroup var common: ProblemRunOptions
    @Option(help: "Redraws of an invalid slot's minimal set.") var redraws = LocalizerOptions().redraws
    @Option(help: "Hypotheses refined (local optimisation); 1 is DSAC's argmax.")
    var refineTop = LocalizerOptions().refineTop

    func run() throws {
        let set = try ProblemSet(directory: common.problems)
        var options = LocalizerOptions()
        options.hypotheses = common.hypotheses
        options.redraws = redraws
        options.refineTop = refineTop
        options.threads = common.threads
        options.seed = common.seed
        let localizer = try Localizer(options: options)
        var rows: [[String: Any]] = []
        var stages: [String: [[Double]]] = [:]
        let measured = try foreignLoad {
            for entry in set.entries {
                let p = entry.problem
                var report: LocalizationReport?
                var failure: String?
                let ms = medianMilliseconds(runs: common.runs) {
                    do { report = try localizer.localize(p.correspondences, intrinsics: p.intrinsics) } catch {
                        failure = "\(error)"
                    }
                }
                var row: [String: Any] = ["file": entry.file, "outlier_fraction": entry.outlierFraction, "ms": ms]
                if let report {
                    let e = PoseError(estimated: report.camFromWorld, truth: p.camFromWorld)
                    row["rot_err_deg"] = e.rotationDegrees
                    row["trans_err_cm"] = e.translationCentimetres
                    row["inliers"] = report.inlierCount
                    row["valid_hypotheses"] = report.validHypotheses
                    row["sets_drawn"] = report.setsDrawn
                    row["refine_rounds"] = report.refinement?.rounds ?? 0
                    row["refine_iterations"] = report.refinement?.iterations ?? 0
                    let t = report.timings
                    stages[key(entry.outlierFraction), default: []].append([t.hypotheses, t.scoring, t.refinement])
                } else {
                    row["rot_err_deg"] = 180.0
                    row["trans_err_cm"] = 1e9
                    row["inliers"] = 0
                    row["error"] = failure ?? "unknown"
                }
                rows.append(row)
            }
        }
        var summary: [String: Any] = [:]
        for fraction in Set(set.entries.map(\.outlierFraction)).sorted() {
            let group = rows.filter { ($0["outlier_fraction"] as! Double) == fraction }
            let rot = group.map { $0["rot_err_deg"] as! Double }
            let trans = group.map { $0["trans_err_cm"] as! Double }
            let ok = zip(rot, trans).filter { $0 < 5 && $1 < 5 }.count
            let s = stages[key(fraction)] ?? []
            summary[key(fraction)] = [
                "median_ms": median(group.map { $0["ms"] as! Double }),
                "median_rot_deg": median(rot), "median_trans_cm": median(trans),
                "pct_within_5cm_5deg": 100 * Double(ok) / Double(group.count),
                "median_ms_hypotheses": median(s.map { $0[0] }), "median_ms_scoring": median(s.map { $0[1] }),
                "median_ms_refinement": median(s.map { $0[2] }),
                "median_valid_hypotheses": median(group.compactMap { ($0["valid_hypotheses"] as? Int).map(Double.init) }),
                "median_sets_drawn": median(group.compactMap { ($0["sets_drawn"] as? Int).map(Double.init) }),
                "frames": group.count,
            ]
        }
        print("dsac localize: \(common.hypotheses) hypotheses, \(common.threads) thread(s), \(common.runs) timed runs after a warm-up; "
              + String(format: "other processes used %.2f CPU s during %.1f s", measured.foreignCPUSeconds,
                       measured.wallSeconds))
        print("outliers | median ms | hyp ms | score ms | refine ms | rot °   | trans cm | ≤5cm/5°")
        for k in summary.keys.sorted() {
            let s = summary[k] as! [String: Any]
            print(String(format: "%8@ | %9.3f | %6.3f | %8.3f | %9.3f | %7.4f | %8.4f | %6.1f%%", k as NSString,
                         s["median_ms"] as! Double, s["median_ms_hypotheses"] as! Double,
                         s["median_ms_scoring"] as! Double, s["median_ms_refinement"] as! Double,
                         s["median_rot_deg"] as! Double, s["median_trans_cm"] as! Double,
                         s["pct_within_5cm_5deg"] as! Double))
        }
        try writeJSON(
            ["threads": common.threads, "hypotheses": common.hypotheses, "problems": rows, "summary": summary,
             "machine_load": ["foreign_cpu_s": measured.foreignCPUSeconds, "wall_s": measured.wallSeconds]],
            to: common.json)
    }

    func key(_ f: Double) -> String { String(format: "%.2f", f) }
}
