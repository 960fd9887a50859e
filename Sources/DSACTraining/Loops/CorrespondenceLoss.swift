import DSAC
import DSACData
import Foundation

/// A dense contrastive loss that teaches an encoder features which stay the same when the view changes and differ
/// from place to place: InfoNCE (van den Oord et al. 2018) over the cells of two views of one scene, whose true
/// matches come from the ground-truth coordinates and poses.
///
/// Features are L2-normalised per cell: f̂ = f / |f|. For a match a (cell i_a of view A seen at continuous cell
/// position (u_a, v_a) of view B), the positive is p_a = normalise(bilinear(f̂_B, u_a, v_a)); the negatives are every
/// cell b of B further than 1.5 cells from (u_a, v_a) in x or y (nearer cells show nearly the same point). With
/// logits l_a0 = f̂_A[i_a]·p_a / τ and l_ab = f̂_A[i_a]·f̂_B[b] / τ,
///   L = (1/n) Σ_a [ logsumexp(l_a0, l_ab …) − l_a0 ],
/// and its gradient with respect to both raw feature maps (through the bilinear sampling and the normalisations).
public enum CorrespondenceLoss {
    /// Cell `cellA` (row-major index into view A's cell grid) shows the point B's cell grid sees at (u, v)
    /// (continuous cell coordinates: cell (c, r) is at (c, r)).
    public struct Match: Sendable, Equatable {
        public var cellA: Int
        public var u: Float
        public var v: Float
        public init(cellA: Int, u: Float, v: Float) {
            self.cellA = cellA
            self.u = u
            self.v = v
        }
    }

    /// Cells nearer than this to the true position (in cells, along x and along y) are not negatives.
    public static let exclusionRadius: Float = 1.5

    /// The matches of view `a` in view `b`: every cell of `a` with a ground-truth coordinate that projects in front
    /// of `b`'s camera and inside `b`'s cell grid, where `b` sees that same point: `b`'s ground truth interpolated
    /// bilinearly at the projection (all four cells known) lies within `visibility` metres of it (exact on a plane;
    /// a point hidden behind something else, or on a depth edge, fails). At most `maxCount`, a random subset.
    public static func matches(from a: Frame, to b: Frame, stride: Int, visibility: Float = 0.05, maxCount: Int,
                               rng: inout SeededGenerator) -> [Match] {
        guard let ga = a.sceneCoordinates, let gb = b.sceneCoordinates else { return [] }
        let camFromWorld = b.camFromWorld, k = b.intrinsics
        let half = Double(stride) / 2, slack = 1e-3
        var found: [Match] = []
        for r in 0..<ga.rows {
            for c in 0..<ga.columns {
                guard let y = ga[column: c, row: r] else { continue }
                let x = camFromWorld.apply(SIMD3(Double(y.x), Double(y.y), Double(y.z)))
                guard x.z > 0.1 else { continue }
                var u = (k.fx * x.x / x.z + k.cx - half) / Double(stride)
                var v = (k.fy * x.y / x.z + k.cy - half) / Double(stride)
                let maxU = Double(gb.columns - 1), maxV = Double(gb.rows - 1)
                guard u > -slack, v > -slack, u < maxU + slack, v < maxV + slack else { continue }
                u = min(max(u, 0), maxU)
                v = min(max(v, 0), maxV)
                let m = Match(cellA: r * ga.columns + c, u: Float(u), v: Float(v))
                var seen = SIMD3<Float>.zero
                var known = true
                for t in bilinearTaps(m, width: gb.columns, height: gb.rows) {
                    guard let p = gb[column: t.cell % gb.columns, row: t.cell / gb.columns] else {
                        known = false
                        break
                    }
                    seen += t.weight * p
                }
                let d = seen - y
                guard known, (d * d).sum() < visibility * visibility else { continue }
                found.append(m)
            }
        }
        guard found.count > maxCount else { return found }
        for i in 0..<maxCount { found.swapAt(i, i + rng.below(found.count - i)) }
        return Array(found[0..<maxCount])
    }

    public struct Result: Sendable {
        /// The mean loss and the fraction of matches whose positive outscores every negative.
        public var loss: Double
        public var top1: Double
        /// dL/d(features of A) and dL/d(features of B), the shapes of the inputs.
        public var gradientA: FeatureMap
        public var gradientB: FeatureMap
    }

    /// The loss of `matches` between the raw feature maps `a` and `b` (same channel count), and its gradient.
    public static func evaluate(_ a: FeatureMap, _ b: FeatureMap, matches: [Match], temperature: Float,
                                threads: Int) throws(TrainingError) -> Result {
        let ch = a.channels, planeA = a.plane, planeB = b.plane, n = matches.count
        guard b.channels == ch, ch > 0, n > 0, temperature > 0, temperature.isFinite else {
            throw .invalidArgument("correspondence loss: \(n) matches, channels \(a.channels)/\(b.channels), "
                                   + "temperature \(temperature)")
        }
        for m in matches {
            guard (0..<planeA).contains(m.cellA), m.u >= 0, m.v >= 0, m.u <= Float(b.width - 1),
                m.v <= Float(b.height - 1)
            else { throw .invalidArgument("correspondence loss: match \(m) is outside the feature maps") }
        }
        let (unitA, normA) = normalised(a), (unitB, normB) = normalised(b)
        // Queries, n × C and C × n, and the bilinear positives before and after normalisation.
        var q = [Float](repeating: 0, count: n * ch), qT = [Float](repeating: 0, count: ch * n)
        var positive = [Float](repeating: 0, count: n * ch), positiveNorm = [Float](repeating: 0, count: n)
        let taps = matches.map { bilinearTaps($0, width: b.width, height: b.height) }
        for (i, m) in matches.enumerated() {
            var s: Float = 0
            for c in 0..<ch {
                let value = unitA[c * planeA + m.cellA]
                q[i * ch + c] = value
                qT[c * n + i] = value
                var p: Float = 0
                for t in taps[i] { p += t.weight * unitB[c * planeB + t.cell] }
                positive[i * ch + c] = p
                s += p * p
            }
            positiveNorm[i] = max(s.squareRoot(), 1e-12)
            for c in 0..<ch { positive[i * ch + c] /= positiveNorm[i] }
        }
        // Similarities to every cell of B: S = Q · f̂_B (n × planeB).
        var logits = [Float](repeating: 0, count: n * planeB)
        try q.withUnsafeBufferPointer { qp throws(TrainingError) in
            try unitB.withUnsafeBufferPointer { bp throws(TrainingError) in
                try logits.withUnsafeMutableBufferPointer { sp throws(TrainingError) in
                    try NetworkKernels.gemm(m: n, n: planeB, k: ch, a: qp.baseAddress!, b: bp.baseAddress!,
                                            transposeB: false, accumulate: false, threads: threads,
                                            c: sp.baseAddress!)
                }
            }
        }
        // Softmax rows (the positive first), loss, and dL/dlogit (masked cells: 0).
        let invT = 1 / temperature, invN = 1 / Float(n)
        var loss = 0.0, wins = 0
        var positiveGradient = [Float](repeating: 0, count: n)
        logits.withUnsafeMutableBufferPointer { s in
            for i in 0..<n {
                var l0: Float = 0
                for c in 0..<ch { l0 += q[i * ch + c] * positive[i * ch + c] }
                l0 *= invT
                let m = matches[i], row = i * planeB
                var best = l0, bestNegative = -Float.infinity
                for cell in 0..<planeB {
                    if isNear(cell, m, width: b.width) {
                        s[row + cell] = -.infinity
                    } else {
                        s[row + cell] *= invT
                        bestNegative = max(bestNegative, s[row + cell])
                    }
                }
                best = max(best, bestNegative)
                let e0 = exp(l0 - best)
                var sum = Double(e0)
                for cell in 0..<planeB {
                    let e = exp(s[row + cell] - best)  // 0 for the masked cells
                    s[row + cell] = e
                    sum += Double(e)
                }
                loss += log(sum) + Double(best) - Double(l0)
                wins += l0 > bestNegative ? 1 : 0
                let scale = Float(1 / sum) * invN
                positiveGradient[i] = e0 * scale - invN
                for cell in 0..<planeB { s[row + cell] *= scale }
            }
        }
        // Now logits holds G = dL/dl_ab. dQ = (G · f̂_Bᵀ + g0 · P) / τ; dL/df̂_B = (Qᵀ · G) / τ, plus the positives'
        // share through the bilinear taps.
        var dq = [Float](repeating: 0, count: n * ch)
        var dUnitB = [Float](repeating: 0, count: ch * planeB)
        try logits.withUnsafeBufferPointer { gp throws(TrainingError) in
            try unitB.withUnsafeBufferPointer { bp throws(TrainingError) in
                try dq.withUnsafeMutableBufferPointer { dp throws(TrainingError) in
                    try NetworkKernels.gemm(m: n, n: ch, k: planeB, a: gp.baseAddress!, b: bp.baseAddress!,
                                            transposeB: true, accumulate: false, threads: threads,
                                            c: dp.baseAddress!)
                }
            }
            try qT.withUnsafeBufferPointer { qp throws(TrainingError) in
                try dUnitB.withUnsafeMutableBufferPointer { dp throws(TrainingError) in
                    try NetworkKernels.gemm(m: ch, n: planeB, k: n, a: qp.baseAddress!, b: gp.baseAddress!,
                                            transposeB: false, accumulate: false, threads: threads,
                                            c: dp.baseAddress!)
                }
            }
        }
        for i in dUnitB.indices { dUnitB[i] *= invT }
        var dUnitA = [Float](repeating: 0, count: ch * planeA)
        for i in 0..<n {
            let g0 = positiveGradient[i] * invT
            // d(q·p)/dp̃ through p = p̃ / |p̃|: (q − p (p·q)) / |p̃|.
            var pq: Float = 0
            for c in 0..<ch { pq += positive[i * ch + c] * q[i * ch + c] }
            for c in 0..<ch {
                dUnitA[c * planeA + matches[i].cellA] += dq[i * ch + c] * invT + g0 * positive[i * ch + c]
                let dp = g0 * (q[i * ch + c] - positive[i * ch + c] * pq) / positiveNorm[i]
                for t in taps[i] { dUnitB[c * planeB + t.cell] += t.weight * dp }
            }
        }
        return Result(loss: loss / Double(n), top1: Double(wins) / Double(n),
                      gradientA: unnormalisedGradient(dUnitA, unit: unitA, norm: normA, like: a),
                      gradientB: unnormalisedGradient(dUnitB, unit: unitB, norm: normB, like: b))
    }

    /// f / |f| per cell, and |f|.
    static func normalised(_ f: FeatureMap) -> (unit: [Float], norm: [Float]) {
        let plane = f.plane, ch = f.channels
        var norm = [Float](repeating: 0, count: plane), unit = f.values
        for c in 0..<ch { for i in 0..<plane { norm[i] += f.values[c * plane + i] * f.values[c * plane + i] } }
        for i in 0..<plane { norm[i] = max(norm[i].squareRoot(), 1e-12) }
        for c in 0..<ch { for i in 0..<plane { unit[c * plane + i] /= norm[i] } }
        return (unit, norm)
    }

    /// dL/df from dL/df̂ through f̂ = f / |f|: (dL/df̂ − f̂ (f̂·dL/df̂)) / |f|, per cell.
    static func unnormalisedGradient(_ d: [Float], unit: [Float], norm: [Float], like f: FeatureMap) -> FeatureMap {
        let plane = f.plane, ch = f.channels
        var dot = [Float](repeating: 0, count: plane)
        for c in 0..<ch { for i in 0..<plane { dot[i] += unit[c * plane + i] * d[c * plane + i] } }
        var out = FeatureMap(channels: ch, height: f.height, width: f.width)
        for c in 0..<ch {
            for i in 0..<plane {
                out.values[c * plane + i] = (d[c * plane + i] - unit[c * plane + i] * dot[i]) / norm[i]
            }
        }
        return out
    }

    struct Tap {
        var cell: Int
        var weight: Float
    }

    static func bilinearTaps(_ m: Match, width: Int, height: Int) -> [Tap] {
        let x0 = min(Int(m.u), width - 1), y0 = min(Int(m.v), height - 1)
        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
        let fx = m.u - Float(x0), fy = m.v - Float(y0)
        return [Tap(cell: y0 * width + x0, weight: (1 - fx) * (1 - fy)), Tap(cell: y0 * width + x1, weight: fx * (1 - fy)),
                Tap(cell: y1 * width + x0, weight: (1 - fx) * fy), Tap(cell: y1 * width + x1, weight: fx * fy)]
    }

    static func isNear(_ cell: Int, _ m: Match, width: Int) -> Bool {
        abs(Float(cell % width) - m.u) < exclusionRadius && abs(Float(cell / width) - m.v) < exclusionRadius
    }
}
