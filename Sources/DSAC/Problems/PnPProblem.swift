/// One absolute-pose problem: correspondences, intrinsics, and (when known) the true cam_from_world pose and
/// which correspondences are true.
public struct PnPProblem: Sendable {
    public var correspondences: Correspondences
    public var intrinsics: Intrinsics
    public var camFromWorld: Pose
    /// 1 = true correspondence, 0 = injected outlier (empty when unknown).
    public var isInlier: [Bool]

    public init(correspondences: Correspondences, intrinsics: Intrinsics, camFromWorld: Pose, isInlier: [Bool]) {
        self.correspondences = correspondences
        self.intrinsics = intrinsics
        self.camFromWorld = camFromWorld
        self.isInlier = isInlier
    }

    /// The fraction of injected outliers.
    public var outlierFraction: Double {
        isInlier.isEmpty ? 0 : Double(isInlier.filter { !$0 }.count) / Double(isInlier.count)
    }
}
