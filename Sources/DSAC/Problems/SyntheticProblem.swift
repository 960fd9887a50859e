import Foundation

/// DSAC-like absolute-pose problems with a known answer, for tests, demos and benchmarks: a pinhole camera
/// looking into a box-shaped room, one correspondence per stride-8 cell, noise in the scene coordinates (the 3D
/// point of pixel p is back-projected from p + N(0, σ²)), and a fraction of the cells replaced by outliers.
public struct SyntheticProblemOptions: Sendable, Hashable {
    public enum OutlierStyle: String, Sendable, Hashable, CaseIterable {
        /// Uniform in the bounding box of the true scene points (as peers_bench.py does).
        case uniform
        /// Whole image regions that see another part of the room: a network confusing similar-looking
        /// places. The outliers lie on real surfaces and agree with each other, so they can form a consistent
        /// wrong pose.
        case clustered
    }

    public var width = 640
    public var height = 480
    public var focal = 525.0
    public var stride = 8
    public var noisePixels = 1.0
    public var outlierFraction = 0.0
    public var outlierStyle = OutlierStyle.uniform

    public init(noisePixels: Double = 1, outlierFraction: Double = 0, outlierStyle: OutlierStyle = .uniform) {
        self.noisePixels = noisePixels
        self.outlierFraction = outlierFraction
        self.outlierStyle = outlierStyle
    }
}

public enum SyntheticProblem {
    public static func make(seed: UInt64, options o: SyntheticProblemOptions = .init()) -> PnPProblem {
        var g = SeededGenerator(seed: seed)
        let k = Intrinsics(fx: o.focal, fy: o.focal, cx: Double(o.width) / 2, cy: Double(o.height) / 2)
        let camFromWorld = randomPose(&g)
        let worldFromCam = camFromWorld.inverse
        let room = Room(&g)
        let cols = o.width / o.stride, rows = o.height / o.stride
        var pixels: [SIMD2<Float>] = []
        var points: [SIMD3<Float>] = []
        for r in 0..<rows {
            for c in 0..<cols {
                let p = SIMD2(Double(o.stride * c + o.stride / 2), Double(o.stride * r + o.stride / 2))
                let jitter = SIMD2(gaussian(&g), gaussian(&g)) * o.noisePixels
                let q = p + jitter
                let ray = k.backProject(pixel: q, depth: 1)
                let x = ray * room.depth(along: ray)
                pixels.append(SIMD2<Float>(Float(p.x), Float(p.y)))
                points.append(SIMD3<Float>(worldFromCam.apply(x)))
            }
        }
        var isInlier = [Bool](repeating: true, count: points.count)
        let outliers = Int((o.outlierFraction * Double(points.count)).rounded())
        switch o.outlierStyle {
        case .uniform:
            let lo = points.reduce(SIMD3<Float>(repeating: .infinity)) { pointwiseMin($0, $1) }
            let hi = points.reduce(SIMD3<Float>(repeating: -.infinity)) { pointwiseMax($0, $1) }
            var order = Array(points.indices)
            shuffle(&order, &g)
            for i in order.prefix(outliers) {
                isInlier[i] = false
                let u = SIMD3<Float>(Float(uniform(&g)), Float(uniform(&g)), Float(uniform(&g)))
                points[i] = lo + (hi - lo) * u
            }
        case .clustered:
            var count = 0
            while count < outliers {
                // A disc of cells that sees the room as another disc of cells does.
                let centre = SIMD2(g.below(cols), g.below(rows))
                let radius = 3 + g.below(6)
                let shift = SIMD2(g.below(cols) - cols / 2, g.below(rows) - rows / 2)
                if abs(shift.x) + abs(shift.y) < 5 { continue }
                let source = points
                for r in max(0, centre.y - radius)...min(rows - 1, centre.y + radius) {
                    for c in max(0, centre.x - radius)...min(cols - 1, centre.x + radius) where count < outliers {
                        let d = SIMD2(c - centre.x, r - centre.y)
                        guard d.x * d.x + d.y * d.y <= radius * radius, isInlier[r * cols + c] else { continue }
                        let sc = min(max(c + shift.x, 0), cols - 1), sr = min(max(r + shift.y, 0), rows - 1)
                        if sc == c && sr == r { continue }
                        points[r * cols + c] = source[sr * cols + sc]
                        isInlier[r * cols + c] = false
                        count += 1
                    }
                }
            }
        }
        let correspondences = try! Correspondences(pixels: pixels, scenePoints: points)
        return PnPProblem(correspondences: correspondences, intrinsics: k, camFromWorld: camFromWorld,
                          isInlier: isInlier)
    }

    /// Yaw uniform, pitch ±20°, roll ±10°, camera centre in [−2, 2]³ m (as peers_bench.py).
    static func randomPose(_ g: inout SeededGenerator) -> Pose {
        let yaw = (uniform(&g) * 2 - 1) * .pi
        let pitch = (uniform(&g) * 2 - 1) * 20 * .pi / 180
        let roll = (uniform(&g) * 2 - 1) * 10 * .pi / 180
        let worldFromCamRotation = Rotation.matrix(axisAngle: SIMD3(0, yaw, 0))
            * Rotation.matrix(axisAngle: SIMD3(pitch, 0, 0)) * Rotation.matrix(axisAngle: SIMD3(0, 0, roll))
        let centre = SIMD3((uniform(&g) * 2 - 1) * 2, (uniform(&g) * 2 - 1) * 2, (uniform(&g) * 2 - 1) * 2)
        return Pose(rotation: worldFromCamRotation, translation: centre).inverse
    }

    /// A box room in the camera frame: the depth of a ray is its first wall, clipped to [0.5, 4] m.
    struct Room {
        var planes: [(normal: SIMD3<Double>, distance: Double)]

        init(_ g: inout SeededGenerator) {
            let tilt = SIMD3((uniform(&g) - 0.5) * 0.4, (uniform(&g) - 0.5) * 0.4, 1)
            planes = [
                (tilt / length(tilt), 2.5 + 1.5 * uniform(&g)),  // back wall
                (SIMD3(0, 1, 0), 0.8 + 0.8 * uniform(&g)),  // floor (y points down)
                (SIMD3(0, -1, 0), 0.8 + 0.8 * uniform(&g)),  // ceiling
                (SIMD3(-1, 0, 0), 1.0 + 1.0 * uniform(&g)),  // left wall
                (SIMD3(1, 0, 0), 1.0 + 1.0 * uniform(&g)),  // right wall
            ]
        }

        /// Depth (z) of the first hit along ray (x, y, 1).
        func depth(along ray: SIMD3<Double>) -> Double {
            var best = Double.infinity
            for p in planes {
                let d = dot(p.normal, ray)
                if d > 1e-9 { best = min(best, p.distance / d) }
            }
            return min(max(best, 0.5), 4.0)
        }
    }
}

func uniform(_ g: inout SeededGenerator) -> Double { Double(g.next() >> 11) * 0x1p-53 }

func gaussian(_ g: inout SeededGenerator) -> Double {
    let u1 = max(uniform(&g), 1e-300), u2 = uniform(&g)
    return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
}

func shuffle<T>(_ a: inout [T], _ g: inout SeededGenerator) {
    guard a.count > 1 else { return }
    for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, g.below(i + 1)) }
}
