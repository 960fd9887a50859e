/// Draws minimal sets of four distinct correspondences from the usable ones, and keeps a pool of hypotheses by
/// redrawing the sets whose hypothesis is invalid, a bounded number of times.
///
/// Order of draws (so the pool depends only on the seed and on which sets are valid, never on thread count):
/// round 0 draws one set per slot, in slot order; each later round redraws the still-invalid slots, in slot order.
public struct MinimalSetSampler: Sendable {
    public static let setSize = 4
    /// Indices (into the correspondences) the sets are drawn from.
    public let usable: [Int32]

    public init(usable: [Int32]) throws(DSACError) {
        guard usable.count >= Self.setSize else {
            throw .tooFewCorrespondences(usable: usable.count, needed: Self.setSize)
        }
        self.usable = usable
    }

    /// Four distinct indices.
    @inline(__always)
    public func draw(using generator: inout SeededGenerator) -> (Int32, Int32, Int32, Int32) {
        let n = usable.count
        let a = generator.below(n)
        var b = generator.below(n)
        while b == a { b = generator.below(n) }
        var c = generator.below(n)
        while c == a || c == b { c = generator.below(n) }
        var d = generator.below(n)
        while d == a || d == b || d == c { d = generator.below(n) }
        return (usable[a], usable[b], usable[c], usable[d])
    }

    /// A pool of `slots` hypotheses. `solve` maps sets (4 indices each, flattened) to hypotheses and validity
    /// flags; each invalid slot is redrawn up to `redraws` times. Slots still invalid stay invalid.
    public func pool(
        slots: Int, redraws: Int, using generator: inout SeededGenerator,
        solve: ([Int32]) throws(DSACError) -> (poses: [Pose], valid: [Bool])
    ) throws(DSACError) -> HypothesisPool {
        var sets = [Int32](repeating: 0, count: 4 * slots)
        var poses = [Pose](repeating: .identity, count: slots)
        var valid = [Bool](repeating: false, count: slots)
        var pending = Array(0..<slots)
        var drawn = 0
        var round = 0
        while !pending.isEmpty && round <= redraws {
            var batch = [Int32](repeating: 0, count: 4 * pending.count)
            for (k, slot) in pending.enumerated() {
                let s = draw(using: &generator)
                batch[4 * k] = s.0
                batch[4 * k + 1] = s.1
                batch[4 * k + 2] = s.2
                batch[4 * k + 3] = s.3
                for j in 0..<4 { sets[4 * slot + j] = batch[4 * k + j] }
            }
            drawn += pending.count
            let solved = try solve(batch)
            var still: [Int] = []
            for (k, slot) in pending.enumerated() {
                if solved.valid[k] {
                    poses[slot] = solved.poses[k]
                    valid[slot] = true
                } else {
                    still.append(slot)
                }
            }
            pending = still
            round += 1
        }
        return HypothesisPool(sets: sets, poses: poses, valid: valid, setsDrawn: drawn)
    }
}

/// Hypotheses (cam_from_world) with the minimal set each came from.
public struct HypothesisPool: Sendable {
    /// 4 indices per slot, the last set drawn for it.
    public var sets: [Int32]
    public var poses: [Pose]
    public var valid: [Bool]
    /// Minimal sets drawn (and solved) in all.
    public var setsDrawn: Int

    public var validCount: Int { valid.reduce(0) { $0 + ($1 ? 1 : 0) } }
}
