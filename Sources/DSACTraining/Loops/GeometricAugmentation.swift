import DSAC
import DSACData

/// DSAC*'s and ACE's geometric augmentation: a training view zoomed by a factor and rolled about the optical axis,
/// as if the camera had a longer or shorter focal length and a rolled pose. The world does not move, so the ground
/// truth scene coordinates are looked up, not changed; the pose and the intrinsics are.
///
/// The source frame carries dense ground truth (stride 1) at a higher resolution than the output, so that zooming
/// in stays sharp and every output cell finds its coordinate within half a source pixel.
public enum GeometricAugmentation {
    /// The output frame: `width × height` pixels, focal length `scale ×` the source's (rescaled to the output
    /// height), principal point rescaled, camera rolled by `roll` radians (camFromWorld ← Rz(roll) · camFromWorld).
    /// Pixels that fall outside the source are black and have no ground truth. Ground truth at `stride`.
    /// `inside` says which cells (row-major, at `stride`) see the source at all: the others are padding, and no
    /// loss may ask anything of them (the reprojection loss would otherwise pull them onto their rays).
    public static func apply(_ source: Frame, width: Int, height: Int, scale: Double, roll: Double,
                             stride: Int = NetworkConfig.outputStride) -> (frame: Frame, inside: [Bool])
    {
        let k = Double(height) / Double(source.image.height)
        let s = source.intrinsics
        let out = Intrinsics(fx: s.fx * k * scale, fy: s.fy * k * scale, cx: s.cx * k, cy: s.cy * k)
        let c = cos(roll), sn = sin(roll)
        /// The source pixel an output pixel sees: the output ray, rotated back into the source camera.
        func sourcePixel(_ x: Double, _ y: Double) -> (Double, Double) {
            let a = (x - out.cx) / out.fx, b = (y - out.cy) / out.fy
            return (s.cx + s.fx * (c * a + sn * b), s.cy + s.fy * (-sn * a + c * b))
        }
        let image = resample(source.image, width: width, height: height, sourcePixel)
        let columns = (width + stride - 1) / stride, rows = (height + stride - 1) / stride
        var inside = [Bool](repeating: false, count: columns * rows)
        for r in 0..<rows {
            for col in 0..<columns {
                let (u, v) = sourcePixel(Double(stride * col + stride / 2), Double(stride * r + stride / 2))
                inside[r * columns + col] = u >= 0 && v >= 0 && u <= Double(source.image.width - 1)
                    && v <= Double(source.image.height - 1)
            }
        }
        var grid: SceneCoordinateGrid?
        if let truth = source.sceneCoordinates {
            precondition(truth.stride == 1, "the augmentation needs dense ground truth (stride 1)")
            var g = SceneCoordinateGrid(imageWidth: width, imageHeight: height, stride: stride)
            let plane = g.rows * g.columns, sourcePlane = truth.rows * truth.columns
            for r in 0..<g.rows {
                for col in 0..<g.columns {
                    let p = g.pixel(column: col, row: r)
                    let i = r * g.columns + col
                    guard inside[i] else { continue }
                    let (u, v) = sourcePixel(p.x, p.y)
                    let iu = Int((u + 0.5).rounded(.down)), iv = Int((v + 0.5).rounded(.down))
                    let j = iv * truth.columns + iu
                    guard truth.mask[j] != 0 else { continue }
                    g.mask[i] = 1
                    for axis in 0..<3 { g.values[axis * plane + i] = truth.values[axis * sourcePlane + j] }
                }
            }
            grid = g
        }
        // X_cam' = Rz X_cam, so worldFromCam' = worldFromCam · Rzᵀ.
        let rzT = Pose(rotation: Matrix3(rows: SIMD3(c, sn, 0), SIMD3(-sn, c, 0), SIMD3(0, 0, 1)),
                       translation: .zero)
        let frame = Frame(name: source.name, image: image, intrinsics: out, worldFromCam: source.worldFromCam * rzT,
                          sceneCoordinates: grid)
        return (frame, inside)
    }

    /// Bilinear resampling through a pixel map; outside the source: 0.
    static func resample(_ src: Image, width: Int, height: Int, _ map: (Double, Double) -> (Double, Double)) -> Image {
        let ch = src.channels
        var pixels = [Float](repeating: 0, count: width * height * ch)
        src.pixels.withUnsafeBufferPointer { p in
            for y in 0..<height {
                for x in 0..<width {
                    let (u, v) = map(Double(x), Double(y))
                    guard u >= 0, v >= 0, u <= Double(src.width - 1), v <= Double(src.height - 1) else { continue }
                    let x0 = min(Int(u), max(0, src.width - 2)), y0 = min(Int(v), max(0, src.height - 2))
                    let x1 = min(x0 + 1, src.width - 1), y1 = min(y0 + 1, src.height - 1)
                    let fx = Float(u - Double(x0)), fy = Float(v - Double(y0))
                    for k in 0..<ch {
                        let a = p[(y0 * src.width + x0) * ch + k], b = p[(y0 * src.width + x1) * ch + k]
                        let cc = p[(y1 * src.width + x0) * ch + k], d = p[(y1 * src.width + x1) * ch + k]
                        pixels[(y * width + x) * ch + k] = (a + (b - a) * fx) * (1 - fy) + (cc + (d - cc) * fx) * fy
                    }
                }
            }
        }
        return Image(width: width, height: height, channels: ch, pixels: pixels)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
