import ArgumentParser
import DSAC
import Foundation

/// The differentiable layer on one DSACPNP1 problem: E, entropy and the selected pose's error; optionally dE/dX.
struct ExpectedLossCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expected-loss",
        abstract: "Expected pose loss of DSAC's softmax selection on one problem, and its gradient.",
        discussion: """
            Prints one JSON line {"expected_loss","entropy_bits","selected_rot_err_deg","selected_trans_err_cm",
            "valid_hypotheses"} (with --json; otherwise a readable summary). The problem's ground-truth pose is the
            target. --gradient writes dE/dX as little-endian float32, N×3 (X, Y, Z per point, the file's order).
            The hypothesis pool depends only on --seed and on which minimal sets are valid, so a central
            difference from outside (perturb one coordinate in the file, call again) agrees with the gradient.
            """)

    @Option(help: "A DSACPNP1 problem file.") var problem: String
    @Option(help: "Hypothesis slots.") var hypotheses = 256
    @Option(help: "Seed of the minimal-set sampler.") var seed: UInt64 = 0
    @Option(help: "Kernel threads (results are bit-identical on any count).") var threads = 1
    @Option(help: "Pose loss: dsacstar (deg + cm, √ soft clamp above 100) or max (max(deg, cm)).") var loss = "dsacstar"
    @Option(help: "Write dE/dX here (float32 little-endian, N×3).") var gradient: String?
    @Flag(help: "Print one JSON line.") var json = false

    func run() throws {
        let p = try PnPProblemFile.read(URL(fileURLWithPath: problem))
        var o = ExpectedLossOptions()
        o.hypotheses = hypotheses
        o.seed = seed
        o.threads = threads
        switch loss {
        case "dsacstar": o.loss = .dsacStar
        case "max": o.loss = .maxAngleDistance
        default: throw ValidationError("--loss must be dsacstar or max, got '\(loss)'")
        }
        let layer = try ExpectedLoss(options: o)
        let f = try layer.forward(p.correspondences, intrinsics: p.intrinsics, target: p.camFromWorld)
        let r = f.report
        if let gradient {
            let g = try layer.backward(f, p.correspondences, intrinsics: p.intrinsics)
            var bytes = [UInt8]()
            bytes.reserveCapacity(4 * g.coordinates.count)
            for v in g.coordinates { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
            try Data(bytes).write(to: URL(fileURLWithPath: gradient), options: .atomic)
        }
        if json {
            let object: [String: Any] = [
                "expected_loss": r.expectedLoss, "entropy_bits": r.entropyBits,
                "selected_rot_err_deg": r.selectedError.rotationDegrees,
                "selected_trans_err_cm": r.selectedError.translationCentimetres,
                "valid_hypotheses": r.validHypotheses,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "E = %.6f (entropy %.3f bits), selected hypothesis %d: %.4f°, %.4f cm, loss %.4f",
                         r.expectedLoss, r.entropyBits, r.selectedIndex, r.selectedError.rotationDegrees,
                         r.selectedError.translationCentimetres, r.selectedLoss))
            print("valid hypotheses \(r.validHypotheses) (\(r.setsDrawn) sets drawn); refined \(r.refined), "
                  + "below the floor \(r.skippedBelowFloor), refinement failures \(r.refinementFailures)")
        }
    }
}
