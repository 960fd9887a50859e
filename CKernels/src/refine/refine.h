// Pose refinement (DSAC*'s schedule with our own LM).
//
// Round k: select the inliers (e < threshold) of the current pose; stop when they are no more than in the
// previous round (the first round always runs); otherwise minimise sum_i |r_i|^2 over the selected set by
// Levenberg-Marquardt from the current pose (analytic Jacobians, perturbation model of projection.h).
// Result: the minimiser over the last set optimised on, and that set.
#pragma once

#include "common/pose.h"

namespace dsac {

/// Returns DSAC_OK, DSAC_ERROR_TOO_FEW_INLIERS or DSAC_ERROR_DEGENERATE. `mask` (may be null) gets the final set;
/// `scratch` holds N bytes for the working set.
dsac_status refine_pose(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &initial,
                        const dsac_refine_options &o, Pose *refined, uint8_t *mask, uint8_t *scratch,
                        dsac_refine_report *report);

}  // namespace dsac
