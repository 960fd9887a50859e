import DSAC
import Foundation

/// The on-disk format of models and checkpoints (format version 1), little-endian:
///
///     offset        size  content
///     0             8     magic "DSACMODL"
///     8             4     u32 format version (1)
///     12            4     u32 H: length of the JSON header
///     16            H     JSON header (UTF-8): kind ("model" | "checkpoint"), architecture, scene mean, tensor table
///                         (name and float count, in payload order), metadata, training state (checkpoints)
///     16+H          8     u64 P: payload length in bytes (4 × total floats)
///     24+H          P     float32 tensors, concatenated in table order
///     24+H+P        4     u32 CRC-32 (IEEE, zlib's) of every byte before it
///
/// Readers check, in order: size, magic, version, the sizes the header promises (truncation), the CRC-32
/// (corruption), then the JSON and every tensor's size against the architecture; each failure is its own
/// `ModelFileError` case naming the file. Writers write a temporary file beside the target, flush it to disk and
/// rename it over the target, so a killed writer never leaves a half-written model.
public struct ModelFile: Sendable {
    public static let magic = Array("DSACMODL".utf8)
    public static let version: UInt32 = 1

    public struct Header: Codable, Sendable, Equatable {
        public var kind: String
        public var config: NetworkConfig
        public var sceneMean: [Float]
        public var tensors: [TensorEntry]
        public var metadata: [String: String]
        public var training: TrainingState?
    }

    public struct TensorEntry: Codable, Sendable, Equatable {
        public var name: String
        public var count: Int
    }

    /// What a checkpoint needs beyond the network to continue exactly.
    public struct TrainingState: Codable, Sendable, Equatable {
        public var stage: String
        /// Iterations completed.
        public var iteration: Int
        public var optimizer: OptimizerKind
        public var optimizerStep: Int
        /// A digest of every option that changes the result: resuming with different options is refused.
        public var fingerprint: String
    }

    public var header: Header
    public var tensors: [String: [Float]]

    public init(header: Header, tensors: [String: [Float]]) {
        self.header = header
        self.tensors = tensors
    }

    // MARK: Encoding

    public func encoded() throws(TrainingError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json: Data
        do { json = try encoder.encode(header) } catch {
            throw .invalidArgument("model header does not encode: \(error)")
        }
        var bytes = Self.magic
        append(&bytes, Self.version)
        append(&bytes, UInt32(json.count))
        bytes += json
        var payload = 0
        for t in header.tensors {
            guard let values = tensors[t.name], values.count == t.count else {
                throw .invalidArgument("tensor '\(t.name)' is missing or disagrees with the header")
            }
            payload += 4 * values.count
        }
        append(&bytes, UInt64(payload))
        bytes.reserveCapacity(bytes.count + payload + 4)
        for t in header.tensors {
            tensors[t.name]!.withUnsafeBytes { raw in
                // float32 little-endian (every platform Swift supports for this package is little-endian).
                bytes.append(contentsOf: raw)
            }
        }
        append(&bytes, CRC32.checksum(bytes))
        return bytes
    }

    /// Writes atomically: `<path>.tmp-<pid>` in the same folder, fsync, rename over `path`.
    public func write(to path: String) throws(TrainingError) {
        let bytes = try encoded()
        let tmp = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .modelFile(.unwritable(path: path, reason: String(cString: strerror(errno)))) }
        var ok = bytes.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        let reason = String(cString: strerror(errno))
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw .modelFile(.unwritable(path: path, reason: reason))
        }
    }

    /// Removes the temporaries `write(to: path)` leaves when its process is killed mid-write
    /// (`<path>.tmp-<pid>`, never renamed over `path`). Call before resuming and after finishing.
    public static func removeTemporaries(of path: String) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path, prefix = url.lastPathComponent + ".tmp-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where name.hasPrefix(prefix) && name.dropFirst(prefix.count).allSatisfy(\.isNumber) {
            unlink(folder + "/" + name)
        }
    }

    // MARK: Decoding

    public static func read(_ path: String) throws(TrainingError) -> ModelFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission or I/O error" : "no such file"
            throw .modelFile(.unreadable(path: path, reason: reason))
        }
        return try decode([UInt8](data), path: path)
    }

    public static func decode(_ bytes: [UInt8], path: String) throws(TrainingError) -> ModelFile {
        func fail(_ e: ModelFileError) -> TrainingError { .modelFile(e) }
        guard bytes.count >= 8 else {
            if bytes.isEmpty || !magic.starts(with: bytes) { throw fail(.notAModelFile(path: path)) }
            throw fail(.truncated(path: path, expectedBytes: 28, actualBytes: bytes.count))
        }
        guard Array(bytes[0..<8]) == magic else { throw fail(.notAModelFile(path: path)) }
        guard bytes.count >= 16 else { throw fail(.truncated(path: path, expectedBytes: 28, actualBytes: bytes.count)) }
        let version: UInt32 = read(bytes, 8)
        guard version == Self.version else {
            throw fail(.unsupportedVersion(path: path, found: version, supported: Self.version))
        }
        let h = Int(read(bytes, 12) as UInt32)
        guard bytes.count >= 24 + h else {
            throw fail(.truncated(path: path, expectedBytes: 28 + h, actualBytes: bytes.count))
        }
        let p64: UInt64 = read(bytes, 16 + h)
        guard p64 < UInt64(Int.max / 2) else {
            throw fail(.malformedHeader(path: path, reason: "payload length \(p64) is impossible"))
        }
        let p = Int(p64)
        let total = 28 + h + p
        guard bytes.count >= total else {
            throw fail(.truncated(path: path, expectedBytes: total, actualBytes: bytes.count))
        }
        guard bytes.count == total else {
            throw fail(.malformedHeader(path: path, reason: "\(bytes.count - total) bytes after the checksum"))
        }
        let stored: UInt32 = read(bytes, total - 4)
        let computed = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<(total - 4)])) }
        guard stored == computed else {
            throw fail(.checksumMismatch(path: path, stored: stored, computed: computed))
        }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + h)])) } catch {
            throw fail(.malformedHeader(path: path, reason: "the JSON header does not decode (\(error))"))
        }
        // Summed with overflow checks: a crafted table (valid CRC) must not trap.
        var floats = 0
        for t in header.tensors {
            let (sum, overflow) = floats.addingReportingOverflow(t.count)
            guard t.count >= 0, !overflow, sum <= p / 4 else { floats = -1; break }
            floats = sum
        }
        guard floats >= 0, floats * 4 == p else {
            throw fail(.malformedHeader(path: path, reason: "the tensor table does not add up to the payload (\(p) bytes)"))
        }
        var tensors: [String: [Float]] = [:]
        var offset = 24 + h
        for t in header.tensors {
            var values = [Float](repeating: 0, count: t.count)
            values.withUnsafeMutableBytes { dst in
                bytes.withUnsafeBytes { src in
                    dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<(offset + 4 * t.count)]))
                }
            }
            tensors[t.name] = values
            offset += 4 * t.count
        }
        return ModelFile(header: header, tensors: tensors)
    }

    private static func read<T: FixedWidthInteger>(_ bytes: [UInt8], _ offset: Int) -> T {
        var v: T = 0
        for k in 0..<(T.bitWidth / 8) { v |= T(bytes[offset + k]) << (8 * k) }
        return v
    }

    private func append<T: FixedWidthInteger>(_ bytes: inout [UInt8], _ v: T) {
        for k in 0..<(T.bitWidth / 8) { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * k))) }
    }
}

extension SceneCoordinateNetwork {
    /// The network as a model file (kind "model"), with free-form metadata (stage, data set, iterations...).
    public func modelFile(kind: String = "model", metadata: [String: String] = [:],
                          training: ModelFile.TrainingState? = nil, extra: [(String, [Float])] = [])
        -> ModelFile
    {
        var list: [(String, [Float])] = [("encoder", encoder.parameters), ("head", head.parameters),
                                         ("feature_mean", featureMean), ("feature_scale", featureScale)]
        list += memory.map(Self.memoryTensors) ?? []
        list += extra
        var metadata = metadata
        if let memory { metadata["memory_probes"] = String(memory.probes) }
        let header = ModelFile.Header(kind: kind, config: config, sceneMean: [sceneMean.x, sceneMean.y, sceneMean.z],
                                      tensors: list.map { .init(name: $0.0, count: $0.1.count) }, metadata: metadata,
                                      training: training)
        return ModelFile(header: header, tensors: Dictionary(uniqueKeysWithValues: list))
    }

    /// The network stored in a model or checkpoint file, every tensor checked against the architecture.
    public init(_ file: ModelFile, path: String) throws(TrainingError) {
        let h = file.header
        do { try self.init(config: h.config) } catch {
            throw .modelFile(.malformedHeader(path: path, reason: "architecture: \(error)"))
        }
        guard h.sceneMean.count == 3, h.sceneMean.allSatisfy(\.isFinite) else {
            throw .modelFile(.malformedHeader(path: path, reason: "sceneMean must hold 3 finite values"))
        }
        sceneMean = SIMD3(h.sceneMean[0], h.sceneMean[1], h.sceneMean[2])
        func tensor(_ name: String, _ count: Int) throws(TrainingError) -> [Float] {
            guard let t = file.tensors[name] else {
                throw .modelFile(.tensorMismatch(path: path, tensor: name, expected: count, found: 0))
            }
            guard t.count == count else {
                throw .modelFile(.tensorMismatch(path: path, tensor: name, expected: count, found: t.count))
            }
            return t
        }
        encoder.parameters = try tensor("encoder", encoder.parameterCount)
        head.parameters = try tensor("head", head.parameterCount)
        featureMean = try tensor("feature_mean", config.featureChannels)
        featureScale = try tensor("feature_scale", config.featureChannels)
        if file.tensors["memory_values"] != nil { memory = try Self.memory(file, path: path) }
    }

    /// The memory head as tensors; integer offsets as float32 (exact below 2²⁴ entries, checked on reading).
    static func memoryTensors(_ m: SceneMemory) -> [(String, [Float])] {
        [("memory_center", m.featureCenter), ("memory_projection", m.projection), ("memory_centroids", m.centroids),
         ("memory_offsets", m.offsets.map { Float($0) }), ("memory_keys", m.keys), ("memory_values", m.values)]
    }

    static let maxMemoryEntries = 1 << 24

    static func memory(_ file: ModelFile, path: String) throws(TrainingError) -> SceneMemory {
        func bad(_ reason: String) -> TrainingError { .modelFile(.malformedHeader(path: path, reason: reason)) }
        let t = file.tensors, D = file.header.config.featureChannels
        guard let center = t["memory_center"], let projection = t["memory_projection"],
              let centroids = t["memory_centroids"], let offsets = t["memory_offsets"], let keys = t["memory_keys"],
              let values = t["memory_values"]
        else { throw bad("the memory head needs memory_center, _projection, _centroids, _offsets, _keys, _values") }
        guard center.count == D, projection.count % D == 0, projection.count > 0 else {
            throw .modelFile(.tensorMismatch(path: path, tensor: "memory_projection", expected: D,
                                             found: projection.count))
        }
        guard offsets.allSatisfy({ $0 >= 0 && $0 <= Float(maxMemoryEntries) && $0.rounded() == $0 }) else {
            throw bad("memory_offsets must hold whole numbers in 0...\(maxMemoryEntries)")
        }
        guard let probes = file.header.metadata["memory_probes"].flatMap({ Int($0) }) else {
            throw bad("metadata memory_probes (a whole number) is missing")
        }
        do {
            return try SceneMemory(featureDimension: D, keyDimension: projection.count / D, featureCenter: center,
                                   projection: projection, centroids: centroids, offsets: offsets.map { Int64($0) },
                                   keys: keys, values: values, probes: probes)
        } catch { throw bad("\(error)") }
    }

    /// Reads a model file (a checkpoint works too: its network is used).
    public static func load(_ path: String) throws(TrainingError) -> SceneCoordinateNetwork {
        try SceneCoordinateNetwork(ModelFile.read(path), path: path)
    }

    public func save(_ path: String, metadata: [String: String] = [:]) throws(TrainingError) {
        try modelFile(metadata: metadata).write(to: path)
    }
}
