import ArgumentParser
import DSACData
import Foundation

/// `dsac dataset ...`: tools for data sets on disk.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Inspect data sets (7-Scenes, 12-Scenes, Cambridge Landmarks, DSAC*-style folders).",
        subcommands: [Check.self])

    /// `dsac dataset check DIR [--keep-going]`.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read every frame and print a summary; exit 0 only when every frame is fine.",
            discussion: """
                Detects the layout, decodes every image and depth map, validates every pose (finite numbers, \
                orthonormal rotation, last row 0 0 0 1) and prints frames per split, resolution, intrinsics, depth \
                validity and trajectory length. A bad frame is reported with its file, the line or field, and what \
                was expected. Without --keep-going the check stops at the first bad frame.
                """)

        @Argument(help: "The data set folder.")
        var directory: String

        @Flag(name: .customLong("keep-going"), help: "Report every bad frame instead of stopping at the first.")
        var keepGoing = false

        @Option(name: .long, help: "Worker threads (default: all cores).")
        var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        @Flag(name: .long, help: "No progress bar.")
        var quiet = false

        func run() throws {
            let dataset: Dataset
            do {
                dataset = try Dataset.open(at: directory)
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(1)
            }
            let bar = ProgressBar(label: "checking", enabled: !quiet)
            let report = DatasetChecker.check(dataset, keepGoing: keepGoing, workers: max(1, threads)) { done, total in
                bar.update(done, total)
            }
            bar.finish()
            for error in report.errors {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
            print(report.text)
            if !report.isFine { throw ExitCode(1) }
        }
    }
}
