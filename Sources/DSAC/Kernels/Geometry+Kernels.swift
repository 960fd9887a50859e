import CKernels

/// The geometry kernels, one Swift function per C entry point. Every pose is cam_from_world.
public enum GeometryKernels {
    /// Hypotheses from minimal sets (4 indices each, flattened): P3P on the first three, the fourth chooses
    /// among the roots; a set is valid when all four reproject within `threshold` pixels in front of the camera.
    public static func hypotheses(
        _ c: Correspondences, intrinsics: Intrinsics, sets: [Int32], threshold: Double, threads: Int
    ) throws(DSACError) -> (poses: [Pose], valid: [Bool]) {
        let m = sets.count / 4
        guard sets.count == 4 * m else { throw .invalidBuffer("minimal sets need 4 indices each, got \(sets.count)") }
        var poses = [dsac_pose](repeating: dsac_pose(), count: m)
        var valid = [UInt8](repeating: 0, count: m)
        var k = intrinsics.c
        try Kernels.withView(c) { (view) throws(DSACError) in
            let status = dsac_hypotheses_from_sets(view, &k, sets, Int64(m), threshold, Int32(threads), &poses, &valid)
            try Kernels.check(status, "solving minimal sets")
        }
        return (poses.map(Pose.init), valid.map { $0 != 0 })
    }

    /// Soft inlier scores (and hard inlier counts) of hypotheses over all correspondences (float32 per point).
    public static func scores(
        _ c: Correspondences, intrinsics: Intrinsics, hypotheses: [Pose], options: ScoreOptions, threads: Int
    ) throws(DSACError) -> (scores: [Double], inlierCounts: [Int32]) {
        try scores(c, intrinsics: intrinsics, hypotheses: hypotheses, options: options, threads: threads,
                   kernel: dsac_score_hypotheses, what: "scoring hypotheses")
    }

    /// The C signature shared by the float32 and float64 score entry points.
    typealias ScoreKernel = (
        UnsafePointer<dsac_correspondences>?, UnsafePointer<dsac_intrinsics>?, UnsafePointer<dsac_pose>?, Int64,
        UnsafePointer<dsac_score_options>?, Int32, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Int32>?
    ) -> dsac_status

    static func scores(
        _ c: Correspondences, intrinsics: Intrinsics, hypotheses: [Pose], options: ScoreOptions, threads: Int,
        kernel: ScoreKernel, what: String
    ) throws(DSACError) -> (scores: [Double], inlierCounts: [Int32]) {
        var scores = [Double](repeating: 0, count: hypotheses.count)
        var counts = [Int32](repeating: 0, count: hypotheses.count)
        var k = intrinsics.c
        var o = options.c
        let poses = hypotheses.map(\.c)
        try Kernels.withView(c) { (view) throws(DSACError) in
            let status = kernel(view, &k, poses, Int64(poses.count), &o, Int32(threads), &scores, &counts)
            try Kernels.check(status, what)
        }
        return (scores, counts)
    }

    /// Reprojection errors of one pose, clamped at `maxError` (behind the camera or non-finite: `maxError`).
    public static func reprojectionErrors(
        _ c: Correspondences, intrinsics: Intrinsics, pose: Pose, maxError: Double
    ) throws(DSACError) -> [Float] {
        var errors = [Float](repeating: 0, count: c.count)
        var k = intrinsics.c
        var p = pose.c
        try Kernels.withView(c) { (view) throws(DSACError) in
            try Kernels.check(dsac_reprojection_errors(view, &k, &p, maxError, &errors), "reprojection errors")
        }
        return errors
    }

    /// Inlier mask (error < threshold, in front of the camera) of one pose and its count.
    public static func inlierMask(
        _ c: Correspondences, intrinsics: Intrinsics, pose: Pose, threshold: Double
    ) throws(DSACError) -> (mask: [Bool], count: Int) {
        var mask = [UInt8](repeating: 0, count: c.count)
        var count: Int64 = 0
        var k = intrinsics.c
        var p = pose.c
        try Kernels.withView(c) { (view) throws(DSACError) in
            try Kernels.check(dsac_inlier_mask(view, &k, &p, threshold, &mask, &count), "inlier mask")
        }
        return (mask.map { $0 != 0 }, Int(count))
    }

    /// Refines one pose (LM on the inliers, re-selected until their number stops growing).
    public static func refine(
        _ c: Correspondences, intrinsics: Intrinsics, pose: Pose, options: RefineOptions
    ) throws(DSACError) -> (pose: Pose, inlierMask: [Bool], report: RefineReport) {
        var mask = [UInt8](repeating: 0, count: c.count)
        var k = intrinsics.c
        var start = pose.c
        var o = options.c
        var out = dsac_pose()
        var report = dsac_refine_report()
        try Kernels.withView(c) { (view) throws(DSACError) in
            try Kernels.check(dsac_refine_pose(view, &k, &start, &o, &out, &mask, &report), "refining the pose")
        }
        return (Pose(out), mask.map { $0 != 0 }, RefineReport(report))
    }
}

/// The soft inlier score s = α Σ sig(β (τ − e_i)) (divided by N when `normalize`, as DSAC* does).
public struct ScoreOptions: Sendable, Hashable {
    /// τ, pixels.
    public var threshold: Double = 10
    /// β, 1/pixels.
    public var beta: Double = 0.5
    /// α.
    public var alpha: Double = 1
    /// Errors are clamped here, pixels.
    public var maxError: Double = 100
    /// Divide by the number of correspondences (DSAC*: α = 100 with normalize).
    public var normalize: Bool = false

    public init(threshold: Double = 10, beta: Double = 0.5, alpha: Double = 1, maxError: Double = 100,
                normalize: Bool = false) {
        self.threshold = threshold
        self.beta = beta
        self.alpha = alpha
        self.maxError = maxError
        self.normalize = normalize
    }

    var c: dsac_score_options {
        dsac_score_options(threshold: threshold, beta: beta, alpha: alpha, max_error: maxError,
                           normalize: normalize ? 1 : 0)
    }
}

/// Refinement schedule (DSAC*'s: re-select inliers until they stop growing, at most 100 rounds).
public struct RefineOptions: Sendable, Hashable {
    public var threshold: Double = 10
    public var maxRounds: Int = 100
    public var maxIterations: Int = 20
    public var minInliers: Int = 4

    public init(threshold: Double = 10, maxRounds: Int = 100, maxIterations: Int = 20, minInliers: Int = 4) {
        self.threshold = threshold
        self.maxRounds = maxRounds
        self.maxIterations = maxIterations
        self.minInliers = minInliers
    }

    var c: dsac_refine_options {
        dsac_refine_options(threshold: threshold, max_rounds: Int32(clamping: maxRounds),
                            max_iterations: Int32(clamping: maxIterations), min_inliers: Int32(clamping: minInliers))
    }
}

public struct RefineReport: Sendable, Hashable {
    public var rounds: Int
    public var iterations: Int
    /// Size of the set the final pose was optimised on.
    public var inlierCount: Int
    /// RMS reprojection error of that set, pixels.
    public var rmsError: Double

    init(_ r: dsac_refine_report) {
        rounds = Int(r.rounds)
        iterations = Int(r.iterations)
        inlierCount = Int(r.inlier_count)
        rmsError = r.rms_error
    }
}
