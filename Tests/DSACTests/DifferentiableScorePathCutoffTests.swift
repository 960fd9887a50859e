import DSAC
import DSACTestSupport
import Foundation
import Testing

/// The backward pass's score-path cutoff (`ExpectedLossOptions.scorePathCutoff`): hypotheses with a negligible
/// |dE/ds_j| skip the score path, are counted, and the gradient stays what it was to far below float32 rounding.
@Suite("Differentiable DSAC: score-path cutoff")
struct DifferentiableScorePathCutoffTests {
    func gradient(cutoff: Double, threads: Int = 1) throws -> ExpectedLossGradient {
        // A frame with a wide spread of probabilities (DSAC*'s α = 100): many hypotheses with p_j ~ 1e-20.
        let p = DiffFixture.problem(seed: 21, noise: 2, outliers: 0.5, width: 320, height: 240)
        var o = ExpectedLossOptions()
        o.hypotheses = 64
        o.threads = threads
        o.scorePathCutoff = cutoff
        return try ExpectedLoss(options: o).evaluate(p.correspondences, intrinsics: p.intrinsics,
                                                     target: p.camFromWorld).gradient
    }

    @Test func skipsAndCountsWithoutChangingTheGradient() throws {
        let exact = try gradient(cutoff: 0)
        #expect(exact.scorePathSkipped == 0)
        let scale = Double(exact.coordinates.map { abs($0) }.max()!)
        #expect(scale > 0)
        for cutoff in [1e-12, 1e-9] {
            let cut = try gradient(cutoff: cutoff)
            var worst = 0.0
            for (a, b) in zip(cut.coordinates, exact.coordinates) { worst = max(worst, Double(abs(a - b))) }
            let parameters = [(cut.alpha!, exact.alpha!), (cut.beta!, exact.beta!), (cut.tau!, exact.tau!)]
            let worstParameter = parameters.map { abs($0 - $1) / max(abs($1), 1e-12) }.max()!
            print("cutoff \(cutoff): \(cut.scorePathSkipped) hypotheses skipped; largest change of dE/dX "
                  + "\(worst / scale) of its largest element, of dE/d(α, β, τ) \(worstParameter) relative")
            #expect(cut.scorePathSkipped > 0)
            // The dropped terms are below cutoff × (the largest term of the same form) each: with 64 hypotheses
            // and sums that cancel, allow 1000 × cutoff; and the float32 rounding of dE/dX (~6e-8 of the scale).
            #expect(worst <= max(1e-7, 1e3 * cutoff) * scale)
            #expect(worstParameter <= 1e3 * cutoff)
        }
        // The default is the documented 1e-12.
        #expect(ExpectedLossOptions().scorePathCutoff == 1e-12)
    }

    @Test func sameBitsOnOneAndTwoThreads() throws {
        let one = try gradient(cutoff: 1e-9, threads: 1), two = try gradient(cutoff: 1e-9, threads: 2)
        #expect(one.scorePathSkipped == two.scorePathSkipped)
        #expect(one.coordinates.map(\.bitPattern) == two.coordinates.map(\.bitPattern))
        #expect(one.alpha!.bitPattern == two.alpha!.bitPattern)
    }

    @Test func outOfRangeCutoffsAreRefused() throws {
        for bad in [-1e-12, 1, .nan, .infinity] {
            var o = ExpectedLossOptions()
            o.scorePathCutoff = bad
            #expect(throws: DSACError.self) { _ = try ExpectedLoss(options: o) }
        }
        // The kernel refuses it too.
        let p = DiffFixture.problem(seed: 22)
        #expect(throws: DSACError.self) {
            _ = try DifferentiableKernels.backward(
                p.correspondences, intrinsics: p.intrinsics, hypotheses: [.identity], sets: nil, scoreGradient: [1],
                poseGradient: nil, refined: [], refinedFlags: [], inlierMasks: [], refinedGradient: [],
                score: ScoreOptions(), scorePathCutoff: 2, threads: 1)
        }
    }
}
