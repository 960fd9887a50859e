import Foundation

/// DSAC's mechanism in its purest form: the scene coordinates themselves are the parameters, and Adam minimises
/// the expected loss E over them (Kingma & Ba, ICLR 2015). Each step draws a fresh pool (seed + step + 1), so the
/// fit does not overfit one pool; E before and after is measured on the pool of `options.seed`.
public struct CoordinateFitter: Sendable {
    public var layer: ExpectedLoss
    public var learningRate: Double
    public var beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8

    public init(layer: ExpectedLoss, learningRate: Double = 1e-3) throws(DSACError) {
        guard learningRate.isFinite, learningRate > 0 else {
            throw .invalidOptions("learning rate must be positive, got \(learningRate)")
        }
        self.layer = layer
        self.learningRate = learningRate
    }

    public struct Step: Sendable {
        public var step: Int
        public var expectedLoss: Double
        /// Error of the argmax hypothesis (refined) of this step's pool.
        public var argmaxError: PoseError
    }

    public struct Result: Sendable {
        public var coordinates: Correspondences
        public var initial: ExpectedLossReport
        public var final: ExpectedLossReport
        public var steps: [Step]
    }

    /// Runs `steps` Adam steps; `progress` sees every step.
    public func fit(_ c: Correspondences, intrinsics: Intrinsics, target: Pose, steps: Int,
                    progress: (Step) -> Void = { _ in }) throws(DSACError) -> Result
    {
        guard steps >= 0 else { throw .invalidOptions("steps must be ≥ 0, got \(steps)") }
        let n = c.count
        var y = [Double](repeating: 0, count: 3 * n)
        for i in 0..<n {
            y[3 * i] = Double(c.sceneX[i])
            y[3 * i + 1] = Double(c.sceneY[i])
            y[3 * i + 2] = Double(c.sceneZ[i])
        }
        func correspondences() throws(DSACError) -> Correspondences {
            try Correspondences(
                pixelX: c.pixelX, pixelY: c.pixelY, sceneX: (0..<n).map { Float(y[3 * $0]) },
                sceneY: (0..<n).map { Float(y[3 * $0 + 1]) }, sceneZ: (0..<n).map { Float(y[3 * $0 + 2]) })
        }
        let initial = try layer.forward(c, intrinsics: intrinsics, target: target).report
        var m = [Double](repeating: 0, count: 3 * n), v = [Double](repeating: 0, count: 3 * n)
        var history: [Step] = []
        var stepOptions = layer.options
        for k in 0..<steps {
            stepOptions.seed = layer.options.seed &+ UInt64(k) &+ 1
            let stepLayer = try ExpectedLoss(options: stepOptions)
            let current = try correspondences()
            let (f, g) = try stepLayer.evaluate(current, intrinsics: intrinsics, target: target)
            let record = Step(step: k, expectedLoss: f.expectedLoss, argmaxError: f.report.selectedError)
            history.append(record)
            progress(record)
            let c1 = 1 - pow(beta1, Double(k + 1)), c2 = 1 - pow(beta2, Double(k + 1))
            for i in 0..<(3 * n) {
                let gi = Double(g.coordinates[i])
                m[i] = beta1 * m[i] + (1 - beta1) * gi
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
                y[i] -= learningRate * (m[i] / c1) / ((v[i] / c2).squareRoot() + epsilon)
            }
        }
        let fitted = try correspondences()
        let final = try layer.forward(fitted, intrinsics: intrinsics, target: target).report
        return Result(coordinates: fitted, initial: initial, final: final, steps: history)
    }
}
