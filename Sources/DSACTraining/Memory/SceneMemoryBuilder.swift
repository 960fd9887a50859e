import DSAC
import Foundation

/// How a scene memory is built (defaults measured on the built-in scene: see BENCHMARKS.md).
public struct SceneMemoryOptions: Sendable, Hashable, Codable {
    /// Entries kept from the mapping frames (cells with a ground-truth coordinate).
    public var entries: Int = 400_000
    public var keyDimension: Int = 32
    /// Inverted-file lists (fewer when there are few entries: at least 16 entries per list).
    public var lists: Int = 1024
    /// Lists each query visits. One suffices for RANSAC: a missed neighbour is one more outlier.
    public var probes: Int = 1
    public var kmeansIterations: Int = 8
    /// k-means runs on at most this many entries per list.
    public var kmeansSamplesPerList: Int = 64
    /// Rows the principal directions are estimated from (evenly spaced).
    public var pcaSamples: Int = 100_000
    public var seed: UInt64 = 1

    public init() {}

    public func validate() throws(TrainingError) {
        guard entries >= 1, (1...4096).contains(keyDimension), (1...65536).contains(lists),
              (1...65536).contains(probes), (0...100).contains(kmeansIterations), kmeansSamplesPerList >= 1,
              pcaSamples >= 2
        else { throw .invalidArgument("scene memory options out of range: \(self)") }
    }
}

extension SceneMemory {
    /// Builds a memory from n standardised feature vectors (n × D, vector-major) and their scene coordinates
    /// (n × 3). Deterministic for a seed, on any thread count.
    public static func build(vectors: [Float], dimension D: Int, coordinates: [Float], options o: SceneMemoryOptions,
                             threads: Int) throws(TrainingError) -> SceneMemory
    {
        try o.validate()
        let n = coordinates.count / 3
        guard n >= 2, coordinates.count == 3 * n, vectors.count == n * D, D >= 1 else {
            throw .invalidArgument("scene memory: needs at least 2 entries (\(vectors.count) feature values of "
                                   + "dimension \(D), \(coordinates.count) coordinate values)")
        }
        guard coordinates.allSatisfy(\.isFinite), vectors.allSatisfy(\.isFinite) else {
            throw .invalidArgument("scene memory: a feature or coordinate is not finite")
        }
        let d = min(o.keyDimension, D)
        let (center, projection) = try principalDirections(vectors, n: n, D: D, d: d, samples: o.pcaSamples,
                                                            threads: threads)
        let keys = try Self.keys(ofVectors: vectors, count: n, center: center, projection: projection, keyDimension: d,
                                 threads: threads)
        let lists = max(1, min(o.lists, n / 16))
        let centroids = try sphericalKMeans(keys, n: n, d: d, k: lists, options: o, threads: threads)
        var assignment = [Int32](repeating: 0, count: n), similarity = [Float](repeating: 0, count: n)
        try NetworkKernels.nearestCentroid(n: n, k: lists, d: d, points: keys, centroids: centroids, threads: threads,
                                           index: &assignment, similarity: &similarity)
        // Counting sort by list; entries keep their order inside a list.
        var offsets = [Int64](repeating: 0, count: lists + 1)
        for a in assignment { offsets[Int(a) + 1] += 1 }
        for l in 0..<lists { offsets[l + 1] += offsets[l] }
        var next = offsets
        var sortedKeys = [Float](repeating: 0, count: n * d), sortedValues = [Float](repeating: 0, count: n * 3)
        for i in 0..<n {
            let slot = Int(next[Int(assignment[i])])
            next[Int(assignment[i])] += 1
            for k in 0..<d { sortedKeys[slot * d + k] = keys[i * d + k] }
            for k in 0..<3 { sortedValues[slot * 3 + k] = coordinates[i * 3 + k] }
        }
        return try SceneMemory(featureDimension: D, keyDimension: d, featureCenter: center, projection: projection,
                               centroids: centroids, offsets: offsets, keys: sortedKeys, values: sortedValues,
                               probes: min(o.probes, lists))
    }

    /// Keys of n feature vectors (n × D, vector-major) as n × d unit vectors: normalise(Pᵀ(normalise(f) − c)).
    /// A zero vector stays zero.
    static func keys(ofVectors x: [Float], count n: Int, center: [Float], projection: [Float], keyDimension d: Int,
                     threads: Int) throws(TrainingError) -> [Float] {
        let D = center.count
        var u = x
        u.withUnsafeMutableBufferPointer { u in
            for i in 0..<n {
                normalize(u.baseAddress! + i * D, D)
                for c in 0..<D { u[i * D + c] -= center[c] }
            }
        }
        var out = [Float](repeating: 0, count: n * d)
        try NetworkKernels.gemm(m: n, n: d, k: D, a: u, b: projection, transposeB: false, accumulate: false,
                                threads: threads, c: &out)
        out.withUnsafeMutableBufferPointer { o in for i in 0..<n { normalize(o.baseAddress! + i * d, d) } }
        return out
    }

    /// The mean unit feature and the top d eigenvectors of the unit features' covariance (float64 eigensolver).
    static func principalDirections(_ x: [Float], n: Int, D: Int, d: Int, samples: Int,
                                    threads: Int) throws(TrainingError) -> (center: [Float], projection: [Float])
    {
        let m = min(n, samples)
        var u = [Float](repeating: 0, count: m * D)
        var sum = [Double](repeating: 0, count: D)
        u.withUnsafeMutableBufferPointer { u in
            for r in 0..<m {
                let src = (r * n) / m
                for c in 0..<D { u[r * D + c] = x[src * D + c] }
                normalize(u.baseAddress! + r * D, D)
                for c in 0..<D { sum[c] += Double(u[r * D + c]) }
            }
        }
        let center = sum.map { Float($0 / Double(m)) }
        // Centred, transposed (D × m) so the covariance is one product with its own transpose.
        var t = [Float](repeating: 0, count: D * m)
        for r in 0..<m { for c in 0..<D { t[c * m + r] = u[r * D + c] - center[c] } }
        var cov = [Float](repeating: 0, count: D * D)
        try NetworkKernels.gemm(m: D, n: D, k: m, a: t, b: t, transposeB: true, accumulate: false, threads: threads,
                                c: &cov)
        let eigen = try NetworkKernels.symmetricEigen(cov.map { Double($0) / Double(m) }, n: D)
        var projection = [Float](repeating: 0, count: D * d)
        for r in 0..<D { for j in 0..<d { projection[r * d + j] = Float(eigen.vectors[r * D + j]) } }
        return (center, projection)
    }

    /// k unit centroids by spherical k-means on evenly spaced keys; seeded initial choice, empty lists reseeded.
    static func sphericalKMeans(_ keys: [Float], n: Int, d: Int, k: Int, options o: SceneMemoryOptions,
                                threads: Int) throws(TrainingError) -> [Float]
    {
        let m = max(k, min(n, o.kmeansSamplesPerList * k))
        var sample = [Float](repeating: 0, count: m * d)
        for r in 0..<m {
            let src = (r * n) / m
            for c in 0..<d { sample[r * d + c] = keys[src * d + c] }
        }
        var rng = SeededGenerator(seed: o.seed)
        var order = Array(0..<m)
        for j in 0..<k { order.swapAt(j, j + rng.below(m - j)) }
        var centroids = [Float](repeating: 0, count: k * d)
        for j in 0..<k { for c in 0..<d { centroids[j * d + c] = sample[order[j] * d + c] } }
        var assignment = [Int32](repeating: 0, count: m), similarity = [Float](repeating: 0, count: m)
        for _ in 0..<o.kmeansIterations {
            try NetworkKernels.nearestCentroid(n: m, k: k, d: d, points: sample, centroids: centroids,
                                               threads: threads, index: &assignment, similarity: &similarity)
            var sums = [Double](repeating: 0, count: k * d), members = [Int](repeating: 0, count: k)
            for r in 0..<m {
                let a = Int(assignment[r])
                members[a] += 1
                for c in 0..<d { sums[a * d + c] += Double(sample[r * d + c]) }
            }
            for j in 0..<k {
                if members[j] == 0 {
                    let r = rng.below(m)
                    for c in 0..<d { centroids[j * d + c] = sample[r * d + c] }
                    continue
                }
                var norm = 0.0
                for c in 0..<d { norm += sums[j * d + c] * sums[j * d + c] }
                let s = norm > 0 ? 1 / norm.squareRoot() : 0
                for c in 0..<d { centroids[j * d + c] = Float(sums[j * d + c] * s) }
            }
        }
        return centroids
    }
}
