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

/// With geometric augmentation, and ACE's encoder pre-training across scenes built on the same step.
@Suite(.serialized) struct AugmentedAndPretrainingTests {
    @Test func augmentedBatchedTrainingLearnsAndIsThreadIndependent() throws {
        let scene = try TrainingTests.scene()
        let start = try SceneCoordinateNetwork(config: .tiny, headSeed: 2)
        var o = NetworkTrainerTests.options()
        o.imageHeight = 48
        o.scale = 1.5
        o.rollDegrees = 15
        o.framesPerStep = 3  // side by side on 2 threads, in turn on 1: the same bits
        var distances: [Double] = []
        let trained = try NetworkTrainer(options: o).train(scene, network: start, logEvery: 100) {
            distances.append($0.line.mean_distance_m)
        }
        #expect(distances.last! < 0.8 * distances.first!, "mean 3D error \(distances)")
        o.threads = 1
        let again = try NetworkTrainer(options: o).train(scene, network: start)
        #expect(again.encoder.parameters == trained.encoder.parameters)
        #expect(again.head.parameters == trained.head.parameters)
    }

    @Test func pretrainedEncoderServesANewScene() throws {
        let scenes: [FrameProvider] = try [3, 4].map { seed in
            try SyntheticScene(name: "studio", seed: seed,
                               options: SyntheticOptions(width: 128, height: 96, trainFrames: 8, testFrames: 1))
        }
        var o = NetworkTrainerTests.options()
        o.iterations = 200
        o.framesPerStep = 2
        var distances: [Double] = []
        let pretrained = try EncoderPretrainer(options: o).train(scenes, config: .tiny, logEvery: 50) {
            distances.append($0.line.mean_distance_m)
        }
        #expect(distances.last! < 0.85 * distances.first!, "mean 3D error \(distances)")
        let random = try SceneCoordinateNetwork(config: .tiny)
        #expect(pretrained.encoder.parameters != random.encoder.parameters)
        o.threads = 1
        let again = try EncoderPretrainer(options: o).train(scenes, config: .tiny)
        #expect(again.encoder.parameters == pretrained.encoder.parameters)
        // The init stage takes the encoder as it is; an encoder of another shape is refused.
        var initOptions = TrainingTests.options()
        initOptions.encoderSource = "test"
        let fresh = try InitTrainer(options: initOptions).freshNetwork(encoder: pretrained.encoder)
        #expect(fresh.encoder.parameters == pretrained.encoder.parameters)
        let other = try SceneCoordinateNetwork(config: .default)
        #expect(throws: TrainingError.self) { try InitTrainer(options: initOptions).freshNetwork(encoder: other.encoder) }
        #expect(throws: TrainingError.self) { try EncoderPretrainer(options: o).train([], config: .tiny) }
    }
}
