import CKernels
import DSAC
import Foundation
import Testing

@testable import DSACTraining

/// Naive float64 references and central differences for every layer the networks use.
@Suite struct LayerGradientTests {
    static func random(_ n: Int, seed: UInt64, scale: Double = 1) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<n).map { _ in Float(scale * Initialization.gaussian(&rng)) }
    }

    /// out[o, y, x] = b[o] + Σ W[o, c, u, v] in[c, s y − p + d u, s x − p + d v], float64.
    static func naiveConv(_ s: ConvSpec, h: Int, w: Int, input: [Float], weight: [Float], bias: [Float]) -> [Double] {
        let o = s.outputSize(height: h, width: w)
        var out = [Double](repeating: 0, count: s.outChannels * o.height * o.width)
        for oc in 0..<s.outChannels {
            for y in 0..<o.height {
                for x in 0..<o.width {
                    var sum = Double(bias[oc])
                    for c in 0..<s.inChannels {
                        for u in 0..<s.kernel {
                            for v in 0..<s.kernel {
                                let iy = s.stride * y - s.padding + s.dilation * u
                                let ix = s.stride * x - s.padding + s.dilation * v
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                sum += Double(weight[((oc * s.inChannels + c) * s.kernel + u) * s.kernel + v])
                                    * Double(input[(c * h + iy) * w + ix])
                            }
                        }
                    }
                    out[(oc * o.height + y) * o.width + x] = s.relu ? max(0, sum) : sum
                }
            }
        }
        return out
    }

    static let shapes: [(ConvSpec, Int, Int)] = [
        (ConvSpec(3, 5, kernel: 3, stride: 2, relu: false), 11, 13),
        (ConvSpec(4, 6, kernel: 3, stride: 1, relu: true), 9, 7),
        (ConvSpec(5, 17, kernel: 1, relu: false), 1, 37),
        (ConvSpec(3, 4, kernel: 3, stride: 1, dilation: 2, relu: false), 10, 9),
        (ConvSpec(2, 3, kernel: 4, stride: 3, padding: 0, relu: false), 12, 14),
    ]

    @Test func forwardMatchesNaiveFloat64() throws {
        for (k, (spec, h, w)) in Self.shapes.enumerated() {
            let layer = Conv2D(spec, offset: 0)
            let params = Self.random(spec.parameterCount, seed: UInt64(10 + k))
            let x = FeatureMap(channels: spec.inChannels, height: h, width: w,
                               values: Self.random(spec.inChannels * h * w, seed: UInt64(20 + k)))
            let y = try layer.forward(x, parameters: params, threads: 2)
            let ref = Self.naiveConv(spec, h: h, w: w, input: x.values, weight: Array(params[0..<spec.weightCount]),
                                     bias: Array(params[spec.weightCount...]))
            #expect(y.count == ref.count)
            let maxErr = zip(y.values, ref).map { abs(Double($0) - $1) }.max()!
            #expect(maxErr < 1e-4, "shape \(k): max |float32 − float64| = \(maxErr)")
        }
    }

    /// L = Σ r ⊙ conv(x): dL/dx, dL/dW, dL/db against central differences of the float64 reference.
    @Test func backwardMatchesCentralDifferences() throws {
        for (k, (spec, h, w)) in Self.shapes.enumerated() {
            let layer = Conv2D(spec, offset: 0)
            let params = Self.random(spec.parameterCount, seed: UInt64(30 + k))
            let xv = Self.random(spec.inChannels * h * w, seed: UInt64(40 + k))
            let x = FeatureMap(channels: spec.inChannels, height: h, width: w, values: xv)
            let y = try layer.forward(x, parameters: params, threads: 1)
            let r = Self.random(y.count, seed: UInt64(50 + k))
            func loss(_ p: [Float], _ xin: [Float]) -> Double {
                let out = Self.naiveConv(spec, h: h, w: w, input: xin, weight: Array(p[0..<spec.weightCount]),
                                         bias: Array(p[spec.weightCount...]))
                return zip(out, r).reduce(0) { $0 + $1.0 * Double($1.1) }
            }
            var g = r
            var pg = [Float](repeating: 0, count: params.count)
            let dx = try layer.backward(input: x, output: y, gradient: &g, parameters: params, parameterGradient: &pg,
                                        wantInput: true, threads: 2)!
            // Central differences of the float64 reference with the actually representable step; a coordinate
            // whose step crosses a ReLU kink (the differences at h and h/2 disagree) is skipped and counted.
            var worst = 0.0, checked = 0, total = 0
            func central(_ f: (Float) -> Double, at v: Float, h: Float) -> Double {
                let a = v + h, b = v - h
                return (f(a) - f(b)) / (Double(a) - Double(b))
            }
            func check(_ f: (Float) -> Double, at v: Float, analytic: Float) {
                total += 1
                let d1 = central(f, at: v, h: 1e-3), d2 = central(f, at: v, h: 5e-4)
                guard abs(d1 - d2) < 1e-4 * max(1, abs(d1)) else { return }
                checked += 1
                worst = max(worst, abs(d1 - Double(analytic)) / max(1, abs(d1)))
            }
            for i in stride(from: 0, to: params.count, by: max(1, params.count / 40)) {
                check({ v in var p = params; p[i] = v; return loss(p, xv) }, at: params[i], analytic: pg[i])
            }
            for i in stride(from: 0, to: xv.count, by: max(1, xv.count / 40)) {
                check({ v in var x = xv; x[i] = v; return loss(params, x) }, at: xv[i], analytic: dx.values[i])
            }
            #expect(checked >= total * 3 / 4, "shape \(k): only \(checked) of \(total) away from kinks")
            #expect(worst < 1e-3, "shape \(k): worst relative error \(worst)")
        }
    }

    @Test func sameBitsOnAnyThreadCount() throws {
        let spec = ConvSpec(16, 24, kernel: 3, stride: 2)
        let layer = Conv2D(spec, offset: 0)
        let params = Self.random(spec.parameterCount, seed: 7)
        let x = FeatureMap(channels: 16, height: 41, width: 67, values: Self.random(16 * 41 * 67, seed: 8))
        let y1 = try layer.forward(x, parameters: params, threads: 1)
        let y3 = try layer.forward(x, parameters: params, threads: 3)
        #expect(y1.values == y3.values)
        var g1 = Self.random(y1.count, seed: 9), g3 = g1
        var p1 = [Float](repeating: 0, count: params.count), p3 = p1
        let d1 = try layer.backward(input: x, output: y1, gradient: &g1, parameters: params, parameterGradient: &p1,
                                    wantInput: true, threads: 1)!
        let d3 = try layer.backward(input: x, output: y3, gradient: &g3, parameters: params, parameterGradient: &p3,
                                    wantInput: true, threads: 3)!
        #expect(p1 == p3)
        #expect(d1.values == d3.values)
    }

    @Test func gemmMatchesNaive() throws {
        for (m, n, k) in [(1, 1, 1), (5, 37, 19), (9, 300, 33), (4, 16, 0)] {
            let a = Self.random(m * max(k, 1), seed: 1), b = Self.random(max(k, 1) * n, seed: 2)
            for transposeB in [Int32(0), 1] {
                var c = [Float](repeating: 1, count: m * n)
                let status = dsac_gemm(Int64(m), Int64(n), Int64(k), a, b, transposeB, 1, 2, &c)
                #expect(status == Int32(DSAC_OK))
                for i in 0..<m {
                    for j in 0..<n {
                        var s = 1.0
                        for q in 0..<k {
                            let bv = transposeB == 1 ? b[j * k + q] : b[q * n + j]
                            s += Double(a[i * k + q]) * Double(bv)
                        }
                        #expect(abs(Double(c[i * n + j]) - s) < 1e-4)
                    }
                }
            }
        }
    }

    @Test func upsampleForwardBackwardAreAdjoint() throws {
        let x = FeatureMap(channels: 2, height: 3, width: 5, values: Self.random(30, seed: 3))
        let y = try Upsample.forward(x, factor: 4, height: 11, width: 20, threads: 2)
        #expect(y.values[0] == x.values[0])
        #expect(y.values[10 * 20 + 19] == x.values[2 * 5 + 4])  // clamped row 10 / 4 = 2
        // <U x, g> = <x, Uᵀ g>.
        let g = FeatureMap(channels: 2, height: 11, width: 20, values: Self.random(440, seed: 4))
        let d = try Upsample.backward(g, factor: 4, inputHeight: 3, inputWidth: 5, threads: 2)
        let lhs = zip(y.values, g.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let rhs = zip(x.values, d.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(lhs - rhs) < 1e-3)
    }

    @Test func rejectsBadShapes() {
        var s = dsac_conv_shape(in_channels: 0, out_channels: 1, kernel: 3, stride: 1, padding: 1, dilation: 1)
        var out = [Float](repeating: 0, count: 16)
        let x = [Float](repeating: 0, count: 16), w = [Float](repeating: 0, count: 9)
        #expect(dsac_conv2d_forward(&s, 4, 4, x, w, nil, 0, 1, &out) == Int32(DSAC_ERROR_INVALID_SIZE))
        s.in_channels = 1
        s.padding = 0
        s.kernel = 5
        #expect(dsac_conv2d_forward(&s, 4, 4, x, w, nil, 0, 1, &out) == Int32(DSAC_ERROR_INVALID_SIZE))
    }
}
