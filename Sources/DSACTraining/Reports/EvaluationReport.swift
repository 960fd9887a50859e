import Foundation

/// The test report. Its JSON is a contract other tools read: keep the keys and their meaning stable.
///
///     {"summary":{"frames":…,"pct_within_5cm_5deg":…,"pct_within_2cm_2deg":…,"pct_within_1cm_1deg":…,
///       "median_rot_deg":…,"median_trans_cm":…,"median_ms_network":…,"median_ms_ransac":…},
///      "frames":[{"name":…,"rot_err_deg":…,"trans_err_cm":…,"inliers":…}]}
///
/// A frame the localizer could not solve counts as failed: its errors are written as 1e9 (JSON has no infinity),
/// it is never within a threshold, and it sorts last in the medians. Extra per-frame keys (`ms_network`,
/// `ms_ransac`, `pct_cells_within_10cm`, and the summary's `pct_cells_within_10cm`) are additions; readers must
/// ignore keys they do not know. `shard` is present only in shard reports.
public struct EvaluationReport: Codable, Sendable, Equatable {
    public struct Summary: Codable, Sendable, Equatable {
        public var frames: Int
        public var pct_within_5cm_5deg: Double
        public var pct_within_2cm_2deg: Double
        public var pct_within_1cm_1deg: Double
        public var median_rot_deg: Double
        public var median_trans_cm: Double
        public var median_ms_network: Double
        public var median_ms_ransac: Double
        /// Mean over the frames with ground truth of `FrameResult.pct_cells_within_10cm`; nil without any.
        public var pct_cells_within_10cm: Double? = nil
    }

    public struct FrameResult: Codable, Sendable, Equatable {
        public var name: String
        public var rot_err_deg: Double
        public var trans_err_cm: Double
        public var inliers: Int
        public var ms_network: Double
        public var ms_ransac: Double
        /// Scene-coordinate accuracy: % of the cells with a ground-truth coordinate whose prediction is within
        /// 10 cm of it (DSAC*'s inlier radius in 3D); nil where the frame has no ground truth.
        public var pct_cells_within_10cm: Double? = nil

        public init(name: String, rot_err_deg: Double, trans_err_cm: Double, inliers: Int, ms_network: Double,
                    ms_ransac: Double) {
            self.name = name
            self.rot_err_deg = rot_err_deg
            self.trans_err_cm = trans_err_cm
            self.inliers = inliers
            self.ms_network = ms_network
            self.ms_ransac = ms_ransac
        }
    }

    /// Which slice of the test frames a shard report covers ("i/n"); nil for a full or merged report.
    public struct Shard: Codable, Sendable, Equatable {
        public var index: Int
        public var count: Int
        /// Frames in the whole split (so `report merge` can check that the shards cover it).
        public var total_frames: Int

        public init(index: Int, count: Int, total_frames: Int) {
            self.index = index
            self.count = count
            self.total_frames = total_frames
        }
    }

    public var summary: Summary
    public var frames: [FrameResult]
    public var shard: Shard?

    public static let failedError = 1e9

    public init(frames: [FrameResult], shard: Shard? = nil) {
        self.frames = frames
        self.shard = shard
        summary = Self.summarize(frames)
    }

    public static func summarize(_ frames: [FrameResult]) -> Summary {
        let n = frames.count
        func pct(_ cm: Double, _ deg: Double) -> Double {
            n == 0 ? 0 : 100 * Double(frames.filter { $0.trans_err_cm < cm && $0.rot_err_deg < deg }.count) / Double(n)
        }
        let cells = frames.compactMap(\.pct_cells_within_10cm)
        return Summary(frames: n, pct_within_5cm_5deg: pct(5, 5), pct_within_2cm_2deg: pct(2, 2),
                       pct_within_1cm_1deg: pct(1, 1), median_rot_deg: median(frames.map(\.rot_err_deg)),
                       median_trans_cm: median(frames.map(\.trans_err_cm)),
                       median_ms_network: median(frames.map(\.ms_network)),
                       median_ms_ransac: median(frames.map(\.ms_ransac)),
                       pct_cells_within_10cm: cells.isEmpty ? nil : cells.reduce(0, +) / Double(cells.count))
    }

    static func median(_ v: [Double]) -> Double {
        guard !v.isEmpty else { return 0 }
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }

    public static func read(_ path: String) throws(TrainingError) -> EvaluationReport {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidArgument("cannot read report \(path)")
        }
        do { return try JSONDecoder().decode(EvaluationReport.self, from: data) } catch {
            throw .invalidArgument("\(path) is not a test report: \(error)")
        }
    }

    /// Merges shard reports into one report over the whole split: every shard i/n for one n present once, frames
    /// in the split's order (shard slices are contiguous), summary recomputed from the frames.
    public static func merge(_ reports: [EvaluationReport]) throws(TrainingError) -> EvaluationReport {
        guard !reports.isEmpty else { throw .invalidArgument("no reports to merge") }
        let shards = reports.compactMap(\.shard)
        guard shards.count == reports.count else {
            throw .invalidArgument("every report to merge must be a shard report (written with --shard i/n)")
        }
        let n = shards[0].count, total = shards[0].total_frames
        guard shards.allSatisfy({ $0.count == n && $0.total_frames == total }) else {
            throw .invalidArgument("the shards disagree on n or on the number of frames")
        }
        let indices = shards.map(\.index).sorted()
        guard indices == Array(0..<n) else {
            let missing = Set(0..<n).subtracting(indices).sorted()
            let duplicated = Dictionary(grouping: indices, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
            throw .invalidArgument("shards of \(n): missing \(missing), duplicated \(duplicated)")
        }
        let ordered = reports.sorted { $0.shard!.index < $1.shard!.index }
        let frames = ordered.flatMap(\.frames)
        guard frames.count == total else {
            throw .invalidArgument("the shards hold \(frames.count) frames, the split has \(total)")
        }
        return EvaluationReport(frames: frames)
    }

    /// The contiguous slice of `total` frames that shard `index` of `count` evaluates: [⌊i·T/n⌋, ⌊(i+1)·T/n⌋).
    public static func shardRange(index: Int, count: Int, total: Int) -> Range<Int> {
        (index * total / count)..<((index + 1) * total / count)
    }
}
