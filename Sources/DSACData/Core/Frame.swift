import DSAC

/// One frame of a data set, ready for training or testing.
public struct Frame: Sendable {
    /// Where the frame came from, relative to the data set root (e.g. `seq-01/frame-000000`).
    public var name: String
    /// The image as loaded (resized and converted as the load options asked).
    public var image: Image
    /// Intrinsics of `image` (rescaled with it).
    public var intrinsics: Intrinsics
    /// Ground-truth pose, camera to world (7-Scenes convention): X_world = R x_cam + t.
    public var worldFromCam: Pose
    /// Ground-truth scene coordinates at the output stride, where depth or sparse points exist.
    public var sceneCoordinates: SceneCoordinateGrid?

    public init(name: String, image: Image, intrinsics: Intrinsics, worldFromCam: Pose,
                sceneCoordinates: SceneCoordinateGrid?) {
        self.name = name
        self.image = image
        self.intrinsics = intrinsics
        self.worldFromCam = worldFromCam
        self.sceneCoordinates = sceneCoordinates
    }

    /// The pose the localizer estimates: x_cam = R X_world + t.
    public var camFromWorld: Pose { worldFromCam.inverse }
}

/// Train or test.
public enum Split: String, Sendable, CaseIterable, Codable {
    case train
    case test
}

/// How frames are loaded.
public struct LoadOptions: Sendable, Equatable {
    public enum Colour: Sendable, Equatable {
        /// One channel, BT.601 luma (DSAC*).
        case grey
        /// Three channels.
        case rgb
    }

    /// Resize every image so its height is this many pixels (DSAC* uses 480), scaling the intrinsics with it;
    /// nil keeps the stored size.
    public var targetHeight: Int?
    public var colour: Colour
    /// Compute ground-truth scene coordinates (needs depth or sparse points); false skips reading depth.
    public var sceneCoordinates: Bool
    /// Output stride of the coordinate grid (8 for the DSAC networks).
    public var stride: Int
    /// Depth above this (metres) is invalid (DSAC*: 1000 m).
    public var maxDepth: Float
    /// Where 7-Scenes-layout depth comes from.
    public var depthSource: DepthSource

    public init(targetHeight: Int? = nil, colour: Colour = .rgb, sceneCoordinates: Bool = true, stride: Int = 8,
                maxDepth: Float = 1000, depthSource: DepthSource = .automatic) {
        self.targetHeight = targetHeight
        self.colour = colour
        self.sceneCoordinates = sceneCoordinates
        self.stride = stride
        self.maxDepth = maxDepth
        self.depthSource = depthSource
    }

    public static let `default` = LoadOptions()
    /// DSAC*'s input: grey, height 480.
    public static let dsacStar = LoadOptions(targetHeight: 480, colour: .grey)
}

/// Where the depth behind the ground-truth scene coordinates of a 7-Scenes-layout data set comes from.
public enum DepthSource: Sendable, Equatable {
    /// `.depth.png` beside each colour image is registered to it when the data set was written by `dsac synth`
    /// (a `dsac-synth.txt` file in the root); otherwise it is raw Kinect depth (`.kinect7Scenes`).
    case automatic
    /// `frame-XXXXXX.depth.png` is registered to colour (same size, same camera).
    case registered
    /// Raw 7-Scenes depth: a separate camera (f = 585, centre (320, 240)) with the LIRIS Kinect depth→RGB
    /// extrinsics; points are moved into the colour camera and z-buffered there.
    case kinect7Scenes
    /// Registered or rendered depth in another folder that mirrors the data set (`<folder>/seq-XX/frame-XXXXXX.
    /// depth.png`, or `.depth.proj.png` as DSAC*'s rendered 7-Scenes depth is named).
    case folder(String)
    /// No depth: frames carry no scene coordinates.
    case none
}
