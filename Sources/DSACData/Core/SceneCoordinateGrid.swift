import DSAC

/// Ground-truth scene coordinates (world frame, metres) at a network's output stride: cell (c, r) sits at pixel
/// (stride·c + stride/2, stride·r + stride/2) of the image it belongs to (stride 8: pixel (8c + 4, 8r + 4)).
/// The grid is ⌈H/stride⌉ × ⌈W/stride⌉, like DSAC*'s `init` tensors; a cell whose pixel falls outside the image,
/// or whose depth is unknown, is invalid.
public struct SceneCoordinateGrid: Sendable, Equatable {
    public let columns: Int
    public let rows: Int
    public let stride: Int
    /// Planar X, Y, Z: `values[k * rows * columns + r * columns + c]` for k = 0, 1, 2 (a 3×rows×columns tensor).
    public var values: [Float]
    /// 1 where the cell holds a known coordinate, 0 elsewhere (its values are then 0).
    public var mask: [UInt8]

    public init(columns: Int, rows: Int, stride: Int, values: [Float], mask: [UInt8]) {
        precondition(values.count == 3 * columns * rows && mask.count == columns * rows, "grid sizes disagree")
        self.columns = columns
        self.rows = rows
        self.stride = stride
        self.values = values
        self.mask = mask
    }

    /// An all-invalid grid for an image of the given size.
    public init(imageWidth: Int, imageHeight: Int, stride: Int = 8) {
        columns = (imageWidth + stride - 1) / stride
        rows = (imageHeight + stride - 1) / stride
        self.stride = stride
        values = [Float](repeating: 0, count: 3 * columns * rows)
        mask = [UInt8](repeating: 0, count: columns * rows)
    }

    /// The image pixel of cell (c, r).
    public func pixel(column c: Int, row r: Int) -> SIMD2<Double> {
        SIMD2(Double(stride * c + stride / 2), Double(stride * r + stride / 2))
    }

    public subscript(column c: Int, row r: Int) -> SIMD3<Float>? {
        let i = r * columns + c
        guard mask[i] != 0 else { return nil }
        let n = rows * columns
        return SIMD3(values[i], values[n + i], values[2 * n + i])
    }

    public mutating func set(column c: Int, row r: Int, _ x: SIMD3<Float>) {
        let i = r * columns + c
        let n = rows * columns
        values[i] = x.x
        values[n + i] = x.y
        values[2 * n + i] = x.z
        mask[i] = 1
    }

    public var validCount: Int { mask.reduce(0) { $0 + Int($1) } }
    public var validFraction: Double { Double(validCount) / Double(max(1, mask.count)) }

    /// Ground truth from depth registered to the *original* image (before any resize): each cell's pixel in the
    /// output image maps back to the original image (`scale` = output / original size), takes the depth of the
    /// nearest original pixel, back-projects that pixel's own ray with `intrinsics` (of the original image), and
    /// moves the point to the world with `worldFromCam`. Depth ≤ 0, non-finite or above `maxDepth` is invalid.
    public static func fromDepth(_ depth: DepthMap, intrinsics: Intrinsics, worldFromCam: Pose,
                                 outputWidth: Int, outputHeight: Int, stride: Int = 8,
                                 maxDepth: Float = 1000) -> SceneCoordinateGrid {
        var grid = SceneCoordinateGrid(imageWidth: outputWidth, imageHeight: outputHeight, stride: stride)
        let sx = Double(depth.width) / Double(outputWidth)
        let sy = Double(depth.height) / Double(outputHeight)
        for r in 0..<grid.rows {
            for c in 0..<grid.columns {
                let p = grid.pixel(column: c, row: r)
                guard p.x <= Double(outputWidth - 1), p.y <= Double(outputHeight - 1) else { continue }
                let ox = Int(((p.x + 0.5) * sx - 0.5).rounded())
                let oy = Int(((p.y + 0.5) * sy - 0.5).rounded())
                guard ox >= 0, oy >= 0, ox < depth.width, oy < depth.height else { continue }
                let z = depth[ox, oy]
                guard z.isFinite, z > 0, z <= maxDepth else { continue }
                let xCam = intrinsics.backProject(pixel: SIMD2(Double(ox), Double(oy)), depth: Double(z))
                let xWorld = worldFromCam.apply(xCam)
                grid.set(column: c, row: r, SIMD3(Float(xWorld.x), Float(xWorld.y), Float(xWorld.z)))
            }
        }
        return grid
    }

    /// Ground truth from sparse world points (e.g. an SfM reconstruction): each point in front of the camera
    /// (0 < z ≤ maxDepth) is projected with the output image's intrinsics; the nearest-to-camera point per cell wins.
    /// A point whose projection falls outside the image is dropped (DSAC*'s script clamps it to the border instead).
    public static func fromPoints(_ points: [SIMD3<Double>], intrinsics: Intrinsics, worldFromCam: Pose,
                                  outputWidth: Int, outputHeight: Int, stride: Int = 8,
                                  maxDepth: Double = 1000) -> SceneCoordinateGrid {
        var grid = SceneCoordinateGrid(imageWidth: outputWidth, imageHeight: outputHeight, stride: stride)
        var zBuffer = [Double](repeating: .infinity, count: grid.columns * grid.rows)
        let camFromWorld = worldFromCam.inverse
        for x in points {
            let xc = camFromWorld.apply(x)
            guard xc.z > 1e-6, xc.z <= maxDepth else { continue }
            let p = intrinsics.project(xc)
            guard p.x > -0.5, p.y > -0.5, p.x < Double(outputWidth) - 0.5, p.y < Double(outputHeight) - 0.5 else {
                continue
            }
            let c = Int((p.x / Double(stride)).rounded(.down))
            let r = Int((p.y / Double(stride)).rounded(.down))
            guard c >= 0, r >= 0, c < grid.columns, r < grid.rows else { continue }
            let i = r * grid.columns + c
            if xc.z < zBuffer[i] {
                zBuffer[i] = xc.z
                grid.set(column: c, row: r, SIMD3(Float(x.x), Float(x.y), Float(x.z)))
            }
        }
        return grid
    }
}

extension SceneCoordinateGrid {
    /// The grid as the localizer's dense map (stride and offset stride/2; unknown cells hold 0, which the
    /// localizer treats as ordinary points — prefer `correspondences()` for ground truth).
    public func map() throws(DSACError) -> SceneCoordinateMap {
        try SceneCoordinateMap(width: columns, height: rows, stride: Double(stride), offset: Double(stride / 2),
                               coordinates: values)
    }

    /// The known cells only: pixel (stride·c + stride/2, stride·r + stride/2) ↔ scene coordinate, in row-major
    /// cell order — a ground-truth 2D–3D problem for the frame's intrinsics.
    public func correspondences() throws(DSACError) -> Correspondences {
        var pixels: [SIMD2<Float>] = []
        var points: [SIMD3<Float>] = []
        pixels.reserveCapacity(validCount)
        points.reserveCapacity(validCount)
        for r in 0..<rows {
            for c in 0..<columns {
                guard let x = self[column: c, row: r] else { continue }
                let p = pixel(column: c, row: r)
                pixels.append(SIMD2(Float(p.x), Float(p.y)))
                points.append(x)
            }
        }
        return try Correspondences(pixels: pixels, scenePoints: points)
    }
}
