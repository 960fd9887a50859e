import ArgumentParser
import DSAC
import Foundation

/// Writes a DSACPNP1 problem set (files + manifest.json, the layout of peers_bench.py) from DSAC's own
/// generator, whose options go beyond the peers' script: clustered outliers on real surfaces, any noise.
struct MakeProblemsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-problems", abstract: "Write a DSACPNP1 problem set from the built-in generator.")

    @Option(help: "Output folder.") var out: String
    @Option(help: "Problems per outlier fraction.") var problems = 20
    @Option(help: "Outlier fractions, comma separated.") var fractions = "0.85,0.9"
    @Option(help: "Pixel noise σ of the true correspondences.") var noise = 4.0
    @Option(help: "Outlier style: uniform or clustered.") var style = "clustered"
    @Option(help: "Seed.") var seed: UInt64 = 1

    func run() throws {
        guard let outlierStyle = SyntheticProblemOptions.OutlierStyle(rawValue: style) else {
            throw ValidationError("--style must be uniform or clustered, got '\(style)'")
        }
        let values = try fractions.split(separator: ",").map { s -> Double in
            guard let v = Double(s), (0..<1).contains(v) else { throw ValidationError("--fractions: bad value '\(s)'") }
            return v
        }
        let root = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var entries: [[String: Any]] = []
        for (fi, fraction) in values.enumerated() {
            for i in 0..<problems {
                let p = SyntheticProblem.make(
                    seed: seed &* 1_000_003 &+ UInt64(fi * 10_000 + i),
                    options: .init(noisePixels: noise, outlierFraction: fraction, outlierStyle: outlierStyle))
                let name = String(format: "f%02d_i%03d.bin", Int((fraction * 100).rounded()), i)
                try PnPProblemFile.write(p, to: root.appendingPathComponent(name))
                let k = p.intrinsics, r = p.camFromWorld.rotation.rowMajor, t = p.camFromWorld.translation
                entries.append([
                    "file": name, "index": i, "outlier_fraction": fraction, "n": p.correspondences.count,
                    "n_outliers": p.isInlier.filter { !$0 }.count,
                    "K": [[k.fx, 0, k.cx], [0, k.fy, k.cy], [0, 0, 1]],
                    "R": [Array(r[0..<3]), Array(r[3..<6]), Array(r[6..<9])], "t": [t.x, t.y, t.z],
                ])
            }
        }
        let manifest: [String: Any] = [
            "format": "DSACPNP1", "version": 1, "seed": seed, "image_size": [640, 480], "stride": 8,
            "noise_px": noise, "outlier_style": style, "generator": "dsac-bench make-problems",
            "problems": entries,
        ]
        try writeJSON(manifest, to: root.appendingPathComponent("manifest.json").path)
        print("wrote \(entries.count) problems to \(out)")
    }
}
