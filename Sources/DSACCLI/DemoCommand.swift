import ArgumentParser
import DSAC
import Foundation

/// The built-in default job: localize synthetic frames and print time and pose error per outlier level.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Localize built-in synthetic frames (no downloads) and print a table of time and pose error.")

    @Option(help: "Frames per outlier level.") var frames = 20
    @Option(help: "Outlier fractions, comma separated.") var outliers = "0,0.3,0.6,0.8"
    @Option(help: "Hypothesis slots per frame.") var hypotheses = 256
    @Option(help: "Kernel threads.") var threads = 2
    @Option(help: "Seed of the frames and the sampler.") var seed: UInt64 = 1

    func run() throws {
        let fractions = try outliers.split(separator: ",").map { s -> Double in
            guard let v = Double(s.trimmingCharacters(in: .whitespaces)), (0..<1).contains(v) else {
                throw ValidationError("--outliers: '\(s)' is not a fraction in [0, 1)")
            }
            return v
        }
        var options = LocalizerOptions()
        options.hypotheses = hypotheses
        options.threads = threads
        options.seed = seed
        let localizer = try Localizer(options: options)
        print("Localizing \(frames) synthetic frames per level (640×480, 4800 correspondences, 1 px noise), "
              + "\(hypotheses) hypotheses, \(threads) thread(s)")
        print("outliers | median ms | median rot ° | median trans cm | within 5 cm/5° | failed")
        print("---------|-----------|--------------|-----------------|----------------|-------")
        for fraction in fractions {
            var ms: [Double] = [], rot: [Double] = [], trans: [Double] = []
            var within = 0, failed = 0
            for f in 0..<frames {
                let problem = SyntheticProblem.make(
                    seed: seed &* 1000 &+ UInt64(f), options: .init(outlierFraction: fraction))
                do {
                    let report = try localizer.localize(problem.correspondences, intrinsics: problem.intrinsics)
                    let error = PoseError(estimated: report.camFromWorld, truth: problem.camFromWorld)
                    ms.append(report.timings.total)
                    rot.append(error.rotationDegrees)
                    trans.append(error.translationCentimetres)
                    within += error.isWithin() ? 1 : 0
                } catch {
                    failed += 1
                }
            }
            print(String(format: "%8.2f | %9.3f | %12.4f | %15.4f | %13.1f%% | %d", fraction, median(ms),
                         median(rot), median(trans), 100 * Double(within) / Double(frames), failed))
        }
    }
}

func median(_ v: [Double]) -> Double {
    guard !v.isEmpty else { return .nan }
    let s = v.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
