import CKernels
import Foundation
import Testing

// Tests of the minimal solver (`dsac_p3p`, Lambda Twist) and of DSAC's 4-point hypothesis rule
// (`dsac_hypotheses_from_sets`), called through the C API directly. Poses are cam_from_world, R row-major.

/// SplitMix64 (Steele, Lea, Flood 2014): a small repeatable generator owned by this file, so the figures printed
/// below are the same on every run and platform.
private struct P3PSplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * unit() }

    /// A uniformly distributed rotation (Shoemake's quaternion), row-major 3x3.
    mutating func rotation() -> [Double] {
        let u1 = unit(), u2 = unit(), u3 = unit()
        let w = (1 - u1).squareRoot() * sin(2 * .pi * u2), x = (1 - u1).squareRoot() * cos(2 * .pi * u2)
        let y = u1.squareRoot() * sin(2 * .pi * u3), z = u1.squareRoot() * cos(2 * .pi * u3)
        return [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
                2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
                2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]
    }
}

// MARK: - Small row-major 3x3 helpers

private func matVec(_ m: [Double], _ v: [Double]) -> [Double] {
    (0..<3).map { r in m[3 * r] * v[0] + m[3 * r + 1] * v[1] + m[3 * r + 2] * v[2] }
}

private func transposed(_ m: [Double]) -> [Double] { [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]] }

private func plus(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { $0 + $1 } }
private func minus(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { $0 - $1 } }
private func scaled(_ a: [Double], _ s: Double) -> [Double] { a.map { $0 * s } }
private func norm(_ a: [Double]) -> Double { a.map { $0 * $0 }.reduce(0, +).squareRoot() }
private func cross(_ a: [Double], _ b: [Double]) -> [Double] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

private func distance(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
}

private func poseRotation(_ p: dsac_pose) -> [Double] {
    withUnsafeBytes(of: p.rotation) { Array($0.bindMemory(to: Double.self)) }
}
private func poseTranslation(_ p: dsac_pose) -> [Double] {
    withUnsafeBytes(of: p.translation) { Array($0.bindMemory(to: Double.self)) }
}
private func isFinite(_ p: dsac_pose) -> Bool { (poseRotation(p) + poseTranslation(p)).allSatisfy { $0.isFinite } }
private func isIdentity(_ p: dsac_pose) -> Bool {
    poseRotation(p) == [1, 0, 0, 0, 1, 0, 0, 0, 1] && poseTranslation(p) == [0, 0, 0]
}

/// Calls dsac_p3p; bearings and points are 3 rows of 3.
private func p3p(_ bearings: [Double], _ points: [Double]) -> (status: dsac_status, poses: [dsac_pose]) {
    var solutions = [dsac_pose](repeating: dsac_pose(), count: 4)
    var count: Int32 = -1
    let status = solutions.withUnsafeMutableBufferPointer { s in dsac_p3p(bearings, points, s.baseAddress, &count) }
    return (status, status == dsac_status(DSAC_OK) ? Array(solutions.prefix(Int(count))) : [])
}

/// A P3P problem with a known answer: three points at z-depths 0.5–10 m inside a 640x480 view (f = 500 px) of a
/// camera with a random rotation and translation. Bearings get random positive lengths.
private struct P3PProblem {
    var trueRotation: [Double]  // cam_from_world
    var trueTranslation: [Double]
    var bearings: [Double] = []
    var points: [Double] = []

    init(_ g: inout P3PSplitMix64) {
        trueRotation = g.rotation()
        trueTranslation = (0..<3).map { _ in g.uniform(-2, 2) }
        let rt = transposed(trueRotation)
        for _ in 0..<3 {
            let ray = [g.uniform(-320, 320) / 500, g.uniform(-240, 240) / 500, 1]
            let depth = g.uniform(0.5, 10)
            let xCam = ray.map { $0 * depth }
            points += matVec(rt, minus(xCam, trueTranslation))
            let length = g.uniform(0.2, 5)
            bearings += ray.map { $0 * length }
        }
    }

    /// Smallest max(|R - R_true|_F, |t - t_true|) over the solutions (infinity when there are none).
    func error(of poses: [dsac_pose]) -> Double {
        poses.map { max(distance(poseRotation($0), trueRotation), distance(poseTranslation($0), trueTranslation)) }
            .min() ?? .infinity
    }
}

/// Correspondences owned by the test: float32 structure of arrays, kept alive for the calls.
private final class Scene {
    let count: Int
    let x, y, X, Y, Z: UnsafeMutableBufferPointer<Float>

    init(count: Int) {
        self.count = count
        (x, y, X, Y, Z) = (.allocate(capacity: count), .allocate(capacity: count), .allocate(capacity: count),
                           .allocate(capacity: count), .allocate(capacity: count))
    }

    deinit { for b in [x, y, X, Y, Z] { b.deallocate() } }

    var correspondences: dsac_correspondences {
        dsac_correspondences(x: UnsafePointer(x.baseAddress), y: UnsafePointer(y.baseAddress),
                             X: UnsafePointer(X.baseAddress), Y: UnsafePointer(Y.baseAddress),
                             Z: UnsafePointer(Z.baseAddress), count: Int64(count))
    }
}

private let intrinsics = dsac_intrinsics(fx: 500, fy: 500, cx: 320, cy: 240)

private func hypotheses(_ scene: Scene, sets: [Int32], threshold: Double, threads: Int32)
    -> (status: dsac_status, poses: [dsac_pose], valid: [UInt8])
{
    var c = scene.correspondences
    var k = intrinsics
    let n = sets.count / 4
    var poses = [dsac_pose](repeating: dsac_pose(), count: max(n, 1))
    var valid = [UInt8](repeating: 7, count: max(n, 1))
    let status = poses.withUnsafeMutableBufferPointer { p in
        valid.withUnsafeMutableBufferPointer { v in
            dsac_hypotheses_from_sets(&c, &k, sets, Int64(n), threshold, threads, p.baseAddress, v.baseAddress)
        }
    }
    return (status, Array(poses.prefix(n)), Array(valid.prefix(n)))
}

@Suite("P3P (Lambda Twist) and hypotheses from minimal sets")
struct P3PTests {
    @Test func recoversTheTruePoseOnRandomProblems() {
        var g = P3PSplitMix64(state: 20_181_008)
        let trials = 10_000
        var found = 0
        var worst = 0.0
        var solutions = 0
        var allFinite = true
        for _ in 0..<trials {
            let problem = P3PProblem(&g)
            let (status, poses) = p3p(problem.bearings, problem.points)
            #expect(status == dsac_status(DSAC_OK))
            solutions += poses.count
            allFinite = allFinite && poses.allSatisfy(isFinite)
            let e = problem.error(of: poses)
            if e < 1e-6 { found += 1 }
            worst = max(worst, e)
        }
        let rate = Double(found) / Double(trials)
        print("P3P: true pose found (1e-6) in \(found)/\(trials) = \(rate); worst error \(worst); "
            + "mean solutions \(Double(solutions) / Double(trials))")
        #expect(rate >= 0.999)
        #expect(allFinite)
    }

    @Test func collinearOrCoincidentPointsGiveNoSolution() {
        let b = [0.1, 0.0, 1, 0.0, 0.1, 1, -0.1, -0.05, 1]
        // Exactly collinear (representable), coincident pair, all three equal.
        let collinear = [0.0, 0, 5, 1, 1, 6, 2, 2, 7]
        let coincident = [0.0, 0, 5, 0, 0, 5, 1, 0, 6]
        let same = [1.0, 2, 3, 1, 2, 3, 1, 2, 3]
        for points in [collinear, coincident, same] {
            let (status, poses) = p3p(b, points)
            #expect(status == dsac_status(DSAC_OK))
            #expect(poses.isEmpty)
        }
        // Collinear through a non-representable ratio: X2 = X0 + 0.3 (X1 - X0).
        let x0 = [0.3, -1.7, 4.1], x1 = [1.9, 0.2, 7.3]
        let x2 = zip(x0, x1).map { $0 + 0.3 * ($1 - $0) }
        #expect(p3p(b, x0 + x1 + x2).poses.isEmpty)
        // Zero bearing, non-finite input.
        #expect(p3p([0, 0, 0, 0, 0.1, 1, -0.1, 0, 1], [0, 0, 5, 1, 0, 5, 0, 1, 6]).poses.isEmpty)
        #expect(p3p(b, [0, 0, .nan, 1, 0, 5, 0, 1, 6]).status == dsac_status(DSAC_ERROR_DEGENERATE))
    }

    @Test func nearDegenerateSetsGiveFinitePoses() {
        var g = P3PSplitMix64(state: 7)
        var calls = 0
        var returned = 0
        var nonFinite = 0
        func check(_ bearings: [Double], _ points: [Double]) {
            let (status, poses) = p3p(bearings, points)
            #expect(status == dsac_status(DSAC_OK))
            calls += 1
            returned += poses.count
            nonFinite += poses.filter { !isFinite($0) }.count
        }
        /// Bearings of world points (3 rows) seen by a camera x = R X + t: the camera-frame points themselves.
        func bearings(_ points: [Double], _ R: [Double], _ t: [Double]) -> [Double] {
            var out: [Double] = []
            for k in 0..<3 { out += plus(matVec(R, Array(points[3 * k..<3 * k + 3])), t) }
            return out
        }
        for _ in 0..<300 {
            let R = g.rotation()
            let t: [Double] = (0..<3).map { _ in g.uniform(-1, 1) }
            let rt = transposed(R)
            func world(_ cam: [Double]) -> [Double] { matVec(rt, minus(cam, t)) }
            // Nearly collinear: the third point 1e-4 .. 1e-14 m off the line through the first two.
            let a = world([g.uniform(-1, 1), g.uniform(-1, 1), g.uniform(3, 6)])
            let d = [g.uniform(-1, 1), g.uniform(-1, 1), g.uniform(-1, 1)]
            let off = pow(10, -g.uniform(4, 14))
            let nearLine = a + plus(a, d) + plus(plus(a, scaled(d, 2.5)), [off, 0, 0])
            check(bearings(nearLine, R, t), nearLine)
            // Tiny triangles: 1e-5 .. 1e-9 m wide at 5 m.
            let size = pow(10, -g.uniform(5, 9))
            let c = world([0.2, -0.1, 5])
            let tiny = c + plus(c, [size, size, size]) + plus(c, [0, -size, 0])
            check(bearings(tiny, R, t), tiny)
            // Danger cylinder: the camera centre on (or 1e-9 .. 1e-3 m off) the cylinder through the three points
            // with its axis normal to their plane. Points on a circle of radius rho in the world plane z = 0.
            let rho = g.uniform(0.5, 3)
            var circle: [Double] = []
            for _ in 0..<3 {
                let angle = g.uniform(0, 2 * .pi)
                circle += [rho * cos(angle), rho * sin(angle), 0]
            }
            let phi = g.uniform(0, 2 * .pi)
            let radial = rho * (1 + (g.unit() < 0.5 ? 0 : pow(10, -g.uniform(3, 9))))
            let centre = [radial * cos(phi), radial * sin(phi), g.uniform(2, 6)]
            // Camera z axis from the centre towards the circle's centre (all three points in front).
            let zAxis = scaled(centre, -1 / norm(centre))
            let xAxis = scaled([zAxis[1], -zAxis[0], 0], 1 / norm([zAxis[1], -zAxis[0], 0]))
            let Rc = xAxis + cross(zAxis, xAxis) + zAxis
            let tc = scaled(matVec(Rc, centre), -1)
            check(bearings(circle, Rc, tc), circle)
        }
        print("P3P near-degenerate: \(calls) problems, \(returned) poses, \(nonFinite) non-finite")
        #expect(nonFinite == 0)
    }

    // MARK: - Hypotheses from minimal sets

    /// 64 correspondences of a random camera; every fourth one is an outlier (pixel moved 60–200 px).
    private static func scene(_ g: inout P3PSplitMix64) -> (scene: Scene, R: [Double], t: [Double], outlier: [Bool]) {
        let scene = Scene(count: 64)
        let R = g.rotation()
        let t = (0..<3).map { _ in g.uniform(-1, 1) }
        let rt = transposed(R)
        var outlier = [Bool](repeating: false, count: 64)
        for i in 0..<64 {
            let u = g.uniform(0, 640), v = g.uniform(0, 480), depth = g.uniform(1, 8)
            let xCam = [(u - 320) / 500 * depth, (v - 240) / 500 * depth, depth]
            let X = matVec(rt, minus(xCam, t))
            let xc = plus(matVec(R, X.map { Double(Float($0)) }), t)
            var pu = 500 * xc[0] / xc[2] + 320, pv = 500 * xc[1] / xc[2] + 240
            if i % 4 == 3 {
                outlier[i] = true
                let angle = g.uniform(0, 2 * .pi), shift = g.uniform(60, 200)
                pu += shift * cos(angle)
                pv += shift * sin(angle)
            }
            (scene.x[i], scene.y[i]) = (Float(pu), Float(pv))
            (scene.X[i], scene.Y[i], scene.Z[i]) = (Float(X[0]), Float(X[1]), Float(X[2]))
        }
        return (scene, R, t, outlier)
    }

    @Test func setsWithAnOutlierAreInvalidAndCleanSetsRecoverThePose() {
        var g = P3PSplitMix64(state: 2017)
        let (scene, R, t, outlier) = Self.scene(&g)
        var sets: [Int32] = []
        var expected: [Bool] = []
        for s in 0..<400 {
            var set: [Int32] = []
            while set.count < 4 {
                let i = Int32(g.next() % 64)
                if !set.contains(i) && (s % 2 == 1 || !outlier[Int(i)]) { set.append(i) }
            }
            sets += set
            expected.append(!set.contains { outlier[Int($0)] })
        }
        let (status, poses, valid) = hypotheses(scene, sets: sets, threshold: 10, threads: 2)
        #expect(status == dsac_status(DSAC_OK))
        var wrong = 0
        var worst = 0.0
        for h in 0..<expected.count {
            if (valid[h] == 1) != expected[h] { wrong += 1 }
            if valid[h] == 1 {
                worst = max(worst, distance(poseRotation(poses[h]), R), distance(poseTranslation(poses[h]), t))
            } else {
                #expect(isIdentity(poses[h]))
            }
        }
        print("hypotheses: \(expected.filter { $0 }.count) clean sets of \(expected.count), \(wrong) wrong flags, "
            + "worst pose error of valid sets \(worst)")
        #expect(wrong == 0)
        #expect(worst < 1e-3)  // float32 pixels and scene coordinates
    }

    @Test func hypothesesDoNotDependOnThreadCount() {
        var g = P3PSplitMix64(state: 99)
        let (scene, _, _, _) = Self.scene(&g)
        let sets = (0..<4 * 301).map { _ in Int32(g.next() % 64) }  // repeated indices allowed: such sets fail
        let one = hypotheses(scene, sets: sets, threshold: 10, threads: 1)
        let two = hypotheses(scene, sets: sets, threshold: 10, threads: 2)
        #expect(one.status == dsac_status(DSAC_OK) && two.status == dsac_status(DSAC_OK))
        let bits = { (p: [dsac_pose]) in p.flatMap { (poseRotation($0) + poseTranslation($0)).map(\.bitPattern) } }
        #expect(one.valid == two.valid)
        #expect(bits(one.poses) == bits(two.poses))
        #expect(one.valid.contains(1))
    }

    @Test func invalidIndicesAndNonFiniteCoordinates() {
        var g = P3PSplitMix64(state: 5)
        let (scene, _, _, outlier) = Self.scene(&g)
        let clean = (0..<64).filter { !outlier[$0] }.map(Int32.init)
        let set = Array(clean.prefix(4))
        #expect(hypotheses(scene, sets: set, threshold: 10, threads: 1).valid == [1])
        #expect(hypotheses(scene, sets: set + [0, 1, 2, 64], threshold: 10, threads: 1).status
            == dsac_status(DSAC_ERROR_INVALID_SIZE))
        #expect(hypotheses(scene, sets: [-1, 0, 1, 2], threshold: 10, threads: 1).status
            == dsac_status(DSAC_ERROR_INVALID_SIZE))
        // A non-finite scene coordinate or pixel in the set makes it invalid (identity pose); other sets unaffected.
        let (a, b) = (Int(set[1]), Int(set[3]))
        let savedZ = scene.Z[a]
        scene.Z[a] = .nan
        var r = hypotheses(scene, sets: set + Array(clean[4..<8]), threshold: 10, threads: 1)
        #expect(r.status == dsac_status(DSAC_OK) && r.valid == [0, 1] && isIdentity(r.poses[0]))
        scene.Z[a] = savedZ
        scene.x[b] = .infinity
        r = hypotheses(scene, sets: set, threshold: 10, threads: 1)
        #expect(r.status == dsac_status(DSAC_OK) && r.valid == [0] && isIdentity(r.poses[0]))
    }
}
