import Foundation

/// The four arms of the paper's experiment (Brachmann et al., CVPR 2017, Table 1; spec §4.1).
public enum AblationVariant: String, Sendable, Codable, CaseIterable {
    /// (a) Componentwise: the init stage only (scene-coordinate loss), tested with argmax RANSAC, soft inlier count.
    case componentwise
    /// (b) End-to-end DSAC: the expected loss over the pool, soft inlier count, argmax at test.
    case dsacE2E = "dsac-e2e"
    /// (c) End-to-end SoftAM: the refined probability-weighted average, trained and tested as such.
    case softamE2E = "softam-e2e"
    /// (d) End-to-end DSAC with the learned score CNN (pre-trained, then trained jointly, entropy control on α).
    case dsacLearnedScore = "dsac-learned-score"
}

/// The ablation's result. JSON contract:
///     {"rows":[{"name":"componentwise"|"dsac-e2e"|"softam-e2e"|"dsac-learned-score",
///       "pct_within_5cm_5deg_mean":…,"pct_within_5cm_5deg_sem":…,"median_rot_deg":…,"median_trans_cm":…,
///       "seeds":…, (additions:) "pct_within_5cm_5deg_per_seed":[…],"test_frames":…}], (additions:) "plan":{…}}
/// Medians are the mean over seeds of each seed's median (failed frames count as 1e9 inside a seed's median).
/// SEM = sample standard deviation over seeds / √seeds (0 for one seed).
public struct AblationReport: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public var name: String
        public var pct_within_5cm_5deg_mean: Double
        public var pct_within_5cm_5deg_sem: Double
        public var median_rot_deg: Double
        public var median_trans_cm: Double
        public var seeds: Int
        public var pct_within_5cm_5deg_per_seed: [Double]
        public var test_frames: Int
    }

    /// What was run (iteration counts chosen from the budget, timings).
    public struct Plan: Codable, Sendable, Equatable {
        public var seeds: [UInt64]
        public var init_iterations: Int
        public var e2e_iterations: Int
        public var score_pretrain_iterations: Int
        public var hypotheses: Int
        public var image_height: Int
        public var train_frames: Int
        public var test_frames: Int
        public var budget_minutes: Double
        public var elapsed_minutes: Double
        public var threads: Int
        /// "memory" (a memory head, e2e trains its values) or "mlp" (a regression head); absent in older reports.
        public var head: String? = nil
    }

    public var rows: [Row]
    public var plan: Plan?

    /// Rows from per-seed evaluation reports of each variant (in `AblationVariant` order).
    public init(perSeed: [AblationVariant: [EvaluationReport.Summary]], plan: Plan?) {
        rows = AblationVariant.allCases.compactMap { v in
            guard let s = perSeed[v], !s.isEmpty else { return nil }
            let pct = s.map(\.pct_within_5cm_5deg)
            let n = Double(pct.count), mean = pct.reduce(0, +) / n
            let sd = pct.count > 1 ? (pct.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot() : 0
            return Row(name: v.rawValue, pct_within_5cm_5deg_mean: mean, pct_within_5cm_5deg_sem: sd / n.squareRoot(),
                       median_rot_deg: s.map(\.median_rot_deg).reduce(0, +) / n,
                       median_trans_cm: s.map(\.median_trans_cm).reduce(0, +) / n, seeds: s.count,
                       pct_within_5cm_5deg_per_seed: pct, test_frames: s[0].frames)
        }
        self.plan = plan
    }

    public func json() -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? e.encode(self)) ?? Data()
    }

    /// The printed table.
    public var table: String {
        var s = "variant            | 5 cm/5° (mean ± SEM) | seeds | median rot ° | median trans cm\n"
        s += "-------------------|----------------------|-------|--------------|----------------\n"
        for r in rows {
            let name = r.name.padding(toLength: 18, withPad: " ", startingAt: 0)
            s += name + String(format: " | %8.1f%% ± %5.1f     | %5d | %12.2f | %15.2f\n",
                        r.pct_within_5cm_5deg_mean, r.pct_within_5cm_5deg_sem, r.seeds, r.median_rot_deg,
                        r.median_trans_cm)
        }
        return s
    }

    /// A bar chart of % within 5 cm/5° per variant with ±SEM whiskers and the per-seed values as dots (SVG).
    public func svg(title: String) -> String {
        let w = 640.0, h = 360.0, left = 60.0, top = 50.0, plotH = 230.0, plotW = w - left - 30
        let maxPct = max(10, (rows.flatMap { $0.pct_within_5cm_5deg_per_seed + [$0.pct_within_5cm_5deg_mean + $0.pct_within_5cm_5deg_sem] }.max() ?? 10) * 1.1)
        func y(_ v: Double) -> Double { top + plotH * (1 - min(v, maxPct) / maxPct) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" "
            + "font-family=\"sans-serif\" font-size=\"12\"><rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(w / 2)\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">\(ErrorPlot.escape(title))</text>\n"
        for k in 0...4 {
            let v = maxPct * Double(k) / 4
            out += "<line x1=\"\(left)\" y1=\"\(y(v))\" x2=\"\(left + plotW)\" y2=\"\(y(v))\" stroke=\"#eee\"/>"
            out += "<text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" text-anchor=\"end\">\(String(format: "%.0f%%", v))</text>\n"
        }
        let colours = ["#7f7f7f", "#1f77b4", "#d62728", "#2ca02c"]
        let slot = plotW / Double(max(1, rows.count))
        for (k, r) in rows.enumerated() {
            let cx = left + slot * (Double(k) + 0.5), bw = slot * 0.5
            let m = r.pct_within_5cm_5deg_mean, e = r.pct_within_5cm_5deg_sem
            out += "<rect x=\"\(cx - bw / 2)\" y=\"\(y(m))\" width=\"\(bw)\" height=\"\(top + plotH - y(m))\" "
                + "fill=\"\(colours[k % colours.count])\" opacity=\"0.8\"/>\n"
            out += "<line x1=\"\(cx)\" y1=\"\(y(m - e))\" x2=\"\(cx)\" y2=\"\(y(m + e))\" stroke=\"black\"/>"
            out += "<line x1=\"\(cx - 6)\" y1=\"\(y(m + e))\" x2=\"\(cx + 6)\" y2=\"\(y(m + e))\" stroke=\"black\"/>"
            out += "<line x1=\"\(cx - 6)\" y1=\"\(y(m - e))\" x2=\"\(cx + 6)\" y2=\"\(y(m - e))\" stroke=\"black\"/>\n"
            for p in r.pct_within_5cm_5deg_per_seed {
                out += "<circle cx=\"\(cx + bw / 2 + 8)\" cy=\"\(y(p))\" r=\"3\" fill=\"black\" opacity=\"0.6\"/>"
            }
            out += "<text x=\"\(cx)\" y=\"\(top + plotH + 18)\" text-anchor=\"middle\">\(r.name)</text>"
            out += "<text x=\"\(cx)\" y=\"\(top + plotH + 34)\" text-anchor=\"middle\" fill=\"#444\">"
                + String(format: "%.1f ± %.1f%%", m, e) + "</text>"
            out += "<text x=\"\(cx)\" y=\"\(top + plotH + 50)\" text-anchor=\"middle\" fill=\"#444\">"
                + String(format: "%.1f° / %.1f cm", r.median_rot_deg, r.median_trans_cm) + "</text>\n"
        }
        out += "<text x=\"14\" y=\"\(top + plotH / 2)\" transform=\"rotate(-90 14 \(top + plotH / 2))\" "
            + "text-anchor=\"middle\">% within 5 cm / 5° (bars: mean ± SEM; dots: seeds)</text>\n"
        return out + "</svg>\n"
    }
}
