import Foundation

/// Entropy control (DSAC++, Brachmann & Rother, CVPR 2018, spec §1.5): the softmax scale α of scores
/// s_j = α·u_j is learned so that the Shannon entropy of p = softmax(s) over the hypotheses holds a target.
///
/// Math (u_j: the unscaled scores of the valid hypotheses, α > 0):
///   p_j = exp(α u_j) / Σ_k exp(α u_k),   H(α) = −Σ_j p_j log₂ p_j   (bits)
///   dp_j/dα = p_j (u_j − ū) with ū = Σ_k p_k u_k, and ln p_j = α u_j − ln Z, so
///   dH/dα = −(1/ln 2) Σ_j p_j (u_j − ū) ln p_j = −α · Var_p(u) / ln 2.
/// The control loss is L = ½ (H − H*)², dL/dα = (H − H*)·dH/dα. α is parametrised as α = exp(a) (it stays
/// positive without a clamp) and a is updated by Adam: dL/da = α·dL/dα. DSAC++ ran Adam on α itself
/// (lr 1e-3, gradient ×0.1, target 6 bits over 256 hypotheses); our runs are far shorter, hence the log scale.
public struct EntropyControl: Sendable, Equatable {
    /// Target entropy, bits (at most log₂ of the hypothesis count to be reachable).
    public var targetBits: Double
    /// Adam step size on a = ln α.
    public var learningRate: Double
    /// The current scale α.
    public private(set) var alpha: Double
    // Adam moments of a.
    private var first = 0.0, second = 0.0, steps = 0

    public init(targetBits: Double, alpha: Double, learningRate: Double = 0.05) {
        self.targetBits = targetBits
        self.alpha = alpha
        self.learningRate = learningRate
    }

    /// H(α) in bits and dH/dα for unscaled scores `units` (all finite).
    public static func entropy(units u: [Double], alpha: Double) -> (bits: Double, dBits_dAlpha: Double) {
        guard let top = u.max() else { return (0, 0) }
        var p = u.map { exp(alpha * ($0 - top)) }
        let z = p.reduce(0, +)
        for j in p.indices { p[j] /= z }
        var h = 0.0, mean = 0.0
        for j in p.indices where p[j] > 0 {
            h -= p[j] * log2(p[j])
            mean += p[j] * u[j]
        }
        var variance = 0.0
        for j in p.indices { variance += p[j] * (u[j] - mean) * (u[j] - mean) }
        return (h, -alpha * variance / M_LN2)
    }

    /// The control loss L = ½ (H − H*)² and dL/dα.
    public func loss(units: [Double], alpha: Double) -> (value: Double, dLoss_dAlpha: Double, bits: Double) {
        let (h, dh) = Self.entropy(units: units, alpha: alpha)
        return (0.5 * (h - targetBits) * (h - targetBits), (h - targetBits) * dh, h)
    }

    /// One Adam step on ln α for this frame's unscaled scores; returns the entropy before the step.
    @discardableResult
    public mutating func step(units: [Double]) -> Double {
        let l = loss(units: units, alpha: alpha)
        let g = l.dLoss_dAlpha * alpha
        guard g.isFinite else { return l.bits }
        steps += 1
        first = 0.9 * first + 0.1 * g
        second = 0.999 * second + 0.001 * g * g
        let mHat = first / (1 - pow(0.9, Double(steps))), vHat = second / (1 - pow(0.999, Double(steps)))
        alpha *= exp(-learningRate * mHat / (vHat.squareRoot() + 1e-12))
        return l.bits
    }
}
