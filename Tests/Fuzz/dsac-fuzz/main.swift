// dsac-fuzz: fuzzes the real Swift file readers (DSACPNP1 problem files, model/checkpoint files, 4×4 pose text,
// PNG/JPEG images, 7-Scenes calibration text through a data-set folder) with a deterministic mutation loop over
// the committed seed corpora (Tests/Fuzz/corpus/<reader>/): bit flips, byte sets, interesting values, inserts,
// deletes, truncations, splices and (for text) token replacements. Every input must decode or throw the reader's
// typed error; a trap or crash is a finding: the input being decoded is written to <findings>/<reader>-crash.bin
// by a signal handler before the process dies.
//
//   dsac-fuzz --seconds S --corpus DIR --findings DIR [--seed N]
import DSAC
import DSACData
import DSACTraining
import Foundation

var arguments = [String: String]()
var it = CommandLine.arguments.dropFirst().makeIterator()
while let key = it.next() { arguments[key] = it.next() ?? "" }
let secondsPerReader = Double(arguments["--seconds"] ?? "10") ?? 10
let corpusRoot = arguments["--corpus"] ?? "Tests/Fuzz/corpus"
let findings = arguments["--findings"] ?? "."
nonisolated(unsafe) var generator = SeededGenerator(seed: UInt64(arguments["--seed"] ?? "1") ?? 1)

// The input under test, kept where a signal handler can write it (async-signal-safe: open/write/close).
nonisolated(unsafe) var current = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 22, alignment: 1)
nonisolated(unsafe) var currentCount = 0
nonisolated(unsafe) var crashPath = [CChar](repeating: 0, count: 4096)
for sig in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE] {
    signal(sig) { s in
        let fd = open(&crashPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd >= 0 {
            _ = write(fd, current.baseAddress, currentCount)
            close(fd)
        }
        signal(s, SIG_DFL)
        raise(s)
    }
}

func rand(_ n: Int) -> Int { n <= 1 ? 0 : generator.below(n) }

func mutate(_ input: [UInt8], corpus: [[UInt8]], text: Bool) -> [UInt8] {
    var b = input
    for _ in 0...rand(4) {
        switch rand(text ? 10 : 8) {
        case 0 where !b.isEmpty: b[rand(b.count)] ^= UInt8(1 << rand(8))
        case 1 where !b.isEmpty: b[rand(b.count)] = UInt8(truncatingIfNeeded: generator.next())
        case 2 where !b.isEmpty: b[rand(b.count)] = [0, 0xFF, 0x7F, 0x80, 0x01][rand(5)]
        case 3 where b.count >= 4:  // an interesting 32-bit value
            let v: UInt32 = [0, 1, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0x7FC0_0000, 0x7F80_0000, 184, 4096][rand(9)]
            let at = rand(b.count - 3)
            for k in 0..<4 { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
        case 4: b.insert(UInt8(truncatingIfNeeded: generator.next()), at: rand(b.count + 1))
        case 5 where !b.isEmpty:
            let at = rand(b.count)
            b.removeSubrange(at..<min(b.count, at + 1 + rand(16)))
        case 6: b = Array(b.prefix(rand(b.count + 1)))
        case 7:  // splice with another corpus entry
            let other = corpus[rand(corpus.count)]
            let cut = rand(b.count + 1)
            b = Array(b.prefix(cut)) + Array(other.dropFirst(rand(other.count + 1)))
        default:  // text: replace a token by something numeric-looking or hostile
            let tokens = ["nan", "inf", "-inf", "1e999", "-0", "0x1p3", "1e-320", "", " ", "\n", "\t", "9" + String(repeating: "9", count: 400),
                          "1,2", "--1", "+", ".", "e", "\u{0}", "\u{FEFF}", "１"]
            let t = Array(tokens[rand(tokens.count)].utf8)
            let at = rand(b.count + 1)
            b.replaceSubrange(at..<min(b.count, at + rand(6)), with: t)
        }
    }
    if b.count > current.count { b = Array(b.prefix(current.count)) }
    return b
}

struct Reader {
    var name: String
    var text: Bool
    var run: ([UInt8]) -> Bool  // true: decoded; false: a typed error
}

let scratch = NSTemporaryDirectory() + "dsac-fuzz-\(getpid())"
try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: scratch) }

/// A minimal 7-Scenes folder whose calibration file is the fuzzed input; opening it and loading a frame reads it.
func sevenScenes() -> String {
    let root = scratch + "/seven"
    let fm = FileManager.default
    try? fm.createDirectory(atPath: root + "/seq-01", withIntermediateDirectories: true)
    try? fm.createDirectory(atPath: root + "/seq-02", withIntermediateDirectories: true)
    try? "sequence1\n".write(toFile: root + "/TrainSplit.txt", atomically: true, encoding: .utf8)
    try? "sequence2\n".write(toFile: root + "/TestSplit.txt", atomically: true, encoding: .utf8)
    try? "marker\n".write(toFile: root + "/dsac-synth.txt", atomically: true, encoding: .utf8)
    for seq in ["seq-01", "seq-02"] {
        let stem = root + "/\(seq)/frame-000000"
        try? ImageIO.writePNG([UInt8](repeating: 80, count: 16 * 8 * 3), width: 16, height: 8, channels: 3, to: stem + ".color.png")
        try? ImageIO.writePNG16([UInt16](repeating: 1500, count: 16 * 8), width: 16, height: 8, to: stem + ".depth.png")
        try? PoseFile.write(.identity, to: stem + ".pose.txt")
    }
    return root
}
let sevenRoot = sevenScenes()

let readers: [Reader] = [
    Reader(name: "problem", text: false) { b in (try? PnPProblemFile.decode(Data(b), file: "fuzz")) != nil },
    Reader(name: "model", text: false) { b in
        guard let f = try? ModelFile.decode(b, path: "fuzz") else { return false }
        return (try? SceneCoordinateNetwork(f, path: "fuzz")) != nil
    },
    Reader(name: "pose", text: true) { b in (try? PoseFile.parse(String(decoding: b, as: UTF8.self), path: "fuzz")) != nil },
    Reader(name: "image", text: false) { b in (try? ImageIO.decode(Data(b), path: "fuzz")) != nil },
    Reader(name: "calibration", text: true) { b in
        FileManager.default.createFile(atPath: sevenRoot + "/camera-intrinsics.txt", contents: Data(b))
        guard let d = try? Dataset.open(at: sevenRoot), let f = try? d.frame(.train, at: 0) else { return false }
        // Accepted calibration must give usable intrinsics.
        do { try f.intrinsics.validate() } catch { fatalError("accepted calibration gave \(f.intrinsics)") }
        return true
    },
]

// --write-seeds DIR: (re)writes the binary seeds (small: a 16-point problem, a 1-channel network, 8×6 images).
if let out = arguments["--write-seeds"] {
    var options = SyntheticProblemOptions()
    options.width = 32
    options.height = 16
    try! PnPProblemFile.write(SyntheticProblem.make(seed: 1, options: options),
                              to: URL(fileURLWithPath: out + "/problem/synthetic-16.bin"))
    var config = NetworkConfig.tiny
    config.inputChannels = 1
    config.encoderWidths = [1, 1, 1, 1, 1, 1]
    config.headWidth = 2
    config.headBlocks = 1
    let network = try! SceneCoordinateNetwork(config: config, headSeed: 1)
    try! network.save(out + "/model/minimal.dsacmodel", metadata: ["stage": "init"])
    try! InitTrainer.writeCheckpoint(network, state: OptimizerState(kind: .adam, parameterCount: network.head.parameterCount),
                                     iteration: 3, stage: "init", fingerprint: "0", to: out + "/model/checkpoint.dsacmodel")
    let rgb = (0..<(8 * 6 * 3)).map { UInt8(($0 * 37) % 256) }
    try! ImageIO.writePNG(rgb, width: 8, height: 6, channels: 3, to: out + "/image/rgb.png")
    try! ImageIO.writePNG16((0..<48).map { UInt16($0 * 1000) }, width: 8, height: 6, to: out + "/image/depth16.png")
    try! ImageIO.writeJPEG(rgb, width: 8, height: 6, channels: 3, quality: 50, to: out + "/image/rgb.jpg")
    exit(0)
}

var total = 0
var failed = false
for reader in readers {
    let dir = corpusRoot + "/" + reader.name
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    var corpus = names.compactMap { FileManager.default.contents(atPath: dir + "/" + $0).map { [UInt8]($0) } }
    if corpus.isEmpty {
        print("\(reader.name): no seed corpus in \(dir)")
        failed = true
        continue
    }
    crashPath = Array((findings + "/\(reader.name)-crash.bin").utf8CString)
    let start = Date()
    var runs = 0, decoded = 0
    // Seeds first, then mutations; inputs that decode join the corpus (a cheap stand-in for coverage feedback).
    var queue = corpus
    while Date().timeIntervalSince(start) < secondsPerReader {
        let input = queue.isEmpty ? mutate(corpus[rand(corpus.count)], corpus: corpus, text: reader.text) : queue.removeLast()
        input.withUnsafeBytes { src in current.copyMemory(from: src) }
        currentCount = input.count
        if reader.run(input) {
            decoded += 1
            if corpus.count < 256 && rand(64) == 0 { corpus.append(input) }
        }
        runs += 1
    }
    total += runs
    let label = ("swift:" + reader.name).padding(toLength: 22, withPad: " ", startingAt: 0)
    print(label + String(format: " %12d executions  0 findings (%d decoded)", runs, decoded))
}
print("dsac-fuzz: total \(total) executions")
exit(failed ? 1 : 0)
