/// Every error DSACData throws. Each case names the file, where in it (line, field) when that applies, and what
/// was expected, so `dsac dataset check` can print it as it is.
public enum DataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file the layout requires is not there.
    case missingFile(path: String, expected: String)
    /// A file exists but could not be read (permissions, I/O).
    case unreadableFile(path: String, reason: String)
    /// A number could not be parsed. `line` and `field` count from 1.
    case malformedNumber(path: String, line: Int, field: Int, text: String, expected: String)
    /// A number parsed but is NaN or infinite where a finite value is required.
    case nonFiniteNumber(path: String, line: Int, field: Int, text: String)
    /// A line or file holds the wrong number of values.
    case wrongFieldCount(path: String, line: Int, found: Int, expected: String)
    /// A pose's 3×3 block is not a rotation (not orthonormal, or a reflection), or its last row is not 0 0 0 1.
    case notARotation(path: String, detail: String)
    /// An image file could not be decoded, or is truncated.
    case badImage(path: String, reason: String)
    /// An image decoded to the wrong size.
    case wrongImageSize(path: String, width: Int, height: Int, expectedWidth: Int, expectedHeight: Int)
    /// An image has the wrong bit depth (e.g. 8-bit where 16-bit depth in millimetres is expected).
    case wrongBitDepth(path: String, found: Int, expected: Int)
    /// An image has an unexpected number of channels.
    case wrongChannelCount(path: String, found: Int, expected: String)
    /// The folder matches no supported layout.
    case unknownLayout(path: String, reason: String)
    /// Files that must correspond do not (counts differ, a name has no partner, a split is empty...).
    case inconsistent(path: String, reason: String)
    /// A file in a known but unsupported format (e.g. DSAC*'s torch-saved `init/` tensors).
    case unsupported(path: String, reason: String)
    /// Writing a file failed.
    case writeFailed(path: String, reason: String)
    /// An argument or option is out of range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .missingFile(path, expected):
            return "\(path): missing file (expected \(expected))"
        case let .unreadableFile(path, reason):
            return "\(path): cannot read: \(reason)"
        case let .malformedNumber(path, line, field, text, expected):
            return "\(path): line \(line), field \(field): '\(text)' is not a number (expected \(expected))"
        case let .nonFiniteNumber(path, line, field, text):
            return "\(path): line \(line), field \(field): '\(text)' is not finite (expected a finite number)"
        case let .wrongFieldCount(path, line, found, expected):
            return line > 0
                ? "\(path): line \(line): \(found) values (expected \(expected))"
                : "\(path): \(found) values (expected \(expected))"
        case let .notARotation(path, detail):
            return "\(path): not a rigid transform: \(detail)"
        case let .badImage(path, reason):
            return "\(path): bad image: \(reason)"
        case let .wrongImageSize(path, w, h, ew, eh):
            return "\(path): image is \(w)×\(h) (expected \(ew)×\(eh))"
        case let .wrongBitDepth(path, found, expected):
            return "\(path): \(found)-bit image (expected \(expected)-bit)"
        case let .wrongChannelCount(path, found, expected):
            return "\(path): \(found) channels (expected \(expected))"
        case let .unknownLayout(path, reason):
            return "\(path): unknown data set layout: \(reason)"
        case let .inconsistent(path, reason):
            return "\(path): \(reason)"
        case let .unsupported(path, reason):
            return "\(path): unsupported: \(reason)"
        case let .writeFailed(path, reason):
            return "\(path): cannot write: \(reason)"
        case let .invalidArgument(message):
            return "invalid argument: \(message)"
        }
    }

    /// The file the error is about, when there is one.
    public var path: String? {
        switch self {
        case let .missingFile(p, _), let .unreadableFile(p, _), let .malformedNumber(p, _, _, _, _),
             let .nonFiniteNumber(p, _, _, _), let .wrongFieldCount(p, _, _, _), let .notARotation(p, _),
             let .badImage(p, _), let .wrongImageSize(p, _, _, _, _), let .wrongBitDepth(p, _, _),
             let .wrongChannelCount(p, _, _), let .unknownLayout(p, _), let .inconsistent(p, _),
             let .unsupported(p, _), let .writeFailed(p, _):
            return p
        case .invalidArgument:
            return nil
        }
    }
}
