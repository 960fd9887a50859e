import CKernels
import DSAC
import DSACTestSupport
import Foundation
import Testing

/// The layer's forward semantics, determinism, the P3P derivative, typed errors and the coordinate fit.
@Suite("Differentiable DSAC: layer")
struct DifferentiableLayerTests {
    func smallOptions() -> ExpectedLossOptions {
        var o = ExpectedLossOptions()
        o.hypotheses = 16
        o.score = .softInlier(ScoreOptions(threshold: 10, beta: 0.5, alpha: 10, maxError: 100, normalize: true))
        o.refinementFloor = 0
        return o
    }

    @Test func bruteForceExpectationOnATinyPool() throws {
        let p = DiffFixture.problem(seed: 11)
        let c = p.correspondences
        let o = smallOptions()
        let f = try ExpectedLoss(options: o).forward(c, intrinsics: p.intrinsics, target: p.camFromWorld)
        guard case .softInlier(let s) = o.score else { return }
        let valid = f.pool.poses.indices.filter { f.pool.valid[$0] }
        let scores = valid.map { ReferenceGeometry.score(c, intrinsics: p.intrinsics, pose: f.pool.poses[$0], options: s).score }
        let top = scores.max()!
        let weights = scores.map { exp($0 - top) }
        let total = weights.reduce(0, +)
        var expected = 0.0
        for (k, j) in valid.enumerated() {
            let refined = try GeometryKernels.refine(c, intrinsics: p.intrinsics, pose: f.pool.poses[j],
                                                     options: RefineOptions())
            let e = PoseError(estimated: refined.pose, truth: p.camFromWorld)
            let raw = e.rotationDegrees + e.translationCentimetres
            let loss = raw > 100 ? (100 * raw).squareRoot() : raw
            expected += weights[k] / total * loss
        }
        print("brute force E \(expected), layer E \(f.expectedLoss)")
        // The reference refines without the Newton polish (LM tolerance ~1e-10 m) and scores independently.
        #expect(abs(expected - f.expectedLoss) <= 1e-6 * max(1, expected))
    }

    @Test func samplingModeConvergesToTheExpectation() throws {
        let p = DiffFixture.problem(seed: 12)
        let f = try ExpectedLoss(options: smallOptions()).forward(p.correspondences, intrinsics: p.intrinsics,
                                                                  target: p.camFromWorld)
        var o = smallOptions()
        o.selection = .sample
        var g = SeededGenerator(seed: 99)
        var sum = 0.0
        let draws = 20_000
        let valid = f.pool.poses.indices.filter { f.pool.valid[$0] }
        for _ in 0..<draws {
            let u = Double(g.next() >> 11) * 0x1p-53
            var acc = 0.0, chosen = valid.last!
            for j in valid {
                acc += f.probabilities[j]
                if u < acc { chosen = j; break }
            }
            sum += f.losses[chosen]
        }
        let variance = valid.map { f.probabilities[$0] * pow(f.losses[$0] - f.expectedLoss, 2) }.reduce(0, +)
        let mean = sum / Double(draws)
        print("sampling: mean \(mean), E \(f.expectedLoss), σ/√n \((variance / Double(draws)).squareRoot())")
        #expect(abs(mean - f.expectedLoss) <= 4 * (variance / Double(draws)).squareRoot() + 1e-12)
        // The layer's own .sample selection names a valid slot.
        let r = try ExpectedLoss(options: o).forward(p.correspondences, intrinsics: p.intrinsics, target: p.camFromWorld)
        #expect(r.pool.valid[r.report.selectedIndex])
    }

    @Test func bitIdenticalOnOneAndTwoThreads() throws {
        let p = DiffFixture.problem(seed: 13, width: 320, height: 240)
        var results: [(Double, [Float], Double)] = []
        for threads in [1, 2] {
            var o = ExpectedLossOptions()
            o.hypotheses = 64
            o.threads = threads
            o.refinementFloor = 0
            let r = try ExpectedLoss(options: o).evaluate(p.correspondences, intrinsics: p.intrinsics, target: p.camFromWorld)
            results.append((r.forward.expectedLoss, r.gradient.coordinates, r.gradient.beta!))
        }
        #expect(results[0].0.bitPattern == results[1].0.bitPattern)
        #expect(results[0].1.map(\.bitPattern) == results[1].1.map(\.bitPattern))
        #expect(results[0].2.bitPattern == results[1].2.bitPattern)
    }

    @Test func p3pDerivativeMatchesCentralDifferencesOnAThousandSets() throws {
        var g = SeededGenerator(seed: 14)
        let k = Intrinsics(fx: 525, fy: 525, cx: 320, cy: 240)
        var worst = 0.0, checked = 0, degenerate = 0
        var errors: [Double] = []
        while checked < 1000 {
            let truth = jittered(.identity, angle: 1, shift: 0.5, &g)
            let world = truth.inverse
            var pixels: [SIMD2<Double>] = [], points: [SIMD3<Double>] = []
            for _ in 0..<3 {
                let px = SIMD2(Double(g.below(640)), Double(g.below(480)))
                let depth = 1 + 3 * Double(g.next() >> 11) * 0x1p-53
                pixels.append(px)
                points.append(world.apply(k.backProject(pixel: px, depth: depth)))
            }
            func solve(_ X: [SIMD3<Double>]) -> [Pose] {
                let b = pixels.flatMap { [($0.x - k.cx) / k.fx, ($0.y - k.cy) / k.fy, 1.0] }
                let x = X.flatMap { [$0.x, $0.y, $0.z] }
                var sols = [dsac_pose](repeating: dsac_pose(), count: 4)
                var count: Int32 = 0
                _ = dsac_p3p(b, x, &sols, &count)
                return sols.prefix(Int(count)).map { q in
                    let r = q.rotation
                    return Pose(rotation: Matrix3(rowMajor: [r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8]),
                                translation: SIMD3(q.translation.0, q.translation.1, q.translation.2))
                }
            }
            func nearest(_ poses: [Pose], to q: Pose) -> Pose? {
                poses.min { a, b in
                    length(a.translation - q.translation) + length(Rotation.axisAngle(a.rotation * q.rotation.transposed))
                        < length(b.translation - q.translation) + length(Rotation.axisAngle(b.rotation * q.rotation.transposed))
                }
            }
            guard let pose = nearest(solve(points), to: truth) else { continue }
            let J: [Double]
            do { J = try DifferentiableKernels.p3pJacobian(intrinsics: k, pose: pose, pixels: pixels, points: points) } catch {
                degenerate += 1
                continue
            }
            let h = 1e-7
            var setWorst = 0.0
            let scale = J.map { Swift.abs($0) }.max()!
            // Near a P3P branch point |dh/dX| blows up and the central difference of a re-solved P3P (accuracy
            // ~1e-13) loses digits: sets with |dh/dX| > 100 (metres or radians per metre) count as near-degenerate.
            if scale > 100 {
                degenerate += 1
                continue
            }
            for col in 0..<9 {
                var plus = points, minus = points
                plus[col / 3][col % 3] += h
                minus[col / 3][col % 3] -= h
                guard let a = nearest(solve(plus), to: pose), let b = nearest(solve(minus), to: pose) else { continue }
                let dw = Rotation.axisAngle(a.rotation * b.rotation.transposed) / (2 * h)
                let dt = (a.translation - b.translation) / (2 * h)
                let numeric = [dw.x, dw.y, dw.z, dt.x, dt.y, dt.z]
                for r in 0..<6 { setWorst = max(setWorst, gradientError(J[9 * r + col], numeric[r], floor: 1e-3 * scale)) }
            }
            worst = max(worst, setWorst)
            errors.append(setWorst)
            checked += 1
        }
        errors.sort()
        print("P3P implicit-function derivative: worst relative error \(worst), median \(errors[errors.count / 2]), "
              + "99th percentile \(errors[errors.count * 99 / 100]) over \(checked) sets (\(degenerate) degenerate or near-degenerate skipped)")
        #expect(worst <= 1e-4)
    }

    @Test func typedErrors() throws {
        var o = ExpectedLossOptions()
        o.refinementFloor = -1
        #expect(throws: DSACError.self) { _ = try ExpectedLoss(options: o) }
        o = ExpectedLossOptions()
        o.threads = 0
        #expect(throws: DSACError.self) { _ = try ExpectedLoss(options: o) }
        let p = DiffFixture.problem(seed: 15)
        let layer = try ExpectedLoss(options: smallOptions())
        let bad = Pose(rotation: .identity, translation: SIMD3(.nan, 0, 0))
        #expect(throws: DSACError.self) {
            _ = try layer.forward(p.correspondences, intrinsics: p.intrinsics, target: bad)
        }
        let nanLoss = PoseLoss.custom { _, _ in (Double.nan, [0, 0, 0, 0, 0, 0]) }
        var o2 = smallOptions()
        o2.loss = nanLoss
        #expect(throws: DSACError.self) {
            _ = try ExpectedLoss(options: o2).forward(p.correspondences, intrinsics: p.intrinsics, target: p.camFromWorld)
        }
        // A non-finite gradient input to the kernel is refused, never returned.
        #expect(throws: DSACError.self) {
            _ = try DifferentiableKernels.backward(
                p.correspondences, intrinsics: p.intrinsics, hypotheses: [.identity], sets: nil, scoreGradient: [.nan],
                poseGradient: nil, refined: [], refinedFlags: [], inlierMasks: [], refinedGradient: [],
                score: ScoreOptions(), threads: 1)
        }
    }

    @Test func fitCoordinatesLowersTheExpectedLoss() throws {
        let p = DiffFixture.problem(seed: 16, noise: 3, outliers: 0.5, width: 320, height: 240)
        var o = ExpectedLossOptions()
        o.hypotheses = 64
        o.threads = 2
        let fitter = try CoordinateFitter(layer: try ExpectedLoss(options: o), learningRate: 2e-3)
        let r = try fitter.fit(p.correspondences, intrinsics: p.intrinsics, target: p.camFromWorld, steps: 40)
        print("fit: E \(r.initial.expectedLoss) -> \(r.final.expectedLoss); argmax \(r.initial.selectedError) -> \(r.final.selectedError)")
        #expect(r.final.expectedLoss <= 0.5 * r.initial.expectedLoss)
        #expect(r.final.selectedError.rotationDegrees + r.final.selectedError.translationCentimetres
                < r.initial.selectedError.rotationDegrees + r.initial.selectedError.translationCentimetres)
    }
}
