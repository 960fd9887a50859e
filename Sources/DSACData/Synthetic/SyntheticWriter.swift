import DSAC
import Dispatch
import Foundation

/// Writes a synthetic scene in the 7-Scenes layout: `seq-01/` (train) and `seq-02/` (test) with
/// `frame-XXXXXX.color.png` (8-bit RGB), `frame-XXXXXX.depth.png` (16-bit, millimetres, registered to colour,
/// 0 = no surface) and `frame-XXXXXX.pose.txt` (4×4 camera-to-world); `TrainSplit.txt` ("sequence1"),
/// `TestSplit.txt` ("sequence2"), `camera-intrinsics.txt` (the 3×3 K) and `dsac-synth.txt` (how it was made; its
/// presence tells the reader the depth is registered). Frames are rendered and encoded in parallel, one frame per
/// worker; every file is written atomically. The same scene, seed and options give byte-identical files.
public enum SyntheticWriter {
    public struct Report: Sendable {
        public var frames: Int
        public var seconds: Double
    }

    /// `progress(done, total)` is called from worker threads, serialised, after each frame.
    public static func write(_ scene: SyntheticScene, to root: String, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                             progress: (@Sendable (Int, Int) -> Void)? = nil) throws(DataError) -> Report {
        let start = Date()
        try prepare(root)
        let splits: [(Split, String)] = [(.train, "seq-01"), (.test, "seq-02")].filter { scene.frameCount($0.0) > 0 }
        for (_, folder) in splits { try FileIO.createDirectory(root + "/" + folder) }
        let k = scene.intrinsics
        try FileIO.writeText(String(format: "%.6f 0 %.6f\n0 %.6f %.6f\n0 0 1\n", k.fx, k.cx, k.fy, k.cy),
                             to: root + "/camera-intrinsics.txt")
        try FileIO.writeText(scene.frameCount(.train) > 0 ? "sequence1\n" : "", to: root + "/TrainSplit.txt")
        try FileIO.writeText(scene.frameCount(.test) > 0 ? "sequence2\n" : "", to: root + "/TestSplit.txt")
        let o = scene.options
        try FileIO.writeText("""
            generator: dsac synth (DSACData synthetic renderer)
            scene: \(scene.name)
            seed: \(scene.seed)
            size: \(o.width)x\(o.height)
            train frames: \(o.trainFrames) (seq-01)
            test frames: \(o.testFrames) (seq-02)
            noise sigma: \(o.noiseSigma)
            surface detail: \(o.surfaceDetail)
            lighting changes: \(o.lightingChanges)
            depth: registered to colour, z in millimetres (16-bit PNG), 0 = no surface

            """, to: root + "/\(SevenScenesLayout.syntheticMarker)")

        let jobs: [(Split, String, Int)] = splits.flatMap { split, folder in
            (0..<scene.frameCount(split)).map { (split, folder, $0) }
        }
        let state = WriterState(total: jobs.count, progress: progress)
        let workerCount = max(1, min(workers, jobs.count))
        DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
            var j = worker
            while j < jobs.count, !state.failed {
                let (split, folder, index) = jobs[j]
                do throws(DataError) {
                    try writeFrame(scene, split: split, index: index, folder: root + "/" + folder)
                    state.done()
                } catch {
                    state.fail(error)
                }
                j += workerCount
            }
        }
        if let error = state.error { throw error }
        return Report(frames: jobs.count, seconds: Date().timeIntervalSince(start))
    }

    /// Creates the folder, or empties the sequences of an earlier `dsac synth` output there (so no stale frames
    /// survive a smaller rerun). Refuses a non-empty folder that `dsac synth` did not write.
    static func prepare(_ root: String) throws(DataError) {
        guard FileIO.exists(root) else { return try FileIO.createDirectory(root) }
        guard FileIO.isDirectory(root) else { throw .writeFailed(path: root, reason: "exists and is not a folder") }
        let entries = try FileIO.list(root)
        if entries.isEmpty { return }
        guard entries.contains(SevenScenesLayout.syntheticMarker) else {
            throw .writeFailed(path: root, reason: "refusing to write into a non-empty folder that dsac synth did not make (no \(SevenScenesLayout.syntheticMarker))")
        }
        for sequence in ["seq-01", "seq-02"] where FileIO.isDirectory(root + "/" + sequence) {
            do {
                try FileManager.default.removeItem(atPath: root + "/" + sequence)
            } catch {
                throw .writeFailed(path: root + "/" + sequence, reason: "cannot remove the earlier frames: \(error.localizedDescription)")
            }
        }
    }

    static func writeFrame(_ scene: SyntheticScene, split: Split, index: Int, folder: String) throws(DataError) {
        let r = try scene.render(split, at: index)
        let stem = folder + String(format: "/frame-%06d", index)
        try ImageIO.writePNG(r.image.bytes(), width: r.image.width, height: r.image.height, channels: 3,
                             to: stem + ".color.png")
        let millimetres = [UInt16](unsafeUninitializedCapacity: r.depth.metres.count) { out, count in
            r.depth.metres.withUnsafeBufferPointer { z in
                for i in 0..<z.count {
                    let mm = z[i] * 1000 + 0.5
                    out[i] = mm >= 65534 ? 65534 : (mm >= 1 ? UInt16(mm) : 0)  // 0 (and NaN): no surface
                }
            }
            count = r.depth.metres.count
        }
        try ImageIO.writePNG16(millimetres, width: r.depth.width, height: r.depth.height, to: stem + ".depth.png")
        try PoseFile.write(r.worldFromCam, to: stem + ".pose.txt")
    }
}

/// Progress and the first error, shared by the workers.
private final class WriterState: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private(set) var error: DataError?
    let total: Int
    let progress: (@Sendable (Int, Int) -> Void)?

    init(total: Int, progress: (@Sendable (Int, Int) -> Void)?) {
        self.total = total
        self.progress = progress
    }

    var failed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return error != nil
    }

    func done() {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        progress?(count, total)
    }

    func fail(_ e: DataError) {
        lock.lock()
        defer { lock.unlock() }
        if error == nil { error = e }
    }
}
