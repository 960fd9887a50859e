import CKernels

/// The differentiable layer's kernels (CKernels.h, section "Differentiable DSAC"), one Swift function per C entry
/// point. Every pose is cam_from_world; every pose gradient is w.r.t. (d_omega, d_t) of the perturbation model
/// R(d) = exp([d_omega]x) R, t(d) = t + d_t.
public enum DifferentiableKernels {
    /// Soft inlier scores (and hard inlier counts), every point in float64: the training path's scores.
    public static func scoresFloat64(
        _ c: Correspondences, intrinsics: Intrinsics, hypotheses: [Pose], options: ScoreOptions, threads: Int
    ) throws(DSACError) -> (scores: [Double], inlierCounts: [Int32]) {
        try GeometryKernels.scores(c, intrinsics: intrinsics, hypotheses: hypotheses, options: options,
                                   threads: threads, kernel: dsac_score_hypotheses_f64,
                                   what: "scoring hypotheses (float64)")
    }

    /// dh/d(X_0, X_1, X_2) of a P3P pose (6×9 row-major) by the implicit function theorem; throws
    /// `.numericalFailure` for a degenerate set (rcond of the 6×6 system below `rcondMin`).
    public static func p3pJacobian(
        intrinsics: Intrinsics, pose: Pose, pixels: [SIMD2<Double>], points: [SIMD3<Double>],
        rcondMin: Double = 1e-10
    ) throws(DSACError) -> [Double] {
        guard pixels.count == 3, points.count == 3 else {
            throw .invalidBuffer("p3pJacobian needs 3 pixels and 3 points, got \(pixels.count) and \(points.count)")
        }
        var k = intrinsics.c
        var p = pose.c
        let px = pixels.flatMap { [$0.x, $0.y] }
        let X = points.flatMap { [$0.x, $0.y, $0.z] }
        var J = [Double](repeating: 0, count: 54)
        try Kernels.check(dsac_p3p_jacobian(&k, &p, px, X, rcondMin, &J), "P3P Jacobian")
        return J
    }

    /// What the backward kernel returns.
    public struct BackwardResult: Sendable {
        /// dE/dX, N×3 interleaved (X, Y, Z per point), float32.
        public var coordinates: [Float]
        /// dE/dα, dE/dβ, dE/dτ of the soft inlier score (zeros when the score path is off).
        public var scoreParameters: (alpha: Double, beta: Double, tau: Double)
        /// Per hypothesis: its minimal-set derivative was singular (that path skipped).
        public var solverDegenerate: [Bool]
        /// Per hypothesis: its refinement derivative was singular (that path skipped).
        public var refineDegenerate: [Bool]
        /// Hypotheses whose score path `scorePathCutoff` left out.
        public var scorePathSkipped: Int
        /// Milliseconds by stage inside the kernel: refinement adjoints, score path, refinement path, solver path.
        public var stageMilliseconds: (refineAdjoint: Double, scorePath: Double, refinePath: Double, solverPath: Double)
    }

    /// One call of dsac_expected_loss_backward. Arrays per hypothesis (M): `sets` M×4 or nil (hypotheses are
    /// constants), `scoreGradient` M, `poseGradient` M×6 or nil, `refined`/`refinedFlags` M, `inlierMasks` M×N,
    /// `refinedGradient` M×6.
    public static func backward(
        _ c: Correspondences, intrinsics: Intrinsics, hypotheses: [Pose], sets: [Int32]?, scoreGradient: [Double],
        poseGradient: [Double]?, refined: [Pose], refinedFlags: [UInt8], inlierMasks: [UInt8],
        refinedGradient: [Double], score: ScoreOptions?, solverRcondMin: Double = 1e-10,
        refineRcondMin: Double = 1e-12, scorePathCutoff: Double = 0, threads: Int
    ) throws(DSACError) -> BackwardResult {
        let m = hypotheses.count, n = c.count
        func need(_ ok: Bool, _ what: String) throws(DSACError) {
            if !ok { throw .invalidBuffer("backward: \(what)") }
        }
        try need(sets == nil || sets!.count == 4 * m, "sets must hold 4 × \(m) indices")
        try need(scoreGradient.count == m, "scoreGradient must hold \(m) values")
        try need(poseGradient == nil || poseGradient!.count == 6 * m, "poseGradient must hold 6 × \(m) values")
        let anyRefined = refinedFlags.contains { $0 != 0 }
        if anyRefined {
            try need(refined.count == m && refinedFlags.count == m, "refined poses and flags must hold \(m) each")
            try need(inlierMasks.count == m * n, "inlierMasks must hold \(m) × \(n) bytes")
            try need(refinedGradient.count == 6 * m, "refinedGradient must hold 6 × \(m) values")
        }
        var gradient = [Float](repeating: 0, count: 3 * n)
        var params = [0.0, 0.0, 0.0]
        var flags = [UInt8](repeating: 0, count: m)
        var report = dsac_backward_report()
        var k = intrinsics.c
        var options = dsac_backward_options(
            score: (score ?? ScoreOptions()).c, score_path: score == nil ? 0 : 1, solver_rcond_min: solverRcondMin,
            refine_rcond_min: refineRcondMin, score_path_cutoff: scorePathCutoff)
        let poses = hypotheses.map(\.c)
        let refinedC = anyRefined ? refined.map(\.c) : []
        let status: dsac_status = try Kernels.withView(c) { (view) throws(DSACError) -> dsac_status in
            poses.withUnsafeBufferPointer { hp in
                refinedC.withUnsafeBufferPointer { rp in
                    (sets ?? []).withUnsafeBufferPointer { sp in
                        (poseGradient ?? []).withUnsafeBufferPointer { pg in
                            dsac_expected_loss_backward(
                                view, &k, hp.baseAddress, Int64(m), sets == nil ? nil : sp.baseAddress, scoreGradient,
                                poseGradient == nil ? nil : pg.baseAddress, anyRefined ? rp.baseAddress : nil,
                                anyRefined ? refinedFlags : nil, anyRefined ? inlierMasks : nil,
                                anyRefined ? refinedGradient : nil, &options, Int32(threads), &gradient, &params,
                                &flags, &report)
                        }
                    }
                }
            }
        }
        if Int(status) == DSAC_ERROR_DEGENERATE && report.nonfinite_point >= 0 {
            let whereText = report.nonfinite_point == Int64(n)
                ? "in dE/d(alpha, beta, tau)" : "at point \(report.nonfinite_point)"
            throw .numericalFailure(
                "the backward pass produced a non-finite gradient \(whereText) (\(report.solver_degenerate) "
                    + "degenerate minimal sets and \(report.refine_degenerate) singular refinements were skipped)")
        }
        try Kernels.check(status, "expected-loss backward pass")
        return BackwardResult(
            coordinates: gradient, scoreParameters: (params[0], params[1], params[2]),
            solverDegenerate: flags.map { $0 & UInt8(DSAC_BACKWARD_SOLVER_DEGENERATE) != 0 },
            refineDegenerate: flags.map { $0 & UInt8(DSAC_BACKWARD_REFINE_DEGENERATE) != 0 },
            scorePathSkipped: Int(report.score_path_skipped),
            stageMilliseconds: (report.seconds_refine_adjoint * 1e3, report.seconds_score_path * 1e3,
                                report.seconds_refine_path * 1e3, report.seconds_solver_path * 1e3))
    }
}

extension DifferentiableKernels {
    /// Refines several poses independently (dsac_refine_poses): refined poses, inlier masks (M×N bytes, the
    /// final set of each) and each pose's outcome (nil = refined; else why not — the pose is then unchanged).
    public static func refinePoses(
        _ c: Correspondences, intrinsics: Intrinsics, poses: [Pose], options: RefineOptions, threads: Int
    ) throws(DSACError) -> (poses: [Pose], inlierMasks: [UInt8], reports: [RefineReport], failures: [DSACError?]) {
        let m = poses.count
        var out = [dsac_pose](repeating: dsac_pose(), count: m)
        var masks = [UInt8](repeating: 0, count: m * c.count)
        var reports = [dsac_refine_report](repeating: dsac_refine_report(), count: m)
        var status = [dsac_status](repeating: 0, count: m)
        var k = intrinsics.c
        var o = options.c
        let start = poses.map(\.c)
        try Kernels.withView(c) { (view) throws(DSACError) in
            try Kernels.check(
                dsac_refine_poses(view, &k, start, Int64(m), &o, Int32(threads), &out, &masks, &reports, &status),
                "refining hypotheses")
        }
        let failures: [DSACError?] = status.map { s in
            do throws(DSACError) { try Kernels.check(s, "refinement"); return nil } catch { return error }
        }
        return (out.map(Pose.init), masks, reports.map(RefineReport.init), failures)
    }
}

extension DifferentiableKernels {
    /// Newton-polishes refined poses on their final inlier sets (inlierMasks: poses × N bytes); returns the poses
    /// and whether each was polished (an unpolished pose is returned unchanged).
    public static func polish(
        _ c: Correspondences, intrinsics: Intrinsics, poses: [Pose], inlierMasks: [UInt8], maxSteps: Int = 4,
        threads: Int
    ) throws(DSACError) -> (poses: [Pose], polished: [Bool]) {
        guard inlierMasks.count == poses.count * c.count else {
            throw .invalidBuffer("polish: inlierMasks must hold \(poses.count) × \(c.count) bytes")
        }
        var out = poses.map(\.c)
        var ok = [UInt8](repeating: 0, count: poses.count)
        var k = intrinsics.c
        try Kernels.withView(c) { (view) throws(DSACError) in
            try Kernels.check(
                dsac_polish_refined_poses(view, &k, &out, Int64(poses.count), inlierMasks, Int32(maxSteps),
                                          Int32(threads), &ok),
                "polishing refined poses")
        }
        return (out.map(Pose.init), ok.map { $0 != 0 })
    }
}
