import DSAC
import Foundation

/// Options of a synthetic data set. Defaults in one place.
public struct SyntheticOptions: Sendable, Equatable {
    public var width: Int = 640
    public var height: Int = 480
    public var trainFrames: Int = 1000
    public var testFrames: Int = 500
    /// Standard deviation of additive Gaussian colour noise (0–1 units); 0: none.
    public var noiseSigma: Float = 0
    /// Vary the light intensity along each sequence (±30%, smooth) and make the test sequence's mean lighting
    /// differ from training (a different time of day).
    public var lightingChanges: Bool = false
    /// How many times the train / test camera turns around the room over its sequence.
    public var trainTurns: Double = 2
    /// Turns of a thorough mapping run (the demo's, the ablation's and pre-training's): with them the nearest
    /// training view looking within 15° of a test view is a median 0.33 m away, against 0.68 m with 2.
    public static let mappingRunTurns: Double = 8
    public var testTurns: Double = 1
    /// Amplitude of the fine, non-repeating surface detail every material carries (`Material.detail`); 0 renders
    /// the flat, periodic patterns of earlier versions, with the same layout. The default, 0.12, is where a classical
    /// SIFT + P3P RANSAC localizer finds 78.5% of the room's held-out frames within 5 cm/5° (33% without detail):
    /// walls that can be told apart, as real ones can, without making the scene trivial.
    public var surfaceDetail: Float = 0.12

    public init(width: Int = 640, height: Int = 480, trainFrames: Int = 1000, testFrames: Int = 500,
                noiseSigma: Float = 0, lightingChanges: Bool = false) {
        self.width = width
        self.height = height
        self.trainFrames = trainFrames
        self.testFrames = testFrames
        self.noiseSigma = noiseSigma
        self.lightingChanges = lightingChanges
    }

    func validate() throws(DataError) {
        guard width >= 8, height >= 8, width <= 8192, height <= 8192 else {
            throw .invalidArgument("image size \(width)×\(height) is out of range (8…8192 per side)")
        }
        guard trainFrames >= 0, testFrames >= 0, trainFrames + testFrames > 0 else {
            throw .invalidArgument("frame counts must be non-negative and not both 0 (train \(trainFrames), test \(testFrames))")
        }
        guard noiseSigma >= 0, noiseSigma <= 1, noiseSigma.isFinite else {
            throw .invalidArgument("noise sigma must be in [0, 1] (got \(noiseSigma))")
        }
        guard surfaceDetail >= 0, surfaceDetail <= 1, surfaceDetail.isFinite else {
            throw .invalidArgument("surface detail must be in [0, 1] (got \(surfaceDetail))")
        }
        guard trainTurns.isFinite, testTurns.isFinite, abs(trainTurns) <= 1000, abs(testTurns) <= 1000 else {
            throw .invalidArgument("camera turns must be finite and at most 1000 (train \(trainTurns), test \(testTurns))")
        }
    }
}

/// One rendered frame, in memory.
public struct RenderedFrame: Sendable {
    public var image: Image
    /// z along the optical axis, metres, registered to `image` (float, before any millimetre rounding).
    public var depth: DepthMap
    /// Per pixel, the surface hit (box · 6 + face; see `SceneDescription.distance(from:toSurface:)`), or −1.
    public var surface: [Int32]
    public var intrinsics: Intrinsics
    public var worldFromCam: Pose
}

/// A procedural indoor scene with its train and test trajectories, rendered on demand with no files: for tests,
/// demos and benchmarks. `dsac synth` writes the same frames to disk in the 7-Scenes layout.
public struct SyntheticScene: FrameProvider {
    public let name: String
    public let seed: UInt64
    public let options: SyntheticOptions
    public let description: SceneDescription
    /// Intrinsics of every frame: f = 525 · width / 640 (7-Scenes' colour camera at 640×480), centre (W/2, H/2).
    public let intrinsics: Intrinsics
    public let trainTrajectory: Trajectory
    public let testTrajectory: Trajectory

    public static var sceneNames: [String] { SceneGenerator.presets.map(\.name) }

    public init(name: String = "room", seed: UInt64 = 1, options: SyntheticOptions = SyntheticOptions()) throws(DataError) {
        try options.validate()
        let preset = try SceneGenerator.preset(named: name)
        self.name = preset.name
        self.seed = seed
        self.options = options
        description = SceneGenerator.generate(preset, seed: seed, detail: options.surfaceDetail)
        let f = 525.0 * Double(options.width) / 640
        intrinsics = Intrinsics(fx: f, fy: f, cx: Double(options.width) / 2, cy: Double(options.height) / 2)
        trainTrajectory = Trajectory(room: preset.roomSize, frames: options.trainFrames, turns: options.trainTurns,
                                     seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        testTrajectory = Trajectory(room: preset.roomSize, frames: options.testFrames, turns: options.testTurns,
                                    seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 2)
    }

    public func frameCount(_ split: Split) -> Int { split == .train ? options.trainFrames : options.testFrames }

    public func worldFromCam(_ split: Split, at index: Int) -> Pose {
        (split == .train ? trainTrajectory : testTrajectory).worldFromCam(index)
    }

    /// Light gain of a frame: 1 without lighting changes.
    func lightScale(_ split: Split, at index: Int) -> Float {
        guard options.lightingChanges else { return 1 }
        let t = Double(index) / Double(max(1, frameCount(split)))
        let base: Double = split == .train ? 1.0 : 0.75
        return Float(base * (1 + 0.3 * sin(2 * Double.pi * 3 * t + Double(seed % 7))))
    }

    /// Renders a frame. `threads` is the kernel's OpenMP thread count; the result does not depend on it.
    public func render(_ split: Split, at index: Int, threads: Int = 1, surfaces: Bool = false) throws(DataError) -> RenderedFrame {
        guard index >= 0, index < frameCount(split) else {
            throw .invalidArgument("frame \(index) of \(split.rawValue): the split has \(frameCount(split)) frames")
        }
        let worldFromCam = worldFromCam(split, at: index)
        let noiseSeed = SceneGenerator.fnv1a("\(name)/\(seed)/\(split.rawValue)/\(index)")
        let out = try RenderKernel.render(description, intrinsics: intrinsics, camFromWorld: worldFromCam.inverse,
                                          width: options.width, height: options.height, exposure: 1,
                                          lightScale: lightScale(split, at: index), noiseSigma: options.noiseSigma,
                                          noiseSeed: noiseSeed, threads: threads, wantSurface: surfaces)
        return RenderedFrame(image: Image(width: options.width, height: options.height, channels: 3, pixels: out.rgb),
                             depth: DepthMap(width: options.width, height: options.height, metres: out.depth),
                             surface: out.surface, intrinsics: intrinsics, worldFromCam: worldFromCam)
    }

    /// Renders any view of the scene (no noise, base lighting): for tests, demos and novel views.
    public func render(worldFromCam: Pose, intrinsics: Intrinsics, width: Int, height: Int, threads: Int = 1,
                       surfaces: Bool = true) throws(DataError) -> RenderedFrame {
        let out = try RenderKernel.render(description, intrinsics: intrinsics, camFromWorld: worldFromCam.inverse,
                                          width: width, height: height, exposure: 1, lightScale: 1, noiseSigma: 0,
                                          noiseSeed: 0, threads: threads, wantSurface: surfaces)
        return RenderedFrame(image: Image(width: width, height: height, channels: 3, pixels: out.rgb),
                             depth: DepthMap(width: width, height: height, metres: out.depth),
                             surface: out.surface, intrinsics: intrinsics, worldFromCam: worldFromCam)
    }

    /// A training frame with exact ground-truth scene coordinates (from the float depth).
    public func frame(_ split: Split, at index: Int, options load: LoadOptions = .default) throws(DataError) -> Frame {
        let r = try render(split, at: index)
        var image = load.colour == .grey ? r.image.grey() : r.image
        var intrinsics = r.intrinsics
        var outWidth = r.image.width, outHeight = r.image.height
        if let target = load.targetHeight, target != outHeight {
            guard target >= 1 else { throw .invalidArgument("target height must be positive (got \(target))") }
            outHeight = target
            outWidth = max(1, Int((Double(r.image.width) * Double(target) / Double(r.image.height)).rounded()))
            image = ImageIO.resize(image, width: outWidth, height: outHeight)
            intrinsics = FrameLoader.rescaled(r.intrinsics, sx: Double(outWidth) / Double(r.image.width),
                                              sy: Double(outHeight) / Double(r.image.height))
        }
        let grid = load.sceneCoordinates
            ? SceneCoordinateGrid.fromDepth(r.depth, intrinsics: r.intrinsics, worldFromCam: r.worldFromCam,
                                            outputWidth: outWidth, outputHeight: outHeight, stride: load.stride,
                                            maxDepth: load.maxDepth)
            : nil
        return Frame(name: String(format: "%@/frame-%06d", split == .train ? "seq-01" : "seq-02", index), image: image,
                     intrinsics: intrinsics, worldFromCam: r.worldFromCam, sceneCoordinates: grid)
    }
}
