import DSAC
import Foundation
import Testing

@testable import DSACTraining

/// The model- and checkpoint-file part of the bad-input catalogue (CATALOGUE.md): truncations, wrong magic and
/// version, bit flips, and crafted files whose CRC-32 is right but whose sizes or header lie. Each gives a
/// `ModelFileError` naming the file; none traps or allocates what the header claims.
@Suite struct ModelFileCatalogueTests {
    static let path = "m.dsacmodel"

    func error(_ bytes: [UInt8]) -> ModelFileError? {
        do {
            let file = try ModelFile.decode(bytes, path: Self.path)
            _ = try SceneCoordinateNetwork(file, path: Self.path)
            return nil
        } catch {
            guard case .modelFile(let e) = error else {
                Issue.record("not a model-file error: \(error)")
                return nil
            }
            return e
        }
    }

    /// A file with the given JSON header and payload and a correct CRC-32 (so only the content can be wrong).
    func crafted(json: String, payload: [UInt8], payloadLength: UInt64? = nil) -> [UInt8] {
        var b = ModelFile.magic
        func u32(_ v: UInt32) { for k in 0..<4 { b.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
        u32(1)
        let j = Array(json.utf8)
        u32(UInt32(j.count))
        b += j
        let p = payloadLength ?? UInt64(payload.count)
        for k in 0..<8 { b.append(UInt8(truncatingIfNeeded: p >> (8 * k))) }
        b += payload
        u32(CRC32.checksum(b))
        return b
    }

    func headerJSON(of bytes: [UInt8]) -> String {
        let h = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        return String(decoding: bytes[16..<(16 + h)], as: UTF8.self)
    }

    func payload(of bytes: [UInt8]) -> [UInt8] {
        let h = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        return Array(bytes[(24 + h)..<(bytes.count - 4)])
    }

    @Test func everyTruncationIsNamed() throws {
        let bytes = try ModelFileTests.network().modelFile().encoded()
        let h = Int(bytes[12]) | Int(bytes[13]) << 8
        // Every length through the header, then every 997th: truncated or not-a-model, never a crash.
        for length in Array(0..<(h + 40)) + Array(stride(from: h + 40, to: bytes.count, by: 997)) + [bytes.count - 1] {
            let e = error(Array(bytes.prefix(length)))
            switch e {
            case .truncated(let p, _, let actual): #expect(p == Self.path && actual == length)
            case .notAModelFile: #expect(length < 8)
            default: Issue.record("\(length) bytes: \(String(describing: e))")
            }
        }
    }

    @Test func everyBitFlipOfTheHeaderAndSampledPayloadBits() throws {
        let bytes = try ModelFileTests.network().modelFile().encoded()
        let h = Int(bytes[12]) | Int(bytes[13]) << 8
        var positions = Array(0..<(h + 24))
        var g = SeededGenerator(seed: 7)
        positions += (0..<300).map { _ in h + 24 + g.below(bytes.count - h - 24) }
        for i in positions {
            var b = bytes
            b[i] ^= UInt8(1 << (i % 8))
            let e = error(b)
            #expect(e != nil, "flip at byte \(i) went unnoticed")
            if let e { #expect(e.description.hasPrefix(Self.path)) }
        }
    }

    @Test func wrongMagicAndVersion() throws {
        let bytes = try ModelFileTests.network().modelFile().encoded()
        var png = bytes
        png.replaceSubrange(0..<8, with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(error(png) == .notAModelFile(path: Self.path))
        #expect(error(Array("DSACPNP1".utf8) + bytes.dropFirst(8)) == .notAModelFile(path: Self.path))
        var v0 = bytes
        v0[8] = 0
        #expect(error(v0) == .unsupportedVersion(path: Self.path, found: 0, supported: 1))
        var vMax = bytes
        vMax.replaceSubrange(8..<12, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(error(vMax) == .unsupportedVersion(path: Self.path, found: UInt32.max, supported: 1))
    }

    @Test func headerLengthOrPayloadLengthThatLies() throws {
        let bytes = try ModelFileTests.network().modelFile().encoded()
        var h = bytes
        h.replaceSubrange(12..<16, with: [0xFF, 0xFF, 0xFF, 0xFF])
        guard case .truncated = error(h) else { Issue.record("H = 2^32-1: \(String(describing: error(h)))"); return }
        let json = headerJSON(of: bytes), p = payload(of: bytes)
        for lie: UInt64 in [UInt64.max, UInt64(Int.max), 1 << 40, UInt64(p.count) + 4, UInt64(p.count) - 4] {
            let e = error(crafted(json: json, payload: p, payloadLength: lie))
            switch e {
            case .truncated, .malformedHeader: break
            default: Issue.record("payload length \(lie): \(String(describing: e))")
            }
        }
    }

    /// The CRC is right, the content is not: a tensor table that overflows, negative counts, garbage JSON,
    /// non-finite scene mean, an architecture out of range, a missing or mis-sized tensor.
    @Test func craftedHeadersWithAValidChecksum() throws {
        let bytes = try ModelFileTests.network().modelFile().encoded()
        let json = headerJSON(of: bytes), p = payload(of: bytes)
        let file = try ModelFile.decode(bytes, path: Self.path)
        let headCount = file.header.tensors.first { $0.name == "head" }!.count
        func replacing(_ a: String, _ b: String) -> String {
            #expect(json.contains(a), "fixture: \(a)")
            return json.replacingOccurrences(of: a, with: b)
        }
        let cases: [(String, String, (ModelFileError?) -> Bool)] = [
            ("overflowing tensor table", replacing("\"count\":\(headCount)", "\"count\":\(Int.max)"),
             { if case .malformedHeader = $0 { return true }; return false }),
            ("negative tensor count", replacing("\"count\":\(headCount)", "\"count\":-4"),
             { if case .malformedHeader = $0 { return true }; return false }),
            ("garbage JSON", "{\"kind\": [}", { if case .malformedHeader = $0 { return true }; return false }),
            ("empty JSON", "", { if case .malformedHeader = $0 { return true }; return false }),
            ("NaN scene mean", json.replacingOccurrences(of: "\"sceneMean\":[1,-2,0.5]", with: "\"sceneMean\":[1e999,-2,0.5]"),
             { $0 != nil }),
            ("two-value scene mean", json.replacingOccurrences(of: "\"sceneMean\":[1,-2,0.5]", with: "\"sceneMean\":[1,-2]"),
             { if case .malformedHeader = $0 { return true }; return false }),
            ("architecture out of range", replacing("\"headBlocks\":", "\"headBlocks\":99999,\"x\":"),
             { if case .malformedHeader = $0 { return true }; return false }),
            ("tensor renamed", replacing("\"name\":\"head\"", "\"name\":\"tail\""),
             { if case .tensorMismatch(_, "head", _, 0) = $0 { return true }; return false }),
        ]
        for (name, text, ok) in cases {
            let e = error(crafted(json: text, payload: p))
            #expect(ok(e), "\(name): \(String(describing: e))")
            if let e { #expect(e.description.hasPrefix(Self.path), "\(name)") }
        }
    }

    @Test func modelWhereACheckpointIsExpectedAndCheckpointWithoutOptimizerState() throws {
        let folder = NSTemporaryDirectory() + "dsac-catalogue-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let n = try ModelFileTests.network()
        try n.save(folder + "/model")
        #expect(throws: TrainingError.modelFile(.wrongKind(path: folder + "/model", found: "model", expected: "checkpoint"))) {
            _ = try InitTrainer.readCheckpoint(folder + "/model", stage: "init", fingerprint: "x")
        }
        let training = ModelFile.TrainingState(stage: "init", iteration: 3, optimizer: .adam, optimizerStep: 3,
                                               fingerprint: "f")
        try n.modelFile(kind: "checkpoint", training: training).write(to: folder + "/ckpt")
        let e: TrainingError?
        do {
            _ = try InitTrainer.readCheckpoint(folder + "/ckpt", stage: "init", fingerprint: "f")
            e = nil
        } catch { e = error }
        guard case .modelFile(.tensorMismatch(let p, _, _, _)) = e else { Issue.record("\(String(describing: e))"); return }
        #expect(p == folder + "/ckpt")
        #expect(throws: TrainingError.self) {
            _ = try InitTrainer.readCheckpoint(folder + "/ckpt", stage: "e2e", fingerprint: "f")
        }
    }

    @Test func emptyFileAndDirectoryInsteadOfAFile() throws {
        let folder = NSTemporaryDirectory() + "dsac-catalogue-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        FileManager.default.createFile(atPath: folder + "/empty", contents: Data())
        #expect(throws: TrainingError.modelFile(.notAModelFile(path: folder + "/empty"))) {
            _ = try SceneCoordinateNetwork.load(folder + "/empty")
        }
        #expect(throws: TrainingError.self) { _ = try SceneCoordinateNetwork.load(folder) }
        // Writing into a folder that does not exist is a typed error, and leaves nothing behind.
        #expect(throws: TrainingError.self) { try ModelFileTests.network().save(folder + "/missing/model") }
    }
}
