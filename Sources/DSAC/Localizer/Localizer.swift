import Foundation

/// DSAC's RANSAC with argmax selection: hypotheses from minimal sets (P3P on three correspondences, the fourth
/// chooses among the roots and must agree), the soft inlier score of each over all correspondences, the best one
/// refined on its inliers.
///
/// Sampling runs in batches of `batchSize` sets: each batch is solved in one kernel call, its valid hypotheses
/// are scored at once, and sampling stops when the pool holds `hypotheses` valid ones, when `confidence` says
/// enough sets were drawn, or at the bound of `hypotheses × (redraws + 1)` sets. What is drawn depends only on
/// the seed; the thread count changes nothing but the time.
public struct Localizer: Sendable {
    public let options: LocalizerOptions

    public init(options: LocalizerOptions = LocalizerOptions()) throws(DSACError) {
        try options.validate()
        self.options = options
    }

    /// The cam_from_world pose of the camera that saw `correspondences`.
    public func localize(_ correspondences: Correspondences, intrinsics: Intrinsics) throws(DSACError)
        -> LocalizationReport
    {
        try intrinsics.validate()
        let start = ContinuousClock.now
        var timings = StageTimings()
        let usable = correspondences.usableIndices
        let sampler = try MinimalSetSampler(usable: usable)
        var generator = SeededGenerator(seed: options.seed)
        let maxSets = options.hypotheses * (options.redraws + 1)

        var top = TopHypotheses(capacity: options.refineTop)
        var bestInliers = 0
        var valid = 0
        var drawn = 0
        while valid < options.hypotheses && drawn < maxSets {
            let batchStart = ContinuousClock.now
            let count = min(options.batchSize, maxSets - drawn)
            var sets = [Int32](repeating: 0, count: 4 * count)
            for k in 0..<count {
                let s = sampler.draw(using: &generator)
                (sets[4 * k], sets[4 * k + 1], sets[4 * k + 2], sets[4 * k + 3]) = (s.0, s.1, s.2, s.3)
            }
            drawn += count
            let solved = try GeometryKernels.hypotheses(
                correspondences, intrinsics: intrinsics, sets: sets, threshold: options.inlierThreshold,
                threads: options.threads)
            let fresh = Array(
                solved.poses.indices.filter { solved.valid[$0] }.prefix(options.hypotheses - valid)
                    .map { solved.poses[$0] })
            valid += fresh.count
            timings.hypotheses += milliseconds(since: batchStart)
            guard !fresh.isEmpty else { continue }

            let scoringStart = ContinuousClock.now
            let scored = try GeometryKernels.scores(
                correspondences, intrinsics: intrinsics, hypotheses: fresh, options: options.scoreOptions,
                threads: options.threads)
            for j in fresh.indices { top.insert(fresh[j], score: scored.scores[j]) }
            bestInliers = max(bestInliers, Int(scored.inlierCounts.max() ?? 0))
            timings.scoring += milliseconds(since: scoringStart)
            if let confidence = options.confidence,
                drawn >= Self.setsNeeded(inlierRatio: Double(bestInliers) / Double(usable.count),
                                         confidence: confidence)
            {
                break
            }
        }
        guard let first = top.entries.first else { throw .noValidHypothesis(tries: drawn) }

        // Refine the best few; the refined pose with the most inliers wins (ties: the better raw score).
        let refinementStart = ContinuousClock.now
        var chosen: (pose: Pose, score: Double, refinement: RefineReport?, inliers: (mask: [Bool], count: Int))?
        for entry in top.entries {
            var pose = entry.pose
            var refinement: RefineReport?
            if options.refinementRounds > 0,
                let refined = try? GeometryKernels.refine(
                    correspondences, intrinsics: intrinsics, pose: pose, options: options.refineOptions)
            {
                pose = refined.pose
                refinement = refined.report
            }
            let inliers = try GeometryKernels.inlierMask(
                correspondences, intrinsics: intrinsics, pose: pose, threshold: options.inlierThreshold)
            if chosen == nil || inliers.count > chosen!.inliers.count {
                chosen = (pose, entry.score, refinement, inliers)
            }
        }
        let (camFromWorld, score, refinement, inliers) = chosen ?? (first.pose, first.score, nil, ([], 0))
        timings.refinement = milliseconds(since: refinementStart)
        guard camFromWorld.isFinite else { throw .numericalFailure("the selected pose is not finite") }
        guard inliers.count >= MinimalSetSampler.setSize else {
            throw .numericalFailure("the selected pose has only \(inliers.count) inliers")
        }
        timings.total = milliseconds(since: start)
        return LocalizationReport(
            camFromWorld: camFromWorld, score: score, inlierCount: inliers.count, inlierMask: inliers.mask,
            usableCorrespondences: usable.count, validHypotheses: valid, setsDrawn: drawn, refinement: refinement,
            timings: timings)
    }

    /// The `capacity` best-scored hypotheses, best first; among equal scores the earlier one ranks first, so the
    /// result never depends on the thread count.
    struct TopHypotheses {
        let capacity: Int
        var entries: [(pose: Pose, score: Double)] = []

        mutating func insert(_ pose: Pose, score: Double) {
            let position = entries.firstIndex { score > $0.score } ?? entries.count
            guard position < capacity else { return }
            entries.insert((pose, score), at: position)
            if entries.count > capacity { entries.removeLast() }
        }
    }

    /// RANSAC's bound: minimal sets of 4 to draw so that, with inlier ratio ε, at least one is all inliers with
    /// probability `confidence`.
    static func setsNeeded(inlierRatio: Double, confidence: Double) -> Int {
        let all = pow(min(max(inlierRatio, 0), 1), Double(MinimalSetSampler.setSize))
        if all >= 1 { return 1 }
        if all <= 0 { return Int.max }
        let n = log(1 - confidence) / log(1 - all)
        return n.isFinite && n < Double(Int.max / 2) ? Int(n.rounded(.up)) : Int.max
    }
}
