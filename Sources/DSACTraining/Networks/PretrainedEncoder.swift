import Foundation

/// The encoder shipped with the package: `dsac pretrain` (contrastive objective, default options) trained it on 30
/// synthetic scenes that leave out the demo scene; README "The bundled encoder" gives the command that rebuilds it.
public enum PretrainedEncoder {
    /// The model file inside the package's resource bundle.
    public static var path: String? { Bundle.module.path(forResource: "encoder", ofType: "dsacmodel") }

    public static func load() throws(TrainingError) -> Encoder {
        guard let path else {
            throw .modelFile(.unreadable(path: "DSACTraining resources/encoder.dsacmodel",
                                         reason: "the package's resource bundle has no pre-trained encoder"))
        }
        return try SceneCoordinateNetwork.load(path).encoder
    }
}
