import DSAC

/// Moves the points of a separate depth camera into the colour camera and z-buffers them there: the depth a colour
/// pixel would have had from a registered sensor. Each depth pixel is splatted over the colour pixels its footprint
/// covers (colour focal / depth focal, at least one pixel), nearest point wins. Raw values 0 and 65535 are invalid.
enum DepthRegistration {
    static func register(raw: [UInt16], camera: DepthCamera, colourIntrinsics: Intrinsics, colourWidth: Int,
                         colourHeight: Int) -> DepthMap {
        var out = [Float](repeating: .infinity, count: colourWidth * colourHeight)
        let ratio = max(colourIntrinsics.fx / camera.intrinsics.fx, colourIntrinsics.fy / camera.intrinsics.fy)
        let radius = max(0, Int((ratio / 2 - 0.5).rounded(.up)))
        let r = camera.colourFromDepth
        for v in 0..<camera.height {
            for u in 0..<camera.width {
                let d = raw[v * camera.width + u]
                guard d != 0, d != 65535 else { continue }
                let z = Double(d) / Double(camera.unitsPerMetre)
                let xColour = r.apply(camera.intrinsics.backProject(pixel: SIMD2(Double(u), Double(v)), depth: z))
                guard xColour.z > 1e-6 else { continue }
                let p = colourIntrinsics.project(xColour)
                let cx = Int(p.x.rounded()), cy = Int(p.y.rounded())
                let zc = Float(xColour.z)
                for y in (cy - radius)...(cy + radius) where y >= 0 && y < colourHeight {
                    for x in (cx - radius)...(cx + radius) where x >= 0 && x < colourWidth {
                        let i = y * colourWidth + x
                        if zc < out[i] { out[i] = zc }
                    }
                }
            }
        }
        for i in out.indices where out[i] == .infinity { out[i] = 0 }
        return DepthMap(width: colourWidth, height: colourHeight, metres: out)
    }

    /// Registered depth from raw 16-bit values (0 and 65535 invalid).
    static func registered(raw: [UInt16], width: Int, height: Int, unitsPerMetre: Float) -> DepthMap {
        DepthMap(width: width, height: height,
                 metres: raw.map { $0 == 0 || $0 == 65535 ? 0 : Float($0) / unitsPerMetre })
    }

    /// The LIRIS Kinect calibration that ACE and the pseudo-ground-truth study use for 7-Scenes: depth sensor to
    /// RGB sensor, metres.
    static let sevenScenesColourFromDepth = Pose(matrix4x4: [
        9.9996518012567637e-01, 2.6765126468950343e-03, -7.9041012313000904e-03, -2.5558943178152542e-02,
        -2.7409311281316700e-03, 9.9996302803027592e-01, -8.1504520778013286e-03, 1.0109636268061706e-04,
        7.8819942130445332e-03, 8.1718328771890631e-03, 9.9993554558014031e-01, 2.0318321729487039e-03,
        0, 0, 0, 1,
    ])

    /// 7-Scenes' depth camera: 640×480, f = 585, principal point (320, 240), millimetres.
    static let sevenScenesDepthCamera = DepthCamera(
        intrinsics: Intrinsics(fx: 585, fy: 585, cx: 320, cy: 240), width: 640, height: 480,
        colourFromDepth: sevenScenesColourFromDepth, unitsPerMetre: 1000)
}
