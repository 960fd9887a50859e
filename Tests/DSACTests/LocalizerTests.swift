import DSAC
import DSACTestSupport
import Testing

@Suite("Localizer")
struct LocalizerTests {
    /// ≥ 99% of frames within 5 cm / 5° at each outlier level, 1 px noise.
    @Test(arguments: [0.0, 0.3, 0.6, 0.8])
    func localizesSyntheticFrames(outlierFraction: Double) throws {
        var options = LocalizerOptions()
        options.threads = 2
        let localizer = try Localizer(options: options)
        let frames = 100
        var within = 0
        var worst = PoseError(estimated: .identity, truth: .identity)
        for f in 0..<frames {
            let problem = SyntheticProblem.make(
                seed: UInt64(1000 * Int(outlierFraction * 10) + f), options: .init(outlierFraction: outlierFraction))
            let report = try localizer.localize(problem.correspondences, intrinsics: problem.intrinsics)
            let e = PoseError(estimated: report.camFromWorld, truth: problem.camFromWorld)
            if e.isWithin() { within += 1 }
            if e.rotationDegrees > worst.rotationDegrees { worst = e }
            #expect(report.inlierCount == report.inlierMask.filter { $0 }.count)
            #expect(report.camFromWorld.isFinite)
        }
        print("localizer at \(outlierFraction) outliers: \(within)/\(frames) within 5 cm/5°, worst rotation "
              + "\(worst.rotationDegrees)° / \(worst.translationCentimetres) cm")
        #expect(Double(within) >= 0.99 * Double(frames))
    }

    @Test func sameSeedGivesBitIdenticalPosesOnOneAndTwoThreads() throws {
        for seed in 0..<5 {
            let problem = SyntheticProblem.make(seed: UInt64(seed), options: .init(outlierFraction: 0.6))
            var options = LocalizerOptions()
            options.seed = UInt64(seed)
            options.threads = 1
            let one = try Localizer(options: options).localize(problem.correspondences, intrinsics: problem.intrinsics)
            options.threads = 2
            let two = try Localizer(options: options).localize(problem.correspondences, intrinsics: problem.intrinsics)
            #expect(one.camFromWorld == two.camFromWorld)
            #expect(one.inlierMask == two.inlierMask && one.score == two.score)
        }
    }

    /// The pool mode (no early termination, DSAC's full pool) and local optimisation (refine the best three)
    /// localize as well as the default, and the pool mode really fills the pool.
    @Test func fullPoolAndLocalOptimisationLocalize() throws {
        var pool = LocalizerOptions()
        pool.confidence = nil
        pool.hypotheses = 64
        var top3 = LocalizerOptions()
        top3.refineTop = 3
        for seed in 0..<10 {
            // At 30% outliers the redraw bound (64 × 33 sets) is far more than 64 valid hypotheses need.
            let problem = SyntheticProblem.make(seed: UInt64(500 + seed), options: .init(outlierFraction: 0.3))
            let full = try Localizer(options: pool).localize(problem.correspondences, intrinsics: problem.intrinsics)
            #expect(full.validHypotheses == 64 && full.setsDrawn > 64)
            #expect(PoseError(estimated: full.camFromWorld, truth: problem.camFromWorld).isWithin())
            let local = try Localizer(options: top3).localize(problem.correspondences, intrinsics: problem.intrinsics)
            #expect(PoseError(estimated: local.camFromWorld, truth: problem.camFromWorld).isWithin())
        }
    }

    @Test func nonFiniteCorrespondencesAreIgnoredAsOutliers() throws {
        let problem = SyntheticProblem.make(seed: 8, options: .init(outlierFraction: 0.3))
        var x = problem.correspondences.sceneX
        for i in stride(from: 0, to: x.count, by: 7) { x[i] = .nan }
        let c = try Correspondences(
            pixelX: problem.correspondences.pixelX, pixelY: problem.correspondences.pixelY, sceneX: x,
            sceneY: problem.correspondences.sceneY, sceneZ: problem.correspondences.sceneZ)
        let report = try Localizer().localize(c, intrinsics: problem.intrinsics)
        #expect(PoseError(estimated: report.camFromWorld, truth: problem.camFromWorld).isWithin())
        #expect(report.usableCorrespondences == c.count - (c.count + 6) / 7)
        #expect(stride(from: 0, to: x.count, by: 7).allSatisfy { !report.inlierMask[$0] })
    }
}

@Suite("Typed errors")
struct TypedErrorTests {
    let problem = SyntheticProblem.make(seed: 1)

    @Test func emptyAndMismatchedBuffers() {
        #expect(throws: DSACError.self) {
            _ = try Correspondences(pixelX: [], pixelY: [], sceneX: [], sceneY: [], sceneZ: [])
        }
        #expect(throws: DSACError.self) {
            _ = try Correspondences(pixelX: [1, 2], pixelY: [1], sceneX: [1, 2], sceneY: [1, 2], sceneZ: [1, 2])
        }
        #expect(throws: DSACError.self) { _ = try SceneCoordinateMap(width: 2, height: 2, coordinates: [0, 1]) }
    }

    @Test(arguments: [0.0, -5.0, .nan, .infinity])
    func nonPositiveOrNonFiniteFocalLength(focal: Double) {
        let k = Intrinsics(fx: focal, fy: 525, cx: 320, cy: 240)
        #expect(throws: DSACError.self) { _ = try Localizer().localize(problem.correspondences, intrinsics: k) }
    }

    @Test func fewerThanFourUsableCorrespondences() throws {
        let c = try Correspondences(pixelX: [1, 2, 3, 4], pixelY: [1, 2, 3, 4], sceneX: [1, 2, 3, .nan],
                                    sceneY: [0, 0, 0, 0], sceneZ: [3, 3, 3, 3])
        #expect(throws: DSACError.tooFewCorrespondences(usable: 3, needed: 4)) {
            _ = try Localizer().localize(c, intrinsics: problem.intrinsics)
        }
    }

    @Test func noValidHypothesisWithinTheRetryBudget() throws {
        // Pure noise: scene points uniform in a box, unrelated to the pixels.
        var g = SeededGenerator(seed: 5)
        let n = 200
        func u() -> Float { Float(g.next() >> 40) / Float(1 << 24) }
        let c = try Correspondences(pixelX: (0..<n).map { _ in u() * 640 }, pixelY: (0..<n).map { _ in u() * 480 },
                                    sceneX: (0..<n).map { _ in u() * 4 - 2 }, sceneY: (0..<n).map { _ in u() * 4 - 2 },
                                    sceneZ: (0..<n).map { _ in u() * 4 + 1 })
        var options = LocalizerOptions()
        options.hypotheses = 4
        options.redraws = 2
        options.inlierThreshold = 0.01
        #expect(throws: DSACError.noValidHypothesis(tries: 12)) {
            _ = try Localizer(options: options).localize(c, intrinsics: problem.intrinsics)
        }
    }

    @Test func optionsOutOfRange() {
        for change in [{ (o: inout LocalizerOptions) in o.hypotheses = 0 }, { $0.hypotheses = 10_000_000 },
                       { $0.threads = 0 }, { $0.threads = 10_000 }, { $0.inlierThreshold = -1 },
                       { $0.beta = .nan }, { $0.maxReprojectionError = 1 }, { $0.refinementIterations = 0 },
                       { $0.confidence = 1 }, { $0.confidence = 0 }, { $0.refineTop = 0 }, { $0.batchSize = 0 }] {
            var o = LocalizerOptions()
            change(&o)
            #expect(throws: DSACError.self) { _ = try Localizer(options: o) }
        }
    }
}
