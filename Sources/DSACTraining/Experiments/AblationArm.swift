import DSAC
import Foundation

/// One arm's model: the scene-coordinate network, and for the learned-score arm the score CNN and its scale α
/// (held by entropy control).
public struct AblationModel: Sendable {
    public var network: SceneCoordinateNetwork
    public var scoreCNN: ScoreCNN?
    public var entropy: EntropyControl?
}

/// Options shared by the e2e arms (defaults in one place).
public struct AblationArmOptions: Sendable {
    public var iterations = 100
    public var learningRate = 1e-4
    public var scoreLearningRate = 1e-4
    public var hypotheses = 64
    public var threads = 2
    /// SoftAM's w in E = ℓ(refine(h̄)) + w·ℓ(h̄).
    public var softAMAverageWeight = 1.0
    public init() {}
}

/// End-to-end training and testing of one arm (b, c, d); (a) is tested like (b) with the init network.
public enum AblationArm {
    static func layerOptions(_ o: AblationArmOptions, model: AblationModel, frame: AblationFrame,
                             variant: AblationVariant, seed: UInt64) -> (ExpectedLossOptions, LearnedScoreFunction?) {
        var l = ExpectedLossOptions()
        l.hypotheses = o.hypotheses
        l.threads = o.threads
        l.seed = seed
        var fn: LearnedScoreFunction?
        if variant == .dsacLearnedScore, let cnn = model.scoreCNN {
            fn = LearnedScoreFunction(cnn: cnn, alpha: model.entropy?.alpha ?? 100, mapWidth: frame.features.width,
                                      mapHeight: frame.features.height)
            l.score = .learned(fn!)
        }
        return (l, fn)
    }

    /// Trains `model` end to end on `frames` (frame i and its pool from mixSeed(seed, 2^40 + i), the same for
    /// every arm). Frames without a valid hypothesis are skipped and counted; returns (updates, skipped).
    @discardableResult
    public static func train(_ variant: AblationVariant, model: inout AblationModel, frames: [AblationFrame],
                             options o: AblationArmOptions, seed: UInt64) throws(TrainingError) -> (Int, Int) {
        guard variant != .componentwise, !frames.isEmpty else { return (0, 0) }
        var state = OptimizerState(kind: .adam, parameterCount: model.network.sceneParameterCount)
        var scoreState = model.scoreCNN.map { OptimizerState(kind: .adam, parameterCount: $0.parameterCount) }
        var updates = 0, skipped = 0
        for iteration in 0..<o.iterations {
            var rng = SeededGenerator(seed: mixSeed(seed, (1 << 40) &+ UInt64(iteration)))
            let frame = frames[rng.below(frames.count)]
            let x = frame.standardized(model.network)
            let pass = try model.network.sceneHeadForward(x, threads: o.threads)
            let (layer, fn) = layerOptions(o, model: model, frame: frame, variant: variant, seed: rng.next())
            let coordinates: [Float]
            do {
                let c = try frame.correspondences(pass.prediction, sceneMean: model.network.sceneMean)
                if variant == .softamE2E {
                    let s = try SoftAM(layer: layer, averageLossWeight: o.softAMAverageWeight)
                    let f = try s.forward(c, intrinsics: frame.intrinsics, target: frame.camFromWorld)
                    coordinates = try s.backward(f, c, intrinsics: frame.intrinsics).coordinates
                } else {
                    let e = try ExpectedLoss(options: layer)
                    let (f, g) = try e.evaluate(c, intrinsics: frame.intrinsics, target: frame.camFromWorld)
                    coordinates = g.coordinates
                    if let fn, var cnn = model.scoreCNN, var ss = scoreState {
                        let grad = fn.parameterGradient
                        if grad.allSatisfy(\.isFinite) {
                            Optimizer.update(&cnn.parameters, gradient: grad, state: &ss, learningRate: o.scoreLearningRate)
                            model.scoreCNN = cnn
                            scoreState = ss
                        }
                        let valid = (0..<f.pool.poses.count).filter { f.pool.valid[$0] }
                        if valid.count == fn.units.count { model.entropy?.step(units: fn.units) }
                    }
                }
            } catch {
                skipped += 1
                continue
            }
            let cells = x.width
            var g = FeatureMap(channels: 3, height: 1, width: cells)
            for i in 0..<cells {
                g.values[i] = coordinates[3 * i]
                g.values[cells + i] = coordinates[3 * i + 1]
                g.values[2 * cells + i] = coordinates[3 * i + 2]
            }
            let grad = try model.network.sceneHeadGradient(pass, outputGradient: g, threads: o.threads)
            model.network.updateSceneHead(gradient: grad, state: &state, learningRate: o.learningRate)
            updates += 1
        }
        return (updates, skipped)
    }

    /// Tests an arm on `frames`: argmax over the pool (soft inlier count, or the learned score) with the selected
    /// hypothesis refined — or, for SoftAM, the refined average. Frame i's pool comes from seed i.
    public static func test(_ variant: AblationVariant, model: AblationModel, frames: [AblationFrame],
                            options o: AblationArmOptions) throws(TrainingError) -> [EvaluationReport.FrameResult] {
        var results: [EvaluationReport.FrameResult] = []
        for (i, frame) in frames.enumerated() {
            let start = ContinuousClock.now
            let prediction = try model.network.sceneHeadForward(frame.standardized(model.network), threads: o.threads)
                .prediction
            var (layer, _) = layerOptions(o, model: model, frame: frame, variant: variant, seed: UInt64(i))
            layer.selection = .argmax
            var result = EvaluationReport.FrameResult(name: frame.name, rot_err_deg: EvaluationReport.failedError,
                                                      trans_err_cm: EvaluationReport.failedError, inliers: 0,
                                                      ms_network: 0, ms_ransac: 0)
            do {
                let c = try frame.correspondences(prediction, sceneMean: model.network.sceneMean)
                let pose: Pose
                if variant == .softamE2E {
                    pose = try SoftAM(layer: layer, averageLossWeight: o.softAMAverageWeight)
                        .forward(c, intrinsics: frame.intrinsics, target: frame.camFromWorld).refined
                } else {
                    pose = try ExpectedLoss(options: layer).forward(c, intrinsics: frame.intrinsics,
                                                                    target: frame.camFromWorld).report.selectedPose
                }
                let e = PoseError(estimated: pose, truth: frame.camFromWorld)
                result.rot_err_deg = e.rotationDegrees
                result.trans_err_cm = e.translationCentimetres
            } catch {}
            result.ms_ransac = InitTrainer.seconds(ContinuousClock.now - start) * 1e3
            results.append(result)
        }
        return results
    }
}
