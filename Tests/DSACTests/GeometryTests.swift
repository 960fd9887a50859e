import DSAC
import DSACTestSupport
import Foundation
import Testing

@Suite("Geometry types")
struct GeometryTests {
    @Test func rotationConversionsRoundTrip() {
        var g = SeededGenerator(seed: 1)
        func u() -> Double { Double(g.next() >> 11) * 0x1p-53 * 2 - 1 }
        for k in 0..<1000 {
            // Angles across (0, π], including the hard ends.
            let axis = SIMD3(u(), u(), u())
            let angle = k == 0 ? 1e-14 : (k == 1 ? Double.pi : abs(u()) * .pi)
            let w = axis / length(axis) * angle
            let r = Rotation.matrix(axisAngle: w)
            #expect(r.orthonormalityError < 1e-12 && abs(r.determinant - 1) < 1e-12)
            let back = Rotation.axisAngle(r)
            #expect(Rotation.angleBetween(Rotation.matrix(axisAngle: back), r) < 1e-7)
            let q = Rotation.quaternion(r)
            #expect(Rotation.angleBetween(Rotation.matrix(quaternion: q.w, q.x, q.y, q.z), r) < 1e-7)
            #expect(abs(Rotation.angleBetween(r, .identity) - angle) < 1e-7)
        }
    }

    @Test func poseInverseAndCompositionAgreeWithPoints() {
        var g = SeededGenerator(seed: 2)
        let a = jittered(.identity, angle: 2, shift: 3, &g), b = jittered(.identity, angle: 2, shift: 3, &g)
        let x = SIMD3(0.3, -1.2, 2.5)
        #expect(length((a * b).apply(x) - a.apply(b.apply(x))) < 1e-12)
        #expect(length(a.inverse.apply(a.apply(x)) - x) < 1e-12)
        let m = Pose(matrix4x4: a.matrix4x4)
        #expect(m == a)
    }

    @Test func poseErrorIsTheAngleAndCentreDistance() {
        let truth = Pose(rotation: .identity, translation: SIMD3(0, 0, 1))  // camera centre (0, 0, −1)
        let turned = Pose(rotation: Rotation.matrix(axisAngle: SIMD3(0, 0.1, 0)), translation: SIMD3(0, 0, 1))
        let e = PoseError(estimated: turned, truth: truth)
        #expect(abs(e.rotationDegrees - 0.1 * 180 / .pi) < 1e-9)
        // Centre −Rᵀt moved from (0, 0, −1) to −Rᵀ(0, 0, 1).
        let c = -(turned.rotation.transposed * SIMD3(0, 0, 1))
        #expect(abs(e.translationCentimetres - length(c - SIMD3(0, 0, -1)) * 100) < 1e-9)
        #expect(!e.isWithin(centimetres: 5, degrees: 5) == (e.translationCentimetres >= 5))
    }

    @Test func intrinsicsResizeKeepsPixelCentres() {
        let k = Intrinsics(fx: 525, fy: 525, cx: 319.5, cy: 239.5)
        let half = k.resized(by: 0.5)
        // The image centre of 640×480 ((W−1)/2) stays the centre of 320×240.
        #expect(half.cx == 159.5 && half.cy == 119.5 && half.fx == 262.5)
        let x = SIMD3(0.2, -0.1, 2.0)
        let d = (k.project(x) + 0.5) * 0.5 - 0.5 - half.project(x)
        #expect((d * d).sum() < 1e-20)
    }

    @Test func sceneCoordinateMapCellsSitAtStrideCentres() throws {
        let coords: [Float] = Array(0..<12).map(Float.init)  // 2×2 map, planar X, Y, Z
        let map = try SceneCoordinateMap(width: 2, height: 2, coordinates: coords)
        #expect(map.pixel(column: 1, row: 1) == SIMD2(12, 12))
        #expect(map[column: 1, row: 0] == SIMD3(1, 5, 9))
        let c = try Correspondences(map: map)
        #expect(c.pixelX == [4, 12, 4, 12] && c.pixelY == [4, 4, 12, 12] && c.sceneZ == [8, 9, 10, 11])
    }
}

@Suite("Sampling")
struct SamplingTests {
    @Test func generatorIsRepeatableAndBelowIsInRange() {
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9), c = SeededGenerator(seed: 10)
        let xs = (0..<100).map { _ in a.next() }
        #expect(xs == (0..<100).map { _ in b.next() })
        #expect(xs != (0..<100).map { _ in c.next() })
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[a.below(7)] += 1 }
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
    }

    @Test func minimalSetsAreDistinctUsableIndices() throws {
        let usable: [Int32] = [3, 5, 8, 13, 21]
        let sampler = try MinimalSetSampler(usable: usable)
        var g = SeededGenerator(seed: 1)
        for _ in 0..<1000 {
            let s = sampler.draw(using: &g)
            let set = Set([s.0, s.1, s.2, s.3])
            #expect(set.count == 4 && set.isSubset(of: Set(usable)))
        }
        #expect(throws: DSACError.tooFewCorrespondences(usable: 3, needed: 4)) {
            _ = try MinimalSetSampler(usable: [1, 2, 3])
        }
    }

    /// Invalid slots are redrawn at most `redraws` times, in slot order, and the pool depends on the seed only.
    @Test func poolRedrawsInvalidSlotsABoundedNumberOfTimes() throws {
        let sampler = try MinimalSetSampler(usable: Array(0..<100))
        func run(seed: UInt64) throws -> HypothesisPool {
            var g = SeededGenerator(seed: seed)
            // A set is "valid" when its first index is even.
            return try sampler.pool(slots: 50, redraws: 3, using: &g) { (sets) throws(DSACError) in
                let m = sets.count / 4
                return (Array(repeating: Pose.identity, count: m), (0..<m).map { sets[4 * $0] % 2 == 0 })
            }
        }
        let pool = try run(seed: 4)
        #expect(pool.setsDrawn >= 50 && pool.setsDrawn <= 50 * 4)
        for slot in 0..<50 where pool.valid[slot] { #expect(pool.sets[4 * slot] % 2 == 0) }
        #expect(pool.validCount > 40)  // P(slot stays invalid) = 1/16
        let again = try run(seed: 4)
        #expect(again.sets == pool.sets && again.valid == pool.valid)
    }
}

@Suite("DSACPNP1 problem files")
struct ProblemFileTests {
    @Test func roundTripsAndReadsThePeersFiles() throws {
        let p = SyntheticProblem.make(seed: 3, options: .init(outlierFraction: 0.4))
        let back = try PnPProblemFile.decode(PnPProblemFile.encode(p))
        #expect(back.correspondences.sceneX == p.correspondences.sceneX && back.isInlier == p.isInlier)
        #expect(back.camFromWorld == p.camFromWorld && back.intrinsics == p.intrinsics)
        #expect(PnPProblemFile.encode(p).count == 184 + 21 * p.correspondences.count)
    }

    @Test func corruptedFilesGiveErrorsThatSayWhat() throws {
        let good = [UInt8](PnPProblemFile.encode(SyntheticProblem.make(seed: 3)))
        func message(_ bytes: [UInt8]) -> String {
            do {
                _ = try PnPProblemFile.decode(Data(bytes), file: "x.bin")
                return "no error"
            } catch { return error.description }
        }
        #expect(message(Array(good.prefix(100))).contains("shorter than the 184-byte header"))
        #expect(message(Array(good.dropLast(5))).contains("needs"))
        var magic = good
        magic[0] = 0x58
        #expect(message(magic).contains("wrong magic"))
        var version = good
        version[8] = 7
        #expect(message(version).contains("unsupported version 7"))
        var focal = good  // fx = -1
        withUnsafeBytes(of: (-1.0).bitPattern.littleEndian) { for k in 0..<8 { focal[16 + k] = $0[k] } }
        #expect(message(focal).contains("field K"))
        var rotation = good  // R[0][0] = 2: not a rotation
        withUnsafeBytes(of: (2.0).bitPattern.littleEndian) { for k in 0..<8 { rotation[88 + k] = $0[k] } }
        #expect(message(rotation).contains("not a rotation"))
        #expect(message(good).contains("no error"))
    }
}
