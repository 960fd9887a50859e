import Foundation

/// Runs `body` once to warm up, then `runs` times; returns the median wall-clock milliseconds.
func medianMilliseconds(runs: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<max(runs, 1) {
        let start = ContinuousClock.now
        try body()
        let d = ContinuousClock.now - start
        times.append(Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15)
    }
    return median(times)
}

func median(_ v: [Double]) -> Double {
    guard !v.isEmpty else { return .nan }
    let s = v.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// CPU seconds used by other processes during `body` (from /proc/stat minus our own), to judge the noise of a
/// run on a shared machine.
func foreignLoad<T>(_ body: () throws -> T) rethrows -> (result: T, foreignCPUSeconds: Double, wallSeconds: Double) {
    func busy() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = s.split(separator: "\n").first
        else { return 0 }
        let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard v.count >= 4 else { return 0 }
        return (v.reduce(0, +) - v[3] - (v.count > 4 ? v[4] : 0)) / 100
    }
    func own() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
    }
    let (b0, o0, start) = (busy(), own(), ContinuousClock.now)
    let result = try body()
    let d = ContinuousClock.now - start
    let wall = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    return (result, max(0, (busy() - b0) - (own() - o0)), wall)
}

func writeJSON(_ object: Any, to path: String?) throws {
    guard let path else { return }
    let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: URL(fileURLWithPath: path), options: .atomic)
}
