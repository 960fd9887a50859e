import DSAC
import Foundation

/// The score CNN as the differentiable layer's learned score (`HypothesisScore.learned`): s_j = α·u(image_j).
/// Forward keeps each hypothesis' activations; backward (given dE/ds_j) accumulates dE/dθ of the CNN and dE/dα
/// here, and returns dE/dX (direct, through the error images) and dE/dh_j (through the errors' pose dependence)
/// to the layer, which sends dE/dh_j on through the minimal solver.
///
/// One instance serves one frame's forward and backward (a reference type so the layer's `Sendable` value can
/// carry state back; a lock guards it). Read `parameterGradient` and `alphaGradient` after the backward pass.
public final class LearnedScoreFunction: LearnedHypothesisScore, @unchecked Sendable {
    public let cnn: ScoreCNN
    public let alpha: Double
    public let errors: ErrorImage
    public let threads: Int
    private let lock = NSLock()
    private var cache: [(pose: Pose, activations: ScoreCNN.Activations, dPixel: [SIMD3<Double>])] = []
    private var _parameterGradient: [Float]
    private var _alphaGradient = 0.0
    private var _units: [Double] = []

    public init(cnn: ScoreCNN, alpha: Double, mapWidth: Int, mapHeight: Int, threads: Int = 1) {
        self.cnn = cnn
        self.alpha = alpha
        self.threads = threads
        errors = ErrorImage(config: cnn.config, mapWidth: mapWidth, mapHeight: mapHeight)
        _parameterGradient = [Float](repeating: 0, count: cnn.parameterCount)
    }

    /// Accumulated dE/dθ of the CNN and dE/dα over the backward calls so far.
    public var parameterGradient: [Float] { lock.withLock { _parameterGradient } }
    public var alphaGradient: Double { lock.withLock { _alphaGradient } }
    /// The unscaled scores u_j of the last forward pass (for entropy control).
    public var units: [Double] { lock.withLock { _units } }

    public func scores(_ c: Correspondences, intrinsics: Intrinsics, hypotheses: [Pose]) throws(DSACError)
        -> [Double]
    {
        var entries: [(pose: Pose, activations: ScoreCNN.Activations, dPixel: [SIMD3<Double>])] = []
        for h in hypotheses {
            let (img, d) = errors.image(c, intrinsics: intrinsics, pose: h)
            do {
                entries.append((h, try cnn.forward(img, threads: threads), d))
            } catch { throw .numericalFailure("score CNN: \(error)") }
        }
        let u = entries.map(\.activations.score)
        lock.withLock {
            cache = entries
            _units = u
        }
        return u.map { alpha * $0 }
    }

    public func backward(_ c: Correspondences, intrinsics: Intrinsics, hypotheses: [Pose], scoreGradient: [Double])
        throws(DSACError) -> (coordinates: [Double], poses: [Double])
    {
        var entries = lock.withLock { cache }
        if entries.count != hypotheses.count || zip(entries, hypotheses).contains(where: { $0.pose != $1 }) {
            _ = try scores(c, intrinsics: intrinsics, hypotheses: hypotheses)
            entries = lock.withLock { cache }
        }
        var coordinates = [Double](repeating: 0, count: 3 * c.count)
        var poses = [Double](repeating: 0, count: 6 * hypotheses.count)
        var gradient = [Float](repeating: 0, count: cnn.parameterCount)
        var dAlpha = 0.0
        for (j, e) in entries.enumerated() where scoreGradient[j] != 0 {
            dAlpha += scoreGradient[j] * e.activations.score
            let dImage: FeatureMap
            do {
                dImage = try cnn.backward(e.activations, dScore: Float(alpha * scoreGradient[j]), gradient: &gradient,
                                          threads: threads)
            } catch { throw .numericalFailure("score CNN backward: \(error)") }
            let dh = errors.backward(c, pose: e.pose, dPixel: e.dPixel, dImage: dImage.values,
                                     coordinates: &coordinates)
            for k in 0..<6 { poses[6 * j + k] = dh[k] }
        }
        lock.withLock {
            for i in gradient.indices { _parameterGradient[i] += gradient[i] }
            _alphaGradient += dAlpha
        }
        return (coordinates, poses)
    }
}
