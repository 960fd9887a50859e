/// 2D–3D matches: pixel positions (x, y) and the scene coordinates (X, Y, Z, world metres) seen there, stored as
/// structure-of-arrays float32 — the layout the kernels read.
///
/// Non-finite values are allowed and documented: such a correspondence is never sampled, never an inlier, and
/// counts as an error of `maxReprojectionError` in scores.
public struct Correspondences: Sendable {
    public let pixelX: [Float]
    public let pixelY: [Float]
    public let sceneX: [Float]
    public let sceneY: [Float]
    public let sceneZ: [Float]

    public var count: Int { pixelX.count }

    /// Throws when the arrays are empty or their lengths differ.
    public init(pixelX: [Float], pixelY: [Float], sceneX: [Float], sceneY: [Float], sceneZ: [Float])
        throws(DSACError)
    {
        let counts = [pixelX.count, pixelY.count, sceneX.count, sceneY.count, sceneZ.count]
        guard counts.allSatisfy({ $0 == counts[0] }) else {
            throw .invalidBuffer(
                "correspondence arrays differ in length (pixelX \(counts[0]), pixelY \(counts[1]), "
                    + "sceneX \(counts[2]), sceneY \(counts[3]), sceneZ \(counts[4]))")
        }
        guard counts[0] > 0 else { throw .invalidBuffer("no correspondences (all arrays are empty)") }
        self.pixelX = pixelX
        self.pixelY = pixelY
        self.sceneX = sceneX
        self.sceneY = sceneY
        self.sceneZ = sceneZ
    }

    /// From paired arrays of pixels and scene points.
    public init(pixels: [SIMD2<Float>], scenePoints: [SIMD3<Float>]) throws(DSACError) {
        guard pixels.count == scenePoints.count else {
            throw .invalidBuffer("\(pixels.count) pixels but \(scenePoints.count) scene points")
        }
        try self.init(
            pixelX: pixels.map(\.x), pixelY: pixels.map(\.y),
            sceneX: scenePoints.map(\.x), sceneY: scenePoints.map(\.y), sceneZ: scenePoints.map(\.z))
    }

    /// One correspondence per cell of a scene-coordinate map, at the cell's pixel.
    public init(map: SceneCoordinateMap) throws(DSACError) {
        var px = [Float](), py = [Float]()
        px.reserveCapacity(map.width * map.height)
        py.reserveCapacity(map.width * map.height)
        for r in 0..<map.height {
            for c in 0..<map.width {
                let p = map.pixel(column: c, row: r)
                px.append(Float(p.x))
                py.append(Float(p.y))
            }
        }
        let plane = map.width * map.height
        try self.init(
            pixelX: px, pixelY: py, sceneX: Array(map.coordinates[0..<plane]),
            sceneY: Array(map.coordinates[plane..<(2 * plane)]), sceneZ: Array(map.coordinates[(2 * plane)...]))
    }

    /// Indices of the correspondences whose five values are all finite.
    public var usableIndices: [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(count)
        for i in 0..<count
        where pixelX[i].isFinite && pixelY[i].isFinite && sceneX[i].isFinite && sceneY[i].isFinite
            && sceneZ[i].isFinite
        {
            out.append(Int32(i))
        }
        return out
    }
}
