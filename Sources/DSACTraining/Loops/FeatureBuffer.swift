import DSAC
import DSACData
import Foundation

/// ACE's training buffer: the fixed encoder runs once over (augmented) training frames, and a random subset of
/// each frame's cells is kept with everything the loss needs. Features are standardised per channel afterwards.
/// Deterministic: frame j's augmentation and cell choice come from mixSeed(seed, j), and each frame writes its own
/// slots, whatever the number of workers.
public struct FeatureBuffer: Sendable {
    public let dimension: Int
    /// count × dimension, sample-major, standardised.
    public var features: [Float]
    /// count × 3 ground-truth coordinates (0 where unknown) and 1/0 flags.
    public var truths: [Float]
    public var hasTruth: [UInt8]
    /// count × 2 pixel positions of the cells.
    public var pixels: [Float]
    public var frameIndex: [Int32]
    public var cameras: [(camFromWorld: Pose, intrinsics: Intrinsics)]
    public var featureMean: [Float]
    public var featureScale: [Float]
    public var sceneMean: SIMD3<Float>
    public var count: Int { frameIndex.count }

    /// Which training frames are used: all, or `maxFrames` evenly spaced.
    public static func frameIndices(total: Int, maxFrames: Int?) -> [Int] {
        guard let m = maxFrames, m < total else { return Array(0..<total) }
        return (0..<max(1, m)).map { $0 * total / max(1, m) }
    }

    final class Slots: @unchecked Sendable {
        var features: UnsafeMutablePointer<Float>
        var truths: UnsafeMutablePointer<Float>
        var hasTruth: UnsafeMutablePointer<UInt8>
        var pixels: UnsafeMutablePointer<Float>
        var filled: [Int]
        var cameras: [(Pose, Intrinsics)?]
        var errors: [Int: TrainingError] = [:]
        let lock = NSLock()
        init(samples: Int, dimension: Int, jobs: Int) {
            features = .allocate(capacity: samples * dimension)
            truths = .allocate(capacity: samples * 3)
            hasTruth = .allocate(capacity: samples)
            pixels = .allocate(capacity: samples * 2)
            filled = [Int](repeating: 0, count: jobs)
            cameras = [(Pose, Intrinsics)?](repeating: nil, count: jobs)
        }
        deinit {
            features.deallocate()
            truths.deallocate()
            hasTruth.deallocate()
            pixels.deallocate()
        }
    }

    /// Photometric jitter (DSAC*'s ColorJitter): x ← clamp(((b x) − m) c + m), m the mean of b x.
    static func jitter(_ image: inout Image, brightness: Double, contrast: Double, rng: inout SeededGenerator) {
        let b = Float(1 + brightness * (2 * uniform(&rng) - 1))
        let c = Float(1 + contrast * (2 * uniform(&rng) - 1))
        guard b != 1 || c != 1 else { return }
        var mean = 0.0
        for v in image.pixels { mean += Double(v) }
        let m = Float(mean / Double(max(1, image.pixels.count))) * b
        for i in image.pixels.indices { image.pixels[i] = min(1, max(0, (b * image.pixels[i] - m) * c + m)) }
    }

    /// Encodes the frames into a buffer. `progress(done, total)` is called from worker threads.
    public static func build(_ network: SceneCoordinateNetwork, frames provider: FrameProvider,
                             options o: InitTrainingOptions,
                             progress: @Sendable (Int, Int) -> Void = { _, _ in }) throws(TrainingError)
        -> FeatureBuffer
    {
        let indices = frameIndices(total: provider.frameCount(.train), maxFrames: o.maxFrames)
        guard !indices.isEmpty else { throw .invalidArgument("the data set has no training frames") }
        let jobs = indices.count * o.augmentationPasses
        let d = network.config.featureChannels
        let perFrame = max(1, o.bufferSize / jobs)
        let slots = Slots(samples: perFrame * jobs, dimension: d, jobs: jobs)
        let workers = max(1, min(o.threads, jobs))
        let kernelThreads = max(1, o.threads / workers)
        let load = LoadOptions(targetHeight: o.imageHeight, colour: network.config.inputChannels == 1 ? .grey : .rgb,
                               sceneCoordinates: true, stride: NetworkConfig.outputStride)
        let done = Counter()
        @Sendable func encodeJob(_ j: Int) throws(TrainingError) {
            let frameIndex = indices[j % indices.count]
            var rng = SeededGenerator(seed: mixSeed(o.seed, UInt64(j)))
            var frame: Frame
            do { frame = try provider.frame(.train, at: frameIndex, options: load) } catch { throw .data(error) }
            jitter(&frame.image, brightness: o.brightness, contrast: o.contrast, rng: &rng)
            let f = try network.features(frame.image, threads: kernelThreads)
            let cells = f.plane
            // A random subset of cells without replacement (partial Fisher–Yates).
            var order = Array(0..<cells)
            let take = min(perFrame, cells)
            for k in 0..<take { order.swapAt(k, k + rng.below(cells - k)) }
            let grid = frame.sceneCoordinates
            let base = j * perFrame
            for k in 0..<take {
                let cell = order[k], s = base + k
                let col = cell % f.width, row = cell / f.width
                for c in 0..<d { slots.features[s * d + c] = f.values[c * cells + cell] }
                slots.pixels[2 * s] = Float(8 * col + 4)
                slots.pixels[2 * s + 1] = Float(8 * row + 4)
                if let grid, col < grid.columns, row < grid.rows, let x = grid[column: col, row: row] {
                    slots.truths[3 * s] = x.x
                    slots.truths[3 * s + 1] = x.y
                    slots.truths[3 * s + 2] = x.z
                    slots.hasTruth[s] = 1
                } else {
                    slots.truths[3 * s] = 0
                    slots.truths[3 * s + 1] = 0
                    slots.truths[3 * s + 2] = 0
                    slots.hasTruth[s] = 0
                }
            }
            slots.lock.lock()
            slots.filled[j] = take
            slots.cameras[j] = (frame.camFromWorld, frame.intrinsics)
            slots.lock.unlock()
        }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var j = w
            while j < jobs {
                do throws(TrainingError) {
                    try encodeJob(j)
                } catch {
                    slots.lock.lock()
                    slots.errors[j] = error
                    slots.lock.unlock()
                    return
                }
                progress(done.increment(), jobs)
                j += workers
            }
        }
        if let first = slots.errors.keys.min() { throw slots.errors[first]! }

        // Compact in job order.
        let total = slots.filled.reduce(0, +)
        var buffer = FeatureBuffer(dimension: d, features: [], truths: [], hasTruth: [], pixels: [], frameIndex: [],
                                   cameras: [], featureMean: [], featureScale: [], sceneMean: .zero)
        buffer.features.reserveCapacity(total * d)
        buffer.truths.reserveCapacity(3 * total)
        buffer.pixels.reserveCapacity(2 * total)
        for j in 0..<jobs {
            let base = j * perFrame, n = slots.filled[j]
            buffer.features.append(contentsOf: UnsafeBufferPointer(start: slots.features + base * d, count: n * d))
            buffer.truths.append(contentsOf: UnsafeBufferPointer(start: slots.truths + 3 * base, count: 3 * n))
            buffer.hasTruth.append(contentsOf: UnsafeBufferPointer(start: slots.hasTruth + base, count: n))
            buffer.pixels.append(contentsOf: UnsafeBufferPointer(start: slots.pixels + 2 * base, count: 2 * n))
            buffer.frameIndex.append(contentsOf: [Int32](repeating: Int32(j), count: n))
            let cam = slots.cameras[j]!
            buffer.cameras.append((cam.0, cam.1))
        }
        buffer.standardize()
        return buffer
    }

    /// Per-channel mean and 1/std (float64 sums in sample order), applied in place; the scene mean of the truths.
    mutating func standardize() {
        let d = dimension, n = count
        var sum = [Double](repeating: 0, count: d), sq = [Double](repeating: 0, count: d)
        features.withUnsafeBufferPointer { f in
            for s in 0..<n {
                for c in 0..<d {
                    let v = Double(f[s * d + c])
                    sum[c] += v
                    sq[c] += v * v
                }
            }
        }
        featureMean = (0..<d).map { Float(sum[$0] / Double(max(1, n))) }
        featureScale = (0..<d).map { c in
            let m = sum[c] / Double(max(1, n))
            let variance = max(0, sq[c] / Double(max(1, n)) - m * m)
            return Float(1 / (variance.squareRoot() + 1e-3))
        }
        let mean = featureMean, scale = featureScale
        features.withUnsafeMutableBufferPointer { f in
            for s in 0..<n {
                for c in 0..<d { f[s * d + c] = (f[s * d + c] - mean[c]) * scale[c] }
            }
        }
        var total = SIMD3<Double>.zero
        var known = 0
        for s in 0..<n where hasTruth[s] != 0 {
            total += SIMD3(Double(truths[3 * s]), Double(truths[3 * s + 1]), Double(truths[3 * s + 2]))
            known += 1
        }
        let m = known > 0 ? total / Double(known) : .zero
        sceneMean = SIMD3(Float(m.x), Float(m.y), Float(m.z))
    }
}

/// A thread-safe counter for progress.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
