import CLibPNG
import CStbImage
import Foundation

/// Image files through real libraries: Debian's stb_image decodes PNG (8/16-bit) and JPEG with no gamma handling
/// (values as stored, like OpenCV and scikit-image), libpng's simplified API encodes PNG (8- and 16-bit), and
/// stb_image_write encodes JPEG. Every write is atomic (a temporary file in the same folder, then a rename).
public enum ImageIO {
    /// Decodes a PNG or JPEG file. A file whose end marker is missing (PNG `IEND`, JPEG `EOI`) is reported as
    /// truncated even when the decoder would pad it silently.
    public static func read(_ path: String) throws(DataError) -> DecodedImage {
        let data = try FileIO.readData(path)
        return try decode(data, path: path)
    }

    public static func decode(_ data: Data, path: String) throws(DataError) -> DecodedImage {
        guard data.count >= 8 else { throw .badImage(path: path, reason: "file is \(data.count) bytes: truncated or empty") }
        let bytes = [UInt8](data)
        let isPNG = bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let isJPEG = bytes.starts(with: [0xFF, 0xD8])
        guard isPNG || isJPEG else {
            throw .badImage(path: path, reason: "neither a PNG nor a JPEG signature")
        }
        let tail = bytes.suffix(64)
        if isPNG, !containsSequence(tail, [0x49, 0x45, 0x4E, 0x44]) {
            throw .badImage(path: path, reason: "truncated PNG (no IEND chunk at the end)")
        }
        if isJPEG, !containsSequence(tail, [0xFF, 0xD9]) {
            throw .badImage(path: path, reason: "truncated JPEG (no end-of-image marker)")
        }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(DataError) -> DecodedImage in
            let base = buffer.baseAddress!
            let count = Int32(buffer.count)
            var w: Int32 = 0, h: Int32 = 0, c: Int32 = 0
            if stbi_is_16_bit_from_memory(base, count) != 0 {
                guard let p = stbi_load_16_from_memory(base, count, &w, &h, &c, 0) else {
                    throw .badImage(path: path, reason: failureReason())
                }
                defer { stbi_image_free(p) }
                let n = Int(w) * Int(h) * Int(c)
                return DecodedImage(width: Int(w), height: Int(h), channels: Int(c), bitDepth: 16,
                                    samples: Array(UnsafeBufferPointer(start: p, count: n)))
            }
            guard let p = stbi_load_from_memory(base, count, &w, &h, &c, 0) else {
                throw .badImage(path: path, reason: failureReason())
            }
            defer { stbi_image_free(p) }
            let n = Int(w) * Int(h) * Int(c)
            return DecodedImage(width: Int(w), height: Int(h), channels: Int(c), bitDepth: 8,
                                samples: UnsafeBufferPointer(start: p, count: n).map { UInt16($0) })
        }
    }

    /// Reads a colour (or grey) image as floats in [0, 1].
    public static func readImage(_ path: String) throws(DataError) -> Image {
        try read(path).floatImage()
    }

    /// Reads a single-channel 16-bit depth PNG (raw values, e.g. millimetres).
    public static func readDepth16(_ path: String) throws(DataError) -> (width: Int, height: Int, values: [UInt16]) {
        let image = try read(path)
        guard image.bitDepth == 16 else { throw .wrongBitDepth(path: path, found: image.bitDepth, expected: 16) }
        guard image.channels == 1 else { throw .wrongChannelCount(path: path, found: image.channels, expected: "1 (grey)") }
        return (image.width, image.height, image.samples)
    }

    /// Writes an 8-bit PNG (1 or 3 channels, interleaved).
    public static func writePNG(_ bytes: [UInt8], width: Int, height: Int, channels: Int, to path: String) throws(DataError) {
        precondition(bytes.count == width * height * channels && (channels == 1 || channels == 3))
        let format = channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        let data = bytes.withUnsafeBytes { raw in
            Result { () throws(DataError) -> Data in
                try encodePNG(raw.baseAddress!, width: width, height: height, format: format, rowStride: width * channels, path: path)
            }
        }
        try FileIO.writeAtomically(try data.get(), to: path)
    }

    /// Writes a single-channel 16-bit PNG (e.g. depth in millimetres), values stored unchanged.
    public static func writePNG16(_ values: [UInt16], width: Int, height: Int, to path: String) throws(DataError) {
        precondition(values.count == width * height)
        let data = values.withUnsafeBytes { raw in
            Result { () throws(DataError) -> Data in
                try encodePNG(raw.baseAddress!, width: width, height: height, format: UInt32(PNG_FORMAT_LINEAR_Y),
                              rowStride: width, path: path)
            }
        }
        try FileIO.writeAtomically(try data.get(), to: path)
    }

    /// Writes an 8-bit JPEG (1 or 3 channels) with stb_image_write at `quality` (1–100).
    public static func writeJPEG(_ bytes: [UInt8], width: Int, height: Int, channels: Int, quality: Int = 95,
                                 to path: String) throws(DataError) {
        precondition(bytes.count == width * height * channels && (channels == 1 || channels == 3))
        final class Sink { var data = Data() }
        let sink = Sink()
        let ok = bytes.withUnsafeBytes { raw -> Int32 in
            stbi_write_jpg_to_func({ context, chunk, size in
                guard let context, let chunk, size > 0 else { return }
                let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
                sink.data.append(chunk.assumingMemoryBound(to: UInt8.self), count: Int(size))
            }, Unmanaged.passUnretained(sink).toOpaque(), Int32(width), Int32(height), Int32(channels),
            raw.baseAddress, Int32(quality))
        }
        guard ok != 0 else { throw .writeFailed(path: path, reason: "stb_image_write could not encode the JPEG") }
        try FileIO.writeAtomically(sink.data, to: path)
    }

    /// Resamples a float image with stb_image_resize (Mitchell filter when shrinking, Catmull-Rom when growing).
    public static func resize(_ image: Image, width: Int, height: Int) -> Image {
        if width == image.width && height == image.height { return image }
        var out = [Float](repeating: 0, count: width * height * image.channels)
        let ok = image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                stbir_resize_float(src.baseAddress, Int32(image.width), Int32(image.height), 0,
                                   dst.baseAddress, Int32(width), Int32(height), 0, Int32(image.channels))
            }
        }
        precondition(ok != 0, "stb_image_resize failed on a valid image")
        return Image(width: width, height: height, channels: image.channels, pixels: out.map { min(1, max(0, $0)) })
    }

    private static func encodePNG(_ buffer: UnsafeRawPointer, width: Int, height: Int, format: UInt32,
                                  rowStride: Int, path: String) throws(DataError) -> Data {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = format
        image.flags = UInt32(PNG_IMAGE_FLAG_FAST)
        var size: Int = 0
        guard png_image_write_to_memory(&image, nil, &size, 0, buffer, Int32(rowStride), nil) != 0 else {
            throw .writeFailed(path: path, reason: "libpng: \(message(&image))")
        }
        var data = Data(count: size)
        let ok = data.withUnsafeMutableBytes { out in
            png_image_write_to_memory(&image, out.baseAddress, &size, 0, buffer, Int32(rowStride), nil)
        }
        png_image_free(&image)
        guard ok != 0 else { throw .writeFailed(path: path, reason: "libpng: \(message(&image))") }
        return data.prefix(size)
    }

    private static func message(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func failureReason() -> String {
        if let r = stbi_failure_reason() { return "stb_image: " + String(cString: r) }
        return "stb_image could not decode it"
    }

    private static func containsSequence(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        let h = Array(haystack)
        guard h.count >= needle.count else { return false }
        for i in 0...(h.count - needle.count) where Array(h[i..<(i + needle.count)]) == needle { return true }
        return false
    }
}
