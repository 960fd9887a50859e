/// What one localization found, and what it cost.
public struct LocalizationReport: Sendable {
    /// The estimate, x_cam = R X_world + t.
    public var camFromWorld: Pose
    /// Its inverse: the camera's pose in the world (7-Scenes convention).
    public var worldFromCam: Pose { camFromWorld.inverse }
    /// Soft inlier score of the selected hypothesis (before refinement).
    public var score: Double
    /// Correspondences within the inlier threshold of the final pose, and which.
    public var inlierCount: Int
    public var inlierMask: [Bool]
    /// Correspondences with finite values (the others are never sampled nor inliers).
    public var usableCorrespondences: Int
    /// Inlier ratio among the usable correspondences: a confidence in [0, 1].
    public var confidence: Double { usableCorrespondences > 0 ? Double(inlierCount) / Double(usableCorrespondences) : 0 }
    /// Valid hypotheses in the pool, and minimal sets solved to get them.
    public var validHypotheses: Int
    public var setsDrawn: Int
    /// Refinement figures; nil when refinement was off or could not improve the hypothesis.
    public var refinement: RefineReport?
    public var timings: StageTimings
}

/// Wall-clock milliseconds per stage.
public struct StageTimings: Sendable, Hashable, Codable {
    /// Sampling and solving minimal sets, with redraws.
    public var hypotheses: Double = 0
    public var scoring: Double = 0
    public var refinement: Double = 0
    public var total: Double = 0
}

/// Milliseconds elapsed since `start`.
func milliseconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
}
