/// The per-scene regression head: 1×1 convolutions over D-channel feature vectors (see `NetworkConfig`),
/// with residual blocks, ending in 3 outputs: the scene coordinate minus the scene mean, metres.
public struct Head: Sendable {
    public let config: NetworkConfig
    public let layers: [Conv2D]
    public var parameters: [Float]

    public init(config: NetworkConfig, seed: UInt64) {
        self.config = config
        var offset = 0
        var layers: [Conv2D] = []
        for spec in config.headSpecs {
            layers.append(Conv2D(spec, offset: offset))
            offset += spec.parameterCount
        }
        self.layers = layers
        parameters = [Float](repeating: 0, count: offset)
        Initialization.fill(layers, into: &parameters, seed: seed, linearGain: 0.5)
    }

    public var parameterCount: Int { parameters.count }

    /// Activations kept for the backward pass: the input, then each layer's output (after the residual add and
    /// its ReLU for the second layer of a block).
    public struct Activations: Sendable {
        public var input: FeatureMap
        public var outputs: [FeatureMap]
        public var prediction: FeatureMap { outputs.last! }
    }

    public func forward(_ x: FeatureMap, threads: Int) throws(TrainingError) -> Activations {
        var outs: [FeatureMap] = []
        var h = try layers[0].forward(x, parameters: parameters, threads: threads)
        outs.append(h)
        for b in 0..<config.headBlocks {
            let a = try layers[1 + 2 * b].forward(h, parameters: parameters, threads: threads)
            var y = try layers[2 + 2 * b].forward(a, parameters: parameters, threads: threads)
            for i in y.values.indices { y.values[i] = max(0, y.values[i] + h.values[i]) }
            outs.append(a)
            outs.append(y)
            h = y
        }
        outs.append(try layers[layers.count - 1].forward(h, parameters: parameters, threads: threads))
        return Activations(input: x, outputs: outs)
    }

    /// ADDS dL/d(head parameters) into `gradient`; returns dL/d(input) when `wantInput`.
    public func backward(_ a: Activations, outputGradient: FeatureMap, gradient: inout [Float], wantInput: Bool,
                         threads: Int) throws(TrainingError) -> FeatureMap?
    {
        let last = layers.count - 1
        var g = outputGradient.values
        var dh = try layers[last].backward(input: a.outputs[last - 1], output: a.outputs[last], gradient: &g,
                                           parameters: parameters, parameterGradient: &gradient, wantInput: true,
                                           threads: threads)!.values
        for b in stride(from: config.headBlocks - 1, through: 0, by: -1) {
            let yIndex = 2 + 2 * b, aIndex = 1 + 2 * b
            let y = a.outputs[yIndex], act = a.outputs[aIndex], hIn = a.outputs[aIndex - 1]
            // y = relu(conv_b(act) + hIn): mask once, then both branches share the masked gradient.
            for i in dh.indices where y.values[i] <= 0 { dh[i] = 0 }
            var gb = dh
            // The second layer has no ReLU: its backward pass only needs the output's shape.
            let linearOut = FeatureMap(channels: y.channels, height: y.height, width: y.width)
            var da = try layers[yIndex].backward(input: act, output: linearOut, gradient: &gb, parameters: parameters,
                                                 parameterGradient: &gradient, wantInput: true,
                                                 threads: threads)!.values
            let dx = try layers[aIndex].backward(input: hIn, output: act, gradient: &da, parameters: parameters,
                                                 parameterGradient: &gradient, wantInput: true, threads: threads)!
            for i in dh.indices { dh[i] += dx.values[i] }
        }
        return try layers[0].backward(input: a.input, output: a.outputs[0], gradient: &dh, parameters: parameters,
                                      parameterGradient: &gradient, wantInput: wantInput, threads: threads)
    }

    public func flops(cells: Int) -> Int {
        layers.reduce(0) { $0 + $1.spec.flops(height: 1, width: cells) }
    }
}
