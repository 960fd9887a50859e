import DSAC
import DSACData
import Foundation
import Testing

@testable import DSACTraining

/// Training on a tiny rendered scene: the loss goes down, checkpoints resume to the same bits, the optimizers
/// minimise, the scene-coordinate loss has the right derivative.
@Suite(.serialized) struct TrainingTests {
    static func scene() throws -> SyntheticScene {
        try SyntheticScene(name: "room", seed: 3, options: SyntheticOptions(width: 128, height: 96, trainFrames: 12,
                                                                             testFrames: 4))
    }

    static func options() -> InitTrainingOptions {
        var o = InitTrainingOptions()
        o.config = .tiny
        o.iterations = 120
        o.batchSize = 256
        o.bufferSize = 12 * 192
        o.imageHeight = 96
        o.threads = 2
        o.seed = 11
        o.learningRate = 1e-2
        return o
    }

    @Test func initStageLearnsAndResumesExactly() throws {
        let o = Self.options()
        let trainer = try InitTrainer(options: o)
        let buffer = try FeatureBuffer.build(trainer.freshNetwork(), frames: Self.scene(), options: o)
        #expect(buffer.count == 12 * 192)
        var losses: [Double] = []
        let path = ModelFileTests.temporaryPath("ckpt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let uninterrupted = try trainer.train(buffer, network: trainer.freshNetwork(),
                                              checkpointing: .init(path: path, every: 70), logEvery: 10) {
            losses.append($0.line.loss)
        }
        #expect(losses.last! < 0.8 * losses.first!, "loss \(losses)")
        // The checkpoint of iteration 70 stands for a run killed after it; resuming must give the same bits.
        let c = try InitTrainer.readCheckpoint(path, stage: "init", fingerprint: o.fingerprint)
        #expect(c.iteration == 70)
        var otherThreads = o
        otherThreads.threads = 1
        let resumed = try InitTrainer(options: otherThreads).train(buffer, network: c.network,
                                                                   resume: (c.iteration, c.state))
        #expect(resumed.head.parameters == uninterrupted.head.parameters)
        // Other options: refused.
        var changed = o
        changed.learningRate *= 2
        #expect(throws: TrainingError.self) {
            try InitTrainer.readCheckpoint(path, stage: "init", fingerprint: changed.fingerprint)
        }
    }

    @Test func bufferDoesNotDependOnThreads() throws {
        var o = Self.options()
        o.threads = 1
        let n = try InitTrainer(options: o).freshNetwork()
        let a = try FeatureBuffer.build(n, frames: Self.scene(), options: o)
        o.threads = 3
        let b = try FeatureBuffer.build(n, frames: Self.scene(), options: o)
        #expect(a.features == b.features && a.truths == b.truths && a.pixels == b.pixels)
    }

    @Test func lossGradientMatchesCentralDifferences() {
        let k = Intrinsics(fx: 500, fy: 500, cx: 320, cy: 240)
        let pose = Pose(rotation: Rotation.matrix(axisAngle: SIMD3(0.1, -0.2, 0.05)), translation: SIMD3(0.2, 0.1, 2))
        let truth = SIMD3<Float>(0.3, -0.2, 1.0)
        let xc = pose.apply(SIMD3(0.3, -0.2, 1.0))
        let pixel = k.project(xc) + SIMD2(3, -2)
        let options = SceneCoordinateLossOptions()
        // Points: reprojection branch (near the truth), √ soft clamp (far in the image, near in 3D is impossible:
        // use a target without truth), and the 3D-distance branch (far from the truth).
        let cases: [(SIMD3<Double>, SIMD3<Float>?)] = [
            (SIMD3(0.31, -0.18, 1.02), truth), (SIMD3(0.9, -0.2, 1.0), nil), (SIMD3(1.0, 0.5, 0.2), truth),
        ]
        for (y, t) in cases {
            let target = LossTarget(pixel: pixel, truth: t, camFromWorld: pose, intrinsics: k)
            var s = LossStatistics()
            let g = SceneCoordinateLoss.evaluate(y, target, options: options, stats: &s)
            for d in 0..<3 {
                var a = y, b = y
                a[d] += 1e-6
                b[d] -= 1e-6
                var sa = LossStatistics(), sb = LossStatistics()
                _ = SceneCoordinateLoss.evaluate(a, target, options: options, stats: &sa)
                _ = SceneCoordinateLoss.evaluate(b, target, options: options, stats: &sb)
                let fd = (sa.loss - sb.loss) / 2e-6
                #expect(abs(fd - g[d]) < 1e-4 * max(1, abs(fd)), "y \(y) d \(d): fd \(fd) analytic \(g[d])")
            }
        }
    }

    @Test func optimizersMinimiseAQuadratic() {
        for kind in OptimizerKind.allCases {
            var x: [Float] = [3, -2, 1]
            var state = OptimizerState(kind: kind, parameterCount: 3)
            for _ in 0..<500 {
                let g = x.map { 2 * $0 }
                Optimizer.update(&x, gradient: g, state: &state, learningRate: kind == .adam ? 0.05 : 0.01)
            }
            #expect(x.allSatisfy { abs($0) < 0.05 }, "\(kind): \(x)")
        }
    }

    @Test func scheduleWarmsUpAndDecays() throws {
        let s = try LearningRateSchedule.parse("cosine", total: 100)
        #expect(s.rate(base: 1, iteration: 0, total: 100) < 0.2)
        #expect(abs(s.rate(base: 1, iteration: 5, total: 100) - 1) < 1e-9)
        #expect(s.rate(base: 1, iteration: 100, total: 100) < 0.02)
        #expect(try LearningRateSchedule.parse("step:10:0.5", total: 100).rate(base: 1, iteration: 25, total: 100) == 0.25)
        #expect(throws: TrainingError.self) { try LearningRateSchedule.parse("wobbly", total: 1) }
    }
}

/// The e2e stage on the tiny scene: it runs through the differentiable layer and resumes to the same bits.
@Suite struct E2ETrainingTests {
    @Test func e2eStageRunsAndResumesExactly() throws {
        let scene = try TrainingTests.scene()
        let o = TrainingTests.options()
        let initTrainer = try InitTrainer(options: o)
        let buffer = try FeatureBuffer.build(initTrainer.freshNetwork(), frames: scene, options: o)
        let start = try initTrainer.train(buffer, network: initTrainer.freshNetwork())
        var e = E2ETrainingOptions()
        e.iterations = 6
        e.imageHeight = 96
        e.hypotheses = 16
        e.learningRate = 1e-3
        let path = ModelFileTests.temporaryPath("e2e-ckpt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines: [TrainingLogLine] = []
        let trainer = try E2ETrainer(options: e)
        let full = try trainer.train(scene, network: start, checkpointing: .init(path: path, every: 3), logEvery: 1) {
            lines.append($0.line)
        }
        #expect(lines.count == 6 && lines.allSatisfy { $0.loss.isFinite })
        #expect(full.head.parameters != start.head.parameters)
        let c = try InitTrainer.readCheckpoint(path, stage: "e2e", fingerprint: e.fingerprint)
        let resumed = try trainer.train(scene, network: c.network, resume: (c.iteration, c.state))
        #expect(resumed.head.parameters == full.head.parameters)
    }

    @Test func e2eStageTrainsMemoryValuesAndResumesExactly() throws {
        let scene = try TrainingTests.scene()
        var o = TrainingTests.options()
        o.config = .default
        var m = SceneMemoryOptions()
        m.lists = 16
        let start = try SceneCoordinateNetwork(config: .default).withMemory(from: scene, buffer: o, memory: m)
        var e = E2ETrainingOptions()
        e.iterations = 4
        e.imageHeight = 96
        e.hypotheses = 16
        e.learningRate = 1e-3
        let path = ModelFileTests.temporaryPath("e2e-memory-ckpt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let trainer = try E2ETrainer(options: e)
        var lines: [TrainingLogLine] = []
        let full = try trainer.train(scene, network: start, checkpointing: .init(path: path, every: 2), logEvery: 1) {
            lines.append($0.line)
        }
        let before = try #require(start.memory), after = try #require(full.memory)
        #expect(lines.count == 4 && lines.allSatisfy { $0.loss.isFinite && $0.skipped_frames == 0 })
        // Only values move; some do, by at most the steps Adam can take (4 × learning rate per coordinate).
        #expect(after.keys == before.keys && after.offsets == before.offsets && full.head.parameters == start.head.parameters)
        let moved = zip(after.values, before.values).map { abs($0 - $1) }
        #expect(moved.contains { $0 > 0 } && moved.allSatisfy { $0 <= 4 * 1e-3 + 1e-6 })
        let c = try InitTrainer.readCheckpoint(path, stage: "e2e", fingerprint: e.fingerprint)
        let resumed = try trainer.train(scene, network: c.network, resume: (c.iteration, c.state))
        #expect(resumed.memory == after)
    }
}

/// The pipeline on a data set on disk in the 7-Scenes layout (PNG colour, 16-bit depth, pose files): buffer, train,
/// save, load, test — the path a user's real scene takes.
@Suite struct DiskPipelineTests {
    @Test func sevenScenesLayoutRunsEndToEnd() throws {
        let root = ModelFileTests.temporaryPath("7scenes")
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try SyntheticWriter.write(TrainingTests.scene(), to: root, workers: 2)
        let data = try Dataset.open(at: root)
        #expect(data.layout == .sevenScenes)
        var o = TrainingTests.options()
        o.iterations = 10
        let trainer = try InitTrainer(options: o)
        let buffer = try FeatureBuffer.build(trainer.freshNetwork(), frames: data, options: o)
        #expect(buffer.hasTruth.filter { $0 != 0 }.count > buffer.count / 2)
        let network = try trainer.train(buffer, network: trainer.freshNetwork())
        let path = root + "/model.dsacmodel"
        try network.save(path)
        let loaded = try SceneCoordinateNetwork.load(path)
        let results = try Evaluator(network: loaded, threads: 2, imageHeight: 96).run(data, indices: [0, 1])
        #expect(results.count == 2 && results[0].name.contains("seq-02"))
        let report = EvaluationReport(frames: results)
        #expect(report.summary.frames == 2)
        // The memory head from the same files (depth → ground-truth coordinates), saved, loaded and tested.
        var m = SceneMemoryOptions()
        m.lists = 8
        let memory = try SceneCoordinateNetwork(config: o.config).withMemory(from: data, buffer: o, memory: m)
        #expect(memory.memory!.count == buffer.hasTruth.filter { $0 != 0 }.count)
        try memory.save(path)
        let tested = try Evaluator(network: SceneCoordinateNetwork.load(path), threads: 2, imageHeight: 96)
            .run(data, indices: [0, 1])
        #expect(tested.count == 2 && tested.allSatisfy { $0.inliers > 0 })
    }
}
