import DSAC
import DSACData
import Foundation

/// A fully convolutional scene-coordinate regressor with output stride 8: image → encoder features →
/// per-channel standardisation (statistics of the training buffer) → head → + scene mean.
/// Output cell (c, r) sits at pixel (8c + 4, 8r + 4) of the input image.
public struct SceneCoordinateNetwork: Sendable {
    public var config: NetworkConfig
    public var encoder: Encoder
    public var head: Head
    /// Per-channel mean and 1/std of the encoder features over the training buffer.
    public var featureMean: [Float]
    public var featureScale: [Float]
    /// Mean ground-truth scene coordinate of the training set (metres); the head predicts offsets from it.
    public var sceneMean: SIMD3<Float>
    /// The memory head: when set, it answers instead of `head` (see `SceneMemory`).
    public var memory: SceneMemory?

    public init(config: NetworkConfig = .default, headSeed: UInt64 = 1) throws(TrainingError) {
        try config.validate()
        self.config = config
        encoder = Encoder(config: config)
        head = Head(config: config, seed: headSeed)
        featureMean = [Float](repeating: 0, count: config.featureChannels)
        featureScale = [Float](repeating: 1, count: config.featureChannels)
        sceneMean = .zero
    }

    public var parameterCount: Int { encoder.parameterCount + head.parameterCount }

    /// What the per-scene stages train: the memory's values when there is a memory head, else the head.
    public var sceneParameterCount: Int { memory?.values.count ?? head.parameterCount }

    /// Uses `other` as the encoder (a pre-trained one); its architecture must be this network's.
    public mutating func replaceEncoder(with other: Encoder) throws(TrainingError) {
        guard other.config.inputChannels == config.inputChannels, other.config.encoderWidths == config.encoderWidths
        else {
            throw .invalidArgument("the encoder (\(other.config.inputChannels) input channels, widths "
                                   + "\(other.config.encoderWidths)) does not fit this network (\(config.inputChannels), "
                                   + "\(config.encoderWidths))")
        }
        encoder = Encoder(config: config, parameters: other.parameters)
    }

    /// Multiply–adds × 2 of one forward pass on an image of this size.
    public func flops(width: Int, height: Int) -> (encoder: Int, head: Int) {
        let cells = ((height + 7) / 8) * ((width + 7) / 8)
        return (encoder.flops(height: height, width: width), head.flops(cells: cells))
    }

    /// The network input: planar channels, normalised as DSAC* does, (x − 0.4) / 0.25.
    public static func input(_ image: Image, channels: Int) -> FeatureMap {
        let source = channels == 1 ? image.grey() : image.rgb()
        let plane = source.width * source.height
        var values = [Float](repeating: 0, count: channels * plane)
        source.pixels.withUnsafeBufferPointer { p in
            values.withUnsafeMutableBufferPointer { v in
                for i in 0..<plane {
                    for c in 0..<channels { v[c * plane + i] = (p[i * channels + c] - 0.4) * 4 }
                }
            }
        }
        return FeatureMap(channels: channels, height: source.height, width: source.width, values: values)
    }

    /// Encoder features of an image (not standardised).
    public func features(_ image: Image, threads: Int) throws(TrainingError) -> FeatureMap {
        try encoder.forward(Self.input(image, channels: config.inputChannels), threads: threads).features
    }

    /// Standardises feature vectors in place (channel-major map, any number of cells).
    public func standardize(_ f: inout FeatureMap) {
        let plane = f.plane
        f.values.withUnsafeMutableBufferPointer { v in
            for c in 0..<f.channels {
                let m = featureMean[c], s = featureScale[c]
                for i in (c * plane)..<((c + 1) * plane) { v[i] = (v[i] - m) * s }
            }
        }
    }

    /// Scene coordinates from standardised features (3 × cells, planar), mean added.
    public func coordinates(standardized f: FeatureMap, threads: Int) throws(TrainingError) -> FeatureMap {
        if let memory { return try memory.coordinates(f, threads: threads).map }
        var out = try head.forward(f, threads: threads).prediction
        let plane = out.plane
        for i in 0..<plane {
            out.values[i] += sceneMean.x
            out.values[plane + i] += sceneMean.y
            out.values[2 * plane + i] += sceneMean.z
        }
        return out
    }

    /// Correspondences of a head prediction on a `width × height` cell grid (3 × cells, planar, relative to
    /// `sceneMean`): cell (c, r) at pixel (8c + 4, 8r + 4), row-major.
    public static func correspondences(_ prediction: FeatureMap, width: Int, height: Int,
                                       sceneMean: SIMD3<Float>) throws(DSACError) -> Correspondences {
        let cells = width * height, p = prediction.values
        var px = [Float](), py = [Float](), sx = [Float](), sy = [Float](), sz = [Float]()
        px.reserveCapacity(cells)
        for r in 0..<height {
            for c in 0..<width {
                let i = r * width + c
                px.append(Float(8 * c + 4))
                py.append(Float(8 * r + 4))
                sx.append(p[i] + sceneMean.x)
                sy.append(p[cells + i] + sceneMean.y)
                sz.append(p[2 * cells + i] + sceneMean.z)
            }
        }
        return try Correspondences(pixelX: px, pixelY: py, sceneX: sx, sceneY: sy, sceneZ: sz)
    }

    /// The scene-coordinate map of an image, and the milliseconds it took.
    public func predict(_ image: Image, threads: Int) throws(TrainingError) -> (map: SceneCoordinateMap, ms: Double) {
        guard (1...LocalizerOptions.maxThreads).contains(threads) else {
            throw .invalidArgument("threads must be in 1...\(LocalizerOptions.maxThreads), got \(threads)")
        }
        let start = ContinuousClock.now
        var f = try features(image, threads: threads)
        standardize(&f)
        let out = try coordinates(standardized: f, threads: threads)
        let d = ContinuousClock.now - start
        let ms = Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
        do {
            let map = try SceneCoordinateMap(width: f.width, height: f.height, stride: 8, offset: 4,
                                             coordinates: out.values)
            return (map, ms)
        } catch { throw .geometry(error) }
    }
}
