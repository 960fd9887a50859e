import DSAC
import DSACData
import Foundation

/// Localizes test frames with a network and DSAC*'s RANSAC (argmax, 64 hypotheses — 256 for a memory head —,
/// τ = 10 px, refinement), timing the network and RANSAC separately.
public struct Evaluator: Sendable {
    public var network: SceneCoordinateNetwork
    public var localizer: LocalizerOptions
    public var threads: Int
    public var imageHeight: Int

    /// DSAC*'s test defaults on the localizer (the seed of each frame is the frame index).
    public static func dsacStarLocalizer(threads: Int) -> LocalizerOptions {
        var o = LocalizerOptions()
        o.hypotheses = 64
        o.inlierThreshold = 10
        o.maxReprojectionError = 100
        o.alpha = 100
        o.beta = 0.5
        o.confidence = nil
        o.threads = threads
        return o
    }

    /// A memory head reads a wrong entry for about 60% of the cells on the built-in room (outliers, not noise), so
    /// RANSAC needs more hypotheses than DSAC*'s 64 to draw an all-inlier set: 256 (BENCHMARKS.md).
    public static let memoryHeadHypotheses = 256

    /// `dsacStarLocalizer`, with `memoryHeadHypotheses` when the network has a memory head.
    public static func defaultLocalizer(for network: SceneCoordinateNetwork, threads: Int) -> LocalizerOptions {
        var o = dsacStarLocalizer(threads: threads)
        if network.memory != nil { o.hypotheses = memoryHeadHypotheses }
        return o
    }

    public init(network: SceneCoordinateNetwork, threads: Int, imageHeight: Int = 480,
                localizer: LocalizerOptions? = nil) {
        self.network = network
        self.threads = threads
        self.imageHeight = imageHeight
        self.localizer = localizer ?? Self.defaultLocalizer(for: network, threads: threads)
    }

    /// Pose of one image with its scene-coordinate map.
    public func localize(_ image: Image, intrinsics: Intrinsics, seed: UInt64 = 0) throws(TrainingError)
        -> (report: LocalizationReport, msNetwork: Double)
    {
        let (map, ms) = try network.predict(image, threads: threads)
        var options = localizer
        options.seed = seed
        do {
            let c = try Correspondences(map: map)
            let report = try Localizer(options: options).localize(c, intrinsics: intrinsics)
            return (report, ms)
        } catch { throw .geometry(error) }
    }

    /// Evaluates `indices` of the test split, in order.
    public func run(_ provider: FrameProvider, indices: [Int], progress: (Int, Int) -> Void = { _, _ in })
        throws(TrainingError) -> [EvaluationReport.FrameResult]
    {
        var load = LoadOptions(targetHeight: imageHeight, colour: network.config.inputChannels == 1 ? .grey : .rgb,
                               sceneCoordinates: true, stride: NetworkConfig.outputStride)
        var results: [EvaluationReport.FrameResult] = []
        for (k, i) in indices.enumerated() {
            let frame: Frame
            do {
                frame = try provider.frame(.test, at: i, options: load)
            } catch {
                // Ground truth is optional here (only the cell accuracy needs it): a data set whose test frames
                // have no depth or points is evaluated on poses alone.
                guard load.sceneCoordinates else { throw .data(error) }
                load.sceneCoordinates = false
                do { frame = try provider.frame(.test, at: i, options: load) } catch { throw .data(error) }
            }
            let (map, msNetwork) = try network.predict(frame.image, threads: threads)
            var options = localizer
            options.seed = UInt64(i)
            let ransacStart = ContinuousClock.now
            var result = EvaluationReport.FrameResult(name: frame.name, rot_err_deg: EvaluationReport.failedError,
                                                      trans_err_cm: EvaluationReport.failedError, inliers: 0,
                                                      ms_network: msNetwork, ms_ransac: 0)
            if let c = try? Correspondences(map: map),
                let report = try? Localizer(options: options).localize(c, intrinsics: frame.intrinsics)
            {
                let error = PoseError(estimated: report.camFromWorld, truth: frame.camFromWorld)
                result.rot_err_deg = error.rotationDegrees
                result.trans_err_cm = error.translationCentimetres
                result.inliers = report.inlierCount
            }
            result.ms_ransac = InitTrainer.seconds(ContinuousClock.now - ransacStart) * 1e3
            result.pct_cells_within_10cm = frame.sceneCoordinates.flatMap { Self.cellsWithin(0.1, map, $0) }
            results.append(result)
            progress(k + 1, indices.count)
        }
        return results
    }

    /// % of the cells with ground truth whose predicted coordinate is within `radius` metres of it; nil if none has.
    static func cellsWithin(_ radius: Float, _ map: SceneCoordinateMap, _ truth: SceneCoordinateGrid) -> Double? {
        var known = 0, close = 0
        for r in 0..<min(map.height, truth.rows) {
            for c in 0..<min(map.width, truth.columns) {
                guard let x = truth[column: c, row: r] else { continue }
                let d = map[column: c, row: r] - x
                known += 1
                if (d * d).sum() <= radius * radius { close += 1 }
            }
        }
        return known == 0 ? nil : 100 * Double(close) / Double(known)
    }
}
