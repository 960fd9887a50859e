import ArgumentParser
import DSAC
import DSACData
import DSACTraining
import Foundation

/// `dsac localize`: one image in, pose and confidence out (JSON).
struct LocalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "localize",
        abstract: "Localize one image with a trained model; print the pose as JSON.",
        discussion: """
            --intrinsics is "f" (fx = fy = f, principal point at the image centre, DSAC*'s convention) or \
            "fx,fy,cx,cy", in pixels of the image as stored; the image is resized to --image-height and the \
            intrinsics with it. Output: cam_from_world and world_from_cam (4×4 row-major), inliers, the inlier \
            ratio as confidence, timings.
            """)

    @Option(help: "Model file.") var model: String
    @Option(help: "Image (PNG or JPEG).") var image: String
    @Option(help: "f or fx,fy,cx,cy (pixels of the stored image).") var intrinsics: String
    @Option(name: .customLong("image-height"), help: "Resize to this height before the network.") var imageHeight = 480
    @Option(help: "Kernel threads.") var threads = 2
    @Option(help: "Seed of the RANSAC sampler.") var seed: UInt64 = 0

    struct Output: Codable {
        var cam_from_world: [Double]
        var world_from_cam: [Double]
        var inliers: Int
        var correspondences: Int
        var confidence: Double
        var score: Double
        var ms_network: Double
        var ms_ransac: Double
    }

    func validate() throws { try TrainingSupport.validate(imageHeight: imageHeight, threads: threads) }

    func run() throws {
        do {
            let network = try SceneCoordinateNetwork.load(model)
            var picture = try ImageIO.readImage(image)
            let values = intrinsics.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard values.allSatisfy({ $0 != nil && $0!.isFinite }), values.count == 1 || values.count == 4 else {
                throw ValidationErrorText("--intrinsics must be f or fx,fy,cx,cy (got '\(intrinsics)')")
            }
            var k = values.count == 1
                ? Intrinsics(fx: values[0]!, fy: values[0]!, cx: Double(picture.width) / 2, cy: Double(picture.height) / 2)
                : Intrinsics(fx: values[0]!, fy: values[1]!, cx: values[2]!, cy: values[3]!)
            if picture.height != imageHeight {
                let scale = Double(imageHeight) / Double(picture.height)
                let width = max(1, Int((Double(picture.width) * scale).rounded()))
                let sx = Double(width) / Double(picture.width), sy = Double(imageHeight) / Double(picture.height)
                picture = ImageIO.resize(picture, width: width, height: imageHeight)
                k = Intrinsics(fx: k.fx * sx, fy: k.fy * sy, cx: (k.cx + 0.5) * sx - 0.5, cy: (k.cy + 0.5) * sy - 0.5)
            }
            let evaluator = Evaluator(network: network, threads: threads, imageHeight: imageHeight)
            let (report, msNetwork) = try evaluator.localize(picture, intrinsics: k, seed: seed)
            let out = Output(cam_from_world: report.camFromWorld.matrix4x4, world_from_cam: report.worldFromCam.matrix4x4,
                             inliers: report.inlierCount, correspondences: report.usableCorrespondences,
                             confidence: report.confidence, score: report.score, ms_network: msNetwork,
                             ms_ransac: report.timings.total)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            FileHandle.standardOutput.write(try encoder.encode(out) + Data("\n".utf8))
        } catch {
            throw TrainingSupport.fail(error)
        }
    }
}
