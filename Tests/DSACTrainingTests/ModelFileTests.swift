import DSAC
import Foundation
import Testing

@testable import DSACTraining

@Suite struct ModelFileTests {
    static func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "dsactraining-\(UUID().uuidString)-\(name)"
    }

    static func network() throws -> SceneCoordinateNetwork {
        var n = try SceneCoordinateNetwork(config: .tiny, headSeed: 5)
        n.sceneMean = SIMD3(1, -2, 0.5)
        n.featureMean = (0..<n.config.featureChannels).map { Float($0) * 0.1 }
        return n
    }

    @Test func roundTripKeepsEveryBit() throws {
        let path = Self.temporaryPath("model")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let n = try Self.network()
        try n.save(path, metadata: ["stage": "init"])
        let m = try SceneCoordinateNetwork.load(path)
        #expect(m.encoder.parameters == n.encoder.parameters)
        #expect(m.head.parameters == n.head.parameters)
        #expect(m.featureMean == n.featureMean && m.featureScale == n.featureScale)
        #expect(m.sceneMean == n.sceneMean && m.config == n.config)
        // No temporary file is left beside it.
        let dir = (path as NSString).deletingLastPathComponent
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir)
            .filter { $0.hasPrefix((path as NSString).lastPathComponent + ".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func corruptionTruncationAndForeignFilesAreNamed() throws {
        let bytes = try Self.network().modelFile().encoded()
        func error(_ b: [UInt8]) -> ModelFileError? {
            do {
                _ = try ModelFile.decode(b, path: "m.dsacmodel")
                return nil
            } catch {
                if case .modelFile(let e) = error { return e }
                return nil
            }
        }
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x40
        guard case .checksumMismatch = error(flipped) else { Issue.record("flipped byte: \(String(describing: error(flipped)))"); return }
        guard case .truncated(_, let expected, let actual) = error(Array(bytes.prefix(bytes.count - 100))) else {
            Issue.record("truncated file not reported as truncated")
            return
        }
        #expect(expected == bytes.count && actual == bytes.count - 100)
        guard case .truncated = error(Array(bytes.prefix(12))) else { Issue.record("12 bytes"); return }
        guard case .notAModelFile = error(Array("hello, world, not a model".utf8)) else { Issue.record("magic"); return }
        var future = bytes
        future[8] = 9
        guard case .unsupportedVersion(_, 9, 1) = error(future) else { Issue.record("version"); return }
        guard case .malformedHeader = error(bytes + [0]) else { Issue.record("trailing byte"); return }
        #expect(error(bytes) == nil)
        // The message names the file.
        #expect(TrainingError.modelFile(error(flipped)!).description.contains("m.dsacmodel"))
    }

    @Test func tensorOfTheWrongSizeIsRefused() throws {
        var file = try Self.network().modelFile()
        file.tensors["head"]!.removeLast()
        file.header.tensors = file.header.tensors.map { $0.name == "head" ? .init(name: "head", count: $0.count - 1) : $0 }
        let decoded = try ModelFile.decode(try file.encoded(), path: "x")
        #expect(throws: TrainingError.self) { try SceneCoordinateNetwork(decoded, path: "x") }
    }

    static func networkWithMemory() throws -> SceneCoordinateNetwork {
        var n = try network()
        let D = n.config.featureChannels, count = 300
        let vectors = (0..<(count * D)).map { Float(($0 * 7919) % 101) / 50 - 1 }
        let coordinates = (0..<(count * 3)).map { Float($0 % 13) * 0.25 }
        var o = SceneMemoryOptions()
        o.keyDimension = 6
        o.lists = 8
        o.probes = 2
        n.memory = try SceneMemory.build(vectors: vectors, dimension: D, coordinates: coordinates, options: o, threads: 1)
        return n
    }

    @Test func memoryHeadRoundTripsAndAnswersTheSame() throws {
        let path = Self.temporaryPath("memory")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let n = try Self.networkWithMemory()
        try n.save(path, metadata: ["stage": "memory"])
        let m = try SceneCoordinateNetwork.load(path)
        #expect(m.memory == n.memory && m.memory?.probes == 2)
        var f = FeatureMap(channels: n.config.featureChannels, height: 3, width: 4)
        for i in f.values.indices { f.values[i] = Float((i * 31) % 17) / 8 - 1 }
        #expect(try m.coordinates(standardized: f, threads: 1).values == n.coordinates(standardized: f, threads: 1).values)
    }

    @Test func aDamagedMemoryHeadIsRefusedWithItsReason() throws {
        let good = try Self.networkWithMemory().modelFile()
        func reason(_ edit: (inout ModelFile) -> Void) throws -> String? {
            var file = good
            edit(&file)
            file.header.tensors = file.header.tensors.map { .init(name: $0.name, count: file.tensors[$0.name]!.count) }
            let decoded = try ModelFile.decode(try file.encoded(), path: "mem.dsacmodel")
            do { _ = try SceneCoordinateNetwork(decoded, path: "mem.dsacmodel") } catch { return "\(error)" }
            return nil
        }
        #expect(try reason { _ in } == nil)
        #expect(try reason { $0.tensors["memory_offsets"]![3] = 2.5 }?.contains("memory_offsets") == true)
        #expect(try reason { $0.tensors["memory_values"]![0] = .nan }?.contains("non-finite") == true)
        #expect(try reason { $0.header.metadata["memory_probes"] = nil }?.contains("memory_probes") == true)
        #expect(try reason { $0.header.metadata["memory_probes"] = "99" }?.contains("probes") == true)
        #expect(try reason { $0.tensors["memory_keys"]!.removeLast() }?.contains("offsets") == true)
    }

    @Test func missingFileIsUnreadable() {
        #expect(throws: TrainingError.modelFile(.unreadable(path: "/nonexistent/m", reason: "no such file"))) {
            try SceneCoordinateNetwork.load("/nonexistent/m")
        }
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
