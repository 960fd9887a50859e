import DSAC
import Foundation
import Testing

@testable import DSACTraining

/// The whole network (encoder with its upsampled branches, head with its residual block) against central
/// differences of a scalar loss, in float32 with a step large enough to beat rounding.
@Suite struct NetworkGradientTests {
    @Test func headBackwardMatchesCentralDifferences() throws {
        let config = NetworkConfig(encoderWidths: [2, 2, 3, 3, 3, 2], headWidth: 6, headBlocks: 2)
        let head = Head(config: config, seed: 3)
        let d = config.featureChannels, cells = 7
        let x = FeatureMap(channels: d, height: 1, width: cells,
                           values: LayerGradientTests.random(d * cells, seed: 4))
        let r = LayerGradientTests.random(3 * cells, seed: 5)
        func loss(_ h: Head, _ xin: FeatureMap) throws -> Double {
            let y = try h.forward(xin, threads: 1).prediction
            return zip(y.values, r).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let a = try head.forward(x, threads: 1)
        var grad = [Float](repeating: 0, count: head.parameterCount)
        let dx = try head.backward(a, outputGradient: FeatureMap(channels: 3, height: 1, width: cells, values: r),
                                   gradient: &grad, wantInput: true, threads: 1)!
        // float32 forward: a step of 1e-2; a coordinate whose step crosses a ReLU kink (its one-sided differences
        // disagree) is skipped and counted.
        var worst = 0.0, checked = 0, total = 0
        func check(_ f: (Float) throws -> Double, at v: Float, analytic: Float) throws {
            total += 1
            // One-sided differences agree only where no kink lies within the step.
            let f0 = try f(v), up = (try f(v + 1e-2) - f0) / 1e-2, down = (f0 - (try f(v - 1e-2))) / 1e-2
            let d1 = (up + down) / 2
            guard abs(up - down) < 2e-3 * max(1, abs(d1)) else { return }
            checked += 1
            let e = abs(d1 - Double(analytic)) / max(1, abs(d1))
            worst = max(worst, e)
        }
        for i in 0..<head.parameterCount {
            try check({ v in var h = head; h.parameters[i] = v; return try loss(h, x) }, at: head.parameters[i],
                      analytic: grad[i])
        }
        for i in 0..<x.count {
            try check({ v in var xi = x; xi.values[i] = v; return try loss(head, xi) }, at: x.values[i],
                      analytic: dx.values[i])
        }
        #expect(checked >= total * 3 / 4, "only \(checked) of \(total) away from kinks")
        #expect(worst < 5e-3, "worst relative error \(worst)")
    }

    @Test func encoderBackwardMatchesCentralDifferences() throws {
        let config = NetworkConfig(inputChannels: 1, encoderWidths: [2, 2, 3, 2, 2, 2], headWidth: 4, headBlocks: 1)
        let encoder = Encoder(config: config)
        let h = 37, w = 45
        let image = FeatureMap(channels: 1, height: h, width: w, values: LayerGradientTests.random(h * w, seed: 6))
        let a = try encoder.forward(image, threads: 1)
        #expect(a.features.height == 5 && a.features.width == 6)
        let r = LayerGradientTests.random(a.features.count, seed: 7)
        func loss(_ e: Encoder) throws -> Double {
            let f = try e.forward(image, threads: 1).features
            return zip(f.values, r).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        var grad = [Float](repeating: 0, count: encoder.parameterCount)
        try encoder.backward(a, featureGradient: FeatureMap(channels: a.features.channels, height: 5, width: 6,
                                                           values: r), gradient: &grad, threads: 2)
        let eps: Float = 1e-2
        var worst = 0.0, checked = 0
        for i in 0..<encoder.parameterCount {
            var e1 = encoder, e2 = encoder
            e1.parameters[i] += eps
            e2.parameters[i] -= eps
            let f0 = try loss(encoder)
            let up = (try loss(e1) - f0) / Double(eps), down = (f0 - (try loss(e2))) / Double(eps)
            let fd = (up + down) / 2
            // Skip parameters whose ±eps crosses a ReLU kink (one-sided differences disagree).
            guard abs(up - down) < 2e-3 * max(1, abs(fd)) else { continue }
            worst = max(worst, abs(fd - Double(grad[i])) / max(1, abs(fd)))
            checked += 1
        }
        #expect(checked > encoder.parameterCount / 2)
        #expect(worst < 1e-2, "worst relative error \(worst) over \(checked) parameters")
    }
}
