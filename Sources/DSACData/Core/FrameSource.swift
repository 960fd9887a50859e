import DSAC

/// Where one frame's pieces live; found by listing a data set, nothing decoded yet. Problems found while
/// listing (a malformed line in a list file) are kept here and thrown when the frame is loaded or checked, so
/// `dsac dataset check --keep-going` can report every bad frame.
struct FrameSource: Sendable {
    var name: String
    /// Frames of one sequence form one trajectory (for its length).
    var sequence: String
    var imagePath: String
    var pose: PoseSource
    var intrinsics: IntrinsicsSource
    /// The stored image size every frame of this split must have, when the layout fixes it.
    var expectedSize: (width: Int, height: Int)?
    var depth: DepthInput
}

enum PoseSource: Sendable {
    case file(String)
    case value(Pose)
    case invalid(DataError)
}

enum IntrinsicsSource: Sendable {
    /// Intrinsics of an image of the given size; scaled if the stored image differs.
    case value(Intrinsics, width: Int, height: Int)
    /// Intrinsics of the stored images whatever their size (a K file that describes them).
    case fixed(Intrinsics)
    /// DSAC*'s calibration file: one focal length (principal point at the image centre) or a 3×3 K.
    case calibrationFile(String)
    /// One focal length, principal point at the image centre (W/2, H/2) of the stored image.
    case centredFocal(Double)
    case invalid(DataError)
}

/// A depth camera separate from the colour camera.
struct DepthCamera: Sendable {
    var intrinsics: Intrinsics
    var width: Int
    var height: Int
    /// x_colour = R x_depth + t, metres.
    var colourFromDepth: Pose
    /// Stored units per metre (1000: millimetres).
    var unitsPerMetre: Float
}

enum DepthInput: Sendable {
    case none
    /// A 16-bit depth image registered to the colour image (same camera, same size).
    case registered(String, unitsPerMetre: Float)
    /// A 16-bit depth image of a separate depth camera.
    case separate(String, DepthCamera)
    /// Sparse world points seen by this frame (an index into the data set's point table).
    case points(Int)

    var path: String? {
        switch self {
        case .registered(let p, _), .separate(let p, _): return p
        case .none, .points: return nil
        }
    }
}
