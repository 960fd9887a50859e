/// The forward pass of the layer: the pool, its probabilities, the refined poses and their losses, and E.
/// Keep it to call `ExpectedLoss.backward`.
public struct ExpectedLossForward: Sendable {
    /// Minimal sets (4 per slot) and unrefined hypotheses (cam_from_world), with validity.
    public var pool: HypothesisPool
    /// s_j per slot (invalid slots: −∞).
    public var scores: [Double]
    /// p_j = softmax over the valid slots (invalid: 0).
    public var probabilities: [Double]
    /// The pose each loss was taken at: refined where `isRefined`, else the unrefined hypothesis.
    public var lossPoses: [Pose]
    public var isRefined: [Bool]
    /// Final inlier set of each refinement, slots × N bytes (rows of unrefined slots are zero).
    public var inlierMasks: [UInt8]
    /// ℓ_j (invalid slots: 0) and dℓ_j/dh (6 per slot, at `lossPoses[j]`).
    public var losses: [Double]
    public var lossGradients: [Double]
    /// E = Σ_j p_j ℓ_j.
    public var expectedLoss: Double
    public var report: ExpectedLossReport
}

/// What one forward pass did.
public struct ExpectedLossReport: Sendable {
    /// E = Σ_j p_j ℓ_j over the valid hypotheses.
    public var expectedLoss: Double
    /// Shannon entropy of p, bits.
    public var entropyBits: Double
    /// The hypothesis the selection mode names (argmax, or j ~ p), its refined pose (cam_from_world), its loss
    /// and its error against the target.
    public var selectedIndex: Int
    public var selectedPose: Pose
    public var selectedLoss: Double
    public var selectedError: PoseError
    public var validHypotheses: Int
    public var setsDrawn: Int
    /// Refined hypotheses; valid ones skipped by the probability floor; refinements that failed (too few inliers,
    /// degenerate: their loss is taken at the unrefined pose, like the skipped ones).
    public var refined: Int
    public var skippedBelowFloor: Int
    public var refinementFailures: Int
    /// Refined poses the Newton polish left as LM returned them (not at a minimum, or a singular Hessian): their
    /// refinement derivative holds only to LM's tolerance.
    public var unpolished: Int
    /// Where the time went (profiling only).
    public var timings = ExpectedLossForwardTimings()
}

/// Wall-clock milliseconds by stage of one forward pass (profiling only; never part of the result).
public struct ExpectedLossForwardTimings: Sendable, Hashable, Codable {
    /// Minimal-set sampling and P3P (the pool).
    public var pool = 0.0
    /// Hypothesis scores (float64 soft inlier score, or the learned function) and the softmax.
    public var scoring = 0.0
    /// Levenberg–Marquardt refinement of the hypotheses above the probability floor.
    public var refinement = 0.0
    /// Newton polish of the refined poses (exact Hessian).
    public var polish = 0.0
    /// Losses, E, entropy and the selection (with the refinement of an unrefined selected hypothesis).
    public var loss = 0.0
    public var total: Double { pool + scoring + refinement + polish + loss }
    public init() {}
}

/// Wall-clock milliseconds by stage of one backward pass (profiling only).
public struct ExpectedLossBackwardTimings: Sendable, Hashable, Codable {
    /// dE/ds_j, dE/dh_j in Swift, and a learned score's own backward.
    public var preparation = 0.0
    /// The refinement adjoints mu_j = H_j⁻¹ dE/dh°_j (exact Hessian per refined hypothesis).
    public var refineAdjoint = 0.0
    /// The score path into the points, and its per-hypothesis dE/dh_j and dE/d(α, β, τ) partials.
    public var scorePath = 0.0
    /// The refinement path into the points.
    public var refinePath = 0.0
    /// The minimal-set path (P3P implicit-function VJPs).
    public var solverPath = 0.0
    /// Everything else: argument checks and conversions at the C boundary, finiteness checks.
    public var other = 0.0
    public var total: Double { preparation + refineAdjoint + scorePath + refinePath + solverPath + other }
    public init() {}
}

/// The backward pass: dE/dX and dE/d(α, β, τ), with what was skipped.
public struct ExpectedLossGradient: Sendable {
    /// dE/dX, N×3 interleaved (X, Y, Z of point i at 3i...3i+2), float32, the correspondences' order.
    public var coordinates: [Float]
    /// dE/dα, dE/dβ, dE/dτ of the soft inlier score (nil for a learned score).
    public var alpha: Double?
    public var beta: Double?
    public var tau: Double?
    /// Hypotheses whose minimal-set path (singular P3P system) or refinement path (singular Hessian) was skipped.
    public var solverDegenerate: Int
    public var refineDegenerate: Int
    /// Hypotheses whose score path `ExpectedLossOptions.scorePathCutoff` left out (|dE/ds_j| negligible).
    public var scorePathSkipped = 0
    /// Where the time went (profiling only).
    public var timings = ExpectedLossBackwardTimings()
}
