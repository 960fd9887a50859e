import ArgumentParser
import DSAC
import Foundation

/// Gradient descent (Adam) on the scene coordinates themselves, minimising DSAC's expected loss.
struct FitCoordinatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-coordinates",
        abstract: "Minimise the expected loss over the scene coordinates of one problem (Adam).",
        discussion: """
            Prints E and the argmax pose error every few steps; with --json ends with one JSON line
            {"steps","initial_expected_loss","final_expected_loss","initial_rot_err_deg","final_rot_err_deg",
            "initial_trans_err_cm","final_trans_err_cm"} (initial and final measured on the pool of --seed).
            """)

    @Option(help: "A DSACPNP1 problem file.") var problem: String
    @Option(help: "Adam steps.") var steps: Int
    @Option(help: "Adam learning rate (metres per step, roughly).") var learningRate = 1e-3
    @Option(help: "Hypothesis slots.") var hypotheses = 256
    @Option(help: "Seed of the minimal-set sampler.") var seed: UInt64 = 0
    @Option(help: "Kernel threads.") var threads = 1
    @Option(help: "Print every this many steps.") var every = 10
    @Flag(help: "End with one JSON line.") var json = false

    func run() throws {
        let p = try PnPProblemFile.read(URL(fileURLWithPath: problem))
        var o = ExpectedLossOptions()
        o.hypotheses = hypotheses
        o.seed = seed
        o.threads = threads
        let fitter = try CoordinateFitter(layer: try ExpectedLoss(options: o), learningRate: learningRate)
        let every = max(1, self.every)
        let result = try fitter.fit(p.correspondences, intrinsics: p.intrinsics, target: p.camFromWorld,
                                    steps: steps) { s in
            if s.step % every == 0 {
                print(String(format: "step %4d  E %10.4f  argmax %.4f° %.4f cm", s.step, s.expectedLoss,
                             s.argmaxError.rotationDegrees, s.argmaxError.translationCentimetres))
            }
        }
        let i = result.initial, f = result.final
        print(String(format: "E %.4f -> %.4f; argmax %.4f° %.4f cm -> %.4f° %.4f cm", i.expectedLoss,
                     f.expectedLoss, i.selectedError.rotationDegrees, i.selectedError.translationCentimetres,
                     f.selectedError.rotationDegrees, f.selectedError.translationCentimetres))
        if json {
            let object: [String: Any] = [
                "steps": steps, "initial_expected_loss": i.expectedLoss, "final_expected_loss": f.expectedLoss,
                "initial_rot_err_deg": i.selectedError.rotationDegrees,
                "final_rot_err_deg": f.selectedError.rotationDegrees,
                "initial_trans_err_cm": i.selectedError.translationCentimetres,
                "final_trans_err_cm": f.selectedError.translationCentimetres,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
