import DSAC
import Foundation

/// A smooth camera path through a room's free space: the centre follows a Lissajous curve (frequencies 1–3 over
/// the sequence, so it is closed and smooth), the camera turns around the room `turns` times while its heading,
/// pitch and roll wobble with low frequencies. Train and test paths come from different seeds: different curves
/// over the same space, looking at the same walls.
public struct Trajectory: Sendable, Equatable {
    public var frames: Int
    var centreAmplitude: SIMD3<Double>
    var centreOffset: SIMD3<Double>
    var frequencies: SIMD4<Double>
    var phases: SIMD8<Double>
    var turns: Double
    var headingStart: Double

    public init(room: SIMD3<Double>, frames: Int, turns: Double, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        self.frames = frames
        let free = SIMD2(max(0.1, room.x / 2 - SceneGenerator.wallBand), max(0.1, room.y / 2 - SceneGenerator.wallBand))
        centreAmplitude = SIMD3(free.x * 0.85, free.y * 0.85, 0.2)
        centreOffset = SIMD3(0, 0, 1.55)
        frequencies = SIMD4(Double(1 + rng.below(3)), Double(1 + rng.below(3)), Double(2 + rng.below(3)), Double(3 + rng.below(4)))
        var p = SIMD8<Double>()
        for k in 0..<8 { p[k] = Double.random(in: 0..<(2 * Double.pi), using: &rng) }
        phases = p
        self.turns = turns
        headingStart = Double.random(in: 0..<(2 * Double.pi), using: &rng)
    }

    /// world_from_cam of frame `index` (OpenCV camera axes: x right, y down, z forward; world z up).
    public func worldFromCam(_ index: Int) -> Pose {
        let t = Double(index) / Double(max(1, frames))
        let w = 2 * Double.pi * t
        let centre = centreOffset + centreAmplitude * SIMD3(sin(frequencies[0] * w + phases[0]),
                                                             sin(frequencies[1] * w + phases[1]),
                                                             sin(frequencies[2] * w + phases[2]))
        let heading = headingStart + turns * w + 0.35 * sin(frequencies[3] * w + phases[3])
        let pitch = -0.12 + 0.12 * sin(frequencies[2] * w + phases[4])
        let roll = 0.06 * sin(frequencies[1] * w + phases[5])
        let forward = SIMD3(cos(pitch) * cos(heading), cos(pitch) * sin(heading), sin(pitch))
        let right0 = normalize(cross(forward, SIMD3(0, 0, 1)))
        let down0 = cross(forward, right0)
        let right = cos(roll) * right0 + sin(roll) * down0
        let down = cross(forward, right)
        // Columns of R are the camera axes in the world.
        let r = Matrix3(rows: SIMD3(right.x, down.x, forward.x), SIMD3(right.y, down.y, forward.y),
                        SIMD3(right.z, down.z, forward.z))
        return Pose(rotation: r, translation: centre)
    }

    private func normalize(_ v: SIMD3<Double>) -> SIMD3<Double> { v / length(v) }
}
