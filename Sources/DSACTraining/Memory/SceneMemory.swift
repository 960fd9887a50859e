import Foundation

/// The memory head: a table of (key, scene coordinate) pairs taken from a scene's mapping frames. A cell's scene
/// coordinate is the value of the stored key nearest its encoder descriptor (inner product of unit keys), found
/// through an inverted file. Building it takes seconds where regressing the scene into a head's weights takes
/// minutes, and it never forgets a place it saw; the values stay trainable (the DSAC gradient flows into them).
///
/// key(f) = normalise(Pᵀ (normalise(f) − c)): f a standardised encoder feature (D channels), c the mean unit
/// feature of the mapping cells, P their top `keyDimension` principal directions.
public struct SceneMemory: Sendable, Equatable {
    public let featureDimension: Int
    public let keyDimension: Int
    /// D: the mean unit feature.
    public var featureCenter: [Float]
    /// D × d, row-major: column j is the j-th principal direction.
    public var projection: [Float]
    /// lists × d unit centroids of the inverted file.
    public var centroids: [Float]
    /// lists + 1: list l holds entries offsets[l] ..< offsets[l + 1].
    public var offsets: [Int64]
    /// count × d unit keys, list by list.
    public var keys: [Float]
    /// count × 3 scene coordinates (metres), in key order.
    public var values: [Float]
    /// Lists each query visits.
    public var probes: Int

    public var lists: Int { offsets.count - 1 }
    public var count: Int { values.count / 3 }

    /// A memory from its parts, every shape and value checked.
    public init(featureDimension: Int, keyDimension: Int, featureCenter: [Float], projection: [Float],
                centroids: [Float], offsets: [Int64], keys: [Float], values: [Float], probes: Int) throws(TrainingError)
    {
        func fail(_ m: String) -> TrainingError { .invalidArgument("scene memory: " + m) }
        guard featureDimension >= 1, (1...featureDimension).contains(keyDimension) else {
            throw fail("key dimension \(keyDimension) must be in 1...\(featureDimension)")
        }
        guard featureCenter.count == featureDimension, projection.count == featureDimension * keyDimension else {
            throw fail("center/projection sizes do not match \(featureDimension) → \(keyDimension)")
        }
        let lists = offsets.count - 1
        guard lists >= 1, centroids.count == lists * keyDimension else {
            throw fail("\(centroids.count) centroid values for \(lists) lists of dimension \(keyDimension)")
        }
        guard offsets.first == 0, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }),
              let last = offsets.last, last >= 1, Int(last) * 3 == values.count, keys.count == Int(last) * keyDimension
        else { throw fail("list offsets do not describe the \(values.count / 3) entries") }
        guard (1...lists).contains(probes) else { throw fail("probes \(probes) must be in 1...\(lists)") }
        for (name, t) in [("center", featureCenter), ("projection", projection), ("centroids", centroids),
                          ("keys", keys), ("values", values)] where !t.allSatisfy(\.isFinite) {
            throw fail("\(name) hold a non-finite value")
        }
        self.featureDimension = featureDimension
        self.keyDimension = keyDimension
        self.featureCenter = featureCenter
        self.projection = projection
        self.centroids = centroids
        self.offsets = offsets
        self.keys = keys
        self.values = values
        self.probes = probes
    }

    /// Keys of every cell of a channel-major feature map (cells × d), as `keys(ofVectors:…)` computes them for the
    /// build but without transposing the map: Pᵀ(f/‖f‖ − c) = (Pᵀf)/‖f‖ − Pᵀc, one product over all cells.
    func keys(of f: FeatureMap, threads: Int) throws(TrainingError) -> [Float] {
        let D = featureDimension, d = keyDimension, cells = f.plane
        var projectionT = [Float](repeating: 0, count: d * D), centerProjected = [Float](repeating: 0, count: d)
        for r in 0..<D {
            for j in 0..<d {
                projectionT[j * D + r] = projection[r * d + j]
                centerProjected[j] += projection[r * d + j] * featureCenter[r]
            }
        }
        var inverseNorm = [Float](repeating: 0, count: cells)
        f.values.withUnsafeBufferPointer { v in
            for c in 0..<D { for i in 0..<cells { inverseNorm[i] += v[c * cells + i] * v[c * cells + i] } }
        }
        for i in 0..<cells { inverseNorm[i] = inverseNorm[i] > 0 ? 1 / inverseNorm[i].squareRoot() : 0 }
        var projected = [Float](repeating: 0, count: d * cells)
        try NetworkKernels.gemm(m: d, n: cells, k: D, a: projectionT, b: f.values, transposeB: false,
                                accumulate: false, threads: threads, c: &projected)
        var out = [Float](repeating: 0, count: cells * d)
        out.withUnsafeMutableBufferPointer { o in
            projected.withUnsafeBufferPointer { p in
                for j in 0..<d { for i in 0..<cells { o[i * d + j] = p[j * cells + i] * inverseNorm[i] - centerProjected[j] } }
                for i in 0..<cells { Self.normalize(o.baseAddress! + i * d, d) }
            }
        }
        return out
    }

    /// The entry nearest each of n keys (n × d) and its inner product.
    public func search(_ queries: [Float], count n: Int, threads: Int) throws(TrainingError)
        -> (index: [Int], similarity: [Float])
    {
        guard n >= 1, queries.count == n * keyDimension else {
            throw .invalidArgument("scene memory: \(queries.count) key values for \(n) keys of \(keyDimension)")
        }
        var index = [Int64](repeating: 0, count: n), similarity = [Float](repeating: 0, count: n)
        try NetworkKernels.ivfSearch(queries: queries, count: n, lists: lists, d: keyDimension, centroids: centroids,
                                     offsets: offsets, keys: keys, probes: probes, threads: threads, index: &index,
                                     similarity: &similarity)
        return (index.map { Int($0) }, similarity)
    }

    /// Scene coordinates (3 × cells, planar, absolute) of a standardised feature map, and the entry each came from.
    public func coordinates(_ f: FeatureMap, threads: Int) throws(TrainingError) -> (map: FeatureMap, entries: [Int]) {
        guard f.channels == featureDimension else {
            throw .invalidArgument("scene memory: \(f.channels) feature channels, the memory was built from "
                                   + "\(featureDimension)")
        }
        let cells = f.plane
        let found = try search(keys(of: f, threads: threads), count: cells, threads: threads)
        var out = FeatureMap(channels: 3, height: f.height, width: f.width)
        for i in 0..<cells {
            let e = found.index[i]
            for k in 0..<3 { out.values[k * cells + i] = values[3 * e + k] }
        }
        return (out, found.index)
    }

    static func normalize(_ v: UnsafeMutablePointer<Float>, _ n: Int) {
        var s: Float = 0
        for k in 0..<n { s += v[k] * v[k] }
        guard s > 0 else { return }
        let r = 1 / s.squareRoot()
        for k in 0..<n { v[k] *= r }
    }
}
