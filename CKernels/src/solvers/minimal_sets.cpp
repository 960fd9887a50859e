// Hypotheses from minimal sets of four correspondences (DSAC's rule; Brachmann et al., "DSAC — Differentiable
// RANSAC for Camera Localization", CVPR 2017, and DSAC++ / DSAC* which keep it).
//
// Set (i0, i1, i2, i3): bearings b_k = ((x_k - cx) / fx, (y_k - cy) / fy, 1) of the pixels (pixels in, unitless
// rays out), scene points X_k (metres). P3P (Lambda Twist) on k = 0..2 gives up to four cam_from_world poses; the
// one with the smallest reprojection error of k = 3 is kept (a pose that puts X_3 at z <= DSAC_MIN_DEPTH has an
// infinite error there; ties keep the first solution). The set is valid only when that pose reprojects all four
// points with error |pi(R X_k + t) - p_k| < threshold (pixels) and z_k > DSAC_MIN_DEPTH (metres).
// Invalid: no P3P solution, no solution in front of the camera for X_3, a point beyond the threshold, or a
// non-finite pixel or scene coordinate in the set. An invalid set's pose is the identity.
#include "solvers/minimal_sets.h"

#include <cmath>
#include <limits>

#include "solvers/p3p.h"

namespace dsac {
namespace {

/// Squared reprojection error (pixels^2) of X at pixel (px, py); infinity when z <= DSAC_MIN_DEPTH.
inline double squared_reprojection_error(const dsac_intrinsics &K, const Pose &pose, const Eigen::Vector3d &X,
                                         double px, double py) {
    const Eigen::Vector3d x = pose.R * X + pose.t;
    if (!(x.z() > DSAC_MIN_DEPTH)) return std::numeric_limits<double>::infinity();
    const double iz = 1.0 / x.z();
    const double ex = K.fx * x.x() * iz + K.cx - px;
    const double ey = K.fy * x.y() * iz + K.cy - py;
    return ex * ex + ey * ey;
}

}  // namespace

bool hypothesis_from_set(const dsac_correspondences &c, const dsac_intrinsics &K, const int32_t set[4],
                         double threshold, Pose *out) {
    *out = Pose{};
    double px[4], py[4];
    Eigen::Vector3d X[4], b[4];
    for (int k = 0; k < 4; ++k) {
        const int64_t i = set[k];
        px[k] = c.x[i];
        py[k] = c.y[i];
        X[k] = Eigen::Vector3d(c.X[i], c.Y[i], c.Z[i]);
        if (!std::isfinite(px[k]) || !std::isfinite(py[k]) || !X[k].allFinite()) return false;
        b[k] = bearing(K, px[k], py[k]);
    }

    Pose solutions[4];
    const int n = solve_p3p(b, X, solutions);
    int best = -1;
    double best_error = std::numeric_limits<double>::infinity();
    for (int s = 0; s < n; ++s) {
        const double e = squared_reprojection_error(K, solutions[s], X[3], px[3], py[3]);
        if (e < best_error) {
            best_error = e;
            best = s;
        }
    }
    if (best < 0) return false;

    const double threshold2 = threshold * threshold;
    const Pose &pose = solutions[best];
    for (int k = 0; k < 4; ++k)
        if (!(squared_reprojection_error(K, pose, X[k], px[k], py[k]) < threshold2)) return false;
    *out = pose;
    return true;
}

void hypotheses_from_sets(const dsac_correspondences &c, const dsac_intrinsics &K, const int32_t *sets,
                          int64_t set_count, double threshold, int threads, Pose *out, uint8_t *valid) {
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (set_count > 1)
#endif
    for (int64_t h = 0; h < set_count; ++h)
        valid[h] = hypothesis_from_set(c, K, sets + 4 * h, threshold, &out[h]) ? 1 : 0;
#ifndef _OPENMP
    (void)threads;
#endif
}

}  // namespace dsac
