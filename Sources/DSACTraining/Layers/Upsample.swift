/// Nearest-neighbour upsampling by an integer factor to a given size (coarse encoder branches back to stride 8).
public enum Upsample {
    public static func forward(_ x: FeatureMap, factor: Int, height: Int, width: Int, threads: Int)
        throws(TrainingError) -> FeatureMap
    {
        var y = FeatureMap(channels: x.channels, height: height, width: width)
        let r: Result<Void, TrainingError> = x.values.withUnsafeBufferPointer { xin in
            y.values.withUnsafeMutableBufferPointer { yo in
                do throws(TrainingError) {
                    try NetworkKernels.upsampleForward(channels: x.channels, height: x.height, width: x.width,
                                                       factor: factor, outHeight: height, outWidth: width,
                                                       input: xin.baseAddress!, threads: threads,
                                                       output: yo.baseAddress!)
                    return .success(())
                } catch { return .failure(error) }
            }
        }
        try r.get()
        return y
    }

    /// dL/dx from dL/dy (`gradient`, the upsampled map's shape).
    public static func backward(_ gradient: FeatureMap, factor: Int, inputHeight: Int, inputWidth: Int, threads: Int)
        throws(TrainingError) -> FeatureMap
    {
        var dx = FeatureMap(channels: gradient.channels, height: inputHeight, width: inputWidth)
        let r: Result<Void, TrainingError> = gradient.values.withUnsafeBufferPointer { g in
            dx.values.withUnsafeMutableBufferPointer { d in
                do throws(TrainingError) {
                    try NetworkKernels.upsampleBackward(channels: gradient.channels, height: inputHeight,
                                                        width: inputWidth, factor: factor,
                                                        outHeight: gradient.height, outWidth: gradient.width,
                                                        outputGradient: g.baseAddress!, threads: threads,
                                                        inputGradient: d.baseAddress!)
                    return .success(())
                } catch { return .failure(error) }
            }
        }
        try r.get()
        return dx
    }
}
