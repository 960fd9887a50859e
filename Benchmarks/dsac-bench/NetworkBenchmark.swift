import ArgumentParser
import DSAC
import DSACData
import DSACTraining
import Foundation

/// The scene-coordinate network's forward pass on a 640×480 frame (a rendered synthetic view), timed by part:
/// encoder, head (the regression head, or the memory head's search when the model has one), whole; with parameters, FLOPs and the GFLOP/s reached. The CPU time other processes used
/// meanwhile is printed beside it (the machine may be shared).
struct NetworkBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Forward pass of the scene-coordinate network per 640×480 frame: ms, parameters, GFLOP/s.")

    @Option(help: "Kernel threads.") var threads = 2
    @Option(help: "Timed runs (after one warm-up).") var runs = 20
    @Option(help: "A model file (default: the default architecture, freshly initialised).") var model: String?
    @Option(help: "Write the results here as JSON.") var json: String?

    func run() throws {
        let network = try model.map { try SceneCoordinateNetwork.load($0) } ?? SceneCoordinateNetwork()
        let scene = try SyntheticScene(options: SyntheticOptions(width: 640, height: 480, trainFrames: 1, testFrames: 1))
        let image = try scene.render(.train, at: 0).image
        let input = SceneCoordinateNetwork.input(image, channels: network.config.inputChannels)
        var features = try network.encoder.forward(input, threads: threads).features
        network.standardize(&features)
        let cells = FeatureMap(channels: features.channels, height: 1, width: features.plane, values: features.values)
        let measured = try foreignLoad { () throws -> (Double, Double, Double) in
            let encoderMs = try medianMilliseconds(runs: runs) { _ = try network.encoder.forward(input, threads: threads) }
            let headMs = try medianMilliseconds(runs: runs) {
                if let memory = network.memory {
                    _ = try memory.coordinates(features, threads: threads)
                } else {
                    _ = try network.head.forward(cells, threads: threads)
                }
            }
            let totalMs = try medianMilliseconds(runs: runs) { _ = try network.predict(image, threads: threads) }
            return (encoderMs, headMs, totalMs)
        }
        let (encoderMs, headMs, totalMs) = measured.result
        let flops = network.flops(width: 640, height: 480)
        let gflop = Double(flops.encoder + flops.head) / 1e9
        print(String(format: "network: %d parameters (encoder %d, head %d), %.3f GFLOP per 640×480 frame",
                     network.parameterCount, network.encoder.parameterCount, network.head.parameterCount, gflop))
        let headName = network.memory.map { "memory head (\($0.count) entries, \($0.lists) lists, \($0.probes) probed)" }
            ?? "head"
        print(String(format: "threads %d: encoder %.1f ms, %@ %.1f ms, whole forward %.1f ms (%.1f GFLOP/s); "
                     + "other processes used %.1f CPU-s of %.1f s wall", threads, encoderMs, headName, headMs, totalMs,
                     gflop / (totalMs / 1e3), measured.foreignCPUSeconds, measured.wallSeconds))
        try writeJSON([
            "threads": threads, "parameters": network.parameterCount, "gflop": gflop, "ms_encoder": encoderMs,
            "ms_head": headMs, "ms_forward": totalMs, "foreign_cpu_s": measured.foreignCPUSeconds,
            "wall_s": measured.wallSeconds, "memory_entries": network.memory?.count ?? 0,
        ], to: json)
    }
}
