import Foundation

/// The differentiable DSAC layer (Brachmann et al., CVPR 2017; DSAC++ CVPR 2018; DSAC* TPAMI 2021): a pool of
/// hypotheses from seeded minimal sets, p = softmax(s) over the valid ones, each hypothesis above a probability
/// floor refined, and the expected loss E = Σ_j p_j ℓ(refine(h_j), h*) with its exact gradient w.r.t. every scene
/// coordinate and every score parameter.
///
/// Forward: pool (Swift draws, C++ solves) → float64 scores (C++) → softmax (Swift) → refinement of the
/// hypotheses with p_j ≥ floor (one batched C++ call) → losses (Swift) → E.
/// Backward: dE/ds_j = p_j (ℓ_j − E); dE/dh°_j = p_j dℓ_j/dh° for refined hypotheses, dE/dh_j = p_j dℓ_j/dh_j
/// (minimal-set path) for the others; ONE C++ call accumulates dE/dX as vector–Jacobian products.
public struct ExpectedLoss: Sendable {
    public let options: ExpectedLossOptions

    public init(options: ExpectedLossOptions = ExpectedLossOptions()) throws(DSACError) {
        try options.validate()
        self.options = options
    }

    /// Draws the pool from `options.seed` (it depends only on the seed and on which sets are valid).
    public func drawPool(_ c: Correspondences, intrinsics: Intrinsics) throws(DSACError) -> HypothesisPool {
        var generator = SeededGenerator(seed: options.seed)
        return try drawPool(c, intrinsics: intrinsics, generator: &generator)
    }

    func drawPool(_ c: Correspondences, intrinsics: Intrinsics, generator: inout SeededGenerator)
        throws(DSACError) -> HypothesisPool
    {
        let sampler = try MinimalSetSampler(usable: c.usableIndices)
        let threshold = options.inlierThreshold, threads = options.threads
        return try sampler.pool(slots: options.hypotheses, redraws: options.redraws, using: &generator) {
            (sets) throws(DSACError) in
            try GeometryKernels.hypotheses(c, intrinsics: intrinsics, sets: sets, threshold: threshold,
                                           threads: threads)
        }
    }

    /// The forward pass with the pool of `options.seed`, or with the given minimal sets (re-solved on these
    /// coordinates; a set that became invalid is left out).
    public func forward(_ c: Correspondences, intrinsics: Intrinsics, target: Pose, sets: [Int32]? = nil)
        throws(DSACError) -> ExpectedLossForward
    {
        try intrinsics.validate()
        guard target.isFinite else { throw .invalidPose("the target pose is not finite") }
        var timings = ExpectedLossForwardTimings()
        var clock = ContinuousClock.now
        var generator = SeededGenerator(seed: options.seed)
        let pool: HypothesisPool
        if let sets {
            guard sets.count % 4 == 0, !sets.isEmpty else {
                throw .invalidBuffer("sets must hold 4 indices per hypothesis, got \(sets.count)")
            }
            guard sets.allSatisfy({ $0 >= 0 && Int($0) < c.count }) else {
                throw .invalidBuffer("a set index is outside 0..<\(c.count)")
            }
            let solved = try GeometryKernels.hypotheses(
                c, intrinsics: intrinsics, sets: sets, threshold: options.inlierThreshold, threads: options.threads)
            pool = HypothesisPool(sets: sets, poses: solved.poses, valid: solved.valid, setsDrawn: sets.count / 4)
        } else {
            pool = try drawPool(c, intrinsics: intrinsics, generator: &generator)
        }
        let m = pool.poses.count, n = c.count
        let validIndices = (0..<m).filter { pool.valid[$0] }
        guard !validIndices.isEmpty else { throw .noValidHypothesis(tries: pool.setsDrawn) }

        timings.pool = milliseconds(since: clock)
        clock = ContinuousClock.now

        // Scores and probabilities over the valid slots only.
        let validPoses = validIndices.map { pool.poses[$0] }
        let validScores: [Double]
        switch options.score {
        case .softInlier(let s):
            validScores = try DifferentiableKernels.scoresFloat64(
                c, intrinsics: intrinsics, hypotheses: validPoses, options: s, threads: options.threads
            ).scores
        case .learned(let f):
            validScores = try f.scores(c, intrinsics: intrinsics, hypotheses: validPoses)
            guard validScores.count == validPoses.count, validScores.allSatisfy(\.isFinite) else {
                throw .numericalFailure("the learned score returned \(validScores.count) values for "
                                        + "\(validPoses.count) hypotheses, or a non-finite one")
            }
        }
        var scores = [Double](repeating: -.infinity, count: m)
        for (k, j) in validIndices.enumerated() { scores[j] = validScores[k] }
        let top = validScores.max()!
        var probabilities = [Double](repeating: 0, count: m)
        var total = 0.0
        for j in validIndices {
            probabilities[j] = exp(scores[j] - top)
            total += probabilities[j]
        }
        for j in validIndices { probabilities[j] /= total }
        timings.scoring = milliseconds(since: clock)
        clock = ContinuousClock.now

        // Refinement of the hypotheses above the floor.
        let toRefine = options.refinementRounds > 0
            ? validIndices.filter { probabilities[$0] >= options.refinementFloor } : []
        var lossPoses = pool.poses
        var isRefined = [Bool](repeating: false, count: m)
        var masks = [UInt8](repeating: 0, count: toRefine.isEmpty ? 0 : m * n)
        var failures = 0, unpolished = 0
        if !toRefine.isEmpty {
            let r = try DifferentiableKernels.refinePoses(
                c, intrinsics: intrinsics, poses: toRefine.map { pool.poses[$0] }, options: options.refineOptions,
                threads: options.threads)
            timings.refinement = milliseconds(since: clock)
            clock = ContinuousClock.now
            // Polish to the optimum of the final set (the refinement derivative assumes it; LM stops near 1e-10 m).
            let polished = try DifferentiableKernels.polish(
                c, intrinsics: intrinsics, poses: r.poses, inlierMasks: r.inlierMasks, threads: options.threads)
            unpolished = zip(r.failures, polished.polished).filter { $0 == nil && !$1 }.count
            for (k, j) in toRefine.enumerated() {
                if r.failures[k] == nil {
                    lossPoses[j] = polished.poses[k]
                    isRefined[j] = true
                    masks.replaceSubrange(j * n..<(j + 1) * n, with: r.inlierMasks[k * n..<(k + 1) * n])
                } else {
                    failures += 1
                }
            }
            timings.polish = milliseconds(since: clock)
            clock = ContinuousClock.now
        }

        // Losses and E.
        var losses = [Double](repeating: 0, count: m)
        var lossGradients = [Double](repeating: 0, count: 6 * m)
        var expected = 0.0
        for j in validIndices {
            let l = try options.loss.evaluate(estimate: lossPoses[j], truth: target)
            losses[j] = l.value
            for k in 0..<6 { lossGradients[6 * j + k] = l.gradient[k] }
            expected += probabilities[j] * l.value
        }
        guard expected.isFinite else { throw .numericalFailure("the expected loss is not finite (\(expected))") }
        var entropy = 0.0
        for j in validIndices where probabilities[j] > 0 { entropy -= probabilities[j] * log2(probabilities[j]) }

        // Selection (for the report).
        var selected = validIndices[0]
        switch options.selection {
        case .argmax, .expectation:
            for j in validIndices where probabilities[j] > probabilities[selected] { selected = j }
        case .sample:
            selected = Self.draw(probabilities, validIndices, using: &generator)
        }
        var selectedPose = lossPoses[selected]
        if !isRefined[selected], options.refinementRounds > 0,
            let r = try? GeometryKernels.refine(c, intrinsics: intrinsics, pose: pool.poses[selected],
                                                options: options.refineOptions)
        {
            selectedPose = r.pose
        }
        let selectedLoss = try options.loss.evaluate(estimate: selectedPose, truth: target).value
        var report = ExpectedLossReport(
            expectedLoss: expected, entropyBits: entropy, selectedIndex: selected, selectedPose: selectedPose,
            selectedLoss: selectedLoss, selectedError: PoseError(estimated: selectedPose, truth: target),
            validHypotheses: validIndices.count, setsDrawn: pool.setsDrawn, refined: toRefine.count - failures,
            skippedBelowFloor: validIndices.count - toRefine.count, refinementFailures: failures,
            unpolished: unpolished, timings: timings)
        report.timings.loss = milliseconds(since: clock)
        return ExpectedLossForward(
            pool: pool, scores: scores, probabilities: probabilities, lossPoses: lossPoses, isRefined: isRefined,
            inlierMasks: masks, losses: losses, lossGradients: lossGradients, expectedLoss: expected, report: report)
    }

    /// j ~ p over the valid slots (inverse CDF in slot order).
    static func draw(_ p: [Double], _ valid: [Int], using g: inout SeededGenerator) -> Int {
        let u = Double(g.next() >> 11) * 0x1p-53
        var acc = 0.0
        for j in valid {
            acc += p[j]
            if u < acc { return j }
        }
        return valid.last!
    }

    /// The backward pass of `forward` (same correspondences): dE/dX and dE/d(α, β, τ).
    public func backward(_ f: ExpectedLossForward, _ c: Correspondences, intrinsics: Intrinsics)
        throws(DSACError) -> ExpectedLossGradient
    {
        let m = f.pool.poses.count, n = c.count
        guard f.inlierMasks.isEmpty || f.inlierMasks.count == m * n else {
            throw .invalidBuffer("the forward pass was for \(f.inlierMasks.count / max(m, 1)) correspondences, not \(n)")
        }
        let clock = ContinuousClock.now
        var scoreGradient = [Double](repeating: 0, count: m)
        var poseGradient = [Double](repeating: 0, count: 6 * m)
        var refinedGradient = [Double](repeating: 0, count: 6 * m)
        for j in 0..<m where f.pool.valid[j] {
            let p = f.probabilities[j]
            scoreGradient[j] = p * (f.losses[j] - f.expectedLoss)
            for k in 0..<6 {
                let g = p * f.lossGradients[6 * j + k]
                if f.isRefined[j] { refinedGradient[6 * j + k] = g } else { poseGradient[6 * j + k] = g }
            }
        }
        var scoreOptions: ScoreOptions?
        var learnedDirect: [Double] = []
        switch options.score {
        case .softInlier(let s):
            scoreOptions = s
        case .learned(let fn):
            learnedDirect = try fn.backward(c, intrinsics: intrinsics, pool: f.pool.poses,
                                            valid: (0..<m).filter { f.pool.valid[$0] }, scoreGradient: scoreGradient,
                                            into: &poseGradient)
        }
        let preparation = milliseconds(since: clock)
        let refinedFlags = f.isRefined.map { UInt8($0 ? 1 : 0) }
        let anyRefined = f.isRefined.contains(true)
        let result = try DifferentiableKernels.backward(
            c, intrinsics: intrinsics, hypotheses: f.pool.poses, sets: f.pool.sets, scoreGradient: scoreGradient,
            poseGradient: poseGradient, refined: anyRefined ? f.lossPoses : [], refinedFlags: refinedFlags,
            inlierMasks: anyRefined ? f.inlierMasks : [], refinedGradient: refinedGradient, score: scoreOptions,
            solverRcondMin: options.solverRcondMin, refineRcondMin: options.refineRcondMin,
            scorePathCutoff: options.scorePathCutoff, threads: options.threads)
        let solverDegenerate = result.solverDegenerate.filter { $0 }.count
        let refineDegenerate = result.refineDegenerate.filter { $0 }.count
        if options.degenerate == .fail, solverDegenerate + refineDegenerate > 0 {
            throw .numericalFailure(
                "\(solverDegenerate) minimal sets have a singular P3P derivative and \(refineDegenerate) refined "
                    + "poses a singular Hessian (degenerate policy: fail)")
        }
        var coordinates = result.coordinates
        if !learnedDirect.isEmpty {
            for i in 0..<(3 * n) { coordinates[i] += Float(learnedDirect[i]) }
        }
        if let bad = coordinates.firstIndex(where: { !$0.isFinite }) {
            throw .numericalFailure("dE/dX is not finite at point \(bad / 3) (the learned score's direct gradient)")
        }
        let isSoft = scoreOptions != nil
        var timings = ExpectedLossBackwardTimings()
        timings.preparation = preparation
        (timings.refineAdjoint, timings.scorePath, timings.refinePath, timings.solverPath) = result.stageMilliseconds
        timings.other = max(0, milliseconds(since: clock) - timings.total)
        return ExpectedLossGradient(
            coordinates: coordinates, alpha: isSoft ? result.scoreParameters.alpha : nil,
            beta: isSoft ? result.scoreParameters.beta : nil, tau: isSoft ? result.scoreParameters.tau : nil,
            solverDegenerate: solverDegenerate, refineDegenerate: refineDegenerate,
            scorePathSkipped: result.scorePathSkipped, timings: timings)
    }

    /// Forward and backward in one call.
    public func evaluate(_ c: Correspondences, intrinsics: Intrinsics, target: Pose, sets: [Int32]? = nil)
        throws(DSACError) -> (forward: ExpectedLossForward, gradient: ExpectedLossGradient)
    {
        let f = try forward(c, intrinsics: intrinsics, target: target, sets: sets)
        return (f, try backward(f, c, intrinsics: intrinsics))
    }
}
