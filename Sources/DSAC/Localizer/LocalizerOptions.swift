/// Everything the localizer can be told; the defaults live here and only here.
public struct LocalizerOptions: Sendable, Hashable {
    /// Valid hypotheses in the pool (DSAC/DSAC++: 256, DSAC*: 64): sampling stops when this many are found.
    public var hypotheses: Int = 256
    /// Bound on redrawing: at most hypotheses × (redraws + 1) minimal sets are solved per frame (DSAC* redraws
    /// up to 10⁶ times per hypothesis; a bound keeps the worst case bounded).
    public var redraws: Int = 32
    /// Early termination (adaptive RANSAC): stop drawing once, with the best hypothesis' inlier ratio ε so far,
    /// the chance that no all-inlier minimal set was drawn is below 1 − confidence, i.e. after
    /// log(1 − confidence) / log(1 − ε⁴) sets. nil fills the whole pool, as DSAC does when training.
    public var confidence: Double? = 0.9999
    /// Local optimisation: the best `refineTop` hypotheses (by score) are refined and the refined pose with the
    /// most inliers wins. 1 is DSAC's argmax; more rescues frames whose best raw hypothesis is a consistent wrong
    /// pose (clustered outliers) while a rough true one scored lower.
    public var refineTop: Int = 1
    /// Minimal sets solved (and their valid hypotheses scored) per step of the sampling loop.
    public var batchSize: Int = 64
    /// Inlier threshold τ, pixels: minimal-set validity, soft inlier score, refinement.
    public var inlierThreshold: Double = 10
    /// Sigmoid slope β of the soft inlier score, 1/pixels.
    public var beta: Double = 0.5
    /// Score scale α (argmax selection does not depend on it; the differentiable layer does).
    public var alpha: Double = 100
    /// Divide the soft inlier count by the number of correspondences (DSAC*'s inlier ratio).
    public var normalizeScore: Bool = true
    /// Reprojection errors are clamped here in scores, pixels.
    public var maxReprojectionError: Double = 100
    /// Inlier re-selection rounds of the refinement (DSAC*: 100); 0 skips refinement.
    public var refinementRounds: Int = 100
    /// Levenberg–Marquardt iterations per round (OpenCV's solvePnP: 20).
    public var refinementIterations: Int = 20
    /// OpenMP threads of the kernels; results do not depend on it.
    public var threads: Int = 1
    /// Seed of the minimal-set sampler.
    public var seed: UInt64 = 0

    /// Largest pool accepted (larger requests are an error, not an out-of-memory death).
    public static let maxHypotheses = 1 << 20
    public static let maxThreads = 1024

    public init() {}

    public func validate() throws(DSACError) {
        guard (1...Self.maxHypotheses).contains(hypotheses) else {
            throw .invalidOptions("hypotheses must be in 1...\(Self.maxHypotheses), got \(hypotheses)")
        }
        guard (0...1_000_000).contains(redraws) else {
            throw .invalidOptions("redraws must be in 0...1000000, got \(redraws)")
        }
        if let confidence, !(confidence > 0 && confidence < 1) {
            throw .invalidOptions("confidence must be in (0, 1) or nil, got \(confidence)")
        }
        guard (1...64).contains(refineTop) else {
            throw .invalidOptions("refineTop must be in 1...64, got \(refineTop)")
        }
        guard (1...Self.maxHypotheses).contains(batchSize) else {
            throw .invalidOptions("batchSize must be in 1...\(Self.maxHypotheses), got \(batchSize)")
        }
        guard inlierThreshold.isFinite, inlierThreshold > 0 else {
            throw .invalidOptions("inlierThreshold must be positive, got \(inlierThreshold)")
        }
        guard beta.isFinite, beta > 0 else { throw .invalidOptions("beta must be positive, got \(beta)") }
        guard alpha.isFinite else { throw .invalidOptions("alpha must be finite, got \(alpha)") }
        guard maxReprojectionError.isFinite, maxReprojectionError >= inlierThreshold else {
            throw .invalidOptions(
                "maxReprojectionError must be at least inlierThreshold (\(inlierThreshold)), got \(maxReprojectionError)")
        }
        guard refinementRounds >= 0 else {
            throw .invalidOptions("refinementRounds must not be negative, got \(refinementRounds)")
        }
        guard refinementIterations >= 1 else {
            throw .invalidOptions("refinementIterations must be at least 1, got \(refinementIterations)")
        }
        guard (1...Self.maxThreads).contains(threads) else {
            throw .invalidOptions("threads must be in 1...\(Self.maxThreads), got \(threads)")
        }
    }

    var scoreOptions: ScoreOptions {
        ScoreOptions(threshold: inlierThreshold, beta: beta, alpha: alpha, maxError: maxReprojectionError,
                     normalize: normalizeScore)
    }

    var refineOptions: RefineOptions {
        RefineOptions(threshold: inlierThreshold, maxRounds: refinementRounds, maxIterations: refinementIterations)
    }
}
