import DSAC
import Foundation
import Testing

@testable import DSACTraining

/// A row-major map of `w × h` cells at pixels (8c + 4, 8r + 4) seeing points 2–4 m away, with `noise` metres of
/// scene-coordinate noise, and its camera (cam_from_world).
enum ScoreFixture {
    static func frame(seed: UInt64, w: Int = 20, h: Int = 15, noise: Double = 0.01)
        -> (c: Correspondences, k: Intrinsics, pose: Pose)
    {
        var rng = SeededGenerator(seed: seed)
        let k = Intrinsics(fx: 100, fy: 100, cx: Double(4 * w), cy: Double(4 * h))
        let pose = Pose(rotation: Rotation.matrix(axisAngle: SIMD3(0.3, -0.2, 0.1)), translation: SIMD3(0.1, 0.2, 0.3))
        let worldFromCam = pose.inverse
        var px = [Float](), py = [Float](), sx = [Float](), sy = [Float](), sz = [Float]()
        for r in 0..<h {
            for c in 0..<w {
                let pixel = SIMD2(Double(8 * c + 4), Double(8 * r + 4))
                let depth = 2 + 2 * uniform(&rng)
                var x = worldFromCam.apply(k.backProject(pixel: pixel, depth: depth))
                x += noise * SIMD3(Initialization.gaussian(&rng), Initialization.gaussian(&rng),
                                   Initialization.gaussian(&rng))
                px.append(Float(pixel.x))
                py.append(Float(pixel.y))
                sx.append(Float(x.x))
                sy.append(Float(x.y))
                sz.append(Float(x.z))
            }
        }
        let c = try! Correspondences(pixelX: px, pixelY: py, sceneX: sx, sceneY: sy, sceneZ: sz)
        return (c, k, pose)
    }

    /// Left-perturbed copy: R ← exp([d_ω]×) R, t ← t + d_t.
    static func moved(_ p: Pose, _ d: [Double]) -> Pose {
        Pose(rotation: Rotation.matrix(axisAngle: SIMD3(d[0], d[1], d[2])) * p.rotation,
             translation: p.translation + SIMD3(d[3], d[4], d[5]))
    }
}

/// v / |v|.
func unit(_ v: [Double]) -> [Double] {
    let n = v.map { $0 * $0 }.reduce(0, +).squareRoot()
    return v.map { $0 / n }
}

/// Relative error of an analytic directional derivative against a numeric one.
func relativeError(_ a: Double, _ n: Double) -> Double { abs(a - n) / max(abs(a), abs(n), 1e-9) }

@Suite struct ScoreCNNGradientTests {
    /// F = Σ_j g_j s_j(X, h_j; θ, α) of the learned score, and its analytic derivatives from `backward`, checked
    /// along random directions by central differences (float32 CNN: tolerance 2%).
    @Test func learnedScoreGradientsMatchCentralDifferences() throws {
        let (c, k, truth) = ScoreFixture.frame(seed: 5)
        var rng = SeededGenerator(seed: 9)
        let hyps = (0..<4).map { j in
            ScorePretrainer.perturb(truth, rotationDegrees: j % 2 == 0 ? 1 : 3, translationMetres: 0.02, rng: &rng)
        }
        let cnn = try ScoreCNN(seed: 3)
        let alpha = 2.0
        let g = [0.7, -0.4, 0.25, -1.1]
        func F(_ c: Correspondences, _ hyps: [Pose], _ cnn: ScoreCNN, _ alpha: Double) throws -> Double {
            let f = LearnedScoreFunction(cnn: cnn, alpha: alpha, mapWidth: 20, mapHeight: 15)
            return zip(try f.scores(c, intrinsics: k, hypotheses: hyps), g).map { $0 * $1 }.reduce(0, +)
        }
        let fn = LearnedScoreFunction(cnn: cnn, alpha: alpha, mapWidth: 20, mapHeight: 15)
        _ = try fn.scores(c, intrinsics: k, hypotheses: hyps)
        let out = try fn.backward(c, intrinsics: k, hypotheses: hyps, scoreGradient: g)

        // Scene coordinates (direct path), along a random direction.
        let dir = unit((0..<(3 * c.count)).map { _ in Initialization.gaussian(&rng) })
        let hX = 1e-2
        func shifted(_ s: Double) -> Correspondences {
            try! Correspondences(
                pixelX: c.pixelX, pixelY: c.pixelY,
                sceneX: (0..<c.count).map { Float(Double(c.sceneX[$0]) + s * dir[3 * $0]) },
                sceneY: (0..<c.count).map { Float(Double(c.sceneY[$0]) + s * dir[3 * $0 + 1]) },
                sceneZ: (0..<c.count).map { Float(Double(c.sceneZ[$0]) + s * dir[3 * $0 + 2]) })
        }
        // The coordinates are float32: compare F(+) − F(−) with the analytic change over the steps actually taken.
        let (cp, cm) = (shifted(hX), shifted(-hX))
        let numericX = try F(cp, hyps, cnn, alpha) - F(cm, hyps, cnn, alpha)
        var analyticX = 0.0
        for i in 0..<c.count {
            analyticX += out.coordinates[3 * i] * (Double(cp.sceneX[i]) - Double(cm.sceneX[i]))
                + out.coordinates[3 * i + 1] * (Double(cp.sceneY[i]) - Double(cm.sceneY[i]))
                + out.coordinates[3 * i + 2] * (Double(cp.sceneZ[i]) - Double(cm.sceneZ[i]))
        }
        let errX = relativeError(analyticX, numericX)

        // Poses, along a random 6-vector per hypothesis.
        let dirH = unit((0..<(6 * hyps.count)).map { _ in Initialization.gaussian(&rng) })
        let hH = 1e-3
        func movedAll(_ s: Double) -> [Pose] {
            hyps.enumerated().map { j, p in ScoreFixture.moved(p, (0..<6).map { s * dirH[6 * j + $0] }) }
        }
        let numericH = (try F(c, movedAll(hH), cnn, alpha) - F(c, movedAll(-hH), cnn, alpha)) / (2 * hH)
        let analyticH = zip(out.poses, dirH).map { $0 * $1 }.reduce(0, +)
        let errH = relativeError(analyticH, numericH)

        // CNN weights, along a random direction; α exactly.
        let grad = fn.parameterGradient
        let dirW = unit((0..<cnn.parameterCount).map { _ in Initialization.gaussian(&rng) }).map { Float($0) }
        let hW: Float = 1e-3
        var plus = cnn, minus = cnn
        for i in dirW.indices {
            plus.parameters[i] += hW * dirW[i]
            minus.parameters[i] -= hW * dirW[i]
        }
        let numericW = (try F(c, hyps, plus, alpha) - F(c, hyps, minus, alpha)) / (2 * Double(hW))
        let analyticW = zip(grad, dirW).map { Double($0) * Double($1) }.reduce(0, +)
        let errW = relativeError(analyticW, numericW)
        let numericA = (try F(c, hyps, cnn, alpha + 1e-3) - F(c, hyps, cnn, alpha - 1e-3)) / 2e-3
        let errA = relativeError(fn.alphaGradient, numericA)
        print(String(format: "score CNN gradient check: rel. error X %.2e, poses %.2e, weights %.2e, α %.2e",
                     errX, errH, errW, errA))
        #expect(abs(analyticX) > 1e-6 && abs(analyticH) > 1e-6)
        #expect(errX < 2e-2)
        #expect(errH < 2e-2)
        #expect(errW < 2e-2)
        #expect(errA < 1e-4)
    }

    /// Through the layer's `HypothesisScore.learned` hook: dE/dX of the expected loss with the score CNN (score
    /// path direct and through the minimal solver, refinement path) against central differences.
    @Test func expectedLossWithLearnedScoreMatchesCentralDifferences() throws {
        let (c, k, truth) = ScoreFixture.frame(seed: 13, noise: 0.01)
        let fn = LearnedScoreFunction(cnn: try ScoreCNN(seed: 8), alpha: 3, mapWidth: 20, mapHeight: 15)
        var o = ExpectedLossOptions()
        o.hypotheses = 16
        o.seed = 5
        o.score = .learned(fn)
        let layer = try ExpectedLoss(options: o)
        var rng = SeededGenerator(seed: 31)
        let target = ScorePretrainer.perturb(truth, rotationDegrees: 1, translationMetres: 0.01, rng: &rng)
        let (_, g) = try layer.evaluate(c, intrinsics: k, target: target)
        let dir = unit((0..<(3 * c.count)).map { _ in Initialization.gaussian(&rng) })
        func shifted(_ s: Double) -> Correspondences {
            try! Correspondences(
                pixelX: c.pixelX, pixelY: c.pixelY,
                sceneX: (0..<c.count).map { Float(Double(c.sceneX[$0]) + s * dir[3 * $0]) },
                sceneY: (0..<c.count).map { Float(Double(c.sceneY[$0]) + s * dir[3 * $0 + 1]) },
                sceneZ: (0..<c.count).map { Float(Double(c.sceneZ[$0]) + s * dir[3 * $0 + 2]) })
        }
        let (cp, cm) = (shifted(1e-3), shifted(-1e-3))
        let numeric = try layer.forward(cp, intrinsics: k, target: target).expectedLoss
            - layer.forward(cm, intrinsics: k, target: target).expectedLoss
        var analytic = 0.0
        for i in 0..<c.count {
            analytic += Double(g.coordinates[3 * i]) * (Double(cp.sceneX[i]) - Double(cm.sceneX[i]))
                + Double(g.coordinates[3 * i + 1]) * (Double(cp.sceneY[i]) - Double(cm.sceneY[i]))
                + Double(g.coordinates[3 * i + 2]) * (Double(cp.sceneZ[i]) - Double(cm.sceneZ[i]))
        }
        let err = relativeError(analytic, numeric)
        print(String(format: "expected loss with the learned score, dE/dX check: rel. error %.2e", err))
        #expect(abs(numeric) > 1e-9)
        #expect(err < 2e-2)
    }

    /// Pre-training lowers the L1 error of the score regression on perturbed poses.
    @Test func pretrainingReducesTheRegressionError() throws {
        let (c, k, truth) = ScoreFixture.frame(seed: 7)
        var cnn = try ScoreCNN(seed: 1)
        var o = ScorePretrainer.Options()
        o.iterations = 60
        o.batch = 8
        o.learningRate = 3e-3
        let r = try ScorePretrainer(options: o).train(
            &cnn, samples: [.init(correspondences: c, intrinsics: k, camFromWorld: truth, mapWidth: 20, mapHeight: 15)])
        #expect(r.last < r.first)
    }
}
