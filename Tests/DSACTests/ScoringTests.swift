import DSAC
import DSACTestSupport
import Foundation
import Testing

@Suite("Scoring against a float64 reference")
struct ScoringTests {
    @Test(arguments: [false, true])
    func scoresAndCountsMatchReference(normalize: Bool) throws {
        var g = SeededGenerator(seed: 2)
        let problem = SyntheticProblem.make(seed: 9, options: .init(noisePixels: 3, outlierFraction: 0.5))
        let poses = (0..<32).map { _ in jittered(problem.camFromWorld, angle: 0.02, shift: 0.03, &g) }
        let options = ScoreOptions(threshold: 10, beta: 0.5, alpha: normalize ? 100 : 1, maxError: 100,
                                   normalize: normalize)
        let got = try GeometryKernels.scores(problem.correspondences, intrinsics: problem.intrinsics,
                                             hypotheses: poses, options: options, threads: 2)
        var worst = 0.0
        for (j, pose) in poses.enumerated() {
            let ref = ReferenceGeometry.score(problem.correspondences, intrinsics: problem.intrinsics, pose: pose,
                                              options: options)
            worst = max(worst, abs(got.scores[j] - ref.score) / abs(ref.score))
            // float32 errors may put a point within ~1e-4 px of the threshold on the other side
            #expect(abs(Int(got.inlierCounts[j]) - ref.inliers) <= 2)
        }
        print("scoring (normalize \(normalize)): worst relative error \(worst) against float64")
        #expect(worst < 1e-5)
    }

    @Test func errorsAreClampedAndNonFiniteOrBehindGetTheClamp() throws {
        let k = Intrinsics(fx: 500, fy: 500, cx: 320, cy: 240)
        let c = try Correspondences(
            pixelX: [320, 320, 320, .nan, 0], pixelY: [240, 240, 240, 240, 0],
            sceneX: [0, 0, 0, 0, 5], sceneY: [0, 0, 0, 0, 0], sceneZ: [2, -2, .infinity, 2, 1])
        let e = try GeometryKernels.reprojectionErrors(c, intrinsics: k, pose: .identity, maxError: 100)
        #expect(e[0] < 1e-6)
        #expect(e[1] == 100)  // behind the camera
        #expect(e[2] == 100)  // non-finite scene coordinate
        #expect(e[3] == 100)  // non-finite pixel
        #expect(e[4] == 100)  // 2500 px off: clamped
        let mask = try GeometryKernels.inlierMask(c, intrinsics: k, pose: .identity, threshold: 10)
        #expect(mask.mask == [true, false, false, false, false] && mask.count == 1)
    }

    @Test func scoresDoNotDependOnThreadCount() throws {
        var g = SeededGenerator(seed: 4)
        let problem = SyntheticProblem.make(seed: 10, options: .init(outlierFraction: 0.6))
        let poses = (0..<40).map { _ in jittered(problem.camFromWorld, angle: 0.05, shift: 0.05, &g) }
        let one = try GeometryKernels.scores(problem.correspondences, intrinsics: problem.intrinsics,
                                             hypotheses: poses, options: ScoreOptions(), threads: 1)
        let two = try GeometryKernels.scores(problem.correspondences, intrinsics: problem.intrinsics,
                                             hypotheses: poses, options: ScoreOptions(), threads: 2)
        #expect(one.scores == two.scores && one.inlierCounts == two.inlierCounts)
    }
}
