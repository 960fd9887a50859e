import DSAC
import Foundation
import Testing

@testable import DSACTraining

@Suite struct SoftAMGradientTests {
    /// E(s, h) = ℓ(average(h, softmax(s))) with DSAC*'s loss: dE/ds_j and dE/dh_j of `averageBackward` against
    /// central differences (float64 throughout: tolerance 1e-5).
    @Test func averageGradientsMatchCentralDifferences() throws {
        let truth = Pose(rotation: Rotation.matrix(axisAngle: SIMD3(0.4, 0.1, -0.3)), translation: SIMD3(0.2, 0, 1))
        var rng = SeededGenerator(seed: 4)
        let poses = (0..<5).map { _ in
            ScorePretrainer.perturb(truth, rotationDegrees: 4, translationMetres: 0.05, rng: &rng)
        }
        let s = [0.3, -0.2, 1.1, 0.0, -0.7]
        func softmax(_ s: [Double]) -> [Double] {
            let e = s.map { exp($0 - s.max()!) }
            return e.map { $0 / e.reduce(0, +) }
        }
        func E(_ s: [Double], _ poses: [Pose]) throws -> Double {
            try PoseLoss.dsacStar.evaluate(estimate: SoftAM.average(poses, weights: softmax(s)), truth: truth).value
        }
        let p = softmax(s)
        let g = try PoseLoss.dsacStar.evaluate(estimate: SoftAM.average(poses, weights: p), truth: truth).gradient
        let (dW, dP) = SoftAM.averageBackward(poses, weights: p, gradient: g)
        let meanDW = zip(p, dW).map { $0 * $1 }.reduce(0, +)
        var worst = 0.0
        let h = 1e-6
        for j in 0..<5 {
            var sp = s, sm = s
            sp[j] += h
            sm[j] -= h
            let numeric = (try E(sp, poses) - E(sm, poses)) / (2 * h)
            worst = max(worst, relativeError(p[j] * (dW[j] - meanDW), numeric))
            for d in 0..<6 {
                var step = [Double](repeating: 0, count: 6)
                step[d] = h
                var pp = poses, pm = poses
                pp[j] = ScoreFixture.moved(poses[j], step)
                pm[j] = ScoreFixture.moved(poses[j], step.map { -$0 })
                let n = (try E(s, pp) - E(s, pm)) / (2 * h)
                worst = max(worst, abs(dP[6 * j + d] - n) / max(abs(n), abs(dP[6 * j + d]), 1e-3))
            }
        }
        print(String(format: "SoftAM averaging gradient check: worst rel. error %.2e", worst))
        #expect(worst < 1e-5)
    }

    /// The whole SoftAM layer (pool, soft inlier scores, average, refinement): dE/dX along a random direction of
    /// the scene coordinates against central differences (the pool's minimal sets fixed by the seed).
    @Test func layerCoordinateGradientMatchesCentralDifferences() throws {
        let (c, k, truth) = ScoreFixture.frame(seed: 11, noise: 0.01)
        var o = ExpectedLossOptions()
        o.hypotheses = 16
        o.seed = 3
        let s = try SoftAM(layer: o, averageLossWeight: 1)
        var perturbation = SeededGenerator(seed: 77)
        let target = ScorePretrainer.perturb(truth, rotationDegrees: 1, translationMetres: 0.01,
                                             rng: &perturbation)
        let f = try s.forward(c, intrinsics: k, target: target)
        let g = try s.backward(f, c, intrinsics: k).coordinates
        var rng = SeededGenerator(seed: 21)
        let dir = (0..<(3 * c.count)).map { _ in Initialization.gaussian(&rng) }
        let h = 1e-5
        func E(_ step: Double) throws -> Double {
            let moved = try Correspondences(
                pixelX: c.pixelX, pixelY: c.pixelY,
                sceneX: (0..<c.count).map { Float(Double(c.sceneX[$0]) + step * dir[3 * $0]) },
                sceneY: (0..<c.count).map { Float(Double(c.sceneY[$0]) + step * dir[3 * $0 + 1]) },
                sceneZ: (0..<c.count).map { Float(Double(c.sceneZ[$0]) + step * dir[3 * $0 + 2]) })
            return try s.forward(moved, intrinsics: k, target: target).loss
        }
        let numeric = (try E(h) - E(-h)) / (2 * h)
        let analytic = zip(g, dir).map { Double($0) * $1 }.reduce(0, +)
        let err = relativeError(analytic, numeric)
        print(String(format: "SoftAM layer dE/dX check: analytic %.6g numeric %.6g rel. error %.2e (refined: %@)",
                     analytic, numeric, err, f.isRefined ? "yes" : "no"))
        #expect(f.isRefined)
        #expect(err < 2e-2)
    }
}

@Suite struct EntropyControlTests {
    @Test func entropyDerivativeMatchesCentralDifferences() {
        let u = [-0.3, -1.2, 0.0, -2.5, -0.8, -0.1]
        var worst = 0.0
        for alpha in [0.5, 2.0, 7.0] {
            let a = EntropyControl.entropy(units: u, alpha: alpha)
            let h = 1e-6
            let numeric = (EntropyControl.entropy(units: u, alpha: alpha + h).bits
                - EntropyControl.entropy(units: u, alpha: alpha - h).bits) / (2 * h)
            worst = max(worst, relativeError(a.dBits_dAlpha, numeric))
            let control = EntropyControl(targetBits: 1.5, alpha: alpha)
            let l = control.loss(units: u, alpha: alpha)
            let numericL = (control.loss(units: u, alpha: alpha + h).value
                - control.loss(units: u, alpha: alpha - h).value) / (2 * h)
            worst = max(worst, relativeError(l.dLoss_dAlpha, numericL))
        }
        print(String(format: "entropy control gradient check: worst rel. error %.2e", worst))
        #expect(worst < 1e-6)
    }

    @Test func controlReachesTheTarget() {
        let u = (0..<64).map { -Double($0) * 0.05 }  // distinct: any entropy in (0, 6) bits is reachable
        for target in [1.0, 4.0] {
            var control = EntropyControl(targetBits: target, alpha: 100, learningRate: 0.05)
            for _ in 0..<600 { control.step(units: u) }
            let h = EntropyControl.entropy(units: u, alpha: control.alpha).bits
            #expect(abs(h - target) < 0.05, "entropy \(h) bits, target \(target)")
        }
    }
}
