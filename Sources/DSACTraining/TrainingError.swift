import DSAC
import DSACData

/// Every error DSACTraining throws. Each case says what was wrong and where.
public enum TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An argument or option is out of range.
    case invalidArgument(String)
    /// A network kernel rejected its input (shape, pointer) or failed.
    case kernel(String)
    /// A model or checkpoint file is unusable; the case names the file and what is wrong with it.
    case modelFile(ModelFileError)
    /// Loading a frame failed.
    case data(DataError)
    /// The geometry (localizer, differentiable layer) failed.
    case geometry(DSACError)
    /// Training diverged (a non-finite loss or parameter).
    case diverged(String)

    public var description: String {
        switch self {
        case .invalidArgument(let m): return "invalid argument: \(m)"
        case .kernel(let m): return "network kernel: \(m)"
        case .modelFile(let e): return e.description
        case .data(let e): return e.description
        case .geometry(let e): return e.description
        case .diverged(let m): return "training diverged: \(m)"
        }
    }
}

/// What is wrong with a model or checkpoint file.
public enum ModelFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    /// The first bytes are not the DSAC model magic.
    case notAModelFile(path: String)
    /// A format version this build does not read.
    case unsupportedVersion(path: String, found: UInt32, supported: UInt32)
    /// The file ends before the sizes in its header say it should.
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// The stored CRC-32 disagrees with the bytes: the file was corrupted.
    case checksumMismatch(path: String, stored: UInt32, computed: UInt32)
    /// The JSON header does not decode, or disagrees with the payload.
    case malformedHeader(path: String, reason: String)
    /// A tensor is missing or has the wrong size for the architecture in the header.
    case tensorMismatch(path: String, tensor: String, expected: Int, found: Int)
    /// A model where a checkpoint is expected, or the reverse.
    case wrongKind(path: String, found: String, expected: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): return "\(p): cannot read the model file (\(r))"
        case .unwritable(let p, let r): return "\(p): cannot write the model file (\(r))"
        case .notAModelFile(let p): return "\(p): not a DSAC model file (bad magic bytes)"
        case .unsupportedVersion(let p, let f, let s):
            return "\(p): model format version \(f) is not supported (this build reads version \(s))"
        case .truncated(let p, let e, let a): return "\(p): truncated model file: \(a) bytes, the header promises \(e)"
        case .checksumMismatch(let p, let s, let c):
            return String(format: "%@: corrupted model file: stored CRC-32 %08x, computed %08x", p, s, c)
        case .malformedHeader(let p, let r): return "\(p): malformed model header: \(r)"
        case .tensorMismatch(let p, let t, let e, let f):
            return "\(p): tensor '\(t)' holds \(f) values, the architecture needs \(e)"
        case .wrongKind(let p, let f, let e): return "\(p): this is a \(f) file, expected a \(e) file"
        }
    }
}
