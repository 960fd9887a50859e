import CKernels

/// The one place Swift calls C: pointers in, status codes turned into `DSACError`.
enum Kernels {
    static func check(_ status: dsac_status, _ what: String) throws(DSACError) {
        guard Int(status) != DSAC_OK else { return }
        let message = "\(what): " + String(cString: dsac_status_message(status))
        switch Int(status) {
        case DSAC_ERROR_NULL_POINTER, DSAC_ERROR_INVALID_SIZE: throw .invalidBuffer(message)
        case DSAC_ERROR_INVALID_INTRINSICS: throw .invalidIntrinsics(message)
        case DSAC_ERROR_INVALID_OPTIONS: throw .invalidOptions(message)
        case DSAC_ERROR_INVALID_POSE: throw .invalidPose(message)
        case DSAC_ERROR_TOO_FEW_INLIERS, DSAC_ERROR_DEGENERATE: throw .numericalFailure(message)
        default: throw .kernelFailure(message)
        }
    }

    /// Runs `body` with a C view of the correspondences (valid only inside).
    static func withView<R>(
        _ c: Correspondences, _ body: (UnsafePointer<dsac_correspondences>) throws(DSACError) -> R
    ) throws(DSACError) -> R {
        let result: Result<R, DSACError> = c.pixelX.withUnsafeBufferPointer { x in
            c.pixelY.withUnsafeBufferPointer { y in
                c.sceneX.withUnsafeBufferPointer { sx in
                    c.sceneY.withUnsafeBufferPointer { sy in
                        c.sceneZ.withUnsafeBufferPointer { sz in
                            var view = dsac_correspondences(
                                x: x.baseAddress, y: y.baseAddress, X: sx.baseAddress, Y: sy.baseAddress,
                                Z: sz.baseAddress, count: Int64(c.count))
                            return withUnsafePointer(to: &view) { v in
                                do throws(DSACError) { return .success(try body(v)) } catch { return .failure(error) }
                            }
                        }
                    }
                }
            }
        }
        return try result.get()
    }
}

extension Intrinsics {
    var c: dsac_intrinsics { dsac_intrinsics(fx: fx, fy: fy, cx: cx, cy: cy) }
}

extension Pose {
    var c: dsac_pose {
        let r = rotation.rowMajor
        return dsac_pose(
            rotation: (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]),
            translation: (translation.x, translation.y, translation.z))
    }

    init(_ p: dsac_pose) {
        let r = p.rotation
        self.init(
            rotation: Matrix3(rowMajor: [r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8]),
            translation: SIMD3(p.translation.0, p.translation.1, p.translation.2))
    }
}
