import DSAC
import Foundation

/// The data set layouts DSACData reads.
public enum DatasetLayout: String, Sendable, CaseIterable {
    /// `seq-XX/frame-XXXXXX.{color.png|color.jpg,depth.png,pose.txt}`, `TrainSplit.txt`/`TestSplit.txt`
    /// (also what `dsac synth` writes).
    case sevenScenes = "7-Scenes"
    /// `info.txt`, `split.txt`, `data/frame-XXXXXX.{color.jpg,depth.png,pose.txt}`.
    case twelveScenes = "12-Scenes"
    /// `dataset_train.txt`/`dataset_test.txt` (quaternion + centre), optional `reconstruction.nvm`.
    case cambridge = "Cambridge Landmarks"
    /// `train|test/{rgb,poses,calibration,depth?,init?}`, matched by sorted file name.
    case dsacStar = "DSAC*-style"
}

/// Anything that yields frames by split and index: a data set on disk, or a synthetic scene rendered in memory.
public protocol FrameProvider: Sendable {
    func frameCount(_ split: Split) -> Int
    func frame(_ split: Split, at index: Int, options: LoadOptions) throws(DataError) -> Frame
}

/// A data set on disk. `Dataset.open(at:)` detects the layout and lists the frames; frames are decoded on demand,
/// and each call is independent (safe to call from several threads).
public struct Dataset: FrameProvider {
    public let root: String
    public let layout: DatasetLayout
    /// What the reader decided or skipped (frames dropped for INF poses, folders it does not read...).
    public let notes: [String]
    let sources: [Split: [FrameSource]]
    /// Sparse points per frame (Cambridge with an NVM reconstruction).
    let pointTable: [[SIMD3<Double>]]

    init(root: String, layout: DatasetLayout, notes: [String], sources: [Split: [FrameSource]],
         pointTable: [[SIMD3<Double>]] = []) {
        self.root = root
        self.layout = layout
        self.notes = notes
        self.sources = sources
        self.pointTable = pointTable
    }

    /// Opens a data set, detecting its layout: DSAC*-style when `train/rgb` or `test/rgb` exists, Cambridge when
    /// `dataset_train.txt` or `dataset_test.txt` exists, 12-Scenes when `info.txt` exists, 7-Scenes when
    /// `TrainSplit.txt` or `TestSplit.txt` exists.
    public static func open(at path: String, depthSource: DepthSource = .automatic) throws(DataError) -> Dataset {
        let root = (path as NSString).standardizingPath
        guard FileIO.isDirectory(root) else { throw .missingFile(path: root, expected: "a data set folder") }
        func has(_ name: String) -> Bool { FileIO.exists(root + "/" + name) }
        if FileIO.isDirectory(root + "/train/rgb") || FileIO.isDirectory(root + "/test/rgb") {
            return try DSACStarLayout.open(root)
        }
        if has("dataset_train.txt") || has("dataset_test.txt") { return try CambridgeLayout.open(root) }
        if has("info.txt") { return try TwelveScenesLayout.open(root) }
        if has("TrainSplit.txt") || has("TestSplit.txt") { return try SevenScenesLayout.open(root, depthSource: depthSource) }
        throw .unknownLayout(path: root, reason: "found none of train/rgb, test/rgb (DSAC*), dataset_train.txt (Cambridge), info.txt (12-Scenes), TrainSplit.txt/TestSplit.txt (7-Scenes)")
    }

    public static func open(at url: URL, depthSource: DepthSource = .automatic) throws(DataError) -> Dataset {
        try open(at: url.path, depthSource: depthSource)
    }

    public func frameCount(_ split: Split) -> Int { sources[split]?.count ?? 0 }

    /// Frame names of a split, in order.
    public func frameNames(_ split: Split) -> [String] { (sources[split] ?? []).map(\.name) }

    public func frame(_ split: Split, at index: Int, options: LoadOptions = .default) throws(DataError) -> Frame {
        guard let list = sources[split], index >= 0, index < list.count else {
            throw .invalidArgument("frame \(index) of \(split.rawValue): the split has \(frameCount(split)) frames")
        }
        return try FrameLoader.load(list[index], options: options, points: pointTable)
    }

    /// Decodes and validates one frame's files without building a training frame (for `dsac dataset check`).
    public func check(_ split: Split, at index: Int) throws(DataError) -> FrameCheck {
        guard let list = sources[split], index >= 0, index < list.count else {
            throw .invalidArgument("frame \(index) of \(split.rawValue): the split has \(frameCount(split)) frames")
        }
        return try FrameLoader.check(list[index], points: pointTable)
    }

    func sequence(_ split: Split, at index: Int) -> String { sources[split]![index].sequence }
}

/// What checking one frame found.
public struct FrameCheck: Sendable {
    public var name: String
    public var sequence: String
    public var width: Int
    public var height: Int
    public var intrinsics: Intrinsics
    public var worldFromCam: Pose
    /// Fraction of valid depth pixels (raw depth image), or of grid cells with a sparse point; nil without depth.
    public var depthValidFraction: Double?
}
