import DSAC
import DSACData
import Foundation
import Testing

@testable import DSACTraining

/// The memory stage on a rendered scene: no training, yet the held-out frames localize. (Its parts are checked
/// alone: the buffer and the memory build give the same bits on any thread count.)
@Suite(.serialized) struct MemoryStageTests {
    static func scene() throws -> SyntheticScene {
        var s = SyntheticOptions(width: 640, height: 480, trainFrames: 120, testFrames: 8)
        s.trainTurns = 1
        return try SyntheticScene(name: "room", seed: 4, options: s)
    }

    static func build(threads: Int) throws -> SceneCoordinateNetwork {
        var o = InitTrainingOptions()
        o.imageHeight = 480
        o.threads = threads
        o.seed = 3
        var m = SceneMemoryOptions()
        m.entries = 60_000
        m.lists = 128
        return try SceneCoordinateNetwork(config: .default).withMemory(from: scene(), buffer: o, memory: m)
    }

    @Test func heldOutFramesLocalizeFromAMemoryOfTheMappingRun() throws {
        let network = try Self.build(threads: 2)
        let memory = try #require(network.memory)
        #expect(memory.count > 50_000 && memory.lists == 128 && memory.keyDimension == 32)
        var localizer = Evaluator.dsacStarLocalizer(threads: 2)
        localizer.hypotheses = 256
        let frames = try Evaluator(network: network, threads: 2, imageHeight: 480, localizer: localizer)
            .run(Self.scene(), indices: Array(0..<8))
        // A single 120-frame turn maps the room coarsely (the benchmark measures the 1,200-frame run): the held-out
        // frames land within decimetres; a broken memory or a misplaced cell would put them metres away.
        let close = frames.filter { $0.rot_err_deg <= 5 && $0.trans_err_cm <= 25 }.count
        #expect(close >= 5, "\(close) of 8 held-out frames within 25 cm/5°: \(frames.map(\.trans_err_cm))")
    }
}
