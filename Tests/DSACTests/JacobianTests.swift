import CKernels
import DSAC
import DSACTestSupport
import Testing

@Suite("Reprojection Jacobians against central differences")
struct JacobianTests {
    @Test func poseAndPointJacobiansMatchCentralDifferences() throws {
        var g = SeededGenerator(seed: 11)
        let problem = SyntheticProblem.make(seed: 5, options: .init(noisePixels: 2))
        let k = problem.intrinsics
        var kc = dsac_intrinsics(fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy)
        var worst = 0.0
        for trial in 0..<200 {
            let pose = jittered(problem.camFromWorld, angle: 0.05, shift: 0.05, &g)
            let i = (trial * 37) % problem.correspondences.count
            let c = problem.correspondences
            let pixel = [Double(c.pixelX[i]), Double(c.pixelY[i])]
            let point = [Double(c.sceneX[i]), Double(c.sceneY[i]), Double(c.sceneZ[i])]
            var pc = dsac_pose(rotation: tuple9(pose.rotation.rowMajor),
                               translation: (pose.translation.x, pose.translation.y, pose.translation.z))
            var r = [0.0, 0.0], jPose = [Double](repeating: 0, count: 12), jPoint = [Double](repeating: 0, count: 6)
            let status = dsac_projection_jacobians(&kc, &pc, pixel, point, &r, &jPose, &jPoint)
            #expect(Int(status) == DSAC_OK)

            func residual(_ q: Pose, _ X: [Double]) -> [Double] {
                let x = q.apply(SIMD3(X[0], X[1], X[2]))
                let p = k.project(x)
                return [p.x - pixel[0], p.y - pixel[1]]
            }
            #expect(zip(r, residual(pose, point)).allSatisfy { abs($0 - $1) < 1e-9 })
            let numPose = centralDifference({ d in residual(ReferenceGeometry.perturbed(pose, d), point) },
                                            at: [0, 0, 0, 0, 0, 0], step: 1e-6)
            let numPoint = centralDifference({ X in residual(pose, X) }, at: point, step: 1e-6)
            for row in 0..<2 {
                for col in 0..<6 { worst = max(worst, relativeError(jPose[6 * row + col], numPose[row][col])) }
                for col in 0..<3 { worst = max(worst, relativeError(jPoint[3 * row + col], numPoint[row][col])) }
            }
        }
        print("projection Jacobians: worst relative error \(worst) against central differences")
        #expect(worst < 1e-5)
    }

    @Test func behindTheCameraIsDegenerate() {
        var k = dsac_intrinsics(fx: 500, fy: 500, cx: 320, cy: 240)
        var p = dsac_pose(rotation: (1, 0, 0, 0, 1, 0, 0, 0, 1), translation: (0, 0, 0))
        var r = [0.0, 0.0]
        let status = dsac_projection_jacobians(&k, &p, [10, 10], [0, 0, -1], &r, nil, nil)
        #expect(Int(status) == DSAC_ERROR_DEGENERATE)
    }
}

func relativeError(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(1, abs(a), abs(b)) }

func tuple9(_ v: [Double]) -> (Double, Double, Double, Double, Double, Double, Double, Double, Double) {
    (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8])
}
