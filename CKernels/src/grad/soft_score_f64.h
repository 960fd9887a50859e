// The soft inlier score in float64 and its vector-Jacobian products (the training path's score).
//
// Per correspondence i of hypothesis h = (R, t): x = R X_i + t, r_i = pi(x) - p_i (pixels), e_i = |r_i|; a point
// with z <= DSAC_MIN_DEPTH, a non-finite value or e_i >= max_error has e_i = max_error (constant: no derivative).
// S = sum_i sig(beta (tau - e_i)) (divided by N when normalize), s = alpha S (Brachmann & Rother, DSAC++, CVPR
// 2018; DSAC*, TPAMI 2021). Derivatives (sig' = sig (1 - sig)):
//   ds/de_i = -alpha/N beta sig'_i,  de_i/dx = r_i^T/e_i Dpi(x),  dx/dX_i = R,  dx/d(d_omega, d_t) = [-[R X_i]x | I],
//   ds/dalpha = S,  ds/dbeta = alpha/N sum_i sig'_i (tau - e_i),  ds/dtau = alpha/N beta sum_i sig'_i.
// Units: pixels, metres; float64 throughout (exp64), summed in a fixed order.
#pragma once

#include "common/pose.h"

namespace dsac {

/// Score and hard inlier count (e < threshold) of one pose, float64.
void soft_score_f64(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &pose,
                    const dsac_score_options &o, double *score, int32_t *inlier_count);

/// Score-path VJP of one hypothesis over the correspondences [begin, end), weighted by w = dE/ds:
/// adds dE/dX_i to (gX, gY, gZ)[i - begin] for every point except `skip[0..2]` (its solving points, whose error is
/// identically zero on the solver's branch), and adds to partial[0..8]: dE/dh (6, perturbation model), then the
/// contributions to dE/dalpha, dE/dbeta, dE/dtau.
void soft_score_vjp_block(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &pose,
                          const dsac_score_options &o, double w, const int64_t skip[3], int64_t begin, int64_t end,
                          double *gX, double *gY, double *gZ, double partial[9]);

}  // namespace dsac
