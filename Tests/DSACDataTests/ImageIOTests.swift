import Foundation
import Testing

@testable import DSACData

@Suite("Image I/O")
struct ImageIOTests {
    @Test("16-bit depth PNG round-trips every value exactly")
    func depth16RoundTrip() throws {
        let folder = TemporaryFolder()
        let path = folder.file("d.png")
        var values = [UInt16](repeating: 0, count: 35)
        for i in 0..<35 { values[i] = UInt16((i * 1877) % 65536) }
        values[0] = 65535
        try ImageIO.writePNG16(values, width: 7, height: 5, to: path)
        let back = try ImageIO.readDepth16(path)
        #expect(back.width == 7 && back.height == 5)
        #expect(back.values == values)
        #expect(try ImageIO.read(path).bitDepth == 16)
    }

    @Test("8-bit PNG round-trips; JPEG decodes close to what was written")
    func colourRoundTrip() throws {
        let folder = TemporaryFolder()
        let bytes = Fixture.colourBytes(width: 16, height: 8)
        try ImageIO.writePNG(bytes, width: 16, height: 8, channels: 3, to: folder.file("c.png"))
        let png = try ImageIO.read(folder.file("c.png"))
        #expect(png.bitDepth == 8 && png.channels == 3)
        #expect(png.samples.map { UInt8($0) } == bytes)
        var smooth = [UInt8](repeating: 0, count: 32 * 32 * 3)
        for i in smooth.indices { smooth[i] = UInt8((i / 3 % 32) * 4) }
        try ImageIO.writeJPEG(smooth, width: 32, height: 32, channels: 3, quality: 95, to: folder.file("c.jpg"))
        let jpg = try ImageIO.read(folder.file("c.jpg"))
        #expect(jpg.width == 32 && jpg.height == 32 && jpg.channels == 3)
        var maxError = 0
        for (a, b) in zip(jpg.samples, smooth) { maxError = max(maxError, abs(Int(a) - Int(b))) }
        #expect(maxError <= 12)
        let image = try ImageIO.readImage(folder.file("c.png"))
        #expect(abs(image[1, 0, 0] - Float(bytes[3]) / 255) < 1e-6)
    }

    @Test("a truncated PNG or JPEG is a bad image, never a crash")
    func truncated() throws {
        let folder = TemporaryFolder()
        Fixture.writeColourPNG(folder.file("c.png"), width: 32, height: 24)
        Fixture.writeColourJPEG(folder.file("c.jpg"), width: 32, height: 24)
        for name in ["c.png", "c.jpg"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: folder.file(name)))
            try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: folder.file("t-" + name)))
            let error = expectDataError { _ = try ImageIO.read(folder.file("t-" + name)) }
            guard case .badImage(let path, let reason) = error else { Issue.record("got \(String(describing: error))"); continue }
            #expect(path.hasSuffix("t-" + name))
            #expect(reason.contains("truncated"))
        }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: folder.file("tiny.png")))
        guard case .badImage = expectDataError({ _ = try ImageIO.read(folder.file("tiny.png")) }) else {
            Issue.record("a 3-byte file must be a bad image"); return
        }
        try Data(repeating: 7, count: 100).write(to: URL(fileURLWithPath: folder.file("junk.png")))
        guard case .badImage(_, let reason) = expectDataError({ _ = try ImageIO.read(folder.file("junk.png")) }) else {
            Issue.record("junk must be a bad image"); return
        }
        #expect(reason.contains("signature"))
    }

    @Test("8-bit where 16-bit depth is expected names the file and both bit depths")
    func eightBitDepth() throws {
        let folder = TemporaryFolder()
        try ImageIO.writePNG([UInt8](repeating: 9, count: 12), width: 4, height: 3, channels: 1, to: folder.file("d.png"))
        let error = expectDataError { _ = try ImageIO.readDepth16(folder.file("d.png")) }
        #expect(error == .wrongBitDepth(path: folder.file("d.png"), found: 8, expected: 16))
        #expect(error?.description.contains("expected 16-bit") == true)
    }

    @Test("a missing file is reported with what was expected")
    func missing() {
        let error = expectDataError { _ = try ImageIO.read("/nonexistent/x.png") }
        guard case .missingFile(let path, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(path == "/nonexistent/x.png")
    }

    @Test("writes are atomic: no temporary file is left behind")
    func atomic() throws {
        let folder = TemporaryFolder()
        try ImageIO.writePNG16([1, 2, 3, 4], width: 2, height: 2, to: folder.file("a.png"))
        try ImageIO.writePNG16([5, 6, 7, 8], width: 2, height: 2, to: folder.file("a.png"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["a.png"])
        #expect(try ImageIO.readDepth16(folder.file("a.png")).values == [5, 6, 7, 8])
    }

    @Test("resize keeps a constant image constant and has the asked size")
    func resize() {
        let image = Image(width: 40, height: 30, channels: 3, pixels: [Float](repeating: 0.25, count: 40 * 30 * 3))
        let small = ImageIO.resize(image, width: 20, height: 15)
        #expect(small.width == 20 && small.height == 15 && small.channels == 3)
        #expect(small.pixels.allSatisfy { abs($0 - 0.25) < 1e-5 })
    }
}
