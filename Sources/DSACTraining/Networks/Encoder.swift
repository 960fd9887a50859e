/// The scene-agnostic convolutional encoder: image (C × H × W, normalised) → features (D × ⌈H/8⌉ × ⌈W/8⌉).
/// See `NetworkConfig` for the layers. Its weights live in their own flat vector.
public struct Encoder: Sendable {
    public let config: NetworkConfig
    public let layers: [Conv2D]
    public var parameters: [Float]

    /// He-initialised from the config's encoder seed.
    public init(config: NetworkConfig) {
        let (layers, count) = Self.layout(config)
        var parameters = [Float](repeating: 0, count: count)
        Initialization.fill(layers, into: &parameters, seed: config.encoderSeed)
        self.config = config
        self.layers = layers
        self.parameters = parameters
    }

    /// An encoder of `config` with the given weights (e.g. pre-trained; the count must fit).
    init(config: NetworkConfig, parameters: [Float]) {
        let (layers, count) = Self.layout(config)
        precondition(parameters.count == count, "encoder weight count mismatch")
        self.config = config
        self.layers = layers
        self.parameters = parameters
    }

    /// The layers with their offsets in the flat weight vector, and its length.
    static func layout(_ config: NetworkConfig) -> (layers: [Conv2D], parameterCount: Int) {
        var offset = 0
        let layers = config.encoderSpecs.map { spec in
            defer { offset += spec.parameterCount }
            return Conv2D(spec, offset: offset)
        }
        return (layers, offset)
    }

    public var parameterCount: Int { parameters.count }

    /// Activations of every layer, kept for the backward pass.
    public struct Activations: Sendable {
        public var input: FeatureMap
        public var layers: [FeatureMap]
        public var features: FeatureMap
    }

    public func forward(_ image: FeatureMap, threads: Int) throws(TrainingError) -> Activations {
        var outs: [FeatureMap] = []
        var x = image
        for layer in layers {
            x = try layer.forward(x, parameters: parameters, threads: threads)
            outs.append(x)
        }
        let e3 = outs[2], h = e3.height, w = e3.width
        let up16 = try Upsample.forward(outs[3], factor: 2, height: h, width: w, threads: threads)
        let up32 = try Upsample.forward(outs[5], factor: 4, height: h, width: w, threads: threads)
        let features = FeatureMap(channels: e3.channels + up16.channels + up32.channels, height: h, width: w,
                                  values: e3.values + up16.values + up32.values)
        return Activations(input: image, layers: outs, features: features)
    }

    /// ADDS dL/d(encoder parameters) for dL/d(features) into `gradient` (the encoder's layout).
    public func backward(_ a: Activations, featureGradient: FeatureMap, gradient: inout [Float], threads: Int)
        throws(TrainingError)
    {
        let w = config.encoderWidths, plane = a.features.plane
        let g = featureGradient.values
        var g3 = Array(g[0..<(w[2] * plane)])
        let g16 = FeatureMap(channels: w[3], height: a.features.height, width: a.features.width,
                             values: Array(g[(w[2] * plane)..<((w[2] + w[3]) * plane)]))
        let g32 = FeatureMap(channels: w[5], height: a.features.height, width: a.features.width,
                             values: Array(g[((w[2] + w[3]) * plane)...]))
        var d5 = try Upsample.backward(g32, factor: 4, inputHeight: a.layers[5].height,
                                       inputWidth: a.layers[5].width, threads: threads).values
        var d3 = try Upsample.backward(g16, factor: 2, inputHeight: a.layers[3].height,
                                       inputWidth: a.layers[3].width, threads: threads).values
        // E6 → E5 → E4, whose input gradient joins the skip from the stride-16 branch.
        let d4in = try layers[5].backward(input: a.layers[4], output: a.layers[5], gradient: &d5,
                                          parameters: parameters, parameterGradient: &gradient, wantInput: true,
                                          threads: threads)!
        var d4 = d4in.values
        let d3b = try layers[4].backward(input: a.layers[3], output: a.layers[4], gradient: &d4,
                                         parameters: parameters, parameterGradient: &gradient, wantInput: true,
                                         threads: threads)!
        for i in d3.indices { d3[i] += d3b.values[i] }
        let d2 = try layers[3].backward(input: a.layers[2], output: a.layers[3], gradient: &d3,
                                        parameters: parameters, parameterGradient: &gradient, wantInput: true,
                                        threads: threads)!
        for i in g3.indices { g3[i] += d2.values[i] }
        var d = g3
        for k in stride(from: 2, through: 0, by: -1) {
            let input = k == 0 ? a.input : a.layers[k - 1]
            let dx = try layers[k].backward(input: input, output: a.layers[k], gradient: &d, parameters: parameters,
                                            parameterGradient: &gradient, wantInput: k > 0, threads: threads)
            if let dx { d = dx.values }
        }
    }

    public func flops(height: Int, width: Int) -> Int {
        var h = height, w = width, total = 0
        for layer in layers {
            total += layer.spec.flops(height: h, width: w)
            (h, w) = layer.spec.outputSize(height: h, width: w)
        }
        return total
    }
}
