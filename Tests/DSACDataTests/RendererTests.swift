import DSAC
import Foundation
import Testing

@testable import DSACData

@Suite("Synthetic renderer")
struct RendererTests {
    static let options = SyntheticOptions(width: 160, height: 120, trainFrames: 40, testFrames: 20)

    @Test("a pixel's depth, back-projected and moved by the pose, lands on the surface the ray hit")
    func depthLandsOnSurface() throws {
        let scene = try SyntheticScene(name: "office", seed: 7, options: Self.options)
        for (split, index) in [(Split.train, 0), (.train, 17), (.test, 5)] {
            let r = try scene.render(split, at: index, surfaces: true)
            var worst = 0.0
            var hits = 0
            for y in stride(from: 0, to: r.depth.height, by: 3) {
                for x in stride(from: 0, to: r.depth.width, by: 3) {
                    let s = r.surface[y * r.depth.width + x]
                    let z = Double(r.depth[x, y])
                    #expect(s >= 0 && z > 0, "a closed room: every ray hits")
                    guard s >= 0 else { continue }
                    let world = r.worldFromCam.apply(r.intrinsics.backProject(pixel: SIMD2(Double(x), Double(y)), depth: z))
                    worst = max(worst, scene.description.distance(from: world, toSurface: s))
                    hits += 1
                }
            }
            #expect(hits > 1000)
            #expect(worst < 2e-5, "float32 depth of a ray hit at ≤ 10 m: ~1e-6 relative")
        }
    }

    @Test("two frames seeing the same point agree within rendering precision")
    func twoViewsAgree() throws {
        let scene = try SyntheticScene(name: "room", seed: 3, options: Self.options)
        let a = try scene.render(.train, at: 4, surfaces: true)
        let b = scene.worldFromCam(.train, at: 9)
        var compared = 0
        var worst = 0.0
        for (x, y) in [(80, 60), (30, 40), (120, 90), (60, 100), (140, 20), (10, 110), (100, 30)] {
            let world = a.worldFromCam.apply(a.intrinsics.backProject(pixel: SIMD2(Double(x), Double(y)), depth: Double(a.depth[x, y])))
            let inB = b.inverse.apply(world)
            guard inB.z > 0.1 else { continue }
            let p = a.intrinsics.project(inB)
            guard p.x > 1, p.y > 1, p.x < 158, p.y < 118 else { continue }
            // Shift B's principal point so the point projects exactly onto a pixel centre: one ray hits it.
            let px = p.x.rounded(), py = p.y.rounded()
            let k = Intrinsics(fx: a.intrinsics.fx, fy: a.intrinsics.fy, cx: a.intrinsics.cx + px - p.x, cy: a.intrinsics.cy + py - p.y)
            let view = try scene.render(worldFromCam: b, intrinsics: k, width: 160, height: 120)
            let (ix, iy) = (Int(px), Int(py))
            guard view.surface[iy * 160 + ix] == a.surface[y * 160 + x] else { continue }  // occluded in B
            let again = b.apply(k.backProject(pixel: SIMD2(px, py), depth: Double(view.depth[ix, iy])))
            worst = max(worst, length(again - world))
            compared += 1
        }
        #expect(compared >= 3)
        #expect(worst < 5e-5)
    }

    @Test("the same seed gives the same frames on any thread count; another seed gives another scene")
    func determinism() throws {
        let one = try SyntheticScene(name: "kitchen", seed: 11, options: Self.options)
        let two = try SyntheticScene(name: "kitchen", seed: 11, options: Self.options)
        let a = try one.render(.test, at: 3, threads: 1)
        let b = try two.render(.test, at: 3, threads: 2)
        #expect(a.image.pixels == b.image.pixels && a.depth.metres == b.depth.metres)
        let other = try SyntheticScene(name: "kitchen", seed: 12, options: Self.options)
        #expect(other.description != one.description)
        var noisy = Self.options
        noisy.noiseSigma = 0.02
        noisy.lightingChanges = true
        let n1 = try SyntheticScene(name: "kitchen", seed: 11, options: noisy).render(.test, at: 3, threads: 2)
        let n2 = try SyntheticScene(name: "kitchen", seed: 11, options: noisy).render(.test, at: 3, threads: 1)
        #expect(n1.image.pixels == n2.image.pixels)
        #expect(n1.image.pixels != a.image.pixels && n1.depth.metres == a.depth.metres)
    }

    @Test("trajectories are smooth, inside the room, and train differs from test")
    func trajectories() throws {
        let scene = try SyntheticScene(name: "hall", seed: 5, options: SyntheticOptions(trainFrames: 500, testFrames: 200))
        let room = scene.description.roomSize
        var previous: Pose?
        for i in 0..<500 {
            let pose = scene.worldFromCam(.train, at: i)
            #expect(pose.rotation.orthonormalityError < 1e-9 && abs(pose.rotation.determinant - 1) < 1e-9)
            let c = pose.translation
            #expect(abs(c.x) < room.x / 2 - 1 && abs(c.y) < room.y / 2 - 1 && c.z > 1 && c.z < room.z - 0.5)
            if let p = previous {
                #expect(length(c - p.translation) < 0.15)
                #expect(Rotation.angleBetween(pose.rotation, p.rotation) < 0.1)
            }
            previous = pose
        }
        #expect(length(scene.worldFromCam(.train, at: 10).translation - scene.worldFromCam(.test, at: 10).translation) > 1e-3)
    }

    @Test("textures tell places apart: views of different walls differ much more than neighbouring frames")
    func distinctive() throws {
        let scene = try SyntheticScene(name: "room", seed: 2, options: Self.options)
        func grey(_ i: Int) throws -> [Float] { try scene.render(.train, at: i).image.grey().pixels }
        func distance(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / Float(a.count) }
        let a = try grey(0), b = try grey(1), far = try grey(10)
        #expect(distance(a, b) < distance(a, far))
        // Not a flat image: real contrast.
        let mean = a.reduce(0, +) / Float(a.count)
        let spread = a.reduce(0) { $0 + abs($1 - mean) } / Float(a.count)
        #expect(spread > 0.03)
    }

    @Test("surface detail breaks a pattern's periodicity: a shift by one period looks the same only without it")
    func detailIsNotPeriodic() throws {
        // A room whose faces all carry one checker (period 2 × 0.5 m), lit by ambient light only; the camera looks
        // at the +x wall from 3 m and moves along it by exactly one period.
        func render(detail: Float, cameraY: Double) throws -> RenderKernel.Output {
            let checker = SceneDescription.Material(pattern: .checker, seed: 7, colorA: SIMD3(0.8, 0.3, 0.2),
                                                    colorB: SIMD3(0.2, 0.5, 0.7), scale: 0.5, angle: 0, variation: 0,
                                                    detail: detail)
            let room = SceneDescription.Box(center: SIMD3(0, 0, 1.5), halfSize: SIMD3(3, 3, 1.5), yaw: 0,
                                            materials: [Int32](repeating: 0, count: 6), inside: true)
            let scene = SceneDescription(roomSize: SIMD3(6, 6, 3), boxes: [room], materials: [checker], lights: [],
                                         ambient: SIMD3(repeating: 1))
            // Columns of world_from_cam: right (−y), down (−z), forward (+x).
            let worldFromCam = Pose(rotation: Matrix3(rows: SIMD3(0, 0, 1), SIMD3(-1, 0, 0), SIMD3(0, -1, 0)),
                                    translation: SIMD3(0, cameraY, 1.5))
            let k = Intrinsics(fx: 131.25, fy: 131.25, cx: 80, cy: 60)
            return try RenderKernel.render(scene, intrinsics: k, camFromWorld: worldFromCam.inverse, width: 160,
                                           height: 120, exposure: 1, lightScale: 1, noiseSigma: 0, noiseSeed: 0,
                                           threads: 2, wantSurface: false)
        }
        func meanDifference(_ a: [Float], _ b: [Float]) -> Float {
            zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / Float(a.count)
        }
        let flat = (try render(detail: 0, cameraY: 0), try render(detail: 0, cameraY: 1))
        let detailed = (try render(detail: 0.12, cameraY: 0), try render(detail: 0.12, cameraY: 1))
        #expect(meanDifference(flat.0.rgb, flat.1.rgb) < 1e-4)
        #expect(meanDifference(detailed.0.rgb, detailed.1.rgb) > 0.01)
        #expect(flat.0.depth == detailed.0.depth)
        // The detail changes the look, not the pattern underneath: the same mean colour within a few percent.
        let means = [flat.0.rgb, detailed.0.rgb].map { $0.reduce(0, +) / Float($0.count) }
        #expect(abs(means[0] - means[1]) < 0.05 * means[0])
    }

    @Test("in-memory frames carry exact ground truth at stride 8")
    func frames() throws {
        let scene = try SyntheticScene(name: "studio", seed: 1, options: Self.options)
        let frame = try scene.frame(.train, at: 3, options: LoadOptions(colour: .grey))
        let grid = try #require(frame.sceneCoordinates)
        #expect(grid.columns == 20 && grid.rows == 15 && grid.validCount == 300)
        let x = try #require(grid[column: 5, row: 7])
        let p = frame.intrinsics.project(frame.camFromWorld.apply(SIMD3(Double(x.x), Double(x.y), Double(x.z))))
        #expect(abs(p.x - 44) < 1e-3 && abs(p.y - 60) < 1e-3)
        guard case .invalidArgument = expectDataError({ _ = try scene.frame(.train, at: 40) }) else {
            Issue.record("frame 40 of 40 must be out of range"); return
        }
        guard case .invalidArgument = expectDataError({ _ = try SyntheticScene(name: "castle") }) else {
            Issue.record("unknown scene must be an error"); return
        }
    }
}

@Suite("Ground truth for the localizer")
struct GroundTruthBridgeTests {
    @Test("a frame's known cells become correspondences that reproject onto their pixels under the GT pose")
    func correspondences() throws {
        let scene = try SyntheticScene(name: "room", seed: 9, options: RendererTests.options)
        let frame = try scene.frame(.test, at: 2)
        let grid = try #require(frame.sceneCoordinates)
        let c = try grid.correspondences()
        #expect(c.count == grid.validCount)
        let map = try grid.map()
        #expect(map.width == grid.columns && map.height == grid.rows && map.offset == 4)
        var worst = 0.0
        for i in 0..<c.count {
            let x = frame.camFromWorld.apply(SIMD3(Double(c.sceneX[i]), Double(c.sceneY[i]), Double(c.sceneZ[i])))
            let p = frame.intrinsics.project(x)
            worst = max(worst, abs(p.x - Double(c.pixelX[i])), abs(p.y - Double(c.pixelY[i])))
        }
        #expect(worst < 1e-3)
    }
}
