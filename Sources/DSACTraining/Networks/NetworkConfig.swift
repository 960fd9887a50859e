/// The architecture of a scene-coordinate network (stored in model files; defaults in one place).
///
/// Encoder (scene-agnostic, kept fixed by the init stage, as ACE does): six 3×3 convolutions with ReLU,
///   E1 s2 → E2 s2 → E3 s2 (stride 8) → E4 s2 (stride 16) → E5 s2 (stride 32) → E6 s1 (stride 32),
/// features = concat(E3, up×2(E4), up×4(E6)) at stride 8: receptive fields 15, 31 and 127 pixels side by side.
/// Head (per scene, trained): 1×1 convolutions D → W (ReLU), `headBlocks` residual blocks
/// [W → W (ReLU) → W, + skip, ReLU], W → 3: the coordinate relative to the scene mean (as DSAC*).
public struct NetworkConfig: Sendable, Hashable, Codable {
    /// 3: RGB; 1: grey (DSAC*).
    public var inputChannels: Int
    /// Output channels of E1…E6.
    public var encoderWidths: [Int]
    public var headWidth: Int
    public var headBlocks: Int
    /// Seed of the encoder's weight initialisation (He normal).
    public var encoderSeed: UInt64

    public init(inputChannels: Int = 3, encoderWidths: [Int] = [16, 32, 64, 64, 64, 64], headWidth: Int = 128,
                headBlocks: Int = 1, encoderSeed: UInt64 = 0xD5AC) {
        self.inputChannels = inputChannels
        self.encoderWidths = encoderWidths
        self.headWidth = headWidth
        self.headBlocks = headBlocks
        self.encoderSeed = encoderSeed
    }

    /// The default, sized for 2 CPU cores.
    public static let `default` = NetworkConfig()
    /// A very small network for tests.
    public static let tiny = NetworkConfig(encoderWidths: [4, 6, 8, 8, 8, 8], headWidth: 16, headBlocks: 1)

    public static let outputStride = 8

    public var featureChannels: Int { encoderWidths[2] + encoderWidths[3] + encoderWidths[5] }

    public func validate() throws(TrainingError) {
        guard inputChannels == 1 || inputChannels == 3 else {
            throw .invalidArgument("inputChannels must be 1 or 3, got \(inputChannels)")
        }
        guard encoderWidths.count == 6, encoderWidths.allSatisfy({ (1...1024).contains($0) }) else {
            throw .invalidArgument("encoderWidths must hold 6 widths in 1...1024, got \(encoderWidths)")
        }
        guard (1...4096).contains(headWidth), (0...16).contains(headBlocks) else {
            throw .invalidArgument("headWidth must be in 1...4096 and headBlocks in 0...16")
        }
    }

    var encoderSpecs: [ConvSpec] {
        let w = encoderWidths
        return [
            ConvSpec(inputChannels, w[0], kernel: 3, stride: 2), ConvSpec(w[0], w[1], kernel: 3, stride: 2),
            ConvSpec(w[1], w[2], kernel: 3, stride: 2), ConvSpec(w[2], w[3], kernel: 3, stride: 2),
            ConvSpec(w[3], w[4], kernel: 3, stride: 2), ConvSpec(w[4], w[5], kernel: 3, stride: 1),
        ]
    }

    var headSpecs: [ConvSpec] {
        var specs = [ConvSpec(featureChannels, headWidth)]
        for _ in 0..<headBlocks {
            specs.append(ConvSpec(headWidth, headWidth))
            specs.append(ConvSpec(headWidth, headWidth, relu: false))
        }
        specs.append(ConvSpec(headWidth, 3, relu: false))
        return specs
    }
}
