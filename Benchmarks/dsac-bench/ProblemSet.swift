import ArgumentParser
import DSAC
import Foundation

/// A folder of DSACPNP1 problems and its manifest.json (as peers_bench.py writes it).
struct ProblemSet {
    struct Entry {
        var file: String
        var outlierFraction: Double
        var problem: PnPProblem
    }

    var entries: [Entry]

    init(directory: String) throws {
        let root = URL(fileURLWithPath: directory)
        let manifestURL = root.appendingPathComponent("manifest.json")
        let data: Data
        do { data = try Data(contentsOf: manifestURL) } catch {
            throw BenchError("\(manifestURL.path): cannot read the manifest (\(error.localizedDescription))")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let problems = json["problems"] as? [[String: Any]]
        else { throw BenchError("\(manifestURL.path): expected an object with a \"problems\" array") }
        entries = try problems.enumerated().map { (k, p) in
            guard let file = p["file"] as? String, let fraction = p["outlier_fraction"] as? Double else {
                throw BenchError("\(manifestURL.path): problems[\(k)] needs \"file\" and \"outlier_fraction\"")
            }
            let problem = try PnPProblemFile.read(root.appendingPathComponent(file))
            return Entry(file: file, outlierFraction: fraction, problem: problem)
        }
        guard !entries.isEmpty else { throw BenchError("\(manifestURL.path): no problems listed") }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The options every benchmark over a problem folder takes.
struct ProblemRunOptions: ParsableArguments {
    @Option(help: "Folder with manifest.json and the problem files.") var problems: String
    @Option(help: "Hypothesis slots per frame.") var hypotheses = 256
    @Option(help: "Kernel threads.") var threads = 1
    @Option(help: "Timed runs per problem (after one warm-up).") var runs = 5
    @Option(help: "Seed of the sampler.") var seed: UInt64 = 0
    @Option(help: "Write the results here as JSON.") var json: String?
}
