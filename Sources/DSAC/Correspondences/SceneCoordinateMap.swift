/// A dense map of scene coordinates as a network predicts it: `width × height` cells, planar float32 layout
/// (all X, then all Y, then all Z; cell (c, r) at index r·width + c), where cell (c, r) sits at pixel
/// (stride·c + offset, stride·r + offset) of the network's input (DSAC*: stride 8, offset 4).
public struct SceneCoordinateMap: Sendable {
    public let width: Int
    public let height: Int
    public let stride: Double
    public let offset: Double
    /// 3 × height × width values, metres.
    public let coordinates: [Float]

    public init(width: Int, height: Int, stride: Double = 8, offset: Double? = nil, coordinates: [Float])
        throws(DSACError)
    {
        guard width > 0, height > 0 else {
            throw .invalidBuffer("scene-coordinate map must have positive size, got \(width)×\(height)")
        }
        let (cells, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, cells <= Int.max / 3 else {
            throw .invalidBuffer("scene-coordinate map \(width)×\(height) is too large")
        }
        guard coordinates.count == 3 * cells else {
            throw .invalidBuffer(
                "scene-coordinate map \(width)×\(height) needs \(3 * width * height) values, got \(coordinates.count)")
        }
        guard stride.isFinite, stride > 0 else { throw .invalidOptions("stride must be positive, got \(stride)") }
        let offset = offset ?? stride / 2
        guard offset.isFinite else { throw .invalidOptions("offset must be finite, got \(offset)") }
        self.width = width
        self.height = height
        self.stride = stride
        self.offset = offset
        self.coordinates = coordinates
    }

    /// The pixel a cell sits at.
    public func pixel(column c: Int, row r: Int) -> SIMD2<Double> {
        SIMD2(stride * Double(c) + offset, stride * Double(r) + offset)
    }

    /// The scene coordinate of a cell.
    public subscript(column c: Int, row r: Int) -> SIMD3<Float> {
        let i = r * width + c
        let plane = width * height
        return SIMD3(coordinates[i], coordinates[plane + i], coordinates[2 * plane + i])
    }
}
