import DSAC
import Foundation
import Testing

@testable import DSACData

@Suite("dsac synth output and dataset check")
struct SyntheticDatasetTests {
    static func write(_ folder: TemporaryFolder, seed: UInt64 = 4, train: Int = 6, test: Int = 3) throws -> SyntheticScene {
        let scene = try SyntheticScene(name: "room", seed: seed,
                                       options: SyntheticOptions(width: 64, height: 48, trainFrames: train, testFrames: test))
        _ = try SyntheticWriter.write(scene, to: folder.path, workers: 2)
        return scene
    }

    @Test("the written set is the 7-Scenes layout and reads back with registered depth in millimetres")
    func layoutAndReadBack() throws {
        let folder = TemporaryFolder()
        let scene = try Self.write(folder)
        #expect(try String(contentsOfFile: folder.file("TrainSplit.txt"), encoding: .utf8) == "sequence1\n")
        #expect(try String(contentsOfFile: folder.file("TestSplit.txt"), encoding: .utf8) == "sequence2\n")
        #expect(try String(contentsOfFile: folder.file("camera-intrinsics.txt"), encoding: .utf8)
                == "52.500000 0 32.000000\n0 52.500000 24.000000\n0 0 1\n")
        let depthFile = try ImageIO.read(folder.file("seq-01/frame-000002.depth.png"))
        #expect(depthFile.bitDepth == 16 && depthFile.channels == 1 && depthFile.width == 64)
        let dataset = try Dataset.open(at: folder.path)
        #expect(dataset.frameCount(.train) == 6 && dataset.frameCount(.test) == 3)
        #expect(dataset.notes.contains("depth: registered to colour"))
        // File depth (mm) back-projected lands on the rendered surface within the rounding (0.5 mm along z).
        let r = try scene.render(.train, at: 2, surfaces: true)
        let fromFile = try dataset.frame(.train, at: 2)
        #expect(length(fromFile.worldFromCam.translation - r.worldFromCam.translation) < 1e-6)
        let grid = try #require(fromFile.sceneCoordinates)
        #expect(grid.validCount == grid.columns * grid.rows)
        for (c, row) in [(0, 0), (3, 2), (7, 5)] {
            let x = try #require(grid[column: c, row: row])
            let s = r.surface[(8 * row + 4) * 64 + 8 * c + 4]
            let d = scene.description.distance(from: SIMD3(Double(x.x), Double(x.y), Double(x.z)), toSurface: s)
            #expect(d < 2e-3)
        }
        // Colour matches the in-memory render to 8-bit quantisation.
        let memory = try scene.frame(.train, at: 2)
        let maxDiff = zip(memory.image.pixels, fromFile.image.pixels).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        #expect(maxDiff <= 0.5 / 255 + 1e-6)
    }

    @Test("a rerun replaces an earlier synth output without stale frames, and never writes into foreign folders")
    func rerun() throws {
        let folder = TemporaryFolder()
        _ = try Self.write(folder, train: 5, test: 2)
        _ = try Self.write(folder, train: 2, test: 1)
        #expect(try Dataset.open(at: folder.path).frameCount(.train) == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("seq-01")).count == 6)
        let foreign = TemporaryFolder()
        foreign.write("notes.txt", "mine")
        let error = expectDataError { _ = try Self.write(foreign) }
        guard case .writeFailed(let path, let reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(path == foreign.path && reason.contains("refusing"))
    }

    @Test("the same seed writes byte-identical files")
    func reproducible() throws {
        let a = TemporaryFolder(), b = TemporaryFolder()
        _ = try Self.write(a, train: 3, test: 1)
        _ = try Self.write(b, train: 3, test: 1)
        for name in ["seq-01/frame-000001.color.png", "seq-01/frame-000001.depth.png", "seq-02/frame-000000.pose.txt",
                     "camera-intrinsics.txt"] {
            #expect(FileManager.default.contentsEqual(atPath: a.file(name), andPath: b.file(name)), "\(name)")
        }
    }

    @Test("check passes a good set and summarises it")
    func checkGood() throws {
        let folder = TemporaryFolder()
        _ = try Self.write(folder)
        let report = DatasetChecker.check(try Dataset.open(at: folder.path), keepGoing: false)
        #expect(report.isFine)
        #expect(report.splits.map(\.checked) == [6, 3])
        #expect(report.splits[0].resolutions == ["64×48"])
        #expect(report.splits[0].meanDepthValid == 1)
        #expect(report.splits[0].trajectoryLength > 0.1)
        #expect(report.text.contains("train: 6 frames in 1 sequence(s), 64×48"))
        #expect(report.text.contains("everything is fine"))
    }

    @Test("check reports every bad frame with --keep-going, and only the first without")
    func checkBad() throws {
        let folder = TemporaryFolder()
        _ = try Self.write(folder)
        let seq = folder.file("seq-01")
        // 0: missing pose; 1: malformed number; 2: non-rotation; 3: truncated colour; 4: wrong size; 5: 8-bit depth.
        try FileManager.default.removeItem(atPath: seq + "/frame-000000.pose.txt")
        folder.write("seq-01/frame-000001.pose.txt", "1 0 0 0\n0 1 0 0\n0 0 1 x1.5\n0 0 0 1\n")
        folder.write("seq-01/frame-000002.pose.txt", "1 0 0 0\n0 1 0.5 0\n0 0 1 0\n0 0 0 1\n")
        let colour = try Data(contentsOf: URL(fileURLWithPath: seq + "/frame-000003.color.png"))
        try colour.prefix(colour.count - 40).write(to: URL(fileURLWithPath: seq + "/frame-000003.color.png"))
        Fixture.writeColourPNG(seq + "/frame-000004.color.png", width: 32, height: 48)
        try ImageIO.writePNG([UInt8](repeating: 1, count: 64 * 48), width: 64, height: 48, channels: 1,
                             to: seq + "/frame-000005.depth.png")
        folder.write("seq-02/frame-000001.pose.txt", "1 0 0 0\n0 1 0 0\n0 0 1 inf\n0 0 0 1\n")
        let dataset = try Dataset.open(at: folder.path)

        let all = DatasetChecker.check(dataset, keepGoing: true, workers: 2)
        #expect(!all.isFine)
        #expect(all.errors.count == 7)
        let e = all.errors
        #expect(e[0] == .missingFile(path: seq + "/frame-000000.pose.txt", expected: "a 4×4 camera-to-world pose"))
        #expect(e[1] == .malformedNumber(path: seq + "/frame-000001.pose.txt", line: 3, field: 4, text: "x1.5",
                                         expected: "a finite decimal number"))
        guard case .notARotation(seq + "/frame-000002.pose.txt", _) = e[2] else { Issue.record("got \(e[2])"); return }
        guard case .badImage(seq + "/frame-000003.color.png", let reason) = e[3], reason.contains("truncated") else {
            Issue.record("got \(e[3])"); return
        }
        #expect(e[4] == .wrongImageSize(path: seq + "/frame-000004.color.png", width: 32, height: 48, expectedWidth: 64, expectedHeight: 48))
        #expect(e[5] == .wrongBitDepth(path: seq + "/frame-000005.depth.png", found: 8, expected: 16))
        #expect(e[6] == .nonFiniteNumber(path: folder.file("seq-02/frame-000001.pose.txt"), line: 3, field: 4, text: "inf"))
        #expect(all.splits[0].checked == 0 && all.splits[1].checked == 2)
        #expect(all.text.contains("7 bad frame(s)"))

        let first = DatasetChecker.check(dataset, keepGoing: false, workers: 2)
        #expect(first.errors == [e[0]])
        #expect(first.stoppedEarly && first.splits.map(\.checked) == [0, 0])
        #expect(first.text.contains("stopped at the first bad frame"))
    }
}
