import Foundation

/// Reader and writer of "DSACPNP1" problem files (the format of ../shared/peers/peers_bench.py), all
/// little-endian, no padding:
///
///     0     8   magic "DSACPNP1"          12   4  uint32 N
///     8     4   uint32 version (1)        16  72  float64 K[3][3] row-major
///     88   72   float64 R[3][3]           160 24  float64 t[3]   (x_cam = R X + t)
///     184  8N   float32 (u, v) pixels     184+8N 12N float32 (X, Y, Z) metres
///     184+20N N uint8 inlier flags        total 184 + 21N bytes
public enum PnPProblemFile {
    public static let magic = Array("DSACPNP1".utf8)
    static let headerSize = 184

    public static func read(_ url: URL) throws(ProblemFileError) -> PnPProblem {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ProblemFileError(file: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        return try decode(data, file: url.path)
    }

    public static func decode(_ data: Data, file: String = "<memory>") throws(ProblemFileError) -> PnPProblem {
        let bytes = [UInt8](data)
        func fail(_ m: String) -> ProblemFileError { ProblemFileError(file: file, message: m) }
        guard bytes.count >= headerSize else {
            throw fail("file is \(bytes.count) bytes, shorter than the \(headerSize)-byte header")
        }
        guard Array(bytes[0..<8]) == magic else { throw fail("wrong magic: expected \"DSACPNP1\"") }
        var reader = LittleEndianReader(bytes: bytes, offset: 8)
        let version = reader.uint32()
        guard version == 1 else { throw fail("unsupported version \(version) (expected 1)") }
        let n = Int(reader.uint32())
        let expected = headerSize + 21 * n
        guard bytes.count == expected else {
            throw fail("N = \(n) needs \(expected) bytes, file has \(bytes.count)")
        }
        let k = (0..<9).map { _ in reader.float64() }
        let r = (0..<9).map { _ in reader.float64() }
        let t = (0..<3).map { _ in reader.float64() }
        guard k[1] == 0, k[3] == 0, k[6] == 0, k[7] == 0, k[8] == 1 else {
            throw fail("field K: expected a pinhole matrix [fx 0 cx; 0 fy cy; 0 0 1], got \(k)")
        }
        let intrinsics = Intrinsics(fx: k[0], fy: k[4], cx: k[2], cy: k[5])
        do { try intrinsics.validate() } catch { throw fail("field K: \(error)") }
        guard (r + t).allSatisfy(\.isFinite) else { throw fail("field R/t: non-finite ground-truth pose") }
        let rotation = Matrix3(rowMajor: r)
        guard rotation.orthonormalityError < 1e-6, rotation.determinant > 0 else {
            throw fail("field R: not a rotation matrix (|RᵀR − I| = \(rotation.orthonormalityError))")
        }
        var px = [Float](), py = [Float](), sx = [Float](), sy = [Float](), sz = [Float]()
        for _ in 0..<n {
            px.append(reader.float32())
            py.append(reader.float32())
        }
        for _ in 0..<n {
            sx.append(reader.float32())
            sy.append(reader.float32())
            sz.append(reader.float32())
        }
        let inlier = (0..<n).map { _ in reader.uint8() != 0 }
        let correspondences: Correspondences
        do {
            correspondences = try Correspondences(pixelX: px, pixelY: py, sceneX: sx, sceneY: sy, sceneZ: sz)
        } catch { throw fail("correspondences: \(error)") }
        return PnPProblem(
            correspondences: correspondences, intrinsics: intrinsics,
            camFromWorld: Pose(rotation: rotation, translation: SIMD3(t[0], t[1], t[2])), isInlier: inlier)
    }

    public static func encode(_ p: PnPProblem) -> Data {
        var out = [UInt8]()
        let c = p.correspondences
        out += magic
        append(&out, UInt32(1))
        append(&out, UInt32(c.count))
        let k = p.intrinsics
        for v in [k.fx, 0, k.cx, 0, k.fy, k.cy, 0, 0, 1] { append(&out, v.bitPattern) }
        for v in p.camFromWorld.rotation.rowMajor { append(&out, v.bitPattern) }
        let t = p.camFromWorld.translation
        for v in [t.x, t.y, t.z] { append(&out, v.bitPattern) }
        for i in 0..<c.count {
            append(&out, c.pixelX[i].bitPattern)
            append(&out, c.pixelY[i].bitPattern)
        }
        for i in 0..<c.count {
            append(&out, c.sceneX[i].bitPattern)
            append(&out, c.sceneY[i].bitPattern)
            append(&out, c.sceneZ[i].bitPattern)
        }
        for i in 0..<c.count { out.append(p.isInlier.isEmpty || p.isInlier[i] ? 1 : 0) }
        return Data(out)
    }

    /// Writes atomically: a temporary file in the same folder, then a rename.
    public static func write(_ p: PnPProblem, to url: URL) throws(ProblemFileError) {
        do { try encode(p).write(to: url, options: .atomic) } catch {
            throw ProblemFileError(file: url.path, message: "cannot write: \(error.localizedDescription)")
        }
    }

    private static func append<T: FixedWidthInteger>(_ out: inout [UInt8], _ v: T) {
        withUnsafeBytes(of: v.littleEndian) { out += $0 }
    }
}

/// A problem file that could not be read: which file, and what was wrong.
public struct ProblemFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }
}

struct LittleEndianReader {
    let bytes: [UInt8]
    var offset: Int

    mutating func uint8() -> UInt8 {
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint32() -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(bytes[offset + k]) << (8 * k) }
        offset += 4
        return v
    }

    mutating func uint64() -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[offset + k]) << (8 * k) }
        offset += 8
        return v
    }

    mutating func float32() -> Float { Float(bitPattern: uint32()) }
    mutating func float64() -> Double { Double(bitPattern: uint64()) }
}
