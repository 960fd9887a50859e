/// Pinhole intrinsics in pixels, no distortion. Pixel (0, 0) is the centre of the top-left pixel, so an image W
/// pixels wide has its centre at cx = (W − 1) / 2; 7-Scenes and DSAC* use W / 2, which is what their files say.
public struct Intrinsics: Sendable, Hashable, Codable {
    public var fx: Double
    public var fy: Double
    public var cx: Double
    public var cy: Double

    public init(fx: Double, fy: Double, cx: Double, cy: Double) {
        self.fx = fx
        self.fy = fy
        self.cx = cx
        self.cy = cy
    }

    /// Throws unless all values are finite and both focal lengths are positive.
    public func validate() throws(DSACError) {
        guard fx.isFinite, fy.isFinite, cx.isFinite, cy.isFinite else {
            throw .invalidIntrinsics("intrinsics must be finite (fx \(fx), fy \(fy), cx \(cx), cy \(cy))")
        }
        guard fx > 0, fy > 0 else {
            throw .invalidIntrinsics("focal lengths must be positive (fx \(fx), fy \(fy))")
        }
    }

    /// The intrinsics of the same camera after resizing the image by `factor` (pixel centres kept consistent:
    /// the centre of pixel 0 maps from 0 to (0 + 0.5)·factor − 0.5).
    public func resized(by factor: Double) -> Intrinsics {
        Intrinsics(fx: fx * factor, fy: fy * factor, cx: (cx + 0.5) * factor - 0.5, cy: (cy + 0.5) * factor - 0.5)
    }

    /// Pixel of a camera-frame point (no check for points behind the camera).
    public func project(_ x: SIMD3<Double>) -> SIMD2<Double> {
        SIMD2(fx * x.x / x.z + cx, fy * x.y / x.z + cy)
    }

    /// The camera-frame point at depth z along the ray of a pixel.
    public func backProject(pixel p: SIMD2<Double>, depth z: Double) -> SIMD3<Double> {
        SIMD3((p.x - cx) / fx * z, (p.y - cy) / fy * z, z)
    }
}
