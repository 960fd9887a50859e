// Derivative of a refined pose with respect to the scene coordinates of its final inlier set, by the implicit
// function theorem at the optimum, with the exact Hessian.
//
// Refinement (refine/refine.h) returns h° = argmin_h C(h, X), C = 1/2 sum_{i in I} |r_i(h, X_i)|^2, over its final
// inlier set I (which is piecewise constant in X: its derivative is zero almost everywhere). At h°,
// F(h°, X) = sum_i J_i^T r_i = 0 (J_i = dr_i/d(d_omega, d_t), perturbation model of CKernels.h). Differentiating:
//   H dh° = -sum_i M_i dX_i,   H = dF/dh = sum_i (J_i^T J_i + sum_c r_ic d2 r_ic/dh2),   M_i = d(J_i^T r_i)/dX_i.
// H is the exact Hessian of C in the local coordinates d: the second derivatives of the projection pi and of the
// exponential map (exp([w]x) q = q + w x q + 1/2 w x (w x q) + ...) are included; at a stationary point the choice
// of local coordinates does not change it. The Gauss-Newton form -(J^T J)^-1 J^T dr/dX of DSAC++ / DSAC* drops the
// residual-weighted terms and is exact only for zero residuals (relative error ~ |r| z / f, 1e-3 at 1 px): too
// coarse for a 1e-4 central-difference check, so the exact form is used (cost: about 2x the GN form).
// VJP: with mu = H^-1 g (g = dE/dh°, H symmetric), dE/dX_i = -mu^T M_i
//   = -R^T [ Dpi^T Dpi a + dpsi/dx + (Dpi^T r_i) x mu_w ],   a = mu_w x q_i + mu_t,  q_i = R X_i,
// where psi(x, a) = r_i^T Dpi(x) a with r_i held fixed. Units: pixels, metres, radians.
#pragma once

#include "common/pose.h"
#include "grad/p3p_derivative.h"

namespace dsac {

/// mu = H^-1 g for the refined pose over the correspondences with mask[i] != 0. False when H is singular
/// (rcond < rcond_min), a point is behind the camera, or a value is non-finite.
bool refine_adjoint(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &refined,
                    const uint8_t *mask, const Vector6d &g, double rcond_min, Vector6d *mu);

/// Newton steps with the exact Hessian on the masked set, until the step is below 1e-15 (1 + |t|) or max_steps:
/// makes a refined pose the optimum to rounding (LM stops earlier, at ~1e-10 m, which central differences of E at
/// a 1e-5 m step would see as noise). False (pose untouched) on a singular Hessian or a step above 1e-3 (1 + |t|)
/// (not a polish: the pose was not at a minimum).
bool polish_refined(const dsac_correspondences &c, const dsac_intrinsics &K, const uint8_t *mask, int max_steps,
                    Pose *pose);

/// The exact Hessian H (6x6) and gradient sum_i J_i^T r_i of 1/2 sum |r_i|^2 over the masked set.
bool refine_hessian(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &refined,
                    const uint8_t *mask, Eigen::Matrix<double, 6, 6> *H, Vector6d *gradient);

/// Adds -mu^T M_i to (gX, gY, gZ)[i - begin] for the masked correspondences of [begin, end).
void refine_vjp_block(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &refined,
                      const uint8_t *mask, const Vector6d &mu, int64_t begin, int64_t end, double *gX, double *gY,
                      double *gZ);

}  // namespace dsac
