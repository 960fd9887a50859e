import DSAC
import DSACData
import Foundation

/// Options of the init stage (ACE's recipe on DSAC*'s loss); defaults in one place.
public struct InitTrainingOptions: Sendable, Hashable, Codable, FingerprintedOptions {
    public var config: NetworkConfig = .default
    /// Head updates.
    public var iterations: Int = 2000
    /// Buffered cells per update.
    public var batchSize: Int = 4096
    public var learningRate: Double = 1e-2
    public var optimizer: OptimizerKind = .adam
    /// `constant`, `cosine` or `step:EVERY:FACTOR`.
    public var schedule: String = "cosine"
    public var seed: UInt64 = 1
    /// Kernel threads and frame workers; the result does not depend on it.
    public var threads: Int = 2
    /// Cells kept in the feature buffer (ACE keeps 8 M on a GPU; 600 k × 192 floats is 460 MB).
    public var bufferSize: Int = 600_000
    /// Times each training frame is encoded into the buffer, each time with fresh augmentation.
    public var augmentationPasses: Int = 1
    /// Photometric augmentation: brightness and contrast factors drawn from [1 − a, 1 + a] (DSAC*: 0.1).
    public var brightness: Double = 0.1
    public var contrast: Double = 0.1
    /// Use at most this many training frames (evenly spaced); nil: all.
    public var maxFrames: Int?
    /// Images are resized to this height (DSAC*: 480).
    public var imageHeight: Int = 480
    public var loss = SceneCoordinateLossOptions()
    /// Where the encoder came from ("random": the config's seed; else the model file it was read from): part of
    /// the fingerprint, so a checkpoint resumes only onto the same encoder.
    public var encoderSource = "random"

    public init() {}

    public func validate() throws(TrainingError) {
        try config.validate()
        guard iterations >= 0 else { throw .invalidArgument("iterations must be ≥ 0, got \(iterations)") }
        guard (1...1_000_000).contains(batchSize) else { throw .invalidArgument("batch size must be in 1...1000000") }
        guard learningRate.isFinite, learningRate > 0 else { throw .invalidArgument("learning rate must be > 0") }
        guard (1...1024).contains(threads) else { throw .invalidArgument("threads must be in 1...1024") }
        guard bufferSize >= batchSize else { throw .invalidArgument("buffer size must be at least the batch size") }
        guard (1...64).contains(augmentationPasses) else { throw .invalidArgument("augmentation passes in 1...64") }
        guard (0..<1).contains(brightness), (0..<1).contains(contrast) else {
            throw .invalidArgument("brightness and contrast jitter must be in [0, 1)")
        }
        guard (8...4096).contains(imageHeight) else { throw .invalidArgument("image height must be in 8...4096") }
        _ = try LearningRateSchedule.parse(schedule, total: iterations)
    }

}

/// Options whose result does not depend on the thread count: checkpoints carry their fingerprint.
public protocol FingerprintedOptions: Encodable {
    var threads: Int { get set }
}

extension FingerprintedOptions {
    /// A digest of every option that changes the result (threads do not): a checkpoint resumes only under the
    /// same fingerprint.
    public var fingerprint: String {
        var copy = self
        copy.threads = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(format: "%08x", CRC32.checksum([UInt8]((try? encoder.encode(copy)) ?? Data())))
    }
}

/// Mixes a seed with an index (SplitMix64 finaliser): independent streams per frame and per iteration.
func mixSeed(_ seed: UInt64, _ index: UInt64) -> UInt64 {
    var z = seed &+ 0x9E37_79B9_7F4A_7C15 &* (index &+ 1)
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

func uniform(_ rng: inout SeededGenerator) -> Double { Double(rng.next() >> 11) * 0x1p-53 }
