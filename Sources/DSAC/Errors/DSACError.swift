/// Every error the DSAC library throws. Each case carries a message that says what was wrong and where.
public enum DSACError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A buffer is empty or its length disagrees with another.
    case invalidBuffer(String)
    /// Intrinsics are non-finite or a focal length is not positive.
    case invalidIntrinsics(String)
    /// An option is out of range.
    case invalidOptions(String)
    /// A pose holds a non-finite value or a non-rotation.
    case invalidPose(String)
    /// Fewer usable (finite) correspondences than the minimal solver needs.
    case tooFewCorrespondences(usable: Int, needed: Int)
    /// No minimal set gave a valid hypothesis within the retry budget.
    case noValidHypothesis(tries: Int)
    /// Refinement or a linear system failed numerically.
    case numericalFailure(String)
    /// The kernels reported an unexpected internal failure.
    case kernelFailure(String)

    public var description: String {
        switch self {
        case .invalidBuffer(let m): return "invalid buffer: \(m)"
        case .invalidIntrinsics(let m): return "invalid intrinsics: \(m)"
        case .invalidOptions(let m): return "invalid options: \(m)"
        case .invalidPose(let m): return "invalid pose: \(m)"
        case .tooFewCorrespondences(let usable, let needed):
            return "too few usable correspondences: \(usable) finite, at least \(needed) needed"
        case .noValidHypothesis(let tries):
            return "no valid hypothesis: \(tries) minimal sets tried, none was consistent"
        case .numericalFailure(let m): return "numerical failure: \(m)"
        case .kernelFailure(let m): return "kernel failure: \(m)"
        }
    }
}
