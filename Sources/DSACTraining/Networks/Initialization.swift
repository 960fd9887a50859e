import DSAC

/// Weight initialisation from an explicit seeded generator.
public enum Initialization {
    /// He (Kaiming) normal for ReLU layers, std √(2 / fan_in); layers without ReLU get √(1 / fan_in) × `linearGain`.
    /// Biases start at 0.
    public static func fill(_ layers: [Conv2D], into parameters: inout [Float], seed: UInt64,
                            linearGain: Double = 1) {
        var rng = SeededGenerator(seed: seed)
        for layer in layers {
            let fanIn = Double(layer.spec.inChannels * layer.spec.kernel * layer.spec.kernel)
            let std = layer.spec.relu ? (2 / fanIn).squareRoot() : (1 / fanIn).squareRoot() * linearGain
            for k in 0..<layer.spec.weightCount {
                parameters[layer.offset + k] = Float(std * gaussian(&rng))
            }
            for k in 0..<layer.spec.outChannels { parameters[layer.offset + layer.spec.weightCount + k] = 0 }
        }
    }

    /// A standard normal draw (Box–Muller, one value per call).
    public static func gaussian(_ rng: inout SeededGenerator) -> Double {
        let u1 = Double(rng.next() >> 11) * 0x1p-53 + 0x1p-54
        let u2 = Double(rng.next() >> 11) * 0x1p-53
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
