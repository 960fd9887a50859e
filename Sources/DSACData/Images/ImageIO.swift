import CLibPNG
import CStbImage
import CTurboJPEG
import Foundation

/// Image files through real libraries: Debian's stb_image decodes PNG (8/16-bit) with no gamma handling
/// (values as stored, like OpenCV and scikit-image), libjpeg-turbo decodes JPEG (stb_image's JPEG decoder aborts
/// on an assert for some malformed files), libpng encodes PNG (8- and 16-bit), and
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
        if isJPEG { return try decodeJPEG(bytes, path: path) }
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

    /// Largest JPEG accepted, in pixels (a crafted header must not make us allocate gigabytes).
    static let maxJPEGPixels = 1 << 28

    /// JPEG through TurboJPEG: grey files stay 1 channel, everything else becomes RGB.
    static func decodeJPEG(_ bytes: [UInt8], path: String) throws(DataError) -> DecodedImage {
        guard let handle = tjInitDecompress() else {
            throw .badImage(path: path, reason: "libjpeg-turbo could not start a decoder")
        }
        defer { tjDestroy(handle) }
        func reason() -> String { "libjpeg-turbo: " + String(cString: tjGetErrorStr2(handle)) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colourspace: Int32 = 0
        let header = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &width, &height, &subsampling, &colourspace)
        }
        guard header == 0 else { throw .badImage(path: path, reason: reason()) }
        guard width > 0, height > 0, Int(width) * Int(height) <= maxJPEGPixels else {
            throw .badImage(path: path, reason: "JPEG header says \(width)×\(height) pixels")
        }
        let grey = colourspace == Int32(TJCS_GRAY.rawValue)
        let channels = grey ? 1 : 3
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
        let status = bytes.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(handle, src.baseAddress, UInt(src.count), dst.baseAddress, width, 0, height,
                              Int32(grey ? TJPF_GRAY.rawValue : TJPF_RGB.rawValue), 0)
            }
        }
        // Warnings (e.g. premature end of data) still produce an image; only errors are refused.
        if status != 0, tjGetErrorCode(handle) == Int32(TJERR_FATAL.rawValue) {
            throw .badImage(path: path, reason: reason())
        }
        return DecodedImage(width: Int(width), height: Int(height), channels: channels, bitDepth: 8,
                            samples: pixels.map { UInt16($0) })
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

    /// Encodes with libpng's full write API: no gamma chunks, zlib level 1, no filter for colour (fast: the
    /// textures hardly compress) and the Sub filter for depth (smooth: half the size for +20% time).
    /// libpng reports errors through a callback that must not return; with arguments checked here and an
    /// in-memory sink, the only error left is running out of memory, which stops the process as any Swift
    /// allocation failure does.
    private static func encodePNG(_ buffer: UnsafeRawPointer, width: Int, height: Int, format: UInt32,
                                  rowStride: Int, path: String) throws(DataError) -> Data {
        let sixteen = format == UInt32(PNG_FORMAT_LINEAR_Y)
        let channels = format == UInt32(PNG_FORMAT_RGB) ? 3 : 1
        guard width >= 1, height >= 1, width <= 1 << 24, height <= 1 << 24 else {
            throw .writeFailed(path: path, reason: "image size \(width)×\(height) is out of PNG's range")
        }
        final class Sink { var data = Data() }
        let sink = Sink()
        guard let png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nil, { _, message in
            fatalError("libpng: \(message.map { String(cString: $0) } ?? "error") (out of memory)")
        }, { _, _ in }) else {
            throw .writeFailed(path: path, reason: "libpng could not allocate its writer")
        }
        var pngOptional: png_structp? = png
        var info = png_create_info_struct(png)
        defer { png_destroy_write_struct(&pngOptional, &info) }
        png_set_write_fn(png, Unmanaged.passUnretained(sink).toOpaque(), { p, bytes, count in
            guard let p, let bytes, let io = png_get_io_ptr(p) else { return }
            Unmanaged<Sink>.fromOpaque(io).takeUnretainedValue().data.append(bytes, count: count)
        }, nil)
        png_set_IHDR(png, info, UInt32(width), UInt32(height), sixteen ? 16 : 8,
                     channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT)
        png_set_compression_level(png, 1)
        png_set_filter(png, 0, sixteen ? PNG_FILTER_SUB : PNG_FILTER_NONE)
        png_write_info(png, info)
        if sixteen { png_set_swap(png) }  // samples are little-endian in memory, big-endian in the file
        let rowBytes = rowStride * (sixteen ? 2 : 1)
        for y in 0..<height {
            png_write_row(png, buffer.advanced(by: y * rowBytes).assumingMemoryBound(to: UInt8.self))
        }
        png_write_end(png, info)
        return sink.data
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
