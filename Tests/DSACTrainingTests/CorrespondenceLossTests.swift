import DSAC
import DSACData
import Foundation
import Testing

@testable import DSACTraining

/// The contrastive correspondence loss against a naive float64 reference, its gradient against central
/// differences of that reference, and the matches against the geometry of rendered views.
@Suite struct CorrespondenceLossTests {
    typealias Match = CorrespondenceLoss.Match

    /// The loss in float64, written from its definition (no shared code with the kernel path).
    static func reference(_ a: [Double], _ b: [Double], channels ch: Int, planeA: Int, widthB: Int, heightB: Int,
                          matches: [Match], temperature: Double) -> Double {
        let planeB = widthB * heightB
        func unit(_ f: [Double], _ plane: Int, _ cell: Int) -> [Double] {
            let v = (0..<ch).map { f[$0 * plane + cell] }
            let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / n }
        }
        func dot(_ x: [Double], _ y: [Double]) -> Double { zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } }
        var total = 0.0
        for m in matches {
            let q = unit(a, planeA, m.cellA)
            let u = Double(m.u), v = Double(m.v)
            let x0 = min(Int(u), widthB - 1), y0 = min(Int(v), heightB - 1)
            let x1 = min(x0 + 1, widthB - 1), y1 = min(y0 + 1, heightB - 1)
            let fx = u - Double(x0), fy = v - Double(y0)
            var p = [Double](repeating: 0, count: ch)
            for (x, y, w) in [(x0, y0, (1 - fx) * (1 - fy)), (x1, y0, fx * (1 - fy)), (x0, y1, (1 - fx) * fy),
                              (x1, y1, fx * fy)] {
                let e = unit(b, planeB, y * widthB + x)
                for c in 0..<ch { p[c] += w * e[c] }
            }
            let pn = p.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let l0 = dot(q, p.map { $0 / pn }) / temperature
            var logits = [l0]
            for cell in 0..<planeB {
                let cx = Double(cell % widthB), cy = Double(cell / widthB)
                if abs(cx - u) < 1.5 && abs(cy - v) < 1.5 { continue }
                logits.append(dot(q, unit(b, planeB, cell)) / temperature)
            }
            let top = logits.max()!
            total += log(logits.reduce(0) { $0 + exp($1 - top) }) + top - l0
        }
        return total / Double(matches.count)
    }

    static func problem(seed: UInt64) -> (a: FeatureMap, b: FeatureMap, matches: [Match]) {
        var rng = SeededGenerator(seed: seed)
        func gaussian() -> Float { Float(Initialization.gaussian(&rng)) }
        let ch = 6
        let a = FeatureMap(channels: ch, height: 5, width: 7, values: (0..<(ch * 35)).map { _ in gaussian() })
        let b = FeatureMap(channels: ch, height: 4, width: 6, values: (0..<(ch * 24)).map { _ in gaussian() })
        let matches = (0..<10).map { _ in
            Match(cellA: rng.below(35), u: Float(uniform(&rng) * 5), v: Float(uniform(&rng) * 3))
        }
        return (a, b, matches)
    }

    @Test("loss equals the float64 reference; its gradient equals central differences of the reference")
    func lossAndGradient() throws {
        for seed: UInt64 in [1, 2, 3] {
            let (a, b, matches) = Self.problem(seed: seed)
            let tau = 0.3
            let result = try CorrespondenceLoss.evaluate(a, b, matches: matches, temperature: Float(tau), threads: 2)
            func ref(_ av: [Double], _ bv: [Double]) -> Double {
                Self.reference(av, bv, channels: a.channels, planeA: a.plane, widthB: b.width, heightB: b.height,
                               matches: matches, temperature: tau)
            }
            let a64 = a.values.map(Double.init), b64 = b.values.map(Double.init)
            let expected = ref(a64, b64)
            #expect(abs(result.loss - expected) < 1e-5 * max(1, abs(expected)), "seed \(seed)")
            // Central differences, h = 1e-6, on every input value of both maps.
            var worst = 0.0
            for (which, values, analytic) in [(0, a64, result.gradientA.values), (1, b64, result.gradientB.values)] {
                var numeric = [Double](repeating: 0, count: values.count)
                for i in values.indices {
                    var plus = values, minus = values
                    plus[i] += 1e-6
                    minus[i] -= 1e-6
                    numeric[i] = which == 0 ? (ref(plus, b64) - ref(minus, b64)) / 2e-6
                        : (ref(a64, plus) - ref(a64, minus)) / 2e-6
                }
                let scale = numeric.map(abs).max()!
                for i in values.indices { worst = max(worst, abs(Double(analytic[i]) - numeric[i]) / scale) }
            }
            #expect(worst < 2e-4, "seed \(seed): worst gradient error \(worst) relative to the largest entry")
        }
    }

    @Test("a perfect descriptor has top-1 = 1 and a lower loss than a random one")
    func perfectDescriptorsWin() throws {
        // B's features are A's (a permutation-free copy), matched cell to cell: every positive is the query itself.
        let (a, _, _) = Self.problem(seed: 4)
        let matches = (0..<a.plane).map { Match(cellA: $0, u: Float($0 % a.width), v: Float($0 / a.width)) }
        let same = try CorrespondenceLoss.evaluate(a, a, matches: matches, temperature: 0.1, threads: 1)
        var shuffled = a
        shuffled.values.reverse()
        let other = try CorrespondenceLoss.evaluate(a, shuffled, matches: matches, temperature: 0.1, threads: 1)
        #expect(same.top1 == 1)
        #expect(same.loss < other.loss)
    }

    @Test("bad input is refused: no matches, a match outside the maps, channel mismatch, bad temperature")
    func refusesBadInput() {
        let (a, b, matches) = Self.problem(seed: 5)
        #expect(throws: TrainingError.self) { try CorrespondenceLoss.evaluate(a, b, matches: [], temperature: 0.1, threads: 1) }
        #expect(throws: TrainingError.self) {
            try CorrespondenceLoss.evaluate(a, b, matches: [Match(cellA: 0, u: 9, v: 0)], temperature: 0.1, threads: 1)
        }
        let narrow = FeatureMap(channels: 2, height: 4, width: 6)
        #expect(throws: TrainingError.self) { try CorrespondenceLoss.evaluate(a, narrow, matches: matches, temperature: 0.1, threads: 1) }
        #expect(throws: TrainingError.self) { try CorrespondenceLoss.evaluate(a, b, matches: matches, temperature: 0, threads: 1) }
    }

    @Test("matches: a view matched to itself maps every cell onto itself; a neighbouring view matches most cells")
    func matchesFollowTheGeometry() throws {
        let scene = try SyntheticScene(name: "room", seed: 3,
                                       options: SyntheticOptions(width: 160, height: 120, trainFrames: 40, testFrames: 1))
        let a = try scene.frame(.train, at: 10), b = try scene.frame(.train, at: 11)
        var rng = SeededGenerator(seed: 1)
        let own = CorrespondenceLoss.matches(from: a, to: a, stride: 8, maxCount: 10_000, rng: &rng)
        let grid = a.sceneCoordinates!
        #expect(own.count == grid.validCount)
        for m in own {
            #expect(abs(m.u - Float(m.cellA % grid.columns)) < 1e-3 && abs(m.v - Float(m.cellA / grid.columns)) < 1e-3)
        }
        let next = CorrespondenceLoss.matches(from: a, to: b, stride: 8, maxCount: 10_000, rng: &rng)
        #expect(next.count > grid.validCount / 3)
        // Independently of the ground-truth grids: B's camera, rendered at full resolution, sees each matched point
        // at pixel (8u + 4, 8v + 4) at the depth the point has in B's frame (within 1%).
        let rendered = try scene.render(.train, at: 11)
        let camFromWorld = b.camFromWorld
        var worst = 0.0
        for m in next {
            let y = grid[column: m.cellA % grid.columns, row: m.cellA / grid.columns]!
            let x = camFromWorld.apply(SIMD3(Double(y.x), Double(y.y), Double(y.z)))
            let px = Int((8 * m.u + 4).rounded()), py = Int((8 * m.v + 4).rounded())
            let z = Double(rendered.depth.metres[min(py, 119) * 160 + min(px, 159)])
            worst = max(worst, abs(z - x.z) / x.z)
        }
        #expect(worst < 0.01)
        let capped = CorrespondenceLoss.matches(from: a, to: b, stride: 8, maxCount: 20, rng: &rng)
        #expect(capped.count == 20)
    }
}

/// The contrastive pre-training loop: it learns (the matches' top-1 rises), gives the same encoder on 1 and 2
/// threads, and a run resumed from its checkpoint ends with the bits of an uninterrupted one.
@Suite(.serialized) struct ContrastivePretrainerTests {
    @Test func learnsIsThreadIndependentAndResumesExactly() throws {
        let scenes: [FrameProvider] = try [1, 2].map { seed in
            var s = SyntheticOptions(width: 128, height: 96, trainFrames: 12, testFrames: 1)
            s.trainTurns = 1
            return try SyntheticScene(name: "office", seed: UInt64(seed), options: s)
        }
        var o = ContrastivePretrainingOptions()
        o.iterations = 40
        o.imageHeight = 96
        o.matchesPerPair = 64
        o.learningRate = 3e-3
        o.schedule = "constant"
        let start = try SceneCoordinateNetwork(config: .tiny)
        let path = ModelFileTests.temporaryPath("contrastive-ckpt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines: [TrainingLogLine] = []
        let full = try ContrastivePretrainer(options: o).train(
            scenes, network: start, checkpointing: .init(path: path, every: 20), logEvery: 10) { lines.append($0.line) }
        let top1 = lines.compactMap(\.match_top1)
        #expect(top1.count == 4 && lines.allSatisfy { $0.loss.isFinite })
        #expect(top1.last! > top1.first!, "top-1 \(top1)")
        let c = try ContrastivePretrainer.readCheckpoint(path, fingerprint: o.fingerprint)
        #expect(c.iteration == 20)
        let resumed = try ContrastivePretrainer(options: o).train(scenes, network: c.network,
                                                                   resume: (c.iteration, c.state))
        #expect(resumed.encoder.parameters == full.encoder.parameters)
        var single = o
        single.threads = 1
        #expect(try ContrastivePretrainer(options: single).train(scenes, network: start).encoder.parameters
                == full.encoder.parameters)
    }
}
