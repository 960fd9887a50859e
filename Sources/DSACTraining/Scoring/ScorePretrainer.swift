import DSAC
import Foundation

/// Pre-training of the score CNN as DSAC did (train_score.cpp `assembleData`, spec §1.5): for ground-truth poses
/// perturbed at random — half small (σ 2° rotation per axis, 2 mm translation per axis), half large (10°, 100 mm) —
/// regress the label y = −min(max(∠°, Δc cm), cap) / 10 from the error image of the frame's predicted scene
/// coordinates, with an L1 loss and Adam. (DSAC baked its softmax temperature into labels −10·max(∠°, Δc cm); here
/// the scale is α in s = α·u, so α = 100 reproduces DSAC's scores.)
public struct ScorePretrainer: Sendable {
    public struct Options: Sendable, Hashable, Codable {
        public var iterations: Int = 300
        /// Perturbed poses per update.
        public var batch: Int = 16
        public var learningRate: Double = 1e-3
        public var smallRotationDegrees = 2.0, smallTranslationMetres = 0.002
        public var largeRotationDegrees = 10.0, largeTranslationMetres = 0.1
        /// Labels saturate here (∠° or cm).
        public var labelCap = 100.0
        public var seed: UInt64 = 1
        public var threads = 1
        public init() {}
    }

    /// One frame: its predicted correspondences (row-major map cells), intrinsics and ground truth.
    public struct Sample: Sendable {
        public var correspondences: Correspondences
        public var intrinsics: Intrinsics
        public var camFromWorld: Pose
        public var mapWidth: Int, mapHeight: Int
        public init(correspondences: Correspondences, intrinsics: Intrinsics, camFromWorld: Pose, mapWidth: Int,
                    mapHeight: Int) {
            self.correspondences = correspondences
            self.intrinsics = intrinsics
            self.camFromWorld = camFromWorld
            self.mapWidth = mapWidth
            self.mapHeight = mapHeight
        }
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    /// The label of a pose: −min(max(∠°, Δc cm), cap) / 10.
    public static func label(_ estimate: Pose, truth: Pose, cap: Double) -> Double {
        let e = PoseError(estimated: estimate, truth: truth)
        return -min(max(e.rotationDegrees, e.translationCentimetres), cap) / 10
    }

    /// A ground-truth pose perturbed by N(0, σ_R²) per rotation axis (left) and N(0, σ_t²) per translation axis.
    public static func perturb(_ pose: Pose, rotationDegrees: Double, translationMetres: Double,
                               rng: inout SeededGenerator) -> Pose {
        let s = rotationDegrees * .pi / 180
        let w = SIMD3(Initialization.gaussian(&rng), Initialization.gaussian(&rng), Initialization.gaussian(&rng)) * s
        let t = SIMD3(Initialization.gaussian(&rng), Initialization.gaussian(&rng), Initialization.gaussian(&rng))
        return Pose(rotation: Rotation.matrix(axisAngle: w) * pose.rotation,
                    translation: pose.translation + t * translationMetres)
    }

    /// Trains `cnn` in place; returns the mean L1 loss of the first and the last 10% of the updates.
    @discardableResult
    public func train(_ cnn: inout ScoreCNN, samples: [Sample]) throws(TrainingError) -> (first: Double, last: Double) {
        guard !samples.isEmpty else { throw .invalidArgument("score pre-training needs frames") }
        let o = options
        var state = OptimizerState(kind: .adam, parameterCount: cnn.parameterCount)
        var losses: [Double] = []
        for iteration in 0..<o.iterations {
            var rng = SeededGenerator(seed: mixSeed(o.seed, (3 << 40) &+ UInt64(iteration)))
            var gradient = [Float](repeating: 0, count: cnn.parameterCount)
            var total = 0.0
            for b in 0..<o.batch {
                let s = samples[rng.below(samples.count)]
                let small = b % 2 == 0
                let pose = Self.perturb(s.camFromWorld,
                                        rotationDegrees: small ? o.smallRotationDegrees : o.largeRotationDegrees,
                                        translationMetres: small ? o.smallTranslationMetres : o.largeTranslationMetres,
                                        rng: &rng)
                let y = Self.label(pose, truth: s.camFromWorld, cap: o.labelCap)
                let errors = ErrorImage(config: cnn.config, mapWidth: s.mapWidth, mapHeight: s.mapHeight)
                let img = errors.image(s.correspondences, intrinsics: s.intrinsics, pose: pose).image
                let a = try cnn.forward(img, threads: o.threads)
                let r = a.score - y
                total += abs(r)
                _ = try cnn.backward(a, dScore: Float((r > 0 ? 1 : r < 0 ? -1 : 0) / Double(o.batch)),
                                     gradient: &gradient, threads: o.threads)
            }
            losses.append(total / Double(o.batch))
            Optimizer.update(&cnn.parameters, gradient: gradient, state: &state, learningRate: o.learningRate)
        }
        let k = max(1, losses.count / 10)
        func mean(_ v: ArraySlice<Double>) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }
        return (mean(losses.prefix(k)), mean(losses.suffix(k)))
    }
}
