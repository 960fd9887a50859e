import Foundation

/// Which update rule, and its constants.
public enum OptimizerKind: String, Sendable, Codable, CaseIterable {
    /// Adam (Kingma & Ba, ICLR 2015), β1 = 0.9, β2 = 0.999, ε = 1e-8.
    case adam
    /// SGD with momentum 0.9 (heavy ball: v = μ v + g; θ −= lr v).
    case sgd
}

/// The state of an optimizer over one flat parameter vector: everything `--resume` needs to continue exactly.
public struct OptimizerState: Sendable, Equatable {
    public var kind: OptimizerKind
    /// Steps taken so far.
    public var step: Int
    /// Adam: first moment; SGD: velocity.
    public var first: [Float]
    /// Adam: second moment; SGD: empty.
    public var second: [Float]

    public init(kind: OptimizerKind, parameterCount: Int) {
        self.kind = kind
        step = 0
        first = [Float](repeating: 0, count: parameterCount)
        second = kind == .adam ? [Float](repeating: 0, count: parameterCount) : []
    }
}

/// Applies one update in place.
public enum Optimizer {
    public static let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, momentum: Float = 0.9

    public static func update(_ parameters: inout [Float], gradient: [Float], state: inout OptimizerState,
                              learningRate: Double) {
        precondition(parameters.count == gradient.count && state.first.count == gradient.count)
        state.step += 1
        let lr = Float(learningRate)
        switch state.kind {
        case .adam:
            let c1 = 1 - pow(beta1, Float(state.step)), c2 = 1 - pow(beta2, Float(state.step))
            let step = lr / c1, b1 = beta1, b2 = beta2, eps = epsilon
            parameters.withUnsafeMutableBufferPointer { p in
                gradient.withUnsafeBufferPointer { g in
                    state.first.withUnsafeMutableBufferPointer { m in
                        state.second.withUnsafeMutableBufferPointer { v in
                            for i in 0..<p.count {
                                m[i] = b1 * m[i] + (1 - b1) * g[i]
                                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                                p[i] -= step * m[i] / ((v[i] / c2).squareRoot() + eps)
                            }
                        }
                    }
                }
            }
        case .sgd:
            let mu = momentum
            parameters.withUnsafeMutableBufferPointer { p in
                gradient.withUnsafeBufferPointer { g in
                    state.first.withUnsafeMutableBufferPointer { v in
                        for i in 0..<p.count {
                            v[i] = mu * v[i] + g[i]
                            p[i] -= lr * v[i]
                        }
                    }
                }
            }
        }
    }
}

/// Learning rate as a function of the iteration.
public enum LearningRateSchedule: Sendable, Equatable, Codable {
    case constant
    /// Linear warm-up over `warmup` iterations from lr/10, then cosine decay to `floor` × lr at the end.
    case warmupCosine(warmup: Int, floor: Double)
    /// Multiply by `factor` every `every` iterations (DSAC*'s step schedule).
    case step(every: Int, factor: Double)

    public func rate(base: Double, iteration: Int, total: Int) -> Double {
        switch self {
        case .constant:
            return base
        case .warmupCosine(let warmup, let floor):
            if iteration < warmup { return base * (0.1 + 0.9 * Double(iteration) / Double(max(1, warmup))) }
            let t = Double(iteration - warmup) / Double(max(1, total - warmup))
            return base * (floor + (1 - floor) * 0.5 * (1 + cos(Double.pi * min(1, t))))
        case .step(let every, let factor):
            return base * pow(factor, Double(iteration / max(1, every)))
        }
    }

    /// Parses `constant`, `cosine` (warm-up 5% of `total`, floor 0.01) or `step:EVERY:FACTOR`.
    public static func parse(_ text: String, total: Int) throws(TrainingError) -> LearningRateSchedule {
        let parts = text.split(separator: ":")
        switch parts.first.map(String.init) {
        case "constant": return .constant
        case "cosine": return .warmupCosine(warmup: max(1, total / 20), floor: 0.01)
        case "step":
            guard parts.count == 3, let every = Int(parts[1]), every > 0, let factor = Double(parts[2]), factor > 0
            else { throw .invalidArgument("step schedule must be step:EVERY:FACTOR, got '\(text)'") }
            return .step(every: every, factor: factor)
        default:
            throw .invalidArgument("unknown schedule '\(text)' (constant, cosine, step:EVERY:FACTOR)")
        }
    }
}
