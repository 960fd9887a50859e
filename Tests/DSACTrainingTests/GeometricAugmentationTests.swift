import DSAC
import DSACData
import Foundation
import Testing

@testable import DSACTraining

/// The geometric augmentation against independent references: the renderer drawing the zoomed and rolled camera
/// directly, and the projection of every augmented ground-truth coordinate.
@Suite struct GeometricAugmentationTests {
    static let scene = try! SyntheticScene(name: "room", seed: 5,
                                           options: SyntheticOptions(width: 320, height: 240, trainFrames: 8,
                                                                     testFrames: 1))

    @Test(arguments: [(1.0, 0.0), (1.5, 0.0), (0.7, 0.0), (1.0, 0.4), (1.3, -0.25), (0.8, 0.5)])
    func coordinatesReprojectToTheirCells(scale: Double, roll: Double) throws {
        let source = try Self.scene.frame(.train, at: 3, options: LoadOptions(stride: 1))
        let (f, inside) = GeometricAugmentation.apply(source, width: 160, height: 120, scale: scale, roll: roll)
        let grid = try #require(f.sceneCoordinates)
        // Padding cells have no truth; zooming in without roll leaves none.
        for i in inside.indices where !inside[i] { #expect(grid.mask[i] == 0) }
        if scale >= 1 && roll == 0 { #expect(inside.allSatisfy { $0 }) }
        if scale < 1 { #expect(inside.contains(false)) }
        #expect(grid.columns == 20 && grid.rows == 15)
        var known = 0, worst = 0.0
        for r in 0..<grid.rows {
            for c in 0..<grid.columns {
                guard let x = grid[column: c, row: r] else { continue }
                let p = f.camFromWorld.apply(SIMD3(Double(x.x), Double(x.y), Double(x.z)))
                let u = f.intrinsics.fx * p.x / p.z + f.intrinsics.cx, v = f.intrinsics.fy * p.y / p.z + f.intrinsics.cy
                let e = ((u - Double(8 * c + 4)) * (u - Double(8 * c + 4)) + (v - Double(8 * r + 4)) * (v - Double(8 * r + 4))).squareRoot()
                worst = max(worst, e)
                known += 1
            }
        }
        // Half a source pixel, in output pixels: 0.5 · √2 · (120 / 240) · scale.
        #expect(worst <= 0.36 * scale + 1e-6, "worst reprojection \(worst) px")
        // Zooming out leaves black borders without truth; otherwise almost every cell has a coordinate.
        #expect(known >= (scale >= 1 && roll == 0 ? 290 : 150))
    }

    @Test func imageMatchesADirectRenderOfTheAugmentedCamera() throws {
        let source = try Self.scene.frame(.train, at: 5, options: LoadOptions(stride: 1))
        let f = GeometricAugmentation.apply(source, width: 160, height: 120, scale: 1.25, roll: 0.3).frame
        let direct = try Self.scene.render(worldFromCam: f.worldFromCam, intrinsics: f.intrinsics, width: 160,
                                           height: 120, surfaces: false)
        var diff = [Double]()
        for i in stride(from: 0, to: f.image.pixels.count, by: 1) {
            diff.append(Double(abs(f.image.pixels[i] - direct.image.pixels[i])))
        }
        diff.sort()
        // Resampling blurs edges; the bulk of the pixels must agree closely.
        #expect(diff[diff.count / 2] < 0.03, "median difference \(diff[diff.count / 2])")
        #expect(diff[diff.count * 9 / 10] < 0.12, "90th percentile \(diff[diff.count * 9 / 10])")
    }

    @Test func trainerOptionsAreChecked() {
        var o = NetworkTrainingOptions()
        o.scale = 0.5
        #expect(throws: TrainingError.self) { try o.validate() }
        o.scale = 1.5
        o.rollDegrees = -1
        #expect(throws: TrainingError.self) { try o.validate() }
        o.rollDegrees = 15
        #expect(throws: Never.self) { try o.validate() }
        o.framesPerStep = 0
        #expect(throws: TrainingError.self) { try o.validate() }
    }
}
