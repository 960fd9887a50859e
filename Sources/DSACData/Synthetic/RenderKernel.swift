import CKernels
import DSAC

/// The one place DSACData calls C: `dsac_render_frame`, with its status turned into a `DataError`.
enum RenderKernel {
    struct Output {
        var rgb: [Float]
        var depth: [Float]
        var surface: [Int32]
    }

    static func render(_ scene: SceneDescription, intrinsics: Intrinsics, camFromWorld: Pose, width: Int, height: Int,
                       exposure: Float, lightScale: Float, noiseSigma: Float, noiseSeed: UInt64, threads: Int,
                       wantSurface: Bool) throws(DataError) -> Output {
        let boxes: [dsac_render_box] = scene.boxes.map { b in
            var box = dsac_render_box()
            box.center = (b.center.x, b.center.y, b.center.z)
            box.half_size = (b.halfSize.x, b.halfSize.y, b.halfSize.z)
            box.yaw = b.yaw
            box.material = (b.materials[0], b.materials[1], b.materials[2], b.materials[3], b.materials[4], b.materials[5])
            box.inside = b.inside ? 1 : 0
            return box
        }
        let materials: [dsac_render_material] = scene.materials.map { m in
            dsac_render_material(pattern: m.pattern.rawValue, seed: m.seed, color_a: (m.colorA.x, m.colorA.y, m.colorA.z),
                                 color_b: (m.colorB.x, m.colorB.y, m.colorB.z), scale: m.scale, angle: m.angle,
                                 variation: m.variation, detail: m.detail)
        }
        let lights: [dsac_render_light] = scene.lights.map { l in
            dsac_render_light(position: (l.position.x, l.position.y, l.position.z),
                              intensity: (l.intensity.x * lightScale, l.intensity.y * lightScale, l.intensity.z * lightScale),
                              falloff: l.falloff)
        }
        var k = dsac_intrinsics(fx: intrinsics.fx, fy: intrinsics.fy, cx: intrinsics.cx, cy: intrinsics.cy)
        let r = camFromWorld.rotation.rowMajor
        var pose = dsac_pose()
        pose.rotation = (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8])
        pose.translation = (camFromWorld.translation.x, camFromWorld.translation.y, camFromWorld.translation.z)
        var options = dsac_render_options(width: Int32(width), height: Int32(height), exposure: exposure,
                                          noise_sigma: noiseSigma, noise_seed: noiseSeed)
        var rgb = [Float](repeating: 0, count: width * height * 3)
        var depth = [Float](repeating: 0, count: width * height)
        var surface = [Int32](repeating: -1, count: wantSurface ? width * height : 0)
        let status = boxes.withUnsafeBufferPointer { b in
            materials.withUnsafeBufferPointer { m in
                lights.withUnsafeBufferPointer { l in
                    var s = dsac_render_scene(boxes: b.baseAddress, box_count: Int32(b.count),
                                              materials: m.baseAddress, material_count: Int32(m.count),
                                              lights: l.baseAddress, light_count: Int32(l.count),
                                              ambient: (scene.ambient.x, scene.ambient.y, scene.ambient.z))
                    return rgb.withUnsafeMutableBufferPointer { rgbOut in
                        depth.withUnsafeMutableBufferPointer { depthOut in
                            surface.withUnsafeMutableBufferPointer { surfaceOut in
                                dsac_render_frame(&s, &k, &pose, &options, Int32(threads), rgbOut.baseAddress,
                                                  depthOut.baseAddress, wantSurface ? surfaceOut.baseAddress : nil)
                            }
                        }
                    }
                }
            }
        }
        guard status == 0 else {
            throw .invalidArgument("renderer: \(String(cString: dsac_status_message(status)))")
        }
        return Output(rgb: rgb, depth: depth, surface: surface)
    }
}
