import DSAC
import Foundation

/// The original DSAC's learned score function, sized for the CPU (Brachmann et al., CVPR 2017, §3 and spec §1.5):
/// a small CNN over the G×G image of clamped reprojection errors of a fixed grid of correspondences, output one
/// unscaled score u (trained to regress −max(∠°, Δt cm) / 10; the hypothesis score is s = α·u).
///
/// Input normalisation: x = (min(r, clamp) − shift) / scale, r in pixels (DSAC: clamp 100 px, shift 45).
/// Layers (G = 16): 3×3 conv 1→16, 3×3/2 16→32, 3×3/2 32→32, (G/4)×(G/4) valid 32→64, 1×1 64→1 (linear);
/// ReLU after all but the last: ≈ 47 k parameters, ≈ 1 MFLOP per hypothesis (DSAC's: 40×40 input, 6.3 M parameters).
public struct ScoreCNNConfig: Sendable, Hashable, Codable {
    /// G: the error image is G×G (a multiple of 4; DSAC: 40).
    public var grid: Int = 16
    public var widths: [Int] = [16, 32, 32, 64]
    /// Reprojection errors are clamped at this (px) and normalised as (r − shift) / scale.
    public var clamp: Double = 100
    public var shift: Double = 45
    public var scale: Double = 45

    public init() {}

    public func validate() throws(TrainingError) {
        guard grid >= 4, grid % 4 == 0, grid <= 128 else { throw .invalidArgument("score grid must be 4...128, ×4") }
        guard widths.count == 4, widths.allSatisfy({ (1...1024).contains($0) }) else {
            throw .invalidArgument("score CNN needs 4 widths in 1...1024")
        }
        guard clamp > 0, scale > 0, clamp.isFinite, shift.isFinite, scale.isFinite else {
            throw .invalidArgument("score CNN clamp and scale must be positive")
        }
    }
}

public struct ScoreCNN: Sendable {
    public let config: ScoreCNNConfig
    public let layers: [Conv2D]
    public var parameters: [Float]

    public init(config: ScoreCNNConfig = ScoreCNNConfig(), seed: UInt64) throws(TrainingError) {
        try config.validate()
        self.config = config
        let w = config.widths
        let specs = [
            ConvSpec(1, w[0], kernel: 3), ConvSpec(w[0], w[1], kernel: 3, stride: 2),
            ConvSpec(w[1], w[2], kernel: 3, stride: 2), ConvSpec(w[2], w[3], kernel: config.grid / 4, padding: 0),
            ConvSpec(w[3], 1, kernel: 1, relu: false),
        ]
        var offset = 0
        var layers: [Conv2D] = []
        for s in specs {
            layers.append(Conv2D(s, offset: offset))
            offset += s.parameterCount
        }
        self.layers = layers
        parameters = [Float](repeating: 0, count: offset)
        Initialization.fill(layers, into: &parameters, seed: seed)
    }

    public var parameterCount: Int { parameters.count }

    /// Inputs and outputs of every layer of one forward pass.
    public struct Activations: Sendable {
        public var input: FeatureMap
        public var outputs: [FeatureMap]
        public var score: Double { Double(outputs.last!.values[0]) }
    }

    /// u for one normalised G×G error image (1 × G × G).
    public func forward(_ image: FeatureMap, threads: Int = 1) throws(TrainingError) -> Activations {
        guard image.channels == 1, image.height == config.grid, image.width == config.grid else {
            throw .invalidArgument("score CNN input must be 1×\(config.grid)×\(config.grid)")
        }
        var outputs: [FeatureMap] = []
        var x = image
        for layer in layers {
            x = try layer.forward(x, parameters: parameters, threads: threads)
            outputs.append(x)
        }
        return Activations(input: image, outputs: outputs)
    }

    /// Adds du/dθ · `dScore` into `gradient` (parameterCount) and returns dL/d(input image) = du/dx · dScore.
    public func backward(_ a: Activations, dScore: Float, gradient: inout [Float], threads: Int = 1)
        throws(TrainingError) -> FeatureMap
    {
        var g = [dScore]
        var dx: FeatureMap?
        for k in stride(from: layers.count - 1, through: 0, by: -1) {
            let input = k == 0 ? a.input : a.outputs[k - 1]
            dx = try layers[k].backward(input: input, output: a.outputs[k], gradient: &g, parameters: parameters,
                                        parameterGradient: &gradient, wantInput: true, threads: threads)
            g = dx!.values
        }
        return dx!
    }
}
