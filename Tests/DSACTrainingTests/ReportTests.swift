import Foundation
import Testing

@testable import DSACTraining

@Suite struct ReportTests {
    static func frames(_ n: Int) -> [EvaluationReport.FrameResult] {
        (0..<n).map { i in
            .init(name: "seq-02/frame-\(i)", rot_err_deg: Double(i) * 0.5, trans_err_cm: Double(i), inliers: 100 + i,
                  ms_network: 20, ms_ransac: 5)
        }
    }

    @Test func jsonHasTheContractKeys() throws {
        let report = EvaluationReport(frames: Self.frames(7))
        let object = try JSONSerialization.jsonObject(with: report.json()) as! [String: Any]
        let summary = object["summary"] as! [String: Any]
        for key in ["frames", "pct_within_5cm_5deg", "pct_within_2cm_2deg", "pct_within_1cm_1deg", "median_rot_deg",
                    "median_trans_cm", "median_ms_network", "median_ms_ransac"] {
            #expect(summary[key] != nil, "summary.\(key)")
        }
        let frame = (object["frames"] as! [[String: Any]])[0]
        for key in ["name", "rot_err_deg", "trans_err_cm", "inliers"] { #expect(frame[key] != nil, "frames[].\(key)") }
        #expect(object["shard"] == nil)
        #expect(report.summary.frames == 7)
        // Errors 0…6 cm and 0…3°: 5 frames below 5 cm/5°, 2 below 2/2, 1 below 1/1; medians 3 cm, 1.5°.
        #expect(abs(report.summary.pct_within_5cm_5deg - 500 / 7) < 1e-9)
        #expect(abs(report.summary.pct_within_2cm_2deg - 200 / 7) < 1e-9)
        #expect(report.summary.median_trans_cm == 3 && report.summary.median_rot_deg == 1.5)
    }

    @Test func shardsCoverTheSplitAndMergeBack() throws {
        let all = Self.frames(23)
        let n = 4
        var shards: [EvaluationReport] = []
        var covered: [Int] = []
        for i in 0..<n {
            let r = EvaluationReport.shardRange(index: i, count: n, total: all.count)
            covered += Array(r)
            shards.append(EvaluationReport(frames: Array(all[r]), shard: .init(index: i, count: n, total_frames: 23)))
        }
        #expect(covered == Array(0..<23))
        let decoded = try shards.reversed().map { try JSONDecoder().decode(EvaluationReport.self, from: $0.json()) }
        let merged = try EvaluationReport.merge(decoded)
        #expect(merged == EvaluationReport(frames: all))
        #expect(throws: TrainingError.self) { try EvaluationReport.merge(Array(shards.dropLast())) }
        #expect(throws: TrainingError.self) { try EvaluationReport.merge(shards + [shards[0]]) }
    }

    @Test func plotIsAnSVG() {
        let svg = ErrorPlot.svg(EvaluationReport(frames: Self.frames(5)), title: "a < b")
        #expect(svg.hasPrefix("<svg") && svg.contains("polyline") && svg.contains("a &lt; b"))
    }
}
