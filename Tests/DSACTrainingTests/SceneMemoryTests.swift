import DSAC
import Foundation
import Testing

@testable import DSACTraining

/// The memory head's kernels against float64 references (search, eigen-decomposition), its build against what it
/// must guarantee (every stored vector finds itself, same bits on any thread count), and its refusals.
@Suite struct SceneMemoryTests {
    static func unitVectors(_ n: Int, _ d: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        var v = (0..<(n * d)).map { _ in Float(Double(rng.next() >> 11) * 0x1p-53 * 2 - 1) }
        v.withUnsafeMutableBufferPointer { p in for i in 0..<n { SceneMemory.normalize(p.baseAddress! + i * d, d) } }
        return v
    }

    /// Float64 inner products over the rows [lo, hi): the best row (lowest index on ties).
    static func referenceBest(_ q: ArraySlice<Float>, _ keys: [Float], d: Int, rows: Range<Int>) -> (Int, Double) {
        var best = -1, bestValue = -Double.infinity
        for i in rows {
            var s = 0.0
            for k in 0..<d { s += Double(q[q.startIndex + k]) * Double(keys[i * d + k]) }
            if s > bestValue { best = i; bestValue = s }
        }
        return (best, bestValue)
    }

    @Test("inverted-file search visiting every list is the exact float64 nearest neighbour; one list gives the best of the best list")
    func searchMatchesReference() throws {
        let d = 24, m = 900, q = 300, lists = 17
        let keys = Self.unitVectors(m, d, seed: 1), queries = Self.unitVectors(q, d, seed: 2)
        let centroids = Self.unitVectors(lists, d, seed: 3)
        // Lists of uneven sizes, two of them empty.
        var offsets: [Int64] = [0]
        for l in 0..<lists { offsets.append(offsets[l] + Int64(l == 4 || l == 9 ? 0 : m / (lists - 2))) }
        offsets[lists] = Int64(m)
        for probes in [lists, 1, 3] {
            var index = [Int64](repeating: 0, count: q), sim = [Float](repeating: 0, count: q)
            try NetworkKernels.ivfSearch(queries: queries, count: q, lists: lists, d: d, centroids: centroids,
                                         offsets: offsets, keys: keys, probes: probes, threads: 2, index: &index,
                                         similarity: &sim)
            for i in 0..<q {
                let query = queries[(i * d)..<((i + 1) * d)]
                // The lists the reference visits: the `probes` non-empty ones whose centroids score highest.
                var ranked: [(list: Int, score: Double)] = []
                for l in 0..<lists where offsets[l + 1] > offsets[l] {
                    ranked.append((l, Self.referenceBest(query, centroids, d: d, rows: l..<(l + 1)).1))
                }
                ranked.sort { a, b in a.score > b.score || (a.score == b.score && a.list < b.list) }
                var best = (-1, -Double.infinity)
                for (l, _) in ranked.prefix(probes) {
                    let r = Self.referenceBest(query, keys, d: d, rows: Int(offsets[l])..<Int(offsets[l + 1]))
                    if r.1 > best.1 { best = r }
                }
                #expect(abs(Double(sim[i]) - best.1) < 1e-5)
                // Near-ties may resolve either way in float32; the answer must then be as good.
                if Int(index[i]) != best.0 {
                    let got = Self.referenceBest(query, keys, d: d, rows: Int(index[i])..<(Int(index[i]) + 1)).1
                    #expect(abs(got - best.1) < 1e-5, "probes \(probes) query \(i)")
                }
            }
        }
    }

    @Test("the symmetric eigen-decomposition reconstructs its matrix with orthonormal vectors, values decreasing")
    func eigenReconstructs() throws {
        let n = 9
        var rng = SeededGenerator(seed: 5)
        let b = (0..<(n * n)).map { _ in Double(rng.next() >> 11) * 0x1p-53 - 0.5 }
        var a = [Double](repeating: 0, count: n * n)
        for r in 0..<n { for c in 0..<n { for k in 0..<n { a[r * n + c] += b[r * n + k] * b[c * n + k] } } }
        let (values, vectors) = try NetworkKernels.symmetricEigen(a, n: n)
        for j in 1..<n { #expect(values[j] <= values[j - 1]) }
        for r in 0..<n {
            for c in 0..<n {
                var rebuilt = 0.0, gram = 0.0
                for j in 0..<n {
                    rebuilt += vectors[r * n + j] * values[j] * vectors[c * n + j]
                    gram += vectors[j * n + r] * vectors[j * n + c]
                }
                #expect(abs(rebuilt - a[r * n + c]) < 1e-10)
                #expect(abs(gram - (r == c ? 1 : 0)) < 1e-10)
            }
        }
    }

    static func smallMemory(threads: Int, probes: Int = 1) throws -> (SceneMemory, [Float], [Float]) {
        let n = 2000, D = 20
        let vectors = unitVectors(n, D, seed: 7).map { $0 * 3 + 0.1 }
        let coordinates = (0..<(3 * n)).map { Float($0 % 97) * 0.01 }
        var o = SceneMemoryOptions()
        o.keyDimension = 12
        o.lists = 32
        o.probes = probes
        return (try SceneMemory.build(vectors: vectors, dimension: D, coordinates: coordinates, options: o,
                                      threads: threads), vectors, coordinates)
    }

    @Test("every stored vector finds an entry with its own coordinate; the build is the same on 1 and 2 threads")
    func storedVectorsFindThemselves() throws {
        let (memory, vectors, coordinates) = try Self.smallMemory(threads: 2)
        #expect(memory.count == 2000 && memory.lists == 32 && memory.keyDimension == 12)
        let D = memory.featureDimension, n = memory.count
        var map = FeatureMap(channels: D, height: 1, width: n)
        for i in 0..<n { for c in 0..<D { map.values[c * n + i] = vectors[i * D + c] } }
        let (out, entries) = try memory.coordinates(map, threads: 2)
        for i in 0..<n {
            for k in 0..<3 { #expect(out.values[k * n + i] == coordinates[3 * i + k]) }
            #expect(memory.values[3 * entries[i]] == coordinates[3 * i])
        }
        let (single, _, _) = try Self.smallMemory(threads: 1)
        #expect(single == memory)
    }

    @Test("bad input is refused with a typed error: non-finite features, sizes, options, a feature map of the wrong depth")
    func badInputIsRefused() throws {
        let (memory, _, _) = try Self.smallMemory(threads: 1)
        var o = SceneMemoryOptions()
        #expect(throws: TrainingError.self) {
            try SceneMemory.build(vectors: [1, .nan, 0, 1], dimension: 2, coordinates: [0, 0, 0, 1, 1, 1], options: o,
                                  threads: 1)
        }
        #expect(throws: TrainingError.self) {
            try SceneMemory.build(vectors: [1, 0, 0], dimension: 2, coordinates: [0, 0, 0, 1, 1, 1], options: o,
                                  threads: 1)
        }
        o.probes = 0
        #expect(throws: TrainingError.self) {
            try SceneMemory.build(vectors: [1, 0, 0, 1], dimension: 2, coordinates: [0, 0, 0, 1, 1, 1], options: o,
                                  threads: 1)
        }
        #expect(throws: TrainingError.self) {
            try memory.coordinates(FeatureMap(channels: 3, height: 2, width: 2), threads: 1)
        }
        #expect(throws: TrainingError.self) {
            try memory.search([Float](repeating: .infinity, count: memory.keyDimension), count: 1, threads: 1)
        }
        #expect(throws: TrainingError.self) {
            try SceneMemory(featureDimension: memory.featureDimension, keyDimension: memory.keyDimension,
                            featureCenter: memory.featureCenter, projection: memory.projection,
                            centroids: memory.centroids, offsets: [0] + memory.offsets.dropFirst().reversed(),
                            keys: memory.keys, values: memory.values, probes: 1)
        }
    }
}

extension SceneMemoryTests {
    @Test("a feature map's keys equal the keys of its cells as vectors (float64 reference of the same formula)")
    func mapKeysEqualVectorKeys() throws {
        let (memory, _, _) = try Self.smallMemory(threads: 1)
        let D = memory.featureDimension, d = memory.keyDimension, cells = 37
        var map = FeatureMap(channels: D, height: 1, width: cells)
        for i in map.values.indices { map.values[i] = Float((i * 7919) % 113) / 40 - 1.3 }
        for c in 0..<D { map.values[c * cells + 5] = 0 }  // a zero feature
        let keys = try memory.keys(of: map, threads: 2)
        for i in 0..<cells {
            var f = (0..<D).map { Double(map.values[$0 * cells + i]) }
            let n = f.reduce(0) { $0 + $1 * $1 }.squareRoot()
            f = f.enumerated().map { (n > 0 ? $0.element / n : 0) - Double(memory.featureCenter[$0.offset]) }
            var k = (0..<d).map { j in (0..<D).reduce(0.0) { $0 + f[$1] * Double(memory.projection[$1 * d + j]) } }
            let m = k.reduce(0) { $0 + $1 * $1 }.squareRoot()
            k = k.map { $0 / m }
            for j in 0..<d { #expect(abs(Double(keys[i * d + j]) - k[j]) < 1e-5, "cell \(i) component \(j)") }
        }
    }
}
