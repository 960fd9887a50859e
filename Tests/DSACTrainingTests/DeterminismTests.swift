import DSAC
import DSACData
import Foundation
import Testing

@testable import DSACTraining

/// Same seed ⇒ the same bits on 1 and 2 threads, for the entry points not covered elsewhere: the whole network's
/// forward pass (predict), the head's backward pass, and whole init-stage training runs. (Localizer: LocalizerTests;
/// expected loss: DifferentiableLayerTests; layers: LayerGradientTests; renderer: RendererTests; feature buffer and
/// resume across thread counts: TrainingTests.)
@Suite(.serialized) struct DeterminismTests {
    @Test func networkForwardAndHeadBackwardOnOneAndTwoThreads() throws {
        let network = try ModelFileTests.network()
        let pixels: [Float] = (0..<(64 * 48 * 3)).map { (i: Int) -> Float in Float((i * 7919) % 255) / 255 }
        let image = Image(width: 64, height: 48, channels: 3, pixels: pixels)
        let one = try network.predict(image, threads: 1).map.coordinates
        let two = try network.predict(image, threads: 2).map.coordinates
        #expect(one == two)

        let d = network.config.featureChannels, b = 37
        var x = FeatureMap(channels: d, height: 1, width: b)
        for i in x.values.indices { x.values[i] = Float((i * 31) % 17) / Float(17) - Float(0.5) }
        var gradients: [[Float]] = []
        for threads in [1, 2] {
            let a = try network.head.forward(x, threads: threads)
            var g = FeatureMap(channels: 3, height: 1, width: b)
            for i in g.values.indices { g.values[i] = Float(i % 5) - Float(2) }
            var gradient = [Float](repeating: 0, count: network.head.parameterCount)
            _ = try network.head.backward(a, outputGradient: g, gradient: &gradient, wantInput: false, threads: threads)
            gradients.append(gradient)
        }
        #expect(gradients[0] == gradients[1])
    }

    @Test func initTrainingRunOnOneAndTwoThreads() throws {
        var o = TrainingTests.options()
        o.iterations = 25
        var heads: [[Float]] = []
        for threads in [1, 2] {
            o.threads = threads
            let trainer = try InitTrainer(options: o)
            let buffer = try FeatureBuffer.build(trainer.freshNetwork(), frames: TrainingTests.scene(), options: o)
            heads.append(try trainer.train(buffer, network: trainer.freshNetwork()).head.parameters)
        }
        #expect(heads[0] == heads[1])
    }
}
