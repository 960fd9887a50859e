import Foundation

/// SoftAM: DSAC's differentiable baseline (Brachmann et al., CVPR 2017, §4 and spec §1.6): instead of selecting a
/// hypothesis, take the probability-weighted average h̄ = Σ_j p_j h_j of the pool and refine it.
///
/// Rotation averaging: **Rodrigues vectors averaged linearly, as the paper's code did** (cnn_softam.h):
///   ω̄ = Σ_j p_j log(R_j),  t̄ = Σ_j p_j t_j,  R̄ = exp(ω̄)       (poses cam_from_world)
/// This is not the Karcher mean on SO(3): it is exact only when the rotations share an axis, and log(R) jumps at
/// π, so hypotheses of one frame that straddle a 180° rotation average badly (they rarely do: a pool clusters).
///
/// Loss (a named choice, `averageLossWeight`): E = ℓ(refine(h̄)) + w·ℓ(h̄). Refinement runs to the optimum of a
/// fixed inlier set, so d refine(h̄)/dh̄ = 0: the refined term trains only the scene coordinates (through the
/// refinement's implicit-function derivative, as DSAC's layer does); the average term (w > 0) is what carries a
/// gradient into the scores and the hypotheses. With w = 0 the scores learn nothing.
///
/// Gradients (perturbation model of every Jacobian: R(d) = exp([d_ω]×) R, t(d) = t + d_t):
///   dE/dω̄ = J_l(ω̄)ᵀ g_ω, with g = dE/dh̄ (since exp(ω̄ + ε) ≈ exp(J_l(ω̄) ε) exp(ω̄));
///   dE/dp_j = ω_j·dE/dω̄ + t_j·g_t;   dE/ds_j = p_j (dE/dp_j − Σ_k p_k dE/dp_k);
///   dE/dh_j = (p_j J_l(ω_j)⁻ᵀ dE/dω̄, p_j g_t) (since log(exp(δ) R_j) ≈ ω_j + J_l(ω_j)⁻¹ δ),
/// then the layer's backward kernel takes dE/ds_j (score path) and dE/dh_j (minimal-solver path) into dE/dX.
public struct SoftAM: Sendable {
    /// Pool, score, refinement and loss as in the expected-loss layer (`selection` is ignored).
    public var layer: ExpectedLossOptions
    /// w in E = ℓ(refine(h̄)) + w·ℓ(h̄).
    public var averageLossWeight: Double

    public init(layer: ExpectedLossOptions = ExpectedLossOptions(), averageLossWeight: Double = 1)
        throws(DSACError)
    {
        try layer.validate()
        guard averageLossWeight.isFinite, averageLossWeight >= 0 else {
            throw .invalidOptions("averageLossWeight must be ≥ 0, got \(averageLossWeight)")
        }
        self.layer = layer
        self.averageLossWeight = averageLossWeight
    }

    /// What the forward pass computed; keep it for `backward`.
    public struct Forward: Sendable {
        public var pool: HypothesisPool
        /// Per slot (invalid: −∞ and 0).
        public var scores: [Double]
        public var probabilities: [Double]
        /// h̄ and refine(h̄) (equal when the refinement failed), cam_from_world.
        public var average: Pose
        public var refined: Pose
        public var isRefined: Bool
        public var inlierMask: [UInt8]
        /// E and its two terms.
        public var loss: Double
        public var averageLoss: Double
        public var refinedLoss: Double
        public var entropyBits: Double
        var gradientAverage: [Double]
        var gradientRefined: [Double]
    }

    /// The probability-weighted Rodrigues/translation average of `poses` (weights summing to 1).
    public static func average(_ poses: [Pose], weights: [Double]) -> Pose {
        var w = SIMD3<Double>.zero, t = SIMD3<Double>.zero
        for (pose, p) in zip(poses, weights) where p > 0 {
            w += p * Rotation.axisAngle(pose.rotation)
            t += p * pose.translation
        }
        return Pose(rotation: Rotation.matrix(axisAngle: w), translation: t)
    }

    /// Given g = dE/dh̄ (6 values), dE/dp_j and dE/dh_j (6 per pose) of the average.
    public static func averageBackward(_ poses: [Pose], weights: [Double], gradient g: [Double])
        -> (dWeights: [Double], dPoses: [Double])
    {
        let omegas = poses.map { Rotation.axisAngle($0.rotation) }
        var wBar = SIMD3<Double>.zero
        for (o, p) in zip(omegas, weights) where p > 0 { wBar += p * o }
        let gOmega = SIMD3(g[0], g[1], g[2]), gT = SIMD3(g[3], g[4], g[5])
        let dOmegaBar = SO3Jacobian.left(wBar).transposed * gOmega
        var dWeights = [Double](repeating: 0, count: poses.count)
        var dPoses = [Double](repeating: 0, count: 6 * poses.count)
        for j in poses.indices {
            dWeights[j] = dot(omegas[j], dOmegaBar) + dot(poses[j].translation, gT)
            let p = weights[j]
            guard p > 0 else { continue }
            let dw = p * (SO3Jacobian.leftInverse(omegas[j]).transposed * dOmegaBar)
            for (k, v) in [dw.x, dw.y, dw.z, p * gT.x, p * gT.y, p * gT.z].enumerated() { dPoses[6 * j + k] = v }
        }
        return (dWeights, dPoses)
    }

    public func forward(_ c: Correspondences, intrinsics: Intrinsics, target: Pose) throws(DSACError) -> Forward {
        try intrinsics.validate()
        let pool = try ExpectedLoss(options: layer).drawPool(c, intrinsics: intrinsics)
        let m = pool.poses.count
        let valid = (0..<m).filter { pool.valid[$0] }
        guard !valid.isEmpty else { throw .noValidHypothesis(tries: pool.setsDrawn) }
        let validPoses = valid.map { pool.poses[$0] }
        let validScores: [Double]
        switch layer.score {
        case .softInlier(let s):
            validScores = try DifferentiableKernels.scoresFloat64(
                c, intrinsics: intrinsics, hypotheses: validPoses, options: s, threads: layer.threads).scores
        case .learned(let f):
            validScores = try f.scores(c, intrinsics: intrinsics, hypotheses: validPoses)
            guard validScores.count == validPoses.count, validScores.allSatisfy(\.isFinite) else {
                throw .numericalFailure("the learned score returned a wrong count or a non-finite value")
            }
        }
        let top = validScores.max()!
        var scores = [Double](repeating: -.infinity, count: m), probabilities = [Double](repeating: 0, count: m)
        var z = 0.0
        for (k, j) in valid.enumerated() {
            scores[j] = validScores[k]
            probabilities[j] = exp(validScores[k] - top)
            z += probabilities[j]
        }
        var entropy = 0.0
        for j in valid {
            probabilities[j] /= z
            if probabilities[j] > 0 { entropy -= probabilities[j] * log2(probabilities[j]) }
        }
        let average = Self.average(validPoses, weights: valid.map { probabilities[$0] })
        var refined = average, isRefined = false
        var mask = [UInt8]()
        if layer.refinementRounds > 0 {
            let r = try DifferentiableKernels.refinePoses(c, intrinsics: intrinsics, poses: [average],
                                                          options: layer.refineOptions, threads: layer.threads)
            if r.failures[0] == nil {
                let polished = try DifferentiableKernels.polish(c, intrinsics: intrinsics, poses: r.poses,
                                                                inlierMasks: r.inlierMasks, threads: layer.threads)
                refined = polished.poses[0]
                mask = r.inlierMasks
                isRefined = true
            }
        }
        let la = try layer.loss.evaluate(estimate: average, truth: target)
        let lr = try layer.loss.evaluate(estimate: refined, truth: target)
        var gAverage = la.gradient.map { $0 * averageLossWeight }
        var gRefined = [Double](repeating: 0, count: 6)
        if isRefined { gRefined = lr.gradient } else { for k in 0..<6 { gAverage[k] += lr.gradient[k] } }
        let e = lr.value + averageLossWeight * la.value
        guard e.isFinite else { throw .numericalFailure("the SoftAM loss is not finite (\(e))") }
        return Forward(pool: pool, scores: scores, probabilities: probabilities, average: average, refined: refined,
                       isRefined: isRefined, inlierMask: mask, loss: e, averageLoss: la.value, refinedLoss: lr.value,
                       entropyBits: entropy, gradientAverage: gAverage, gradientRefined: gRefined)
    }

    /// dE/dX (N×3 interleaved, float32) of `forward`'s E, and dE/ds_j per slot (for a learned score's own update).
    public func backward(_ f: Forward, _ c: Correspondences, intrinsics: Intrinsics) throws(DSACError)
        -> (coordinates: [Float], scoreGradient: [Double])
    {
        let m = f.pool.poses.count, n = c.count
        let valid = (0..<m).filter { f.pool.valid[$0] }
        let validPoses = valid.map { f.pool.poses[$0] }
        let weights = valid.map { f.probabilities[$0] }
        let (dWeights, dPoses) = Self.averageBackward(validPoses, weights: weights, gradient: f.gradientAverage)
        var meanDW = 0.0
        for k in valid.indices { meanDW += weights[k] * dWeights[k] }
        var scoreGradient = [Double](repeating: 0, count: m), poseGradient = [Double](repeating: 0, count: 6 * m)
        for (k, j) in valid.enumerated() {
            scoreGradient[j] = weights[k] * (dWeights[k] - meanDW)
            for d in 0..<6 { poseGradient[6 * j + d] = dPoses[6 * k + d] }
        }
        var scoreOptions: ScoreOptions?
        var learnedDirect: [Double] = []
        switch layer.score {
        case .softInlier(let s): scoreOptions = s
        case .learned(let fn):
            learnedDirect = try fn.backward(c, intrinsics: intrinsics, pool: f.pool.poses, valid: valid,
                                            scoreGradient: scoreGradient, into: &poseGradient)
        }
        // Averaging path: scores (direct + through the minimal sets) and hypotheses (minimal sets).
        let pool = try DifferentiableKernels.backward(
            c, intrinsics: intrinsics, hypotheses: f.pool.poses, sets: f.pool.sets, scoreGradient: scoreGradient,
            poseGradient: poseGradient, refined: [], refinedFlags: [UInt8](repeating: 0, count: m), inlierMasks: [],
            refinedGradient: [], score: scoreOptions, solverRcondMin: layer.solverRcondMin,
            refineRcondMin: layer.refineRcondMin, threads: layer.threads)
        var coordinates = pool.coordinates
        // Refinement path of refine(h̄): the implicit-function derivative at the optimum (h̄ itself is a constant).
        if f.isRefined {
            let r = try DifferentiableKernels.backward(
                c, intrinsics: intrinsics, hypotheses: [f.average], sets: nil, scoreGradient: [0], poseGradient: nil,
                refined: [f.refined], refinedFlags: [1], inlierMasks: f.inlierMask, refinedGradient: f.gradientRefined,
                score: nil, solverRcondMin: layer.solverRcondMin, refineRcondMin: layer.refineRcondMin,
                threads: layer.threads)
            for i in coordinates.indices { coordinates[i] += r.coordinates[i] }
        }
        if !learnedDirect.isEmpty { for i in 0..<(3 * n) { coordinates[i] += Float(learnedDirect[i]) } }
        if let bad = coordinates.firstIndex(where: { !$0.isFinite }) {
            throw .numericalFailure("SoftAM: dE/dX is not finite at point \(bad / 3)")
        }
        return (coordinates, scoreGradient)
    }
}

/// Jacobians of SO(3)'s exponential map (Barfoot, "State Estimation for Robotics", §7.1.5), ω ∈ so(3), θ = |ω|:
///   J_l(ω) = I + (1 − cos θ)/θ² [ω]× + (θ − sin θ)/θ³ [ω]×²   (exp(ω + ε) ≈ exp(J_l ε) exp(ω))
///   J_l(ω)⁻¹ = I − ½[ω]× + (1/θ² − (1 + cos θ)/(2 θ sin θ)) [ω]×²
/// Series below θ = 1e-4 (their errors are O(θ²) there).
public enum SO3Jacobian {
    public static func left(_ w: SIMD3<Double>) -> Matrix3 {
        let t = length(w), k = Rotation.skew(w), k2 = k * k
        let (a, b) = t < 1e-4 ? (0.5 - t * t / 24, 1.0 / 6 - t * t / 120)
            : ((1 - cos(t)) / (t * t), (t - sin(t)) / (t * t * t))
        return combine(1, k, a, k2, b)
    }

    public static func leftInverse(_ w: SIMD3<Double>) -> Matrix3 {
        let t = length(w), k = Rotation.skew(w), k2 = k * k
        let b = t < 1e-4 ? 1.0 / 12 + t * t / 720 : 1 / (t * t) - (1 + cos(t)) / (2 * t * sin(t))
        return combine(1, k, -0.5, k2, b)
    }

    static func combine(_ i: Double, _ k: Matrix3, _ a: Double, _ k2: Matrix3, _ b: Double) -> Matrix3 {
        let e = Matrix3.identity
        return Matrix3(rows: i * e.row0 + a * k.row0 + b * k2.row0, i * e.row1 + a * k.row1 + b * k2.row1,
                       i * e.row2 + a * k.row2 + b * k2.row2)
    }
}
