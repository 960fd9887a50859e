import ArgumentParser
import DSAC
import Foundation

struct ScoreBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score", abstract: "Milliseconds to score H hypotheses over the 4800 points of a frame.")

    @Option(help: "Hypotheses.") var hypotheses = 256
    @Option(help: "Kernel threads.") var threads = 1
    @Option(help: "Timed runs (after one warm-up).") var runs = 50
    @Option(help: "Write the results here as JSON.") var json: String?

    func run() throws {
        let problem = SyntheticProblem.make(seed: 7, options: .init(outlierFraction: 0.6))
        var g = SeededGenerator(seed: 3)
        let poses = (0..<hypotheses).map { _ -> Pose in
            func u() -> Double { Double(g.next() >> 11) * 0x1p-53 - 0.5 }
            let delta = Pose(rotation: Rotation.matrix(axisAngle: SIMD3(u(), u(), u()) * 0.05),
                             translation: SIMD3(u(), u(), u()) * 0.1)
            return delta * problem.camFromWorld
        }
        let options = ScoreOptions(threshold: 10, beta: 0.5, alpha: 100, maxError: 100, normalize: true)
        let ms = try medianMilliseconds(runs: runs) {
            _ = try GeometryKernels.scores(problem.correspondences, intrinsics: problem.intrinsics,
                                           hypotheses: poses, options: options, threads: threads)
        }
        let n = problem.correspondences.count
        print(String(format: "score: %.3f ms for %d hypotheses × %d points on %d thread(s) (%.2f ns per point)",
                     ms, hypotheses, n, threads, ms * 1e6 / Double(hypotheses * n)))
        try writeJSON(["ms": ms, "hypotheses": hypotheses, "points": n, "threads": threads], to: json)
    }
}
