import DSAC
import Foundation

/// Turns a `FrameSource` into a `Frame` (decode, validate, resize, ground truth) or a `FrameCheck`.
enum FrameLoader {
    static func load(_ source: FrameSource, options: LoadOptions, points: [[SIMD3<Double>]]) throws(DataError) -> Frame {
        guard options.stride >= 1 else { throw .invalidArgument("stride must be at least 1 (got \(options.stride))") }
        if let h = options.targetHeight, h < 1 { throw .invalidArgument("target height must be positive (got \(h))") }
        let decoded = try ImageIO.read(source.imagePath)
        try checkSize(decoded, source)
        let pose = try resolvePose(source.pose)
        let stored = try resolveIntrinsics(source.intrinsics, width: decoded.width, height: decoded.height)
        var image = decoded.floatImage()
        if options.colour == .grey { image = image.grey() } else { image = image.rgb() }

        var outWidth = decoded.width, outHeight = decoded.height
        var intrinsics = stored
        if let target = options.targetHeight, target != decoded.height {
            outHeight = target
            outWidth = max(1, Int((Double(decoded.width) * Double(target) / Double(decoded.height)).rounded()))
            image = ImageIO.resize(image, width: outWidth, height: outHeight)
            intrinsics = rescaled(stored, sx: Double(outWidth) / Double(decoded.width),
                                  sy: Double(outHeight) / Double(decoded.height))
        }

        var grid: SceneCoordinateGrid?
        if options.sceneCoordinates {
            switch source.depth {
            case .none:
                grid = nil
            case .points(let k):
                grid = SceneCoordinateGrid.fromPoints(points[k], intrinsics: intrinsics, worldFromCam: pose,
                                                      outputWidth: outWidth, outputHeight: outHeight,
                                                      stride: options.stride, maxDepth: Double(options.maxDepth))
            case .registered, .separate:
                let depth = try registeredDepth(source, colourIntrinsics: stored, width: decoded.width, height: decoded.height)
                grid = SceneCoordinateGrid.fromDepth(depth, intrinsics: stored, worldFromCam: pose,
                                                     outputWidth: outWidth, outputHeight: outHeight,
                                                     stride: options.stride, maxDepth: options.maxDepth)
            }
        }
        return Frame(name: source.name, image: image, intrinsics: intrinsics, worldFromCam: pose, sceneCoordinates: grid)
    }

    static func check(_ source: FrameSource, points: [[SIMD3<Double>]]) throws(DataError) -> FrameCheck {
        let decoded = try ImageIO.read(source.imagePath)
        try checkSize(decoded, source)
        guard decoded.channels == 1 || decoded.channels == 3 || decoded.channels == 4 else {
            throw .wrongChannelCount(path: source.imagePath, found: decoded.channels, expected: "1, 3 or 4")
        }
        let pose = try resolvePose(source.pose)
        let intrinsics = try resolveIntrinsics(source.intrinsics, width: decoded.width, height: decoded.height)
        var valid: Double?
        switch source.depth {
        case .none:
            valid = nil
        case .points(let k):
            let grid = SceneCoordinateGrid.fromPoints(points[k], intrinsics: intrinsics, worldFromCam: pose,
                                                      outputWidth: decoded.width, outputHeight: decoded.height)
            valid = grid.validFraction
        case .registered(let path, _):
            let raw = try ImageIO.readDepth16(path)
            guard raw.width == decoded.width, raw.height == decoded.height else {
                throw .wrongImageSize(path: path, width: raw.width, height: raw.height,
                                      expectedWidth: decoded.width, expectedHeight: decoded.height)
            }
            valid = validFraction(raw.values)
        case .separate(let path, let camera):
            let raw = try ImageIO.readDepth16(path)
            guard raw.width == camera.width, raw.height == camera.height else {
                throw .wrongImageSize(path: path, width: raw.width, height: raw.height,
                                      expectedWidth: camera.width, expectedHeight: camera.height)
            }
            valid = validFraction(raw.values)
        }
        return FrameCheck(name: source.name, sequence: source.sequence, width: decoded.width, height: decoded.height,
                          intrinsics: intrinsics, worldFromCam: pose, depthValidFraction: valid)
    }

    static func validFraction(_ raw: [UInt16]) -> Double {
        Double(raw.reduce(0) { $0 + ($1 != 0 && $1 != 65535 ? 1 : 0) }) / Double(max(1, raw.count))
    }

    static func checkSize(_ image: DecodedImage, _ source: FrameSource) throws(DataError) {
        if let e = source.expectedSize, e.width != image.width || e.height != image.height {
            throw .wrongImageSize(path: source.imagePath, width: image.width, height: image.height,
                                  expectedWidth: e.width, expectedHeight: e.height)
        }
    }

    static func resolvePose(_ source: PoseSource) throws(DataError) -> Pose {
        switch source {
        case .file(let path): return try PoseFile.read(path)
        case .value(let pose): return pose
        case .invalid(let error): throw error
        }
    }

    static func resolveIntrinsics(_ source: IntrinsicsSource, width: Int, height: Int) throws(DataError) -> Intrinsics {
        switch source {
        case let .value(k, w, h):
            if w == width && h == height { return k }
            return rescaled(k, sx: Double(width) / Double(w), sy: Double(height) / Double(h))
        case .fixed(let k):
            return k
        case .calibrationFile(let path):
            return try CalibrationFile.read(path, width: width, height: height)
        case .centredFocal(let f):
            return Intrinsics(fx: f, fy: f, cx: Double(width) / 2, cy: Double(height) / 2)
        case .invalid(let error):
            throw error
        }
    }

    /// Intrinsics after scaling the image by (sx, sy), pixel centres kept consistent.
    static func rescaled(_ k: Intrinsics, sx: Double, sy: Double) -> Intrinsics {
        Intrinsics(fx: k.fx * sx, fy: k.fy * sy, cx: (k.cx + 0.5) * sx - 0.5, cy: (k.cy + 0.5) * sy - 0.5)
    }

    static func registeredDepth(_ source: FrameSource, colourIntrinsics: Intrinsics, width: Int,
                                height: Int) throws(DataError) -> DepthMap {
        switch source.depth {
        case let .registered(path, units):
            let raw = try ImageIO.readDepth16(path)
            guard raw.width == width, raw.height == height else {
                throw .wrongImageSize(path: path, width: raw.width, height: raw.height, expectedWidth: width, expectedHeight: height)
            }
            return DepthRegistration.registered(raw: raw.values, width: width, height: height, unitsPerMetre: units)
        case let .separate(path, camera):
            let raw = try ImageIO.readDepth16(path)
            guard raw.width == camera.width, raw.height == camera.height else {
                throw .wrongImageSize(path: path, width: raw.width, height: raw.height,
                                      expectedWidth: camera.width, expectedHeight: camera.height)
            }
            return DepthRegistration.register(raw: raw.values, camera: camera, colourIntrinsics: colourIntrinsics,
                                              colourWidth: width, colourHeight: height)
        case .none, .points:
            return DepthMap(width: width, height: height, metres: [Float](repeating: 0, count: width * height))
        }
    }
}

/// DSAC*'s `calibration/*.txt`: a single focal length in pixels (principal point at the image centre, W/2, H/2),
/// or a 3×3 K (as ACE accepts).
enum CalibrationFile {
    static func read(_ path: String, width: Int, height: Int) throws(DataError) -> Intrinsics {
        let text = try FileIO.readText(path, expected: "a focal length or a 3×3 K")
        let lines = NumberText.tokenLines(text)
        let count = lines.reduce(0) { $0 + $1.tokens.count }
        if count == 1 {
            let f = try NumberText.number(lines[0].tokens[0], path: path, line: lines[0].line, field: 1,
                                          expected: "a focal length in pixels")
            guard f > 0 else {
                throw .malformedNumber(path: path, line: lines[0].line, field: 1, text: lines[0].tokens[0].description,
                                       expected: "a positive focal length in pixels")
            }
            return Intrinsics(fx: f, fy: f, cx: Double(width) / 2, cy: Double(height) / 2)
        }
        guard count == 9 else {
            throw .wrongFieldCount(path: path, line: 0, found: count, expected: "1 focal length or 9 values of a 3×3 K")
        }
        let k = try NumberText.matrix(text, rows: 3, columns: 3, path: path)
        return try intrinsics(fromK: k, path: path)
    }

    static func intrinsics(fromK k: [Double], path: String) throws(DataError) -> Intrinsics {
        guard k[0] > 0, k[4] > 0 else {
            throw .malformedNumber(path: path, line: 1, field: 1, text: "\(k[0]), \(k[4])", expected: "positive focal lengths in K")
        }
        return Intrinsics(fx: k[0], fy: k[4], cx: k[2], cy: k[5])
    }
}
