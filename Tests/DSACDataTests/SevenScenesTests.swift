import DSAC
import Foundation
import Testing

@testable import DSACData

@Suite("7-Scenes layout")
struct SevenScenesTests {
    @Test("golden: registered 16-bit depth gives exact scene coordinates at cells (8c+4, 8r+4)")
    func registeredGolden() throws {
        let folder = TemporaryFolder()
        Fixture.sevenScenes(folder)
        let dataset = try Dataset.open(at: folder.path)
        #expect(dataset.layout == .sevenScenes)
        #expect(dataset.frameCount(.train) == 2 && dataset.frameCount(.test) == 1)
        #expect(dataset.frameNames(.train) == ["seq-01/frame-000000", "seq-01/frame-000001"])
        let frame = try dataset.frame(.train, at: 0)
        #expect(frame.image.width == 32 && frame.image.height == 24 && frame.image.channels == 3)
        #expect(frame.intrinsics == Intrinsics(fx: 30, fy: 30, cx: 16, cy: 12))
        // Colour: pixel (1, 0) of the fixture pattern.
        #expect(abs(frame.image[1, 0, 0] - 7.0 / 255) < 1e-6)
        let grid = try #require(frame.sceneCoordinates)
        #expect(grid.columns == 4 && grid.rows == 3 && grid.validCount == 12)
        for (c, r) in [(0, 0), (1, 1), (3, 2)] {
            let pixel = SIMD2(Double(8 * c + 4), Double(8 * r + 4))
            let expected = Fixture.worldFromCam.apply(frame.intrinsics.backProject(pixel: pixel, depth: 1.5))
            let got = try #require(grid[column: c, row: r])
            #expect(abs(Double(got.x) - expected.x) < 1e-5 && abs(Double(got.y) - expected.y) < 1e-5
                    && abs(Double(got.z) - expected.z) < 1e-5)
        }
        // Second frame: the pose moved by 0.1 m along x.
        let second = try dataset.frame(.train, at: 1)
        #expect(abs(second.worldFromCam.translation.x - 1.1) < 1e-8)
    }

    @Test("invalid depth values 0 and 65535 give invalid cells")
    func invalidDepth() throws {
        let folder = TemporaryFolder()
        Fixture.sevenScenes(folder)
        Fixture.writeDepth(folder.file("seq-01/frame-000000.depth.png"), width: 32, height: 24) { x, _ in
            x < 8 ? 0 : (x < 16 ? 65535 : 2000)
        }
        let grid = try #require(try Dataset.open(at: folder.path).frame(.train, at: 0).sceneCoordinates)
        for r in 0..<3 {
            #expect(grid[column: 0, row: r] == nil && grid[column: 1, row: r] == nil)
            #expect(grid[column: 2, row: r] != nil && grid[column: 3, row: r] != nil)
        }
    }

    @Test("colour JPEG frames (.color.jpg) are read")
    func jpegColour() throws {
        let folder = TemporaryFolder()
        Fixture.sevenScenes(folder, jpeg: true)
        let frame = try Dataset.open(at: folder.path).frame(.test, at: 0, options: LoadOptions(colour: .grey))
        #expect(frame.image.channels == 1 && frame.image.width == 32)
        #expect(frame.sceneCoordinates?.validCount == 12)
    }

    @Test("resizing to a height scales the image, the intrinsics and the grid")
    func resize() throws {
        let folder = TemporaryFolder()
        Fixture.sevenScenes(folder, width: 64, height: 48)
        let frame = try Dataset.open(at: folder.path).frame(.train, at: 0, options: LoadOptions(targetHeight: 24))
        #expect(frame.image.width == 32 && frame.image.height == 24)
        #expect(abs(frame.intrinsics.fx - 15) < 1e-12)
        #expect(abs(frame.intrinsics.cx - ((16 + 0.5) / 2 - 0.5)) < 1e-12)
        let grid = try #require(frame.sceneCoordinates)
        #expect(grid.columns == 4 && grid.rows == 3 && grid.validCount == 12)
        // A constant-depth plane: every cell's point is at depth 1.5 in the camera.
        let camFromWorld = frame.camFromWorld
        for r in 0..<3 { for c in 0..<4 {
            let x = try #require(grid[column: c, row: r])
            #expect(abs(camFromWorld.apply(SIMD3(Double(x.x), Double(x.y), Double(x.z))).z - 1.5) < 1e-5)
        } }
    }

    @Test("raw Kinect depth (f = 585) is moved into the colour camera (f = 525)")
    func kinectRegistration() throws {
        let folder = TemporaryFolder()
        Fixture.sevenScenes(folder, width: 640, height: 480, frames: 1, mm: 2000, marker: false)
        folder.write("camera-intrinsics.txt", "525 0 320\n0 525 240\n0 0 1\n")
        let dataset = try Dataset.open(at: folder.path)
        #expect(dataset.notes.contains { $0.contains("raw Kinect") })
        let frame = try dataset.frame(.train, at: 0)
        let grid = try #require(frame.sceneCoordinates)
        #expect(grid.columns == 80 && grid.rows == 60)
        // The depth camera sees a narrower field (585 > 525): the border cells of the colour image are unknown,
        // the centre is known.
        #expect(grid[column: 0, row: 0] == nil)
        #expect(grid.validFraction > 0.6 && grid.validFraction < 0.95)
        // Each known point lies on the plane z = 2 m of the depth camera and projects near its cell's pixel.
        let depthFromColour = DepthRegistration.sevenScenesColourFromDepth.inverse
        let camFromWorld = frame.camFromWorld
        for (c, r) in [(40, 30), (20, 15), (60, 45)] {
            let xw = try #require(grid[column: c, row: r])
            let xc = camFromWorld.apply(SIMD3(Double(xw.x), Double(xw.y), Double(xw.z)))
            #expect(abs(depthFromColour.apply(xc).z - 2.0) < 0.01)
            let p = frame.intrinsics.project(xc)
            #expect(abs(p.x - Double(8 * c + 4)) < 1.5 && abs(p.y - Double(8 * r + 4)) < 1.5)
        }
    }

    @Test("a malformed split file names the line")
    func badSplit() {
        let folder = TemporaryFolder()
        Fixture.sevenScenes(folder)
        folder.write("TrainSplit.txt", "sequence1\nseq2\n")
        let error = expectDataError { _ = try Dataset.open(at: folder.path) }
        #expect(error == .malformedNumber(path: folder.file("TrainSplit.txt"), line: 2, field: 1, text: "seq2",
                                          expected: "'sequenceN' with N a sequence number"))
    }

    @Test("an unknown folder is not a data set")
    func unknown() {
        let folder = TemporaryFolder()
        guard case .unknownLayout = expectDataError({ _ = try Dataset.open(at: folder.path) }) else {
            Issue.record("expected unknownLayout"); return
        }
    }
}
