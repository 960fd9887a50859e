import Foundation

/// A synthetic indoor scene as the renderer sees it: room shells and solid boxes with procedural materials, lit
/// by point lights. World frame: z up, metres.
public struct SceneDescription: Sendable, Equatable {
    public enum Pattern: Int32, Sendable, CaseIterable {
        case plain = 0, checker, stripes, noise, dots, bricks, tiles, rings
    }

    public struct Material: Sendable, Equatable {
        public var pattern: Pattern
        public var seed: UInt32
        public var colorA: SIMD3<Float>
        public var colorB: SIMD3<Float>
        /// Pattern period, metres.
        public var scale: Float
        /// Pattern rotation in the face plane, radians.
        public var angle: Float
        /// Amplitude of the low-frequency brightness variation, 0–1.
        public var variation: Float
        /// Amplitude of fine, non-repeating detail (brightness and colour, periods 0.5 m to 3 cm), different on
        /// every face, 0–1; 0: none.
        public var detail: Float = 0
    }

    public struct Box: Sendable, Equatable {
        public var center: SIMD3<Double>
        public var halfSize: SIMD3<Double>
        /// Rotation about world z, radians.
        public var yaw: Double
        /// Material index per face: −x, +x, −y, +y, −z, +z (box frame).
        public var materials: [Int32]
        /// A room shell seen from inside.
        public var inside: Bool
    }

    public struct Light: Sendable, Equatable {
        public var position: SIMD3<Double>
        public var intensity: SIMD3<Float>
        public var falloff: Float
    }

    /// Room interior size (x, y, height), metres.
    public var roomSize: SIMD3<Double>
    public var boxes: [Box]
    public var materials: [Material]
    public var lights: [Light]
    public var ambient: SIMD3<Float>

    /// Distance from a world point to face `surface` (box · 6 + face, as the renderer reports it): 0 on the face
    /// rectangle. Used to check that depth lands on the surface the ray hit.
    public func distance(from point: SIMD3<Double>, toSurface surface: Int32) -> Double {
        let box = boxes[Int(surface) / 6]
        let face = Int(surface) % 6
        let d = point - box.center
        let c = cos(box.yaw), s = sin(box.yaw)
        let local = SIMD3(c * d.x + s * d.y, -s * d.x + c * d.y, d.z)
        let axis = face / 2
        let plane = face % 2 == 1 ? box.halfSize[axis] : -box.halfSize[axis]
        var q = local
        for k in 0..<3 where k != axis { q[k] = min(max(q[k], -box.halfSize[k]), box.halfSize[k]) }
        q[axis] = plane
        let e = local - q
        return (e * e).sum().squareRoot()
    }
}
