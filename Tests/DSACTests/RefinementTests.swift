import DSAC
import DSACTestSupport
import Foundation
import Testing

@Suite("Refinement")
struct RefinementTests {
    @Test func recoversTheTruePoseOnNoiseFreeData() throws {
        var g = SeededGenerator(seed: 21)
        for seed in 0..<20 {
            let problem = SyntheticProblem.make(seed: UInt64(seed), options: .init(noisePixels: 0))
            let start = jittered(problem.camFromWorld, angle: 0.004, shift: 0.005, &g)
            let out = try GeometryKernels.refine(problem.correspondences, intrinsics: problem.intrinsics, pose: start,
                                                 options: RefineOptions())
            let e = PoseError(estimated: out.pose, truth: problem.camFromWorld)
            // The scene coordinates are float32 (relative rounding 6e-8): that is the floor of the agreement.
            #expect(e.rotationDegrees < 1e-4 && e.translationCentimetres < 1e-4, "\(e)")
            #expect(out.report.rmsError < 1e-3)
            #expect(out.report.inlierCount == problem.correspondences.count)
        }
    }

    /// At the result, the gradient of the cost over the final set vanishes (central differences), and the cost
    /// is no larger than that of the truth on the same set.
    @Test func stopsAtAStationaryPointOfTheFinalSet() throws {
        var g = SeededGenerator(seed: 22)
        for seed in 0..<10 {
            let problem = SyntheticProblem.make(seed: UInt64(100 + seed), options: .init(noisePixels: 2, outlierFraction: 0.5))
            let start = jittered(problem.camFromWorld, angle: 0.01, shift: 0.02, &g)
            let out = try GeometryKernels.refine(problem.correspondences, intrinsics: problem.intrinsics, pose: start,
                                                 options: RefineOptions())
            let set = out.inlierMask.indices.filter { out.inlierMask[$0] }
            #expect(set.count == out.report.inlierCount)
            func cost(_ pose: Pose) -> Double {
                set.reduce(0.0) { sum, i in
                    let e = ReferenceGeometry.error(problem.correspondences, i, intrinsics: problem.intrinsics,
                                                    pose: pose, maxError: 1e9)
                    return sum + e * e
                }
            }
            let gradient = centralDifference({ d in [cost(ReferenceGeometry.perturbed(out.pose, d))] },
                                             at: [0, 0, 0, 0, 0, 0], step: 1e-7)[0]
            // Scale: the gradient's size at the (sub-optimal) truth.
            let atTruth = centralDifference({ d in [cost(ReferenceGeometry.perturbed(problem.camFromWorld, d))] },
                                            at: [0, 0, 0, 0, 0, 0], step: 1e-7)[0]
            let norm = { (v: [Double]) in v.map { $0 * $0 }.reduce(0, +).squareRoot() }
            #expect(norm(gradient) < 1e-3 * norm(atTruth))
            #expect(cost(out.pose) <= cost(problem.camFromWorld))
            #expect(abs(out.report.rmsError - (cost(out.pose) / Double(set.count)).squareRoot()) < 1e-6)
        }
    }

    @Test func tooFewInliersIsATypedError() throws {
        let problem = SyntheticProblem.make(seed: 3)
        let far = Pose(rotation: Rotation.matrix(axisAngle: SIMD3(0, 2.5, 0)), translation: SIMD3(5, 5, 5))
            * problem.camFromWorld
        #expect(throws: DSACError.self) {
            _ = try GeometryKernels.refine(problem.correspondences, intrinsics: problem.intrinsics, pose: far,
                                           options: RefineOptions())
        }
    }
}
