// Derivative of a P3P pose with respect to its three world points, by the implicit function theorem.
//
// The pose h = (R, t) found from correspondences (p_k, X_k), k = 0..2, satisfies the six projection constraints
// r_k(h, X_k) = pi(R X_k + t) - p_k = 0. Differentiating (pixels constant; h perturbed as R(d) = exp([d_w]x) R,
// t(d) = t + d_t):  A dh + B dX = 0 with A = [J_pose_0; J_pose_1; J_pose_2] (6x6, pixels per unit of d) and
// B = blockdiag(J_point_0, J_point_1, J_point_2) (6x9, pixels per metre), so dh/dX = -A^-1 B. This is exact on
// the solver's branch (the closed-form solver is not differentiated step by step; any correct solver gives the
// same derivative). A is singular exactly where P3P roots merge (the "danger cylinder"): there the derivative is
// unbounded and the set is reported as degenerate (rcond(A) < rcond_min), never zeroed silently.
// Replaces the central finite differences of DSAC / DSAC++ / DSAC* (dsacstar_derivative.h `dPNP`).
#pragma once

#include "common/pose.h"

namespace dsac {

using Matrix69 = Eigen::Matrix<double, 6, 9>;
using Vector6d = Eigen::Matrix<double, 6, 1>;

/// dh/d(X_0, X_1, X_2) (6x9). False when a point is behind the camera or rcond(A) < rcond_min.
bool p3p_jacobian(const dsac_intrinsics &K, const Pose &pose, const Eigen::Vector2d pixels[3],
                  const Eigen::Vector3d points[3], double rcond_min, Matrix69 *J);

/// Vector-Jacobian product: dX_k = -(B^T A^-T g)_k, the pull-back of g = dE/dh onto the three points (3x3: row k
/// = dE/dX_k). False as p3p_jacobian.
bool p3p_vjp(const dsac_intrinsics &K, const Pose &pose, const Eigen::Vector2d pixels[3],
             const Eigen::Vector3d points[3], double rcond_min, const Vector6d &g, Eigen::Matrix3d *dX);

}  // namespace dsac
