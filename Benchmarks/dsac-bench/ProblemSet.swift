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
