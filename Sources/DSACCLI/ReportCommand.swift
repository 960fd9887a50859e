import ArgumentParser
import DSACTraining
import Foundation

/// `dsac report merge`: shard reports → one report.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Work with test reports.", subcommands: [Merge.self])

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge the reports of `dsac test --shard i/n` (all n of them) into one report.")

        @Argument(help: "Shard reports (JSON).") var reports: [String]
        @Option(help: "Write the merged report here (default: standard output).") var out: String?
        @Option(help: "Write a cumulative error plot (SVG) here.") var plot: String?

        func run() throws {
            do {
                var parts: [EvaluationReport] = []
                for path in reports { parts.append(try EvaluationReport.read(path)) }
                let merged = try EvaluationReport.merge(parts)
                if let out {
                    try merged.json().write(to: URL(fileURLWithPath: out), options: .atomic)
                    TrainingSupport.printSummary(merged)
                } else {
                    FileHandle.standardOutput.write(merged.json() + Data("\n".utf8))
                }
                if let plot {
                    try ErrorPlot.svg(merged, title: "merged report").write(toFile: plot, atomically: true,
                                                                           encoding: .utf8)
                }
            } catch {
                throw TrainingSupport.fail(error)
            }
        }
    }
}
