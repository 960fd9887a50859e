import CKernels

/// Shape of a convolution layer: `outChannels × inChannels × kernel × kernel` weights (OIHW) and `outChannels`
/// biases, followed by a ReLU when `relu`.
public struct ConvSpec: Sendable, Hashable, Codable {
    public var inChannels: Int
    public var outChannels: Int
    public var kernel: Int
    public var stride: Int
    public var padding: Int
    public var dilation: Int
    public var relu: Bool

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int = 1, stride: Int = 1, padding: Int? = nil,
                dilation: Int = 1, relu: Bool = true) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding ?? (kernel - 1) / 2 * dilation
        self.dilation = dilation
        self.relu = relu
    }

    public var weightCount: Int { outChannels * inChannels * kernel * kernel }
    public var parameterCount: Int { weightCount + outChannels }

    var c: dsac_conv_shape {
        dsac_conv_shape(in_channels: Int32(inChannels), out_channels: Int32(outChannels), kernel: Int32(kernel),
                        stride: Int32(stride), padding: Int32(padding), dilation: Int32(dilation))
    }

    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (NetworkKernels.outputSize(c, height), NetworkKernels.outputSize(c, width))
    }

    /// Multiply–adds × 2 for an input of this size.
    public func flops(height: Int, width: Int) -> Int {
        let o = outputSize(height: height, width: width)
        return 2 * weightCount * o.height * o.width
    }
}

/// A convolution whose weights and biases live at `offset` in a flat parameter vector (weights first).
public struct Conv2D: Sendable, Hashable {
    public let spec: ConvSpec
    public let offset: Int

    public init(_ spec: ConvSpec, offset: Int) {
        self.spec = spec
        self.offset = offset
    }

    public func forward(_ x: FeatureMap, parameters: [Float], threads: Int) throws(TrainingError) -> FeatureMap {
        guard x.channels == spec.inChannels else {
            throw .invalidArgument("conv expects \(spec.inChannels) channels, got \(x.channels)")
        }
        let o = spec.outputSize(height: x.height, width: x.width)
        guard o.height > 0, o.width > 0 else { throw .invalidArgument("input \(x.height)×\(x.width) is too small") }
        var y = FeatureMap(channels: spec.outChannels, height: o.height, width: o.width)
        let spec = self.spec, offset = self.offset
        let result: Result<Void, TrainingError> = parameters.withUnsafeBufferPointer { p in
            x.values.withUnsafeBufferPointer { xin in
                y.values.withUnsafeMutableBufferPointer { yout in
                    do throws(TrainingError) {
                        try NetworkKernels.convForward(
                            spec.c, height: x.height, width: x.width, input: xin.baseAddress!,
                            weight: p.baseAddress! + offset, bias: p.baseAddress! + offset + spec.weightCount,
                            relu: spec.relu, threads: threads, output: yout.baseAddress!)
                        return .success(())
                    } catch { return .failure(error) }
                }
            }
        }
        try result.get()
        return y
    }

    /// Given the layer's input `x`, its output `y` and dL/dy (`gradient`, modified: the ReLU mask is applied in
    /// place), ADDS dL/dW and dL/db into `parameterGradient` at this layer's offset and returns dL/dx when
    /// `wantInput`.
    public func backward(input x: FeatureMap, output y: FeatureMap, gradient: inout [Float], parameters: [Float],
                         parameterGradient: inout [Float], wantInput: Bool, threads: Int) throws(TrainingError)
        -> FeatureMap?
    {
        guard gradient.count == y.count else { throw .invalidArgument("gradient size disagrees with the output") }
        let spec = self.spec, offset = self.offset
        if spec.relu {
            let r: Result<Void, TrainingError> = y.values.withUnsafeBufferPointer { yo in
                gradient.withUnsafeMutableBufferPointer { g in
                    do throws(TrainingError) {
                        try NetworkKernels.reluBackward(count: y.count, output: yo.baseAddress!, gradient: g.baseAddress!)
                        return .success(())
                    } catch { return .failure(error) }
                }
            }
            try r.get()
        }
        var dx = wantInput ? FeatureMap(channels: x.channels, height: x.height, width: x.width) : nil
        let result: Result<Void, TrainingError> = parameters.withUnsafeBufferPointer { p in
            parameterGradient.withUnsafeMutableBufferPointer { pg in
                x.values.withUnsafeBufferPointer { xin in
                    gradient.withUnsafeBufferPointer { g in
                        func run(_ dxp: UnsafeMutablePointer<Float>?) -> Result<Void, TrainingError> {
                            do throws(TrainingError) {
                                try NetworkKernels.convBackward(
                                    spec.c, height: x.height, width: x.width, input: xin.baseAddress!,
                                    weight: p.baseAddress! + offset, outputGradient: g.baseAddress!, threads: threads,
                                    inputGradient: dxp, weightGradient: pg.baseAddress! + offset,
                                    biasGradient: pg.baseAddress! + offset + spec.weightCount)
                                return .success(())
                            } catch { return .failure(error) }
                        }
                        if dx != nil {
                            return dx!.values.withUnsafeMutableBufferPointer { run($0.baseAddress!) }
                        }
                        return run(nil)
                    }
                }
            }
        }
        try result.get()
        return dx
    }
}
