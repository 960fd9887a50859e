import CKernels
import DSAC
import DSACTestSupport
import Foundation
import Testing

/// Central-difference checks of E = Σ p_j ℓ_j and of each gradient path, float64 forward, on small frames.
/// A coordinate whose ±step changes a refined inlier set (piecewise-constant: E jumps) is not compared.
@Suite("Differentiable DSAC: gradients against central differences")
struct DifferentiableGradientTests {
    static let step = 1e-5  // metres (truncation error ~1e-6 relative here; float32 steps are exact)

    /// FD of E over coordinates, with the forward pool's sets held fixed; returns the worst relative error.
    func checkCoordinates(_ layer: ExpectedLoss, _ p: PnPProblem, points: [Int], label: String) throws -> Double {
        let c = p.correspondences
        let base = try layer.evaluate(c, intrinsics: p.intrinsics, target: p.camFromWorld)
        let sets = base.forward.pool.sets
        let g = base.gradient.coordinates
        let scale = g.map { Double(abs($0)) }.max() ?? 0
        var worst = 0.0, compared = 0, skipped = 0
        for i in points {
            for axis in 0..<3 {
                let (cp, hp) = DiffFixture.perturbed(c, i, axis: axis, by: Self.step)
                let (cm, hm) = DiffFixture.perturbed(c, i, axis: axis, by: -Self.step)
                let fp = try layer.forward(cp, intrinsics: p.intrinsics, target: p.camFromWorld, sets: sets)
                let fm = try layer.forward(cm, intrinsics: p.intrinsics, target: p.camFromWorld, sets: sets)
                guard fp.pool.valid == base.forward.pool.valid, fm.pool.valid == base.forward.pool.valid,
                    fp.inlierMasks == base.forward.inlierMasks, fm.inlierMasks == base.forward.inlierMasks,
                    fp.isRefined == base.forward.isRefined, fm.isRefined == base.forward.isRefined
                else {
                    skipped += 1
                    continue
                }
                let numeric = (fp.expectedLoss - fm.expectedLoss) / (hp - hm)
                let e = gradientError(Double(g[3 * i + axis]), numeric, floor: 1e-3 * scale)
                worst = max(worst, e)
                compared += 1
            }
        }
        print("\(label): worst relative error \(worst) over \(compared) coordinates (\(skipped) skipped: set changed)")
        #expect(compared >= points.count)
        return worst
    }

    /// The points that matter most: the solving points of the most probable hypotheses, and the points with the
    /// largest gradient.
    func interestingPoints(_ layer: ExpectedLoss, _ p: PnPProblem, count: Int = 12) throws -> [Int] {
        let r = try layer.evaluate(p.correspondences, intrinsics: p.intrinsics, target: p.camFromWorld)
        let order = r.forward.probabilities.indices.sorted { r.forward.probabilities[$0] > r.forward.probabilities[$1] }
        var points: [Int] = []
        for j in order.prefix(2) { points += r.forward.pool.sets[(4 * j)..<(4 * j + 3)].map(Int.init) }
        let g = r.gradient.coordinates
        let magnitude: [Float] = (0..<(g.count / 3)).map { (i: Int) -> Float in
            let a: Float = abs(g[3 * i]) + abs(g[3 * i + 1])
            return a + abs(g[3 * i + 2])
        }
        let byMagnitude = magnitude.indices.sorted { magnitude[$0] > magnitude[$1] }
        for i in byMagnitude where !points.contains(i) && points.count < count { points.append(i) }
        return points
    }

    func options(_ configure: (inout ExpectedLossOptions) -> Void) -> ExpectedLossOptions {
        var o = ExpectedLossOptions()
        o.hypotheses = 16
        // A soft score (α = 10 over the ratio) so that several hypotheses share the probability mass.
        o.score = .softInlier(ScoreOptions(threshold: 10, beta: 0.5, alpha: 10, maxError: 100, normalize: true))
        configure(&o)
        return o
    }

    @Test func scorePathAlone() throws {
        // No refinement and a loss that ignores the pose: only ℓ_j's dependence through p_j (score path: direct
        // and through the minimal solver) remains... except ℓ_j itself moves with h_j. Make ℓ constant per slot
        // by a custom loss of the pose that is flat: use the unrefined DSAC* loss but compare dE/ds only through
        // the kernel: Σ_j w_j s_j with fixed w.
        let p = DiffFixture.problem(seed: 3)
        let c = p.correspondences
        let layer = try ExpectedLoss(options: options { $0.refinementRounds = 0 })
        let f = try layer.forward(c, intrinsics: p.intrinsics, target: p.camFromWorld)
        let m = f.pool.poses.count
        let w = (0..<m).map { f.pool.valid[$0] ? sin(Double($0) + 1) : 0 }
        guard case .softInlier(let s) = layer.options.score else { return }
        func objective(_ cc: Correspondences, solveSets: Bool) throws -> Double {
            var poses = f.pool.poses
            if solveSets {
                let solved = try GeometryKernels.hypotheses(cc, intrinsics: p.intrinsics, sets: f.pool.sets,
                                                            threshold: 10, threads: 1)
                poses = solved.poses
            }
            let sc = try DifferentiableKernels.scoresFloat64(cc, intrinsics: p.intrinsics, hypotheses: poses,
                                                             options: s, threads: 1).scores
            return zip(w, sc).map { $0 * $1 }.reduce(0, +)
        }
        for solveSets in [false, true] {
            let b = try DifferentiableKernels.backward(
                c, intrinsics: p.intrinsics, hypotheses: f.pool.poses, sets: solveSets ? f.pool.sets : nil,
                scoreGradient: w, poseGradient: nil, refined: [], refinedFlags: [], inlierMasks: [],
                refinedGradient: [], score: s, threads: 1)
            let scale = b.coordinates.map { Double(abs($0)) }.max()!
            // With constant hypotheses, a solving point's error |r| sits at its kink (r = 0): not differentiable,
            // so the direct-only check leaves the sets out.
            let inSets = Set(f.pool.sets.map(Int.init))
            var points = Array(stride(from: 0, to: c.count, by: 23)).filter { !solveSets ? !inSets.contains($0) : true }
            if solveSets {
                for j in 0..<m where f.pool.valid[j] { points += f.pool.sets[(4 * j)..<(4 * j + 4)].map(Int.init) }
            }
            var worst = 0.0
            for i in points {
                for axis in 0..<3 {
                    let (cp, hp) = DiffFixture.perturbed(c, i, axis: axis, by: Self.step)
                    let (cm, hm) = DiffFixture.perturbed(c, i, axis: axis, by: -Self.step)
                    let numeric = try (objective(cp, solveSets: solveSets) - objective(cm, solveSets: solveSets))
                        / (hp - hm)
                    worst = max(worst, gradientError(Double(b.coordinates[3 * i + axis]), numeric, floor: 1e-3 * scale))
                }
            }
            print("score path (\(solveSets ? "direct + minimal solver" : "direct only")): worst relative error \(worst)")
            #expect(worst <= 1e-4)
        }
    }

    @Test func minimalSolverAndLossPathWithoutRefinement() throws {
        let p = DiffFixture.problem(seed: 4)
        let layer = try ExpectedLoss(options: options { $0.refinementRounds = 0 })
        let worst = try checkCoordinates(layer, p, points: try interestingPoints(layer, p), label: "no refinement (score + solver + loss)")
        #expect(worst <= 1e-4)
    }

    @Test func refinementPath() throws {
        let p = DiffFixture.problem(seed: 5)
        let layer = try ExpectedLoss(options: options { $0.refinementFloor = 0 })
        let worst = try checkCoordinates(layer, p, points: try interestingPoints(layer, p), label: "all paths, every hypothesis refined")
        #expect(worst <= 1e-4)
    }

    @Test func allPathsWithTheDefaultFloorAndBothLosses() throws {
        for loss in [PoseLoss.dsacStar, .maxAngleDistance] {
            let p = DiffFixture.problem(seed: 6, noise: 2, outliers: 0.5)
            let layer = try ExpectedLoss(options: options { $0.loss = loss })
            let worst = try checkCoordinates(layer, p, points: try interestingPoints(layer, p), label: "all paths, floor 1e-3, \(loss)")
            #expect(worst <= 1e-4)
        }
    }

    @Test func scoreParameters() throws {
        let p = DiffFixture.problem(seed: 7)
        let base = options { $0.refinementFloor = 0 }
        guard case .softInlier(let s0) = base.score else { return }
        let r = try ExpectedLoss(options: base).evaluate(p.correspondences, intrinsics: p.intrinsics, target: p.camFromWorld)
        let sets = r.forward.pool.sets
        func e(_ change: (inout ScoreOptions) -> Void) throws -> Double {
            var o = base
            var s = s0
            change(&s)
            o.score = .softInlier(s)
            return try ExpectedLoss(options: o).forward(p.correspondences, intrinsics: p.intrinsics,
                                                        target: p.camFromWorld, sets: sets).expectedLoss
        }
        let h = 1e-5
        let numeric = [
            try (e { $0.alpha += h } - e { $0.alpha -= h }) / (2 * h),
            try (e { $0.beta += h } - e { $0.beta -= h }) / (2 * h),
            try (e { $0.threshold += h } - e { $0.threshold -= h }) / (2 * h),
        ]
        let analytic = [r.gradient.alpha!, r.gradient.beta!, r.gradient.tau!]
        for k in 0..<3 {
            let err = gradientError(analytic[k], numeric[k], floor: 1e-9)
            print("score parameter \(["alpha", "beta", "tau"][k]): analytic \(analytic[k]) numeric \(numeric[k]) relative error \(err)")
            #expect(err <= 1e-4)
        }
    }

    @Test func lossGradientsMatchCentralDifferences() throws {
        var g = SeededGenerator(seed: 8)
        let truth = SyntheticProblem.make(seed: 8, options: .init()).camFromWorld
        var worst = 0.0
        for trial in 0..<200 {
            let scale = trial % 2 == 0 ? 0.02 : 0.5  // below and above the DSAC* soft clamp
            let est = jittered(truth, angle: scale, shift: scale, &g)
            for loss in [PoseLoss.dsacStar, .maxAngleDistance] {
                let a = try loss.evaluate(estimate: est, truth: truth).gradient
                let n = centralDifference({ d in [try! loss.evaluate(estimate: ReferenceGeometry.perturbed(est, d), truth: truth).value] },
                                          at: [0, 0, 0, 0, 0, 0], step: 1e-6)[0]
                let scale = a.map(abs).max()!
                for k in 0..<6 { worst = max(worst, gradientError(a[k], n[k], floor: 1e-3 * scale)) }
            }
        }
        print("pose losses: worst relative error \(worst)")
        #expect(worst <= 1e-5)
    }
}
