import ArgumentParser

@main
struct DSACCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dsac",
        abstract: "Fast, differentiable camera localization (DSAC) on the CPU.",
        subcommands: [DemoCommand.self, SynthCommand.self, DatasetCommand.self, ExpectedLossCommand.self, FitCoordinatesCommand.self, TrainCommand.self, PretrainCommand.self, TestCommand.self, LocalizeCommand.self, ReportCommand.self, ExperimentCommand.self])
}
