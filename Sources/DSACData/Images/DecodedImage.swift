/// An image exactly as stored: 8- or 16-bit samples, 1–4 channels interleaved, no gamma or colour handling.
public struct DecodedImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// 8 or 16.
    public let bitDepth: Int
    /// Samples widened to 16 bits (8-bit files keep their 0–255 range).
    public let samples: [UInt16]

    public init(width: Int, height: Int, channels: Int, bitDepth: Int, samples: [UInt16]) {
        precondition(samples.count == width * height * channels, "sample count disagrees with the shape")
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.samples = samples
    }

    /// Colour (or grey) in [0, 1]: grey and grey+alpha give 1 channel, RGB and RGBA give 3; alpha is dropped.
    public func floatImage() -> Image {
        let scale = Float(1) / Float(bitDepth == 16 ? 65535 : 255)
        let outChannels = channels >= 3 ? 3 : 1
        var out = [Float](repeating: 0, count: width * height * outChannels)
        samples.withUnsafeBufferPointer { s in
            for i in 0..<(width * height) {
                for k in 0..<outChannels {
                    out[i * outChannels + k] = Float(s[i * channels + k]) * scale
                }
            }
        }
        return Image(width: width, height: height, channels: outChannels, pixels: out)
    }
}
