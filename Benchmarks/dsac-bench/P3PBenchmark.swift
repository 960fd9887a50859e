import ArgumentParser
import CKernels
import DSAC
import Foundation

struct P3PBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "p3p", abstract: "P3P solves per second on one thread, and how often the true pose is found.")

    @Option(help: "Random noise-free problems.") var problems = 100_000
    @Option(help: "Timed runs (after one warm-up).") var runs = 5
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: "Write the results here as JSON.") var json: String?

    func run() throws {
        var g = SeededGenerator(seed: seed)
        var bearings = [Double](), points = [Double](), truth = [Pose]()
        for _ in 0..<problems {
            let (b, x, pose) = randomP3P(&g)
            bearings += b
            points += x
            truth.append(pose)
        }
        var solutions = [dsac_pose](repeating: dsac_pose(), count: 4 * problems)
        var counts = [Int32](repeating: 0, count: problems)
        let ms = medianMilliseconds(runs: runs) {
            // Raw pointers throughout, so the loop measures the solver and not Swift's array bookkeeping.
            bearings.withUnsafeBufferPointer { b in
                points.withUnsafeBufferPointer { x in
                    solutions.withUnsafeMutableBufferPointer { s in
                        counts.withUnsafeMutableBufferPointer { n in
                            let (bp, xp, sp, np) = (b.baseAddress!, x.baseAddress!, s.baseAddress!, n.baseAddress!)
                            for k in 0..<problems { _ = dsac_p3p(bp + 9 * k, xp + 9 * k, sp + 4 * k, np + k) }
                        }
                    }
                }
            }
        }
        var found = 0
        var worst = 0.0
        for k in 0..<problems {
            var best = Double.infinity
            for j in 0..<Int(counts[k]) {
                let p = solutions[4 * k + j]
                let r = [p.rotation.0, p.rotation.1, p.rotation.2, p.rotation.3, p.rotation.4, p.rotation.5,
                         p.rotation.6, p.rotation.7, p.rotation.8]
                let t = [p.translation.0, p.translation.1, p.translation.2]
                let tr = truth[k]
                let err = zip(r, tr.rotation.rowMajor).map { abs($0 - $1) }.max()!
                    + zip(t, [tr.translation.x, tr.translation.y, tr.translation.z]).map { abs($0 - $1) }.max()!
                best = min(best, err)
            }
            if best < 1e-6 { found += 1 }
            if best.isFinite { worst = max(worst, best) } else { worst = .infinity }
        }
        let perSecond = Double(problems) / (ms / 1e3)
        print(String(format: "P3P: %.2f M solves/s on 1 thread (%.1f ns each), true pose found in %.4f%% "
                     + "(to 1e-6), worst error %.2e", perSecond / 1e6, ms * 1e6 / Double(problems),
                     100 * Double(found) / Double(problems), worst))
        try writeJSON(["solves_per_second": perSecond, "ns_per_solve": ms * 1e6 / Double(problems),
                       "found_rate": Double(found) / Double(problems), "worst_error": worst.isFinite ? worst : -1,
                       "problems": problems], to: json)
    }
}

/// A noise-free P3P problem: a random pose, three points in front of the camera at depths 0.5–10 m.
func randomP3P(_ g: inout SeededGenerator) -> ([Double], [Double], Pose) {
    func u() -> Double { Double(g.next() >> 11) * 0x1p-53 }
    let axis = SIMD3(u() * 2 - 1, u() * 2 - 1, u() * 2 - 1)
    let rotation = Rotation.matrix(axisAngle: axis * (Double.pi / max(length(axis), 1e-9)) * u())
    let camFromWorld = Pose(rotation: rotation, translation: SIMD3(u() * 4 - 2, u() * 4 - 2, u() * 4 - 2))
    let worldFromCam = camFromWorld.inverse
    var bearings = [Double](), points = [Double]()
    for _ in 0..<3 {
        let b = SIMD3(u() - 0.5, (u() - 0.5) * 0.75, 1.0)
        let depth = 0.5 + 9.5 * u()
        let x = worldFromCam.apply(b * depth)
        bearings += [b.x, b.y, b.z]
        points += [x.x, x.y, x.z]
    }
    return (bearings, points, camFromWorld)
}
