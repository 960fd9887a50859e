import Foundation

/// A cumulative error plot as a self-contained SVG: the fraction of frames (y) whose translation error (left
/// panel, cm) or rotation error (right panel, degrees) is at most x, with the 5 cm / 5° threshold marked.
public enum ErrorPlot {
    public static func svg(_ report: EvaluationReport, title: String) -> String {
        let width = 900.0, height = 380.0
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(width / 2)" y="22" text-anchor="middle" font-size="15">\(escape(title))</text>

            """
        let s = report.summary
        out += "<text x=\"\(width / 2)\" y=\"40\" text-anchor=\"middle\" fill=\"#444\">"
            + String(format: "%d frames · %.1f%% within 5 cm/5° · median %.2f cm, %.2f°", s.frames,
                     s.pct_within_5cm_5deg, s.median_trans_cm, s.median_rot_deg) + "</text>\n"
        out += panel(report.frames.map(\.trans_err_cm), x0: 60, label: "translation error (cm)", limit: 20,
                     threshold: 5, colour: "#1f77b4", height: height)
        out += panel(report.frames.map(\.rot_err_deg), x0: 500, label: "rotation error (°)", limit: 20,
                     threshold: 5, colour: "#d62728", height: height)
        return out + "</svg>\n"
    }

    static func panel(_ errors: [Double], x0: Double, label: String, limit: Double, threshold: Double,
                      colour: String, height: Double) -> String {
        let w = 360.0, top = 60.0, h = height - 120
        func px(_ v: Double) -> Double { x0 + w * min(v, limit) / limit }
        func py(_ f: Double) -> Double { top + h * (1 - f) }
        var s = "<rect x=\"\(x0)\" y=\"\(top)\" width=\"\(w)\" height=\"\(h)\" fill=\"none\" stroke=\"#888\"/>\n"
        for k in 0...4 {
            let f = Double(k) / 4, v = limit * Double(k) / 4
            s += "<line x1=\"\(x0)\" y1=\"\(py(f))\" x2=\"\(x0 + w)\" y2=\"\(py(f))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(x0 - 6)\" y=\"\(py(f) + 4)\" text-anchor=\"end\">\(k * 25)%</text>"
            s += "<text x=\"\(px(v))\" y=\"\(top + h + 16)\" text-anchor=\"middle\">\(String(format: "%g", v))</text>\n"
        }
        s += "<line x1=\"\(px(threshold))\" y1=\"\(top)\" x2=\"\(px(threshold))\" y2=\"\(top + h)\" "
            + "stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n"
        s += "<text x=\"\(x0 + w / 2)\" y=\"\(top + h + 36)\" text-anchor=\"middle\">\(label)</text>\n"
        let sorted = errors.sorted()
        let n = Double(max(1, sorted.count))
        var points = ["\(px(0)),\(py(0))"]
        for (k, e) in sorted.enumerated() where e <= limit {
            points.append("\(px(e)),\(py(Double(k) / n))")
            points.append("\(px(e)),\(py(Double(k + 1) / n))")
        }
        let reached = Double(sorted.filter { $0 <= limit }.count) / n
        points.append("\(px(limit)),\(py(reached))")
        s += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
        return s
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
