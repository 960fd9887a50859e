// The backward pass of DSAC's expected loss E = sum_j p_j l_j (Brachmann et al., "DSAC — Differentiable RANSAC
// for Camera Localization", CVPR 2017; DSAC++ CVPR 2018; DSAC* TPAMI 2021, `dsacstar_rgb_backward`).
//
// Contract (the C entry point dsac_expected_loss_backward documents every buffer): accumulate dE/dX as
// vector-Jacobian products of three paths — the soft inlier score (direct, per point; indirect, through the P3P
// implicit-function derivative into the first three points of each minimal set), the refinement (exact implicit-
// function derivative at the optimum on the final inlier set), and any extra dE/dh_j the caller sends down the
// minimal-set path — plus dE/dalpha, dE/dbeta, dE/dtau. Nothing per hypothesis is stored beyond 6-vectors.
//
// Determinism: the points are cut into fixed blocks of kBackwardBlock; a block loops over the hypotheses in order
// (so each point's sum has a fixed order) and keeps its own per-hypothesis partials, reduced over the blocks in
// block order; per-hypothesis solves write their own slots and are added in hypothesis order. Blocks and
// hypotheses are handed to the threads one at a time (grad/work_queue.h). No result depends on the thread count
// or on which thread ran what.
#pragma once

#include "common/pose.h"

namespace dsac {

constexpr int64_t kBackwardBlock = 512;

struct BackwardInputs {
    const dsac_correspondences *c;
    const dsac_intrinsics *K;
    const dsac_pose *hypotheses;
    int64_t count;
    const int32_t *sets;            // may be null
    const double *score_gradient;   // count
    const double *pose_gradient;    // count x 6, may be null
    const dsac_pose *refined;       // may be null when no flag is set
    const uint8_t *refined_flags;   // may be null
    const uint8_t *inlier_masks;    // count x N
    const double *refined_gradient; // count x 6
    const dsac_backward_options *options;
    int threads;
};

/// Writes dE/dX (N x 3, interleaved, float64), dE/d(alpha, beta, tau), per-hypothesis flags and the report.
/// Returns DSAC_OK or DSAC_ERROR_DEGENERATE (a non-finite gradient; report->nonfinite_point says where).
dsac_status expected_loss_backward(const BackwardInputs &in, double *gradient, double parameter_gradient[3],
                                   uint8_t *flags, dsac_backward_report *report);

}  // namespace dsac
