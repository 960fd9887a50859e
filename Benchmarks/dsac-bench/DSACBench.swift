import ArgumentParser

@main
struct DSACBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dsac-bench",
        abstract: "DSAC's benchmarks: medians of timed runs after a warm-up, with accuracy beside time.",
        subcommands: [LocalizeBenchmark.self, P3PBenchmark.self, ScoreBenchmark.self, MakeProblemsCommand.self, TrainStepBenchmark.self, NetworkBenchmark.self])
}
