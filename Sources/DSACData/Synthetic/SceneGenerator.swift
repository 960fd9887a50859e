import DSAC
import Foundation

/// Builds procedural rooms from a preset and a seed: six distinctly textured room faces, furniture-like blocks
/// (cabinets, shelves with objects, tables with legs, crates) along the walls, a few low objects in the middle,
/// and point lights under the ceiling. The same (preset, seed) always gives the same scene.
public enum SceneGenerator {
    public struct Preset: Sendable {
        public var name: String
        public var roomSize: SIMD3<Double>
        public var piecesPerWall: ClosedRange<Int>
        public var centralObjects: ClosedRange<Int>
        public var pillars: Int
        public var lights: Int
    }

    public static let presets: [Preset] = [
        Preset(name: "room", roomSize: SIMD3(6, 5, 2.8), piecesPerWall: 2...3, centralObjects: 1...2, pillars: 0, lights: 3),
        Preset(name: "office", roomSize: SIMD3(7, 6, 3.0), piecesPerWall: 3...4, centralObjects: 1...2, pillars: 0, lights: 4),
        Preset(name: "kitchen", roomSize: SIMD3(5, 4.2, 2.7), piecesPerWall: 3...4, centralObjects: 1...1, pillars: 0, lights: 2),
        Preset(name: "hall", roomSize: SIMD3(10, 6, 3.5), piecesPerWall: 3...5, centralObjects: 0...1, pillars: 2, lights: 4),
        Preset(name: "studio", roomSize: SIMD3(4.2, 4, 2.6), piecesPerWall: 1...2, centralObjects: 0...1, pillars: 0, lights: 2),
    ]

    public static func preset(named name: String) throws(DataError) -> Preset {
        guard let p = presets.first(where: { $0.name == name.lowercased() }) else {
            throw .invalidArgument("unknown synthetic scene '\(name)' (known: \(presets.map(\.name).joined(separator: ", ")))")
        }
        return p
    }

    /// Free space the camera may move in: the room minus a band along the walls for furniture.
    static let wallBand = 1.2

    /// `detail`: the amplitude of every material's fine surface detail (`Material.detail`); it draws nothing from
    /// the generator, so the layout and patterns of a (preset, seed) are the same for any detail.
    public static func generate(_ preset: Preset, seed: UInt64, detail: Float = 0) -> SceneDescription {
        var rng = SeededGenerator(seed: seed ^ fnv1a(preset.name))
        var materials: [SceneDescription.Material] = []
        func material(_ patterns: [SceneDescription.Pattern], scale: ClosedRange<Float>, variation: Float = 0.3)
            -> Int32
        {
            let pattern = patterns[rng.below(patterns.count)]
            let a = randomColour(&rng), b = randomColour(&rng)
            materials.append(.init(pattern: pattern, seed: UInt32(truncatingIfNeeded: rng.next()), colorA: a, colorB: b,
                                   scale: Float.random(in: scale, using: &rng),
                                   angle: Float.random(in: 0...Float.pi, using: &rng), variation: variation,
                                   detail: detail))
            return Int32(materials.count - 1)
        }
        let size = preset.roomSize
        var boxes: [SceneDescription.Box] = []
        // The room: each wall its own material; floor and ceiling.
        let walls: [SceneDescription.Pattern] = [.bricks, .tiles, .stripes, .noise, .dots, .checker, .rings]
        let roomMaterials = [
            material(walls, scale: 0.3...0.7), material(walls, scale: 0.3...0.7),
            material(walls, scale: 0.3...0.7), material(walls, scale: 0.3...0.7),
            material([.tiles, .checker, .rings], scale: 0.4...0.8), material([.noise, .plain, .dots], scale: 0.8...1.5, variation: 0.15),
        ]
        boxes.append(.init(center: SIMD3(0, 0, size.z / 2), halfSize: size / 2, yaw: 0, materials: roomMaterials, inside: true))

        func solid(_ center: SIMD3<Double>, _ half: SIMD3<Double>, yaw: Double, _ m: Int32) {
            boxes.append(.init(center: center, halfSize: half, yaw: yaw, materials: [Int32](repeating: m, count: 6), inside: false))
        }
        func furnitureMaterial() -> Int32 {
            material([.rings, .noise, .stripes, .checker, .dots, .tiles, .plain], scale: 0.1...0.35, variation: 0.2)
        }

        // Furniture along the walls. Wall k: its inward normal and the direction along it.
        for wall in 0..<4 {
            let alongX = wall < 2
            let length = alongX ? size.x : size.y
            let depthHalf = (alongX ? size.y : size.x) / 2
            let sign: Double = wall % 2 == 0 ? -1 : 1
            let yaw = alongX ? 0.0 : Double.pi / 2
            let count = Int.random(in: preset.piecesPerWall, using: &rng)
            let slot = (length - 0.6) / Double(count)
            for k in 0..<count {
                let width = min(slot - 0.2, Double.random(in: 0.6...1.6, using: &rng))
                guard width > 0.3 else { continue }
                let along = -length / 2 + 0.3 + slot * (Double(k) + 0.5) + Double.random(in: -0.1...0.1, using: &rng)
                let depth = Double.random(in: 0.35...0.75, using: &rng)
                let offset = sign * (depthHalf - depth / 2 - 0.02)
                func at(_ a: Double, _ o: Double, _ z: Double) -> SIMD3<Double> {
                    alongX ? SIMD3(a, o, z) : SIMD3(o, a, z)
                }
                let m = furnitureMaterial()
                switch rng.below(4) {
                case 0:  // cabinet
                    let h = Double.random(in: 0.7...1.9, using: &rng)
                    solid(at(along, offset, h / 2), SIMD3(width / 2, depth / 2, h / 2), yaw: yaw, m)
                    addSmallObjects(on: at(along, offset, h), width: width, depth: depth, yaw: yaw, &boxes, &rng, [furnitureMaterial(), furnitureMaterial()])
                case 1:  // table with legs
                    let h = Double.random(in: 0.7...0.8, using: &rng)
                    solid(at(along, offset, h - 0.02), SIMD3(width / 2, depth / 2, 0.02), yaw: yaw, m)
                    for (u, v) in [(-1.0, -1.0), (1, -1), (-1, 1), (1, 1)] {
                        solid(at(along + u * (width / 2 - 0.05), offset + v * (depth / 2 - 0.05), (h - 0.04) / 2),
                              SIMD3(0.025, 0.025, (h - 0.04) / 2), yaw: yaw, m)
                    }
                    addSmallObjects(on: at(along, offset, h), width: width, depth: depth, yaw: yaw, &boxes, &rng, [furnitureMaterial(), furnitureMaterial()])
                case 2:  // shelf: a tall back and boards with objects
                    let h = Double.random(in: 1.5...2.2, using: &rng)
                    let back = 0.05
                    solid(at(along, sign * (depthHalf - back / 2 - 0.01), h / 2), SIMD3(width / 2, back / 2, h / 2), yaw: yaw, m)
                    let boards = 3
                    for b in 0..<boards {
                        let z = h * Double(b + 1) / Double(boards + 1)
                        solid(at(along, offset, z), SIMD3(width / 2, depth / 2, 0.015), yaw: yaw, m)
                        addSmallObjects(on: at(along, offset, z + 0.015), width: width, depth: depth, yaw: yaw, &boxes, &rng, [furnitureMaterial(), furnitureMaterial()])
                    }
                default:  // stacked crates
                    var z = 0.0
                    for _ in 0..<(1 + rng.below(3)) {
                        let h = Double.random(in: 0.3...0.6, using: &rng)
                        let w = width * Double.random(in: 0.6...1.0, using: &rng)
                        solid(at(along, offset, z + h / 2), SIMD3(w / 2, depth / 2 * 0.9, h / 2),
                              yaw: yaw + Double.random(in: -0.2...0.2, using: &rng), furnitureMaterial())
                        z += h
                    }
                }
            }
        }
        // Low objects in the middle (the camera passes above them).
        for _ in 0..<Int.random(in: preset.centralObjects, using: &rng) {
            let free = SIMD2(size.x / 2 - wallBand, size.y / 2 - wallBand)
            let c = SIMD2(Double.random(in: -free.x...free.x, using: &rng), Double.random(in: -free.y...free.y, using: &rng))
            let h = Double.random(in: 0.3...0.8, using: &rng)
            solid(SIMD3(c.x, c.y, h / 2), SIMD3(Double.random(in: 0.2...0.5, using: &rng), Double.random(in: 0.2...0.5, using: &rng), h / 2),
                  yaw: Double.random(in: 0...Double.pi, using: &rng), furnitureMaterial())
        }
        for k in 0..<preset.pillars {
            let x = size.x * (Double(k + 1) / Double(preset.pillars + 1) - 0.5)
            for y in [-size.y / 2 + wallBand - 0.25, size.y / 2 - wallBand + 0.25] {
                solid(SIMD3(x, y, size.z / 2), SIMD3(0.15, 0.15, size.z / 2), yaw: 0,
                      material([.bricks, .stripes, .tiles], scale: 0.2...0.4))
            }
        }
        var lights: [SceneDescription.Light] = []
        for _ in 0..<preset.lights {
            let p = SIMD3(Double.random(in: -size.x / 2 + 0.5...size.x / 2 - 0.5, using: &rng),
                          Double.random(in: -size.y / 2 + 0.5...size.y / 2 - 0.5, using: &rng), size.z - 0.15)
            let warm = Float.random(in: 0.85...1.0, using: &rng)
            lights.append(.init(position: p, intensity: SIMD3(1, warm, warm * warm) * (2.4 / Float(preset.lights)),
                                falloff: 0.06))
        }
        return SceneDescription(roomSize: size, boxes: boxes, materials: materials, lights: lights,
                                ambient: SIMD3(repeating: 0.3))
    }

    private static func addSmallObjects(on top: SIMD3<Double>, width: Double, depth: Double, yaw: Double,
                                        _ boxes: inout [SceneDescription.Box], _ rng: inout SeededGenerator,
                                        _ materials: [Int32]) {
        for _ in 0..<rng.below(3) {
            let h = Double.random(in: 0.08...0.3, using: &rng)
            let hw = Double.random(in: 0.05...0.15, using: &rng), hd = Double.random(in: 0.05...min(0.15, depth / 2 - 0.02), using: &rng)
            let u = Double.random(in: -(width / 2 - hw)...(width / 2 - hw), using: &rng)
            let c = cos(yaw), s = sin(yaw)
            let center = SIMD3(top.x + c * u, top.y + s * u, top.z + h / 2)
            let m = materials[rng.below(materials.count)]
            boxes.append(.init(center: center, halfSize: SIMD3(hw, hd, h / 2), yaw: yaw + Double.random(in: -0.4...0.4, using: &rng),
                               materials: [Int32](repeating: m, count: 6), inside: false))
        }
    }

    static func randomColour(_ rng: inout SeededGenerator) -> SIMD3<Float> {
        // Saturated-enough colours from a random hue, value 0.35–0.95.
        let h = Float.random(in: 0..<6, using: &rng)
        let s = Float.random(in: 0.25...0.85, using: &rng), v = Float.random(in: 0.35...0.95, using: &rng)
        let i = Int(h), f = h - Float(i)
        let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
        switch i {
        case 0: return SIMD3(v, t, p)
        case 1: return SIMD3(q, v, p)
        case 2: return SIMD3(p, v, t)
        case 3: return SIMD3(p, q, v)
        case 4: return SIMD3(t, p, v)
        default: return SIMD3(v, p, q)
        }
    }

    /// FNV-1a of a string: a stable seed from a scene name (Swift's hashValue is randomised per run).
    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
