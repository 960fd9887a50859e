// Scoring of hypotheses over all correspondences.
//
// Error of correspondence i under pose (R, t): e_i = |pi(R X_i + t) - p_i| in pixels, clamped at max_error;
// a point with z_cam <= DSAC_MIN_DEPTH or a non-finite value gets max_error.
// Soft inlier score (DSAC++ / DSAC*): s = alpha * sum_i sig(beta (tau - e_i)), divided by N when normalize.
// Arithmetic per point in float32 (vectorised), partial sums in float64 per block, fixed order.
#pragma once

#include "common/pose.h"

namespace dsac {

/// Score and hard inlier count (e < threshold) of one pose.
void score_pose(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &pose,
                const dsac_score_options &o, double *score, int32_t *inlier_count);

/// Clamped errors of one pose, float32.
void reprojection_errors(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &pose,
                         double max_error, float *errors);

/// Inlier mask (e < threshold) and count of one pose.
int64_t inlier_mask(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &pose, double threshold,
                    uint8_t *mask);

}  // namespace dsac
