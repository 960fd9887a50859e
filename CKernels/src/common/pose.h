// Internal pose type and conversions at the C boundary.
#pragma once

#include <Eigen/Core>
#include <Eigen/Geometry>

#include "CKernels.h"

namespace dsac {

/// cam_from_world: x_cam = R * X_world + t.
struct Pose {
    Eigen::Matrix3d R = Eigen::Matrix3d::Identity();
    Eigen::Vector3d t = Eigen::Vector3d::Zero();
};

inline Pose from_c(const dsac_pose &p) {
    Pose out;
    for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) out.R(r, c) = p.rotation[3 * r + c];
        out.t(r) = p.translation[r];
    }
    return out;
}

inline dsac_pose to_c(const Pose &p) {
    dsac_pose out;
    for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) out.rotation[3 * r + c] = p.R(r, c);
        out.translation[r] = p.t(r);
    }
    return out;
}

inline bool is_finite(const dsac_pose &p) {
    for (double v : p.rotation)
        if (!std::isfinite(v)) return false;
    for (double v : p.translation)
        if (!std::isfinite(v)) return false;
    return true;
}

/// Rotation of an axis-angle vector (Rodrigues), exact near zero.
inline Eigen::Matrix3d exp_so3(const Eigen::Vector3d &w) {
    const double angle = w.norm();
    if (angle < 1e-12) {
        Eigen::Matrix3d W;
        W << 0, -w.z(), w.y(), w.z(), 0, -w.x(), -w.y(), w.x(), 0;
        return Eigen::Matrix3d::Identity() + W;
    }
    return Eigen::AngleAxisd(angle, w / angle).toRotationMatrix();
}

/// Applies the perturbation model of every Jacobian: R <- exp([dw]x) R, t <- t + dt.
inline Pose perturbed(const Pose &p, const Eigen::Matrix<double, 6, 1> &d) {
    Pose out;
    out.R = exp_so3(d.head<3>()) * p.R;
    out.t = p.t + d.tail<3>();
    return out;
}

/// Bearing (unnormalised ray) of a pixel: ((x - cx) / fx, (y - cy) / fy, 1).
inline Eigen::Vector3d bearing(const dsac_intrinsics &K, double x, double y) {
    return Eigen::Vector3d((x - K.cx) / K.fx, (y - K.cy) / K.fy, 1.0);
}

}  // namespace dsac
