import DSAC
import DSACData
import Foundation
import Testing

@testable import DSACTraining

/// The `dsac` executable built beside this test bundle (`swift build --build-tests` builds every product).
enum DSACExecutable {
    static var url: URL? {
        let me = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0])
        var dir = me.deletingLastPathComponent()
        // The test runner is <products>/DSACPackageTests.xctest (a file on Linux); allow one level of nesting too.
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("dsac")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    struct Result {
        var status: Int32
        var signalled: Bool
        var stdout: String
        var stderr: String
    }

    /// Runs `dsac args…` to completion.
    static func run(_ args: [String]) throws -> Result {
        guard let url else { throw CocoaError(.fileNoSuchFile) }
        let p = Process()
        p.executableURL = url
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal,
                      stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

/// Bad inputs through the CLI (CATALOGUE.md): each exits with a non-zero status and a one-line message that
/// says what is wrong — never a signal (a trap or a crash).
@Suite(.serialized) struct CLICatalogueTests {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "dsac-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func fixtures() throws -> (model: String, image: String, problem: String) {
        let model = folder + "/m.dsacmodel", image = folder + "/i.png", problem = folder + "/p.bin"
        if !FileManager.default.fileExists(atPath: model) {
            try ModelFileTests.network().save(model)
            try ImageIO.writePNG([UInt8](repeating: 90, count: 64 * 48 * 3), width: 64, height: 48, channels: 3,
                                 to: image)
            try PnPProblemFile.write(SyntheticProblem.make(seed: 2), to: URL(fileURLWithPath: problem))
        }
        return (model, image, problem)
    }

    func expectFailure(_ args: [String], says words: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard DSACExecutable.url != nil else {
            Issue.record("the dsac executable is not beside the test bundle: build it first (swift build --build-tests)",
                         sourceLocation: sourceLocation)
            return
        }
        let r = try DSACExecutable.run(args)
        #expect(!r.signalled, "dsac \(args.joined(separator: " ")) died of a signal: \(r.stderr)",
                sourceLocation: sourceLocation)
        #expect(r.status != 0, "dsac \(args.joined(separator: " ")) succeeded", sourceLocation: sourceLocation)
        for w in words {
            #expect(r.stderr.contains(w), "dsac \(args.joined(separator: " ")): '\(w)' not in: \(r.stderr)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func localizeWithBadModelsImagesIntrinsicsAndOptions() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (model, image, _) = try fixtures()
        let base = ["localize", "--model", model, "--image", image, "--image-height", "48"]
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: model)))
        try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: folder + "/half.dsacmodel"))
        var flipped = bytes
        flipped[bytes.count / 3] ^= 0x10
        try Data(flipped).write(to: URL(fileURLWithPath: folder + "/flip.dsacmodel"))
        try Data(bytes.prefix(100)).write(to: URL(fileURLWithPath: folder + "/i-trunc.png"))
        try expectFailure(["localize", "--model", folder + "/none", "--image", image, "--intrinsics", "50"],
                          says: ["cannot read the model file"])
        try expectFailure(["localize", "--model", folder + "/half.dsacmodel", "--image", image, "--intrinsics", "50"],
                          says: ["truncated model file"])
        try expectFailure(["localize", "--model", folder + "/flip.dsacmodel", "--image", image, "--intrinsics", "50"],
                          says: ["corrupted model file"])
        try expectFailure(["localize", "--model", image, "--image", image, "--intrinsics", "50"],
                          says: ["not a DSAC model file"])
        try expectFailure(["localize", "--model", model, "--image", model, "--intrinsics", "50"], says: ["bad image"])
        for k in ["nan", "inf", "50,50,nan,1", "1,2,3", ""] {
            try expectFailure(base + ["--intrinsics", k], says: ["intrinsics"])
        }
        for k in ["0", "-50", "50,-50,32,24"] {
            try expectFailure(base + ["--intrinsics=\(k)"], says: ["invalid intrinsics"])
        }
        for t in ["0", "10000", "-1"] {
            try expectFailure(base + ["--intrinsics", "50", "--threads=\(t)"], says: ["threads"])
        }
        for h in ["0", "-8", "100000"] {
            try expectFailure(["localize", "--model", model, "--image", image, "--intrinsics", "50", "--image-height", h],
                              says: ["image-height"])
        }
    }

    @Test func expectedLossWithBadProblemFilesAndCounts() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (_, _, problem) = try fixtures()
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: problem)))
        try Data(bytes.prefix(150)).write(to: URL(fileURLWithPath: folder + "/short.bin"))
        try Data(bytes.dropLast()).write(to: URL(fileURLWithPath: folder + "/cut.bin"))
        try Data([0x58] + bytes.dropFirst()).write(to: URL(fileURLWithPath: folder + "/magic.bin"))
        try expectFailure(["expected-loss", "--problem", folder + "/none.bin"], says: ["cannot read"])
        try expectFailure(["expected-loss", "--problem", folder + "/short.bin"], says: ["shorter than the 184-byte header"])
        try expectFailure(["expected-loss", "--problem", folder + "/cut.bin"], says: ["needs"])
        try expectFailure(["expected-loss", "--problem", folder + "/magic.bin"], says: ["wrong magic"])
        for n in ["0", "10000000", "-3"] {
            try expectFailure(["expected-loss", "--problem", problem, "--hypotheses", n], says: ["hypotheses"])
        }
        for t in ["0", "10000"] {
            try expectFailure(["expected-loss", "--problem", problem, "--threads", t], says: ["threads"])
        }
    }

    @Test func datasetAndTrainOnBadFolders() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
        try expectFailure(["dataset", "check", folder + "/empty"], says: ["unknown data set layout"])
        try expectFailure(["dataset", "check", folder + "/missing"], says: [folder + "/missing"])
        try expectFailure(["train", "--dataset", folder + "/empty", "--quiet"], says: ["unknown data set layout"])
        try expectFailure(["synth", "--out", folder + "/s", "--size", "0x0", "--quiet"], says: ["size"])
        try expectFailure(["synth", "--out", folder + "/s", "--frames", "-1", "--quiet"], says: ["frames"])
        for h in ["0", "-8", "100000"] {
            try expectFailure(["test", "--dataset", folder + "/empty", "--model", folder + "/m", "--image-height", h],
                              says: ["image-height"])
        }
        try expectFailure(["test", "--dataset", folder + "/empty", "--model", folder + "/m", "--threads", "0"],
                          says: ["threads"])
        try expectFailure(["test", "--dataset", folder + "/empty", "--model", folder + "/m", "--hypotheses", "0"],
                          says: ["hypotheses"])
        try expectFailure(["test", "--dataset", folder + "/empty", "--model", folder + "/m", "--inlier-threshold",
                           "nan"], says: ["inlier-threshold"])
        try expectFailure(["synth", "--out", folder + "/s", "--train-turns", "inf", "--quiet"], says: ["turns"])
        try expectFailure(["synth", "--out", folder + "/s", "--detail", "1.5", "--quiet"], says: ["surface detail"])
        try expectFailure(["synth", "--out", folder + "/s", "--detail", "nan", "--quiet"], says: ["surface detail"])
        for bad in [["--probes", "0"], ["--lists", "4", "--probes", "8"], ["--entries", "0"], ["--key-dimension=-1"]] {
            try expectFailure(["train", "--dataset", folder + "/empty", "--stage", "memory"] + bad, says: ["--probes in"])
        }
        try expectFailure(["demo", "--head", "forest", "--quiet"], says: ["--head must be memory or mlp"])
        try expectFailure(["experiment", "ablation", "--head", "forest"], says: ["--head must be memory or mlp"])
        try expectFailure(["pretrain", "--scenes", "room", "--quiet"], says: ["PRESET:SEED"])
        try expectFailure(["pretrain", "--scenes", "cave:1", "--iterations", "1", "--quiet"], says: ["cave"])
    }
}

/// Crash-safe training: `dsac train` is killed with SIGKILL at random moments (a checkpoint is written every
/// iteration, so many kills land inside a write); after every kill the checkpoint on disk is complete and never
/// goes back, and the run resumed with `--resume` until it finishes writes a model byte-identical to an
/// uninterrupted run with the same seed.
@Suite(.serialized) struct CrashSafeTrainingTests {
    @Test func sigkillAtRandomMomentsThenResumeEndsWithTheSameModel() throws {
        guard let dsac = DSACExecutable.url else {
            Issue.record("the dsac executable is not beside the test bundle: build it first (swift build --build-tests)")
            return
        }
        let folder = NSTemporaryDirectory() + "dsac-crash-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let synth = try DSACExecutable.run(["synth", "--out", folder + "/data", "--frames", "6", "--test-frames", "1",
                                            "--size", "64x48", "--seed", "5", "--threads", "2", "--quiet"])
        #expect(synth.status == 0, "\(synth.stderr)")
        func train(_ name: String) -> [String] {
            ["train", "--dataset", folder + "/data", "--network", "tiny", "--iterations", "600", "--batch-size", "128",
             "--buffer-size", "1152", "--image-height", "48", "--seed", "9", "--threads", "2", "--quiet",
             "--checkpoint", folder + "/\(name).ckpt", "--checkpoint-every", "1", "--out", folder + "/\(name).dsacmodel"]
        }

        // Uninterrupted reference, timed to place the kills.
        let start = Date()
        let reference = try DSACExecutable.run(train("ref"))
        let seconds = Date().timeIntervalSince(start)
        #expect(reference.status == 0, "\(reference.stderr)")
        let referenceBytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/ref.dsacmodel"))

        var g = SeededGenerator(seed: UInt64(Date().timeIntervalSince1970))
        var lastIteration = 0, kills = 0, killsMidWrite = 0, finished = false
        let checkpoint = folder + "/k.ckpt"
        while !finished && kills < 25 {
            let p = Process()
            p.executableURL = dsac
            p.arguments = train("k") + ["--resume"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            // Uniform over the first quarter of the reference run's length (at least 50 ms in: process start-up is
            // not interesting), so that most attempts are killed and each makes some progress; the first three
            // within its first twentieth, so that at least three kills happen however the load changes meanwhile.
            let window = seconds * (kills < 3 ? 1.0 / 20 : 1.0 / 4)
            let delay = 0.05 + Double(g.next() >> 11) * 0x1p-53 * window
            let deadline = Date().addingTimeInterval(delay)
            while p.isRunning && Date() < deadline { usleep(2000) }
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                kills += 1
            } else {
                p.waitUntilExit()
                finished = p.terminationStatus == 0
                #expect(finished, "resumed run failed with status \(p.terminationStatus)")
                if !finished { break }
            }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("k.ckpt.tmp-") }
            if !leftovers.isEmpty { killsMidWrite += 1 }
            if !finished, FileManager.default.fileExists(atPath: checkpoint) {
                // The checkpoint is whole (size, CRC, header, tensors) and never goes back.
                let c = try InitTrainer.readCheckpoint(checkpoint, stage: "init",
                                                       fingerprint: ModelFile.read(checkpoint).header.training!.fingerprint)
                #expect(c.iteration >= lastIteration)
                lastIteration = c.iteration
            }
            // A model file, if any, is whole.
            if FileManager.default.fileExists(atPath: folder + "/k.dsacmodel") {
                #expect(throws: Never.self) { _ = try ModelFile.read(folder + "/k.dsacmodel") }
            }
        }
        if !finished {
            let last = try DSACExecutable.run(train("k") + ["--resume"])
            #expect(last.status == 0, "\(last.stderr)")
        }
        let resumedBytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/k.dsacmodel"))
        #expect(resumedBytes == referenceBytes, "the resumed model differs from the uninterrupted one")
        // The finished run removed its checkpoint and every temporary a killed writer left behind.
        let rest = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("k.") }
        #expect(rest == ["k.dsacmodel"], "left behind: \(rest)")
        print("crash-safe training: reference \(String(format: "%.1f", seconds)) s, \(kills) SIGKILLs "
              + "(\(killsMidWrite) left a temporary file: killed inside a checkpoint write), last checkpoint at "
              + "iteration \(lastIteration) of 600")
        #expect(kills >= 3, "the run finished too fast for the kills to mean anything")
        // Killed after writing its model and removing its checkpoint, a run resumed again is already done: it
        // neither starts over (the checkpoint would go back to an early iteration) nor changes the model.
        let again = try DSACExecutable.run(train("k") + ["--resume", "--log", folder + "/again.jsonl"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/again.jsonl"), "the finished run trained again")
        #expect(!FileManager.default.fileExists(atPath: checkpoint))
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/k.dsacmodel")) == referenceBytes)
    }
}
