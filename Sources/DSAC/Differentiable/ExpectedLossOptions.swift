/// How the layer picks "the" hypothesis it reports (E is always the exact expectation over the pool).
public enum SelectionMode: String, Sendable, CaseIterable {
    /// The most probable hypothesis (localization; DSAC* at test time).
    case argmax
    /// j ~ p, drawn from the seeded generator after the pool (DSAC's probabilistic selection).
    case sample
    /// Training: the exact expectation; the reported hypothesis is the argmax.
    case expectation
}

/// A learned score function (the paper's score CNN): the hook the training issue plugs into. The layer calls
/// `scores` in the forward pass and, in the backward pass, `backward` with dE/ds_j; the returned dE/dh_j are sent
/// through the minimal solver by the layer, the direct dE/dX is added to the gradient. The function's own
/// parameters are its business (it may keep dE/ds to update them).
public protocol LearnedHypothesisScore: Sendable {
    /// One score per hypothesis (cam_from_world), any finite values; the softmax adds no scale.
    func scores(_ c: Correspondences, intrinsics: Intrinsics, hypotheses: [Pose]) throws(DSACError) -> [Double]
    /// Given dE/ds_j: dE/dX directly through the scores (N×3 interleaved, or empty for none) and dE/dh_j
    /// (6 per hypothesis, perturbation model R(d) = exp([d_ω]×) R, t(d) = t + d_t; empty for none).
    func backward(_ c: Correspondences, intrinsics: Intrinsics, hypotheses: [Pose], scoreGradient: [Double])
        throws(DSACError) -> (coordinates: [Double], poses: [Double])
}

extension LearnedHypothesisScore {
    /// `backward` for the pool hypotheses at `valid` (the ones that were scored), checked: their dE/dh_j is added
    /// into `poseGradient` (6 per pool hypothesis), and the direct dE/dX (N×3, or empty) is returned.
    func backward(_ c: Correspondences, intrinsics: Intrinsics, pool: [Pose], valid: [Int], scoreGradient: [Double],
                  into poseGradient: inout [Double]) throws(DSACError) -> [Double] {
        let out = try backward(c, intrinsics: intrinsics, hypotheses: valid.map { pool[$0] },
                               scoreGradient: valid.map { scoreGradient[$0] })
        guard out.coordinates.isEmpty || out.coordinates.count == 3 * c.count,
            out.poses.isEmpty || out.poses.count == 6 * valid.count
        else { throw .invalidBuffer("the learned score's backward returned buffers of the wrong size") }
        for (k, j) in valid.enumerated() where !out.poses.isEmpty {
            for d in 0..<6 { poseGradient[6 * j + d] += out.poses[6 * k + d] }
        }
        return out.coordinates
    }
}

/// The hypothesis score of the layer.
public enum HypothesisScore: Sendable {
    /// The soft inlier score s = α Σ sig(β (τ − e_i)) (÷ N when normalised), float64 in the training path.
    case softInlier(ScoreOptions)
    /// A learned score function.
    case learned(any LearnedHypothesisScore)
}

/// What the backward pass does with a minimal set whose P3P derivative is singular (or a refined pose whose
/// Hessian is): skip that path and count it in the report, or fail.
public enum DegeneratePolicy: String, Sendable {
    case skipAndCount
    case fail
}

/// Everything the differentiable layer can be told; the defaults live here and only here (DSAC*'s values).
public struct ExpectedLossOptions: Sendable {
    /// Hypothesis slots in the pool (DSAC / DSAC++ / ESAC: 256).
    public var hypotheses: Int = 256
    /// Redraws of an invalid slot's minimal set (the pool depends only on the seed and on which sets are valid).
    public var redraws: Int = 16
    /// Pixels: a minimal set is valid when its four points reproject within this; also refinement's inlier
    /// threshold. A hard threshold (piecewise constant): it is not differentiated.
    public var inlierThreshold: Double = 10
    /// The hypothesis score (its τ is the score's own; dE/dτ is w.r.t. it). Default: DSAC*'s soft inlier ratio,
    /// α = 100, β = 0.5 px⁻¹, τ = 10 px, errors clamped at 100 px.
    public var score: HypothesisScore = .softInlier(
        ScoreOptions(threshold: 10, beta: 0.5, alpha: 100, maxError: 100, normalize: true))
    /// Hypotheses with p_j below this are not refined (their loss is taken at the unrefined pose, and its
    /// gradient goes through the minimal solver); counted in the report. DSAC*'s PROB_THRESH = 1e-3; 0 refines all.
    public var refinementFloor: Double = 1e-3
    /// Inlier re-selection rounds of the refinement (DSAC*: 100); 0 refines nothing.
    public var refinementRounds: Int = 100
    /// Levenberg–Marquardt iterations per round.
    public var refinementIterations: Int = 20
    /// The pose loss.
    public var loss: PoseLoss = .dsacStar
    /// Which hypothesis the report names.
    public var selection: SelectionMode = .expectation
    /// Singular derivatives (minimal set or refinement): skip and count, or fail.
    public var degenerate: DegeneratePolicy = .skipAndCount
    /// rcond below which a minimal set's 6×6 P3P system counts as singular.
    public var solverRcondMin: Double = 1e-10
    /// rcond below which a refined pose's 6×6 Hessian counts as singular.
    public var refineRcondMin: Double = 1e-12
    /// Backward: a hypothesis whose |dE/ds_j| = p_j |ℓ_j − E| is at most this fraction of the largest one skips the
    /// score path (its direct, minimal-solver and dE/d(α, β, τ) terms; at 1e-12, about 10 of the ~90 valid
    /// hypotheses of a 4800-point frame with 60% outliers). Every dropped term is below the cutoff times the largest hypothesis's term of the
    /// same form: at 1e-12 that is far below the float32 rounding of dE/dX. Counted in
    /// `ExpectedLossGradient.scorePathSkipped`; 0 keeps every hypothesis with dE/ds_j ≠ 0. In [0, 1).
    public var scorePathCutoff: Double = 1e-12
    /// OpenMP threads of the kernels; results are bit-identical on any count.
    public var threads: Int = 1
    /// Seed of the minimal-set sampler (and of the selection draw in `.sample` mode).
    public var seed: UInt64 = 0

    public init() {}

    public func validate() throws(DSACError) {
        guard (1...LocalizerOptions.maxHypotheses).contains(hypotheses) else {
            throw .invalidOptions("hypotheses must be in 1...\(LocalizerOptions.maxHypotheses), got \(hypotheses)")
        }
        guard (0...1_000_000).contains(redraws) else {
            throw .invalidOptions("redraws must be in 0...1000000, got \(redraws)")
        }
        guard inlierThreshold.isFinite, inlierThreshold > 0 else {
            throw .invalidOptions("inlierThreshold must be positive, got \(inlierThreshold)")
        }
        if case .softInlier(let s) = score {
            guard s.threshold.isFinite, s.threshold > 0, s.beta.isFinite, s.beta > 0, s.alpha.isFinite,
                s.maxError.isFinite, s.maxError >= s.threshold
            else {
                throw .invalidOptions(
                    "score: need τ > 0, β > 0, finite α and maxError ≥ τ (τ \(s.threshold), β \(s.beta), "
                        + "α \(s.alpha), maxError \(s.maxError))")
            }
        }
        guard refinementFloor.isFinite, refinementFloor >= 0 else {
            throw .invalidOptions("refinementFloor must be ≥ 0, got \(refinementFloor)")
        }
        guard refinementRounds >= 0 else {
            throw .invalidOptions("refinementRounds must not be negative, got \(refinementRounds)")
        }
        guard refinementIterations >= 1 else {
            throw .invalidOptions("refinementIterations must be at least 1, got \(refinementIterations)")
        }
        if case .dsacStar(let clamp) = loss, !(clamp.isFinite && clamp > 0) {
            throw .invalidOptions("the DSAC* loss' soft clamp must be positive, got \(clamp)")
        }
        guard solverRcondMin.isFinite, solverRcondMin >= 0, refineRcondMin.isFinite, refineRcondMin >= 0 else {
            throw .invalidOptions("rcond thresholds must be finite and ≥ 0")
        }
        guard scorePathCutoff >= 0, scorePathCutoff < 1 else {
            throw .invalidOptions("scorePathCutoff must be in [0, 1), got \(scorePathCutoff)")
        }
        guard (1...LocalizerOptions.maxThreads).contains(threads) else {
            throw .invalidOptions("threads must be in 1...\(LocalizerOptions.maxThreads), got \(threads)")
        }
    }

    var refineOptions: RefineOptions {
        RefineOptions(threshold: inlierThreshold, maxRounds: max(refinementRounds, 1),
                      maxIterations: refinementIterations)
    }
}
