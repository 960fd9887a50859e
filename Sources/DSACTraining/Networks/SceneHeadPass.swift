/// The per-scene part of the network — the regression head or the memory head — as one trainable function of the
/// standardised features, so the e2e stage and the ablation arms train either the same way.
extension SceneCoordinateNetwork {
    /// A forward pass: the coordinates relative to `sceneMean` (3 × cells, planar) and what the backward pass needs.
    public struct SceneHeadPass: Sendable {
        public var prediction: FeatureMap
        var activations: Head.Activations?
        /// Memory head: the entry each cell read.
        var entries: [Int]
    }

    public func sceneHeadForward(_ x: FeatureMap, threads: Int) throws(TrainingError) -> SceneHeadPass {
        guard let memory else {
            let a = try head.forward(x, threads: threads)
            return SceneHeadPass(prediction: a.prediction, activations: a, entries: [])
        }
        var (map, entries) = try memory.coordinates(x, threads: threads)
        let cells = map.plane
        for i in 0..<cells {
            map.values[i] -= sceneMean.x
            map.values[cells + i] -= sceneMean.y
            map.values[2 * cells + i] -= sceneMean.z
        }
        return SceneHeadPass(prediction: map, activations: nil, entries: entries)
    }

    /// dL/d(scene parameters) (`sceneParameterCount` values) from dL/d(prediction): back through the head, or to
    /// the value of the entry each cell read.
    public func sceneHeadGradient(_ pass: SceneHeadPass, outputGradient g: FeatureMap,
                                  threads: Int) throws(TrainingError) -> [Float] {
        var grad = [Float](repeating: 0, count: sceneParameterCount)
        if let a = pass.activations {
            _ = try head.backward(a, outputGradient: g, gradient: &grad, wantInput: false, threads: threads)
        } else {
            let cells = g.plane
            for i in 0..<cells { for k in 0..<3 { grad[3 * pass.entries[i] + k] += g.values[k * cells + i] } }
        }
        guard grad.allSatisfy(\.isFinite) else { throw .diverged("non-finite gradient of the scene head") }
        return grad
    }

    /// One optimizer step on the scene parameters.
    public mutating func updateSceneHead(gradient: [Float], state: inout OptimizerState, learningRate: Double) {
        if memory != nil {
            Optimizer.update(&memory!.values, gradient: gradient, state: &state, learningRate: learningRate)
        } else {
            Optimizer.update(&head.parameters, gradient: gradient, state: &state, learningRate: learningRate)
        }
    }
}
