import DSAC
import Foundation
import Testing

@testable import DSACTraining

@Suite struct AblationTests {
    /// The JSON keeps the contract: rows named as agreed, with mean, SEM, medians and seeds.
    @Test func jsonHasTheAgreedShape() throws {
        func summary(_ pct: Double) -> EvaluationReport.Summary {
            .init(frames: 10, pct_within_5cm_5deg: pct, pct_within_2cm_2deg: 0, pct_within_1cm_1deg: 0,
                  median_rot_deg: 1, median_trans_cm: 2, median_ms_network: 0, median_ms_ransac: 0)
        }
        var perSeed: [AblationVariant: [EvaluationReport.Summary]] = [:]
        for (k, v) in AblationVariant.allCases.enumerated() {
            perSeed[v] = [summary(10 + Double(k)), summary(20 + Double(k)), summary(30 + Double(k))]
        }
        let report = AblationReport(perSeed: perSeed, plan: nil)
        let object = try JSONSerialization.jsonObject(with: report.json()) as! [String: Any]
        let rows = object["rows"] as! [[String: Any]]
        #expect(rows.map { $0["name"] as! String }
            == ["componentwise", "dsac-e2e", "softam-e2e", "dsac-learned-score"])
        for row in rows {
            for key in ["pct_within_5cm_5deg_mean", "pct_within_5cm_5deg_sem", "median_rot_deg", "median_trans_cm"] {
                #expect(row[key] is Double || row[key] is NSNumber, "\(key)")
            }
            #expect(row["seeds"] as? Int == 3)
        }
        #expect(abs((rows[0]["pct_within_5cm_5deg_mean"] as! Double) - 20) < 1e-12)
        #expect(abs((rows[0]["pct_within_5cm_5deg_sem"] as! Double) - 10 / 3.0.squareRoot()) < 1e-12)
        #expect(report.svg(title: "t").hasPrefix("<svg"))
    }

    /// `dsac experiment ablation` end to end on a tiny synthetic run: exits 0, prints the table, writes the files.
    @Test func ablationCommandSmokeRun() throws {
        guard let exe = AblationExecutable.url else {
            Issue.record("the dsac executable was not built beside the tests")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ablation-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Both heads: the memory head (built, its values trained e2e) and the regression head.
        for head in ["mlp", "memory"] {
            let json = dir.appendingPathComponent("\(head).json").path, plot = dir.appendingPathComponent("\(head).svg").path
            let p = Process()
            p.executableURL = exe
            p.arguments = ["experiment", "ablation", "--tiny", "--head", head, "--encoder", "random", "--seeds", "2",
                           "--init-iterations", "5", "--e2e-iterations", "2", "--score-iterations", "2",
                           "--train-frames", "3", "--test-frames", "2", "--image-height", "64", "--buffer-size", "400",
                           "--hypotheses", "8", "--budget", "2", "--json", json, "--plot", plot, "--quiet"]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(head)")
            #expect(text.contains("dsac-learned-score"))
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json)))
                as! [String: Any]
            #expect((object["rows"] as! [[String: Any]]).count == 4)
            #expect(((object["plan"] as? [String: Any])?["head"] as? String) == head)
            #expect(try String(contentsOfFile: plot, encoding: .utf8).contains("</svg>"))
        }
    }
}

/// The `dsac` executable beside the test bundle (`swift build --build-tests` builds every product).
enum AblationExecutable {
    static var url: URL? {
        var dir = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("dsac")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }
}
