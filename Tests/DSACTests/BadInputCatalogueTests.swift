import DSAC
import DSACTestSupport
import Foundation
import Testing

/// The bad-input catalogue of the DSAC module (CATALOGUE.md lists every case): each bad input gives a typed
/// `DSACError` (or `ProblemFileError`) whose message says what was wrong — never a crash, never garbage as success.
/// Cases already covered elsewhere (LocalizerTests' "Typed errors", ProblemFileTests) are not repeated here.
@Suite("Bad-input catalogue: DSAC")
struct BadInputCatalogueTests {
    let problem = SyntheticProblem.make(seed: 21)

    /// The error `body` throws, or nil when it returns.
    func thrown(_ body: () throws -> Void) -> DSACError? {
        do {
            try body()
            return nil
        } catch let e as DSACError {
            return e
        } catch {
            Issue.record("not a DSACError: \(error)")
            return nil
        }
    }

    func correspondences(_ points: [SIMD3<Float>], pixels: [SIMD2<Float>]? = nil) throws -> Correspondences {
        let px = pixels ?? points.indices.map { SIMD2<Float>(Float(10 * $0 % 640), Float(7 * $0 % 480)) }
        return try Correspondences(pixels: px, scenePoints: points)
    }

    // MARK: Buffers

    @Test func pairedArraysOfDifferentLengths() {
        let e = thrown { _ = try Correspondences(pixels: [SIMD2(1, 2)], scenePoints: []) }
        #expect(e?.description.contains("1 pixels but 0 scene points") == true, "\(String(describing: e))")
    }

    @Test func everyValueNonFiniteLeavesNoUsableCorrespondence() throws {
        let c = problem.correspondences
        for (name, poison): (String, Float) in [("NaN", .nan), ("+Inf", .infinity), ("-Inf", -.infinity)] {
            let bad = [Float](repeating: poison, count: c.count)
            let variants = [
                try Correspondences(pixelX: bad, pixelY: c.pixelY, sceneX: c.sceneX, sceneY: c.sceneY, sceneZ: c.sceneZ),
                try Correspondences(pixelX: c.pixelX, pixelY: c.pixelY, sceneX: c.sceneX, sceneY: c.sceneY, sceneZ: bad),
            ]
            for v in variants {
                let e = thrown { _ = try Localizer().localize(v, intrinsics: problem.intrinsics) }
                #expect(e == .tooFewCorrespondences(usable: 0, needed: 4), "\(name): \(String(describing: e))")
                let l = thrown {
                    _ = try ExpectedLoss().forward(v, intrinsics: problem.intrinsics, target: problem.camFromWorld)
                }
                #expect(l == .tooFewCorrespondences(usable: 0, needed: 4), "\(name): \(String(describing: l))")
            }
        }
    }

    @Test(arguments: [1, 2, 3])
    func fewerThanFourCorrespondences(count: Int) throws {
        let c = try correspondences((0..<count).map { SIMD3(Float($0), 0.5 * Float($0 % 2), 3) })
        let e = thrown { _ = try Localizer().localize(c, intrinsics: problem.intrinsics) }
        #expect(e == .tooFewCorrespondences(usable: count, needed: 4))
        #expect(e?.description.contains("at least 4 needed") == true)
        let l = thrown { _ = try ExpectedLoss().forward(c, intrinsics: problem.intrinsics, target: .identity) }
        #expect(l == .tooFewCorrespondences(usable: count, needed: 4))
    }

    // MARK: Intrinsics

    @Test(arguments: [
        Intrinsics(fx: 525, fy: .nan, cx: 320, cy: 240), Intrinsics(fx: 525, fy: 525, cx: .infinity, cy: 240),
        Intrinsics(fx: 525, fy: 525, cx: 320, cy: -.infinity), Intrinsics(fx: 525, fy: -1, cx: 320, cy: 240),
        Intrinsics(fx: -.infinity, fy: 525, cx: 320, cy: 240), Intrinsics(fx: 0, fy: 0, cx: 0, cy: 0),
    ])
    func badIntrinsicsEverywhere(k: Intrinsics) {
        for e in [
            thrown { _ = try Localizer().localize(problem.correspondences, intrinsics: k) },
            thrown { _ = try ExpectedLoss().forward(problem.correspondences, intrinsics: k, target: problem.camFromWorld) },
        ] {
            guard case .invalidIntrinsics(let m) = e else {
                Issue.record("expected invalidIntrinsics, got \(String(describing: e))")
                continue
            }
            #expect(m.contains("fx") || m.contains("focal"))
        }
    }

    /// A huge focal length is a valid camera that sees nothing of these correspondences: a typed error or a
    /// finite pose, in bounded time.
    @Test(arguments: [1e12, 1e300, Double.greatestFiniteMagnitude, 1e-300])
    func extremeFocalLengths(focal: Double) {
        let k = Intrinsics(fx: focal, fy: focal, cx: 320, cy: 240)
        var options = LocalizerOptions()
        options.hypotheses = 64
        options.redraws = 4
        do {
            let r = try Localizer(options: options).localize(problem.correspondences, intrinsics: k)
            #expect(r.camFromWorld.isFinite && r.inlierCount >= 4)
        } catch {
            #expect(!error.description.isEmpty)
        }
        var lossOptions = ExpectedLossOptions()
        lossOptions.hypotheses = 16
        lossOptions.redraws = 2
        do {
            let f = try ExpectedLoss(options: lossOptions).forward(problem.correspondences, intrinsics: k,
                                                                 target: problem.camFromWorld)
            #expect(f.expectedLoss.isFinite)
        } catch {
            #expect(!error.description.isEmpty)
        }
    }

    // MARK: Degenerate geometry

    @Test func allPointsIdentical() throws {
        let c = try correspondences(Array(repeating: SIMD3(1, 2, 3), count: 50))
        var options = LocalizerOptions()
        options.hypotheses = 8
        options.redraws = 4
        #expect(thrown { _ = try Localizer(options: options).localize(c, intrinsics: problem.intrinsics) }
            == .noValidHypothesis(tries: 40))
        var l = ExpectedLossOptions()
        l.hypotheses = 8
        l.redraws = 4
        let e = thrown { _ = try ExpectedLoss(options: l).forward(c, intrinsics: problem.intrinsics, target: .identity) }
        #expect(e?.description.contains("no valid hypothesis") == true, "\(String(describing: e))")
    }

    @Test func allPointsCollinear() throws {
        let points = (0..<60).map { SIMD3<Float>(Float($0) * 0.1, Float($0) * 0.05, 3) }
        let c = try correspondences(points)
        var options = LocalizerOptions()
        options.hypotheses = 8
        options.redraws = 4
        let e = thrown { _ = try Localizer(options: options).localize(c, intrinsics: problem.intrinsics) }
        #expect(e == .noValidHypothesis(tries: 40), "\(String(describing: e))")
    }

    /// Every point behind the camera: random points filling a volume 2–6 m in front of the camera, the pixels their
    /// projections, and the scene points mirrored through the camera centre (x → −x: same pixels, behind). No rigid
    /// pose puts a non-planar set in front with these projections: a typed error or a low-confidence report, never a
    /// confident pose. (A planar set has an exact one — the mirrored plane's homography is −H — so the scene is a
    /// volume, not a room.)
    @Test func allPointsBehindTheCamera() throws {
        var g = SeededGenerator(seed: 3)
        func u() -> Double { Double(g.next() >> 11) * 0x1p-53 }
        let k = problem.intrinsics
        var pixels: [SIMD2<Float>] = [], behind: [SIMD3<Float>] = []
        for _ in 0..<400 {
            let x = SIMD3(4 * u() - 2, 3 * u() - 1.5, 2 + 4 * u())
            pixels.append(SIMD2<Float>(k.project(x)))
            behind.append(SIMD3<Float>(-x))
        }
        let c = try Correspondences(pixels: pixels, scenePoints: behind)
        var options = LocalizerOptions()
        options.hypotheses = 64
        options.redraws = 4
        // No minimal set of four is exactly consistent, but a near-coplanar one can be within τ = 10 px, and its
        // pose explains a few more points by chance. The localizer does not call that an error: it returns its best
        // pose with the evidence (11% inliers here), and a caller checks the confidence.
        do {
            let r = try Localizer(options: options).localize(c, intrinsics: k)
            #expect(r.confidence < 0.2, "\(r.inlierCount) of 400 inliers for points behind the camera")
        } catch {
            #expect(error.description.contains("no valid hypothesis") || error.description.contains("inliers"))
        }
        // The same points in front: found (the construction is sound).
        let front = try Correspondences(pixels: pixels, scenePoints: behind.map { -$0 })
        #expect(try Localizer(options: options).localize(front, intrinsics: k).inlierCount == 400)
    }

    // MARK: Options

    @Test func threadAndHypothesisCountsOutOfRangeInTheDifferentiableLayer() {
        for change in [{ (o: inout ExpectedLossOptions) in o.threads = 0 }, { $0.threads = 10_000 },
                       { $0.hypotheses = 0 }, { $0.hypotheses = 10_000_000 }, { $0.redraws = -1 },
                       { $0.refinementFloor = .nan }, { $0.inlierThreshold = 0 }] {
            var o = ExpectedLossOptions()
            change(&o)
            let e = thrown { _ = try ExpectedLoss(options: o) }
            guard case .invalidOptions(let m) = e else {
                Issue.record("expected invalidOptions, got \(String(describing: e))")
                continue
            }
            #expect(m.contains("must"))
        }
    }

    @Test func threadAndHypothesisMessagesNameTheLimit() {
        var o = LocalizerOptions()
        o.threads = 10_000
        #expect(thrown { _ = try Localizer(options: o) } == .invalidOptions("threads must be in 1...1024, got 10000"))
        o = LocalizerOptions()
        o.hypotheses = 10_000_000
        #expect(thrown { _ = try Localizer(options: o) }
            == .invalidOptions("hypotheses must be in 1...1048576, got 10000000"))
    }

    /// The largest accepted pool is a bounded run: adaptive termination stops it long before 2^20 hypotheses.
    @Test func largestAcceptedPoolIsABoundedRun() throws {
        var o = LocalizerOptions()
        o.hypotheses = LocalizerOptions.maxHypotheses
        o.redraws = 0
        let start = ContinuousClock.now
        let r = try Localizer(options: o).localize(problem.correspondences, intrinsics: problem.intrinsics)
        #expect(r.setsDrawn < 10_000 && ContinuousClock.now - start < .seconds(60))
        #expect(PoseError(estimated: r.camFromWorld, truth: problem.camFromWorld).isWithin())
    }

    // MARK: Poses and sets of the differentiable layer

    @Test func nonFiniteTargetPose() {
        for poison in [Double.nan, .infinity] {
            var target = problem.camFromWorld
            target.translation.y = poison
            let e = thrown {
                _ = try ExpectedLoss().forward(problem.correspondences, intrinsics: problem.intrinsics, target: target)
            }
            #expect(e == .invalidPose("the target pose is not finite"))
            var rotated = problem.camFromWorld
            rotated.rotation = Matrix3(rowMajor: [poison, 0, 0, 0, 1, 0, 0, 0, 1])
            #expect(thrown {
                _ = try ExpectedLoss().forward(problem.correspondences, intrinsics: problem.intrinsics, target: rotated)
            } == .invalidPose("the target pose is not finite"))
        }
    }

    @Test func explicitSetsOfTheWrongShapeOrOutOfRange() {
        let c = problem.correspondences
        for (sets, words) in [([Int32](), "4 indices"), ([0, 1, 2], "4 indices"), ([0, 1, 2, Int32(c.count)], "outside"),
                              ([0, 1, -1, 3], "outside")] {
            let e = thrown {
                _ = try ExpectedLoss().forward(c, intrinsics: problem.intrinsics, target: problem.camFromWorld, sets: sets)
            }
            #expect(e?.description.contains(words) == true, "\(sets): \(String(describing: e))")
        }
    }

    @Test func sceneCoordinateMapOfAnImpossibleShape() {
        for (w, h) in [(0, 4), (-1, 4), (4, -2), (Int.max / 2, 4), (1 << 40, 1 << 40)] {
            let e = thrown { _ = try SceneCoordinateMap(width: w, height: h, coordinates: [0, 0, 0]) }
            guard case .invalidBuffer = e else {
                Issue.record("\(w)×\(h): \(String(describing: e))")
                continue
            }
        }
    }

    // MARK: Problem files (DSACPNP1)

    func problemFileError(_ bytes: [UInt8]) -> ProblemFileError? {
        do {
            _ = try PnPProblemFile.decode(Data(bytes), file: "p.bin")
            return nil
        } catch { return error }
    }

    @Test func problemFileEveryTruncationIsNamed() {
        let good = [UInt8](PnPProblemFile.encode(SyntheticProblem.make(seed: 4, options: .init())))
        for length in Array(0..<200) + [good.count - 1] {
            let e = problemFileError(Array(good.prefix(length)))
            #expect(e != nil && e!.description.hasPrefix("p.bin: "), "\(length) bytes: \(String(describing: e))")
        }
    }

    @Test func problemFileWithZeroCorrespondencesOrALyingCount() {
        let good = [UInt8](PnPProblemFile.encode(SyntheticProblem.make(seed: 4)))
        var zero = Array(good.prefix(184))
        zero[12] = 0; zero[13] = 0; zero[14] = 0; zero[15] = 0
        #expect(problemFileError(zero)?.message.contains("no correspondences") == true)
        var huge = good
        huge[12] = 0xFF; huge[13] = 0xFF; huge[14] = 0xFF; huge[15] = 0xFF
        #expect(problemFileError(huge)?.message.contains("N = 4294967295") == true)
    }

    @Test func problemFileNonFiniteFields() {
        let good = [UInt8](PnPProblemFile.encode(SyntheticProblem.make(seed: 4)))
        func poke(_ offset: Int, _ value: Double) -> [UInt8] {
            var b = good
            withUnsafeBytes(of: value.bitPattern.littleEndian) { for k in 0..<8 { b[offset + k] = $0[k] } }
            return b
        }
        #expect(problemFileError(poke(16, .nan))?.message.contains("field K") == true)        // fx
        #expect(problemFileError(poke(16 + 8 * 2, .infinity))?.message.contains("field K") == true)  // cx
        #expect(problemFileError(poke(16 + 8 * 8, 2))?.message.contains("pinhole") == true)   // K[2][2]
        #expect(problemFileError(poke(88 + 8 * 4, .nan))?.message.contains("non-finite") == true)   // R
        #expect(problemFileError(poke(160, -.infinity))?.message.contains("non-finite") == true)    // t
        // Non-finite correspondences are allowed (documented): they read and are never used.
        var pixels = good
        for k in 0..<4 { pixels[184 + k] = [0x00, 0x00, 0xC0, 0x7F][k] }
        #expect(problemFileError(pixels) == nil)
    }

    /// Every single-bit flip of a small file either reads (a flipped coordinate is still a number) or gives a
    /// ProblemFileError naming the file; none crashes.
    @Test func problemFileEveryBitFlipOfTheHeader() {
        var options = SyntheticProblemOptions()
        options.width = 32
        options.height = 32
        let good = [UInt8](PnPProblemFile.encode(SyntheticProblem.make(seed: 4, options: options)))
        var errors = 0
        for byte in 0..<184 {
            for bit in 0..<8 {
                var b = good
                b[byte] ^= UInt8(1 << bit)
                if let e = problemFileError(b) {
                    errors += 1
                    #expect(e.file == "p.bin" && !e.message.isEmpty)
                }
            }
        }
        #expect(errors > 8 * 16)  // at least every flip of the magic, version and count
    }
}
