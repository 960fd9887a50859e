import DSAC
import Foundation
import Testing

@testable import DSACData

/// Temporary folders and small files in each layout, written by the tests themselves.
final class TemporaryFolder {
    let path: String

    init(_ label: String = "dsacdata") {
        path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func sub(_ relative: String) -> String {
        let p = path + "/" + relative
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    func write(_ relative: String, _ text: String) {
        let p = path + "/" + relative
        try! FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! text.write(toFile: p, atomically: true, encoding: .utf8)
    }

    func file(_ relative: String) -> String { path + "/" + relative }
}

enum Fixture {
    /// A deterministic colour pattern.
    static func colourBytes(width: Int, height: Int, seed: Int = 0) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = 3 * (y * width + x)
                out[i] = UInt8((x * 7 + seed) % 256)
                out[i + 1] = UInt8((y * 11 + seed) % 256)
                out[i + 2] = UInt8((x * y + seed) % 256)
            }
        }
        return out
    }

    static func writeColourPNG(_ path: String, width: Int, height: Int, seed: Int = 0) {
        try! ImageIO.writePNG(colourBytes(width: width, height: height, seed: seed), width: width, height: height,
                              channels: 3, to: path)
    }

    static func writeColourJPEG(_ path: String, width: Int, height: Int) {
        try! ImageIO.writeJPEG(colourBytes(width: width, height: height), width: width, height: height, channels: 3,
                               to: path)
    }

    static func writeDepth(_ path: String, width: Int, height: Int, millimetres: (Int, Int) -> UInt16) {
        var v = [UInt16](repeating: 0, count: width * height)
        for y in 0..<height { for x in 0..<width { v[y * width + x] = millimetres(x, y) } }
        try! ImageIO.writePNG16(v, width: width, height: height, to: path)
    }

    /// A pose that is not the identity: rotation about a tilted axis, and a translation.
    static let worldFromCam = Pose(rotation: Rotation.matrix(axisAngle: SIMD3(0.2, -0.5, 0.3)),
                                   translation: SIMD3(1.0, -0.5, 2.0))

    static func poseText(_ pose: Pose = worldFromCam) -> String { PoseFile.format(pose) }

    /// 7-Scenes layout with registered depth (the dsac synth marker), `frames` frames of w×h in seq-01 (train)
    /// and one in seq-02 (test), constant depth `mm`.
    static func sevenScenes(_ folder: TemporaryFolder, width: Int = 32, height: Int = 24, frames: Int = 2,
                            mm: UInt16 = 1500, jpeg: Bool = false, marker: Bool = true) {
        folder.write("TrainSplit.txt", "sequence1\n")
        folder.write("TestSplit.txt", "sequence2\n")
        folder.write("camera-intrinsics.txt", "30 0 16\n0 30 12\n0 0 1\n")
        if marker { folder.write("dsac-synth.txt", "test fixture\n") }
        for (seq, count) in [("seq-01", frames), ("seq-02", 1)] {
            _ = folder.sub(seq)
            for i in 0..<count {
                let stem = folder.file(String(format: "%@/frame-%06d", seq, i))
                if jpeg { writeColourJPEG(stem + ".color.jpg", width: width, height: height) }
                else { writeColourPNG(stem + ".color.png", width: width, height: height, seed: i) }
                writeDepth(stem + ".depth.png", width: width, height: height) { _, _ in mm }
                var pose = worldFromCam
                pose.translation.x += 0.1 * Double(i)
                try! PoseFile.write(pose, to: stem + ".pose.txt")
            }
        }
    }
}

/// The thrown error, or a test failure.
func expectDataError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> DataError? {
    do {
        try body()
        Issue.record("expected a DataError, none was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as DataError {
        return error
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
