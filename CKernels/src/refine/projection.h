// Reprojection residual and its analytic Jacobians (float64).
//
// r = pi(R X + t) - p, pi(x) = (fx x/z + cx, fy y/z + cy).
// Perturbation model: R(d) = exp([d_w]x) R, t(d) = t + d_t, so with x = R X + t:
//   dx/dd_w = -[R X]x,  dx/dd_t = I,  dx/dX = R,
//   dpi/dx = [fx/z, 0, -fx x/z^2; 0, fy/z, -fy y/z^2].
#pragma once

#include "common/pose.h"

namespace dsac {

using Matrix26 = Eigen::Matrix<double, 2, 6>;
using Matrix23 = Eigen::Matrix<double, 2, 3>;

/// Returns false (outputs untouched) when the point is behind the camera (z <= DSAC_MIN_DEPTH).
/// J_pose and J_point may be null.
bool projection_jacobians(const dsac_intrinsics &K, const Pose &pose, const Eigen::Vector2d &pixel,
                          const Eigen::Vector3d &point, Eigen::Vector2d *residual, Matrix26 *J_pose,
                          Matrix23 *J_point);

}  // namespace dsac
