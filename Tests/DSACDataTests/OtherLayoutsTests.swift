import DSAC
import Foundation
import Testing

@testable import DSACData

@Suite("12-Scenes, Cambridge and DSAC*-style layouts")
struct OtherLayoutsTests {
    @Test("12-Scenes: info.txt intrinsics, split.txt test count, INF poses skipped, depth camera registered")
    func twelveScenes() throws {
        let folder = TemporaryFolder()
        folder.write("info.txt", """
            m_versionNumber = 4
            m_colorWidth = 64
            m_colorHeight = 48
            m_depthWidth = 32
            m_depthHeight = 24
            m_depthShift = 1000
            m_calibrationColorIntrinsic = 60 0 32 0 0 60 24 0 0 0 1 0 0 0 0 1
            m_calibrationColorExtrinsic = 1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1
            m_calibrationDepthIntrinsic = 30 0 16 0 0 30 12 0 0 0 1 0 0 0 0 1
            m_calibrationDepthExtrinsic = 1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1
            m_frames.size = 4

            """)
        folder.write("split.txt", "sequence0 [frames=1]  [start=0 ; end=0]\nsequence1 [frames=3]  [start=1 ; end=3]\n")
        _ = folder.sub("data")
        for i in 0..<4 {
            let stem = folder.file(String(format: "data/frame-%06d", i))
            Fixture.writeColourJPEG(stem + ".color.jpg", width: 64, height: 48)
            Fixture.writeDepth(stem + ".depth.png", width: 32, height: 24) { _, _ in 3000 }
            folder.write(String(format: "data/frame-%06d.pose.txt", i),
                         i == 2 ? "-INF -INF -INF -INF\n-INF -INF -INF -INF\n-INF -INF -INF -INF\n0 0 0 1\n" : Fixture.poseText())
        }
        let dataset = try Dataset.open(at: folder.path)
        #expect(dataset.layout == .twelveScenes)
        #expect(dataset.frameNames(.test) == ["frame-000000"])
        #expect(dataset.frameNames(.train) == ["frame-000001", "frame-000003"])
        #expect(dataset.notes.contains { $0.contains("skipped 1") })
        let frame = try dataset.frame(.train, at: 0)
        #expect(frame.intrinsics == Intrinsics(fx: 60, fy: 60, cx: 32, cy: 24))
        let grid = try #require(frame.sceneCoordinates)
        #expect(grid.columns == 8 && grid.rows == 6)
        #expect(grid.validFraction > 0.9)
        let x = try #require(grid[column: 3, row: 2])
        #expect(abs(frame.camFromWorld.apply(SIMD3(Double(x.x), Double(x.y), Double(x.z))).z - 3) < 1e-4)
    }

    @Test("Cambridge: quaternion + centre poses, NVM focal and sparse scene coordinates")
    func cambridge() throws {
        let folder = TemporaryFolder()
        _ = folder.sub("seq1")
        for i in 0..<2 { Fixture.writeColourPNG(folder.file("seq1/frame0000\(i + 1).png"), width: 64, height: 36) }
        // Camera 1 at the origin looking down +z (q = identity); camera 2 at x = 1 turned 90° about y.
        let q2 = (cos(Double.pi / 4), 0.0, sin(Double.pi / 4), 0.0)
        folder.write("dataset_train.txt", """
            Visual Landmark Dataset V1
            ImageFile, Camera Position [X Y Z W P Q R]

            seq1/frame00001.png 0 0 0 1 0 0 0
            seq1/frame00002.png 1 0 0 \(q2.0) \(q2.1) \(q2.2) \(q2.3)

            """)
        folder.write("dataset_test.txt", "Visual Landmark Dataset V1\nImageFile, Camera Position [X Y Z W P Q R]\n\nseq1/frame00002.png 1 0 abc 1 0 0 0\n")
        folder.write("reconstruction.nvm", """
            NVM_V3

            2
            seq1/frame00001.jpg 50 1 0 0 0 0 0 0 0 0
            seq1/frame00002.jpg 50 \(q2.0) \(q2.1) \(q2.2) \(q2.3) 1 0 0 0 0
            2
            0 0 5 255 255 255 1 0 0 0 0
            1 0.5 4 255 255 255 2 0 1 0 0 1 1 0 0


            """)
        let dataset = try Dataset.open(at: folder.path)
        #expect(dataset.layout == .cambridge)
        let frame = try dataset.frame(.train, at: 0)
        #expect(frame.intrinsics == Intrinsics(fx: 50, fy: 50, cx: 32, cy: 18))
        #expect(frame.worldFromCam.translation == .zero)
        let grid = try #require(frame.sceneCoordinates)
        #expect(grid.validCount == 2)
        // (0, 0, 5) projects to (32, 18): cell (4, 2).
        #expect(grid[column: 4, row: 2] == SIMD3<Float>(0, 0, 5))
        // (1, 0.5, 4) projects to (44.5, 24.25): cell (5, 3).
        #expect(grid[column: 5, row: 3] == SIMD3<Float>(1, 0.5, 4))
        let second = try dataset.frame(.train, at: 1)
        #expect(length(second.worldFromCam.translation - SIMD3(1, 0, 0)) < 1e-12)
        // Camera 2's optical axis (+z of the camera) points along world −x... or +x: R_wc = R_cwᵀ of a 90° turn.
        let axis = second.worldFromCam.rotation * SIMD3(0, 0, 1)
        #expect(abs(abs(axis.x) - 1) < 1e-9)
        // The malformed test line surfaces as a per-frame error naming line and field.
        let error = expectDataError { _ = try dataset.frame(.test, at: 0) }
        #expect(error == .malformedNumber(path: folder.file("dataset_test.txt"), line: 4, field: 4, text: "abc",
                                          expected: "a finite decimal number"))
    }

    @Test("DSAC*-style: matched by sorted name, focal-only calibration, depth, init/ noted and ignored")
    func dsacStar() throws {
        let folder = TemporaryFolder()
        for split in ["train", "test"] {
            for sub in ["rgb", "poses", "calibration"] { _ = folder.sub("\(split)/\(sub)") }
            for i in 0..<2 {
                let name = "seq-01-frame-00000\(i)"
                Fixture.writeColourPNG(folder.file("\(split)/rgb/\(name).color.png"), width: 32, height: 24, seed: i)
                folder.write("\(split)/poses/\(name).pose.txt", Fixture.poseText())
                folder.write("\(split)/calibration/\(name).calibration.txt", "40\n")
            }
        }
        _ = folder.sub("train/depth")
        for i in 0..<2 {
            Fixture.writeDepth(folder.file("train/depth/seq-01-frame-00000\(i).depth.png"), width: 32, height: 24) { _, _ in 1000 }
        }
        _ = folder.sub("test/init")
        folder.write("test/init/seq-01-frame-000000.dat", "not a tensor")
        folder.write("train/calibration/seq-01-frame-000001.calibration.txt", "40 0 16\n0 41 12\n0 0 1\n")
        let dataset = try Dataset.open(at: folder.path)
        #expect(dataset.layout == .dsacStar)
        #expect(dataset.notes.contains { $0.contains("test/init/ ignored") })
        let a = try dataset.frame(.train, at: 0)
        #expect(a.intrinsics == Intrinsics(fx: 40, fy: 40, cx: 16, cy: 12))
        #expect(a.sceneCoordinates?.validCount == 12)
        let b = try dataset.frame(.train, at: 1)
        #expect(b.intrinsics == Intrinsics(fx: 40, fy: 41, cx: 16, cy: 12))
        #expect(try dataset.frame(.test, at: 0).sceneCoordinates == nil)
        // DSAC*'s default: grey, height 480 — here a resize by 20.
        let big = try dataset.frame(.train, at: 0, options: .dsacStar)
        #expect(big.image.height == 480 && big.image.width == 640 && big.image.channels == 1)
        #expect(abs(big.intrinsics.fx - 800) < 1e-9)
        #expect(big.sceneCoordinates?.columns == 80)
    }

    @Test("DSAC*-style: a missing partner file is an inconsistency naming the folder")
    func dsacStarMismatch() {
        let folder = TemporaryFolder()
        for sub in ["rgb", "poses", "calibration"] { _ = folder.sub("train/\(sub)") }
        Fixture.writeColourPNG(folder.file("train/rgb/a.png"), width: 8, height: 8)
        folder.write("train/calibration/a.txt", "10\n")
        let error = expectDataError { _ = try Dataset.open(at: folder.path) }
        guard case .inconsistent(let path, let reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(path.hasSuffix("train/poses") && reason.contains("0 files for 1 images"))
    }
}
