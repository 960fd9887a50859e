import DSAC

// Localize one synthetic frame through the public API and fail loudly unless the pose is right.
let problem = SyntheticProblem.make(seed: 42, options: .init(outlierFraction: 0.5))
do {
    let report = try Localizer().localize(problem.correspondences, intrinsics: problem.intrinsics)
    let error = PoseError(estimated: report.camFromWorld, truth: problem.camFromWorld)
    print("consumer: \(report.inlierCount) inliers, \(error.rotationDegrees)° / \(error.translationCentimetres) cm")
    guard error.isWithin() else { fatalError("consumer: pose is off") }
    print("consumer: localized a frame through the DSAC product of a path dependency")
} catch {
    fatalError("consumer: \(error)")
}
