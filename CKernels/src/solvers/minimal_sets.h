// Hypotheses from minimal sets of four correspondences (DSAC's rule).
//
// P3P on the first three correspondences; among the solutions, the one with the smallest reprojection error of
// the fourth is kept; the set is valid only when all four reproject within `threshold` pixels and lie in front
// of the camera (z > DSAC_MIN_DEPTH). Indices are assumed in range (checked at the C boundary).
#pragma once

#include "common/pose.h"

namespace dsac {

/// Returns true and writes *out for a valid set; false (and leaves *out the identity) otherwise.
bool hypothesis_from_set(const dsac_correspondences &c, const dsac_intrinsics &K, const int32_t set[4],
                         double threshold, Pose *out);

/// OpenMP over sets; each set writes only its own slot, so the result does not depend on `threads`.
void hypotheses_from_sets(const dsac_correspondences &c, const dsac_intrinsics &K, const int32_t *sets,
                          int64_t set_count, double threshold, int threads, Pose *out, uint8_t *valid);

}  // namespace dsac
