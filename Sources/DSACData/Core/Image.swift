/// A float image, row-major, channels interleaved, values in [0, 1]. Pixel (0, 0) is the top-left pixel and its
/// centre is at (0, 0) in pixel coordinates.
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// 1 (grey) or 3 (RGB).
    public let channels: Int
    /// `height × width × channels` values.
    public var pixels: [Float]

    public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
        precondition(width > 0 && height > 0 && (channels == 1 || channels == 3), "bad image shape")
        precondition(pixels.count == width * height * channels, "pixel count disagrees with the shape")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    public subscript(x: Int, y: Int, channel: Int) -> Float {
        pixels[(y * width + x) * channels + channel]
    }

    /// ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B), as torchvision's Grayscale that DSAC* uses.
    public func grey() -> Image {
        if channels == 1 { return self }
        var out = [Float](repeating: 0, count: width * height)
        pixels.withUnsafeBufferPointer { p in
            for i in 0..<(width * height) {
                out[i] = 0.299 * p[3 * i] + 0.587 * p[3 * i + 1] + 0.114 * p[3 * i + 2]
            }
        }
        return Image(width: width, height: height, channels: 1, pixels: out)
    }

    /// The same image with three channels (grey replicated).
    public func rgb() -> Image {
        if channels == 3 { return self }
        var out = [Float](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            out[3 * i] = pixels[i]
            out[3 * i + 1] = pixels[i]
            out[3 * i + 2] = pixels[i]
        }
        return Image(width: width, height: height, channels: 3, pixels: out)
    }

    /// 8-bit quantisation (round to nearest, clamped), interleaved.
    public func bytes() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: pixels.count) { out, count in
            pixels.withUnsafeBufferPointer { p in
                for i in 0..<p.count {
                    let v = p[i] * 255 + 0.5
                    out[i] = v >= 255 ? 255 : (v > 0 ? UInt8(v) : 0)  // round half up; NaN → 0
                }
            }
            count = pixels.count
        }
    }
}

/// Depth registered to an image: z along the optical axis in metres, 0 where unknown.
public struct DepthMap: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var metres: [Float]

    public init(width: Int, height: Int, metres: [Float]) {
        precondition(metres.count == width * height, "depth count disagrees with the shape")
        self.width = width
        self.height = height
        self.metres = metres
    }

    public subscript(x: Int, y: Int) -> Float { metres[y * width + x] }

    /// Fraction of pixels with a valid (positive, finite) depth.
    public var validFraction: Double {
        guard !metres.isEmpty else { return 0 }
        return Double(metres.reduce(0) { $0 + ($1 > 0 && $1.isFinite ? 1 : 0) }) / Double(metres.count)
    }
}
