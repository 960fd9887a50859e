import DSAC
import Foundation
import Testing

@testable import DSACData

/// The bad-input catalogue of DSACData (CATALOGUE.md lists every case): pose and calibration text, images and
/// data-set folders. Each gives a `DataError` naming the file (and the line and field for text) — never a crash.
/// The per-frame corruptions of `dataset check` (SyntheticDatasetTests.checkBad) and the basic image and pose
/// cases (ImageIOTests, PoseFileTests) are not repeated here.
@Suite("Bad-input catalogue: DSACData")
struct DataBadInputCatalogueTests {
    func error(_ body: () throws -> Void) -> DataError? {
        do {
            try body()
            return nil
        } catch let e as DataError {
            return e
        } catch {
            Issue.record("not a DataError: \(error)")
            return nil
        }
    }

    @Test(arguments: [
        ("", "0 values"), ("\n\n  \n", "0 values"), ("1 0 0 0\n0 1 0 0\n0 0 1 0\n", "3 values"),
        ("1 0 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 0 1\n", "5 values"), ("nan 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 0 1\n", "not finite"),
        ("1 0 0 0\n0 1 0 0\n0 0 1 -inf\n0 0 0 1\n", "not finite"), ("1 0 0 0\n0 1 0 0\n0 0 1 1e999\n0 0 0 1\n", "not finite"),
        ("1 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 0 0\n", "last row"), ("0 0 0 0\n0 0 0 0\n0 0 0 0\n0 0 0 1\n", "orthonormal"),
        ("\u{0}\u{1}\u{2}\u{3}\n\u{FF}", "values"), ("1 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 0 1x\n", "not a number"),
    ])
    func poseText(text: String, words: String) {
        let e = error { _ = try PoseFile.parse(text, path: "p.txt") }
        #expect(e?.description.contains(words) == true && e?.path == "p.txt", "\(String(describing: e))")
    }

    @Test func poseFileThatIsBinary() throws {
        let folder = TemporaryFolder()
        try Data((0..<256).map { UInt8($0) }).write(to: URL(fileURLWithPath: folder.file("p.txt")))
        let e = error { _ = try PoseFile.read(folder.file("p.txt")) }
        #expect(e?.path == folder.file("p.txt"), "\(String(describing: e))")
    }

    /// A calibration file with a non-finite, zero or negative focal length, or the wrong shape: the data set
    /// opens, or refuses with an error naming the calibration file; loading a frame never yields bad intrinsics.
    @Test(arguments: ["nan 0 16\n0 30 12\n0 0 1\n", "0 0 16\n0 30 12\n0 0 1\n", "-30 0 16\n0 -30 12\n0 0 1\n",
                      "30 0 16\n0 30 12\n", "30 0 inf\n0 30 12\n0 0 1\n", "abc\n", ""])
    func badCalibration(text: String) throws {
        let folder = TemporaryFolder()
        Fixture.sevenScenes(folder)
        folder.write("camera-intrinsics.txt", text)
        do {
            let d = try Dataset.open(at: folder.path)
            let frame = try d.frame(.train, at: 0)
            // Accepted only if the intrinsics it yields are usable.
            #expect(throws: Never.self) { try frame.intrinsics.validate() }
        } catch let e as DataError {
            #expect(e.description.contains("camera-intrinsics.txt") || e.description.contains("intrinsics"),
                    "\(e)")
        }
    }

    @Test func emptySplitFileAndMissingSequence() throws {
        let folder = TemporaryFolder()
        Fixture.sevenScenes(folder)
        folder.write("TrainSplit.txt", "sequence7\n")
        let e = error { _ = try Dataset.open(at: folder.path) }
        #expect(e != nil && e!.description.contains(folder.path), "\(String(describing: e))")
    }

    /// Every single-byte corruption (bit flip, zero, 0xFF) of a small PNG and JPEG decodes or gives `badImage`
    /// (or a wrong-shape error), never a crash; the same for every truncation.
    @Test func everyByteCorruptionOfAnImage() throws {
        let folder = TemporaryFolder()
        Fixture.writeColourPNG(folder.file("c.png"), width: 8, height: 6)
        Fixture.writeColourJPEG(folder.file("c.jpg"), width: 8, height: 6)
        var decoded = 0, refused = 0
        for name in ["c.png", "c.jpg"] {
            let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.file(name))))
            var variants: [[UInt8]] = (0..<good.count).map { Array(good.prefix($0)) }
            for i in good.indices {
                for change in [{ (b: UInt8) in b ^ 0x01 }, { $0 ^ 0x80 }, { _ in 0 }, { _ in 0xFF }] {
                    var b = good
                    b[i] = change(b[i])
                    variants.append(b)
                }
            }
            for v in variants {
                do {
                    let image = try ImageIO.decode(Data(v), path: name)
                    #expect(image.samples.count == image.width * image.height * image.channels)
                    decoded += 1
                } catch {
                    #expect(error.path == name)
                    refused += 1
                }
            }
        }
        #expect(refused > 0 && decoded > 0)
    }

    @Test func imageOfImpossibleDimensionsInItsHeader() throws {
        // A PNG header claiming 2^24 × 2^24 pixels (valid CRC), then nothing: refused without allocating.
        var ihdr: [UInt8] = Array("IHDR".utf8) + [1, 0, 0, 0, 1, 0, 0, 0, 8, 2, 0, 0, 0]
        let crc = crc32(ihdr)
        ihdr += [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + ihdr
            + [0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82]
        let e = error { _ = try ImageIO.decode(Data(png), path: "huge.png") }
        guard case .badImage(let path, _) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(path == "huge.png")
    }

    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return ~c
    }
}
