import DSAC
import DSACData
import Foundation
import Testing

@testable import DSACTraining

/// Whole-network training (encoder unfrozen) on a tiny rendered scene: the loss goes down, and the result does not
/// depend on the thread count.
@Suite(.serialized) struct NetworkTrainerTests {
    static func options() -> NetworkTrainingOptions {
        var o = NetworkTrainingOptions()
        o.iterations = 300
        o.imageHeight = 96
        o.threads = 2
        o.seed = 5
        o.learningRate = 1e-2
        return o
    }

    @Test func wholeNetworkLearnsAndIsThreadIndependent() throws {
        let scene = try TrainingTests.scene()
        let start = try SceneCoordinateNetwork(config: .tiny, headSeed: 2)
        var distances: [Double] = []
        let trained = try NetworkTrainer(options: Self.options()).train(scene, network: start, logEvery: 100) {
            distances.append($0.line.mean_distance_m)
        }
        #expect(distances.last! < 0.8 * distances.first!, "mean 3D error \(distances)")
        #expect(trained.encoder.parameters != start.encoder.parameters, "the encoder must train")
        var one = Self.options()
        one.threads = 1
        let again = try NetworkTrainer(options: one).train(scene, network: start)
        #expect(again.encoder.parameters == trained.encoder.parameters)
        #expect(again.head.parameters == trained.head.parameters)
    }
}
