import DSAC
import Dispatch
import Foundation

/// Reads every frame of a data set and summarises it (`dsac dataset check`): frames per split, resolution,
/// intrinsics, depth validity, pose sanity and trajectory length. Frames are checked in parallel; the report is
/// in frame order and does not depend on the worker count.
public enum DatasetChecker {
    public struct SplitSummary: Sendable {
        public var split: Split
        public var frames: Int
        public var checked: Int
        public var sequences: Int
        /// Distinct image sizes seen, "W×H".
        public var resolutions: [String]
        public var intrinsics: Intrinsics?
        public var meanDepthValid: Double?
        public var minDepthValid: Double?
        /// Largest |RᵀR − I| over the poses.
        public var maxOrthonormalityError: Double
        /// Sum over sequences of the distances between consecutive camera centres, metres.
        public var trajectoryLength: Double
    }

    public struct Report: Sendable {
        public var root: String
        public var layout: DatasetLayout
        public var notes: [String]
        public var splits: [SplitSummary]
        /// Every bad frame found (only the first when not keeping going).
        public var errors: [DataError]
        /// The check stopped at the first bad frame (no --keep-going): the summary covers the frames before it.
        public var stoppedEarly: Bool
        public var seconds: Double
        public var isFine: Bool { errors.isEmpty }

        public init(stoppedEarly: Bool, root: String, layout: DatasetLayout, notes: [String], splits: [SplitSummary],
                    errors: [DataError], seconds: Double) {
            self.stoppedEarly = stoppedEarly
            self.root = root
            self.layout = layout
            self.notes = notes
            self.splits = splits
            self.errors = errors
            self.seconds = seconds
        }

        /// The summary as printed by `dsac dataset check`.
        public var text: String {
            var lines = ["data set: \(root) (\(layout.rawValue) layout)"]
            for n in notes { lines.append("  note: \(n)") }
            for s in splits {
                var line = "\(s.split.rawValue): \(s.frames) frames in \(s.sequences) sequence(s)"
                if !s.resolutions.isEmpty { line += ", \(s.resolutions.joined(separator: " / "))" }
                lines.append(line)
                if let k = s.intrinsics {
                    lines.append(String(format: "  intrinsics (first frame): fx %.2f  fy %.2f  cx %.2f  cy %.2f", k.fx, k.fy, k.cx, k.cy))
                }
                if let mean = s.meanDepthValid, let low = s.minDepthValid {
                    lines.append(String(format: "  depth valid: %.1f%% on average, %.1f%% at least", 100 * mean, 100 * low))
                } else if s.frames > 0 {
                    lines.append("  depth: none (no scene coordinates)")
                }
                if s.checked > 0 {
                    lines.append(String(format: "  poses: rotations orthonormal (max |RᵀR − I| = %.1e), trajectory length %.2f m",
                                        s.maxOrthonormalityError, s.trajectoryLength))
                }
            }
            let frames = splits.reduce(0) { $0 + $1.checked }
            lines.append(String(format: "checked %d frames in %.1f s: ", frames, seconds)
                         + (errors.isEmpty ? "everything is fine"
                            : stoppedEarly ? "stopped at the first bad frame (--keep-going reports them all)"
                            : "\(errors.count) bad frame(s)"))
            return lines.joined(separator: "\n")
        }
    }

    public static func check(_ dataset: Dataset, keepGoing: Bool,
                             workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                             progress: (@Sendable (Int, Int) -> Void)? = nil) -> Report {
        let start = Date()
        let jobs: [(Split, Int)] = Split.allCases.flatMap { s in (0..<dataset.frameCount(s)).map { (s, $0) } }
        let results = CheckResults(count: jobs.count, keepGoing: keepGoing, progress: progress)
        let workerCount = max(1, min(workers, jobs.count))
        DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
            var j = worker
            while j < jobs.count, !results.stopped(before: j) {
                let (split, index) = jobs[j]
                do throws(DataError) {
                    results.set(j, .success(try dataset.check(split, at: index)))
                } catch {
                    results.set(j, .failure(error))
                }
                j += workerCount
            }
        }
        var errors: [DataError] = []
        var summaries: [SplitSummary] = []
        // Without keep-going the check stops at the first bad frame (in frame order): frames after it are not
        // counted, whatever other workers had already read.
        let cutoff = keepGoing ? jobs.count : results.firstFailureIndex.map { $0 + 1 } ?? jobs.count
        var j = 0
        for split in Split.allCases {
            let n = dataset.frameCount(split)
            var s = SplitSummary(split: split, frames: n, checked: 0, sequences: 0, resolutions: [], intrinsics: nil,
                                 meanDepthValid: nil, minDepthValid: nil, maxOrthonormalityError: 0, trajectoryLength: 0)
            var sequences: [String] = []
            var last: (String, SIMD3<Double>)?
            var depthSum = 0.0, depthCount = 0, depthMin = 1.0
            for _ in 0..<n {
                defer { j += 1 }
                guard j < cutoff, let result = results.result(j) else { continue }
                switch result {
                case .failure(let e):
                    errors.append(e)
                case .success(let c):
                    s.checked += 1
                    let size = "\(c.width)×\(c.height)"
                    if !s.resolutions.contains(size) { s.resolutions.append(size) }
                    if s.intrinsics == nil { s.intrinsics = c.intrinsics }
                    if !sequences.contains(c.sequence) { sequences.append(c.sequence) }
                    if let v = c.depthValidFraction {
                        depthSum += v
                        depthCount += 1
                        depthMin = min(depthMin, v)
                    }
                    s.maxOrthonormalityError = max(s.maxOrthonormalityError, c.worldFromCam.rotation.orthonormalityError)
                    let centre = c.worldFromCam.translation
                    if let (seq, previous) = last, seq == c.sequence { s.trajectoryLength += length(centre - previous) }
                    last = (c.sequence, centre)
                }
            }
            s.sequences = sequences.count
            if depthCount > 0 {
                s.meanDepthValid = depthSum / Double(depthCount)
                s.minDepthValid = depthMin
            }
            summaries.append(s)
        }
        return Report(stoppedEarly: !keepGoing && !errors.isEmpty, root: dataset.root, layout: dataset.layout,
                      notes: dataset.notes, splits: summaries, errors: errors, seconds: Date().timeIntervalSince(start))
    }
}

/// Results by job index; without keep-going, jobs after the first failure are skipped.
private final class CheckResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<FrameCheck, DataError>?]
    private var firstFailure = Int.max
    private var done = 0
    let keepGoing: Bool
    let progress: (@Sendable (Int, Int) -> Void)?

    init(count: Int, keepGoing: Bool, progress: (@Sendable (Int, Int) -> Void)?) {
        results = Array(repeating: nil, count: count)
        self.keepGoing = keepGoing
        self.progress = progress
    }

    func stopped(before j: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return !keepGoing && j > firstFailure
    }

    func set(_ j: Int, _ r: Result<FrameCheck, DataError>) {
        lock.lock()
        defer { lock.unlock() }
        results[j] = r
        if case .failure = r { firstFailure = min(firstFailure, j) }
        done += 1
        progress?(done, results.count)
    }

    var firstFailureIndex: Int? {
        lock.lock()
        defer { lock.unlock() }
        return firstFailure == Int.max ? nil : firstFailure
    }

    func result(_ j: Int) -> Result<FrameCheck, DataError>? {
        lock.lock()
        defer { lock.unlock() }
        return results[j]
    }
}
