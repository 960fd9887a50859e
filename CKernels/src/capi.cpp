// Every extern "C" definition of CKernels.h: check the arguments, call the C++ code, catch everything.
#include <algorithm>
#include <exception>
#include <vector>

#include "CKernels.h"
#include "common/check.h"
#include "common/pose.h"
#include "refine/projection.h"
#include "refine/refine.h"
#include "scoring/score.h"
#include "solvers/minimal_sets.h"
#include "solvers/p3p.h"
#include "grad/expected_loss_backward.h"
#include "grad/p3p_derivative.h"
#include "grad/refine_derivative.h"
#include "grad/soft_score_f64.h"
#include "grad/work_queue.h"

#ifdef _OPENMP
#include <omp.h>
#endif

using namespace dsac;

namespace {

template <class Body>
dsac_status guarded(Body body) {
    try {
        return body();
    } catch (...) {
        return DSAC_ERROR_INTERNAL;
    }
}

dsac_status check_common(const dsac_correspondences *c, const dsac_intrinsics *K) {
    if (!c || !K) return DSAC_ERROR_NULL_POINTER;
    if (c->count < 0) return DSAC_ERROR_INVALID_SIZE;
    if (!valid_correspondences(*c)) return DSAC_ERROR_NULL_POINTER;
    if (!valid_intrinsics(*K)) return DSAC_ERROR_INVALID_INTRINSICS;
    return DSAC_OK;
}

bool valid_score_options(const dsac_score_options &o) {
    return std::isfinite(o.threshold) && o.threshold > 0 && std::isfinite(o.beta) && o.beta > 0 &&
           std::isfinite(o.alpha) && std::isfinite(o.max_error) && o.max_error >= o.threshold &&
           (o.normalize == 0 || o.normalize == 1);
}

bool valid_refine_options(const dsac_refine_options &o) {
    return std::isfinite(o.threshold) && o.threshold > 0 && o.max_rounds >= 1 && o.max_iterations >= 1 &&
           o.min_inliers >= 4;
}

/// Scores every hypothesis with `score_one` (float32 or float64 kernel), OpenMP over hypotheses; each hypothesis
/// writes its own slot, so the result does not depend on the thread count.
template <class ScoreOne>
dsac_status score_all(const dsac_correspondences *correspondences, const dsac_intrinsics *intrinsics,
                      const dsac_pose *hypotheses, int64_t hypothesis_count, const dsac_score_options *options,
                      int32_t threads, double *scores, int32_t *inlier_counts, ScoreOne score_one) {
    if (dsac_status s = check_common(correspondences, intrinsics)) return s;
    if (!options) return DSAC_ERROR_NULL_POINTER;
    if (hypothesis_count < 0) return DSAC_ERROR_INVALID_SIZE;
    if (hypothesis_count > 0 && (!hypotheses || !scores)) return DSAC_ERROR_NULL_POINTER;
    if (!valid_score_options(*options) || !valid_threads(threads)) return DSAC_ERROR_INVALID_OPTIONS;
    if (correspondences->count > INT32_MAX) return DSAC_ERROR_INVALID_SIZE;
    for (int64_t h = 0; h < hypothesis_count; ++h)
        if (!is_finite(hypotheses[h])) return DSAC_ERROR_INVALID_POSE;
    std::vector<double> s(static_cast<size_t>(hypothesis_count));
    std::vector<int32_t> counts(static_cast<size_t>(hypothesis_count));
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (hypothesis_count > 1)
#endif
    for (int64_t h = 0; h < hypothesis_count; ++h)
        score_one(*correspondences, *intrinsics, from_c(hypotheses[h]), *options, &s[h], &counts[h]);
    std::copy(s.begin(), s.end(), scores);
    if (inlier_counts) std::copy(counts.begin(), counts.end(), inlier_counts);
    return DSAC_OK;
}

}  // namespace

extern "C" {

const char *dsac_status_message(dsac_status status) {
    switch (status) {
        case DSAC_OK: return "success";
        case DSAC_ERROR_NULL_POINTER: return "a required buffer is missing (null pointer)";
        case DSAC_ERROR_INVALID_SIZE: return "a size or count is out of range";
        case DSAC_ERROR_INVALID_INTRINSICS: return "intrinsics are non-finite or the focal length is not positive";
        case DSAC_ERROR_INVALID_OPTIONS: return "an option is out of its documented range";
        case DSAC_ERROR_INVALID_POSE: return "a pose holds a non-finite value";
        case DSAC_ERROR_TOO_FEW_INLIERS: return "too few inliers to refine the pose";
        case DSAC_ERROR_DEGENERATE: return "the problem is degenerate (singular system or non-finite result)";
        case DSAC_ERROR_INTERNAL: return "internal error in the kernels (a bug: please report it)";
        default: return "unknown status code";
    }
}

dsac_status dsac_p3p(const double bearings[9], const double points[9], dsac_pose solutions[4],
                     int32_t *solution_count) {
    return guarded([&]() -> dsac_status {
        if (!bearings || !points || !solutions || !solution_count) return DSAC_ERROR_NULL_POINTER;
        Eigen::Vector3d b[3], X[3];
        for (int k = 0; k < 3; ++k) {
            b[k] = Eigen::Vector3d(bearings[3 * k], bearings[3 * k + 1], bearings[3 * k + 2]);
            X[k] = Eigen::Vector3d(points[3 * k], points[3 * k + 1], points[3 * k + 2]);
            if (!b[k].allFinite() || !X[k].allFinite()) return DSAC_ERROR_DEGENERATE;
        }
        Pose found[4];
        const int n = solve_p3p(b, X, found);
        for (int k = 0; k < n; ++k) solutions[k] = to_c(found[k]);
        *solution_count = n;
        return DSAC_OK;
    });
}

dsac_status dsac_hypotheses_from_sets(const dsac_correspondences *correspondences,
                                      const dsac_intrinsics *intrinsics, const int32_t *sets, int64_t set_count,
                                      double inlier_threshold, int32_t threads, dsac_pose *hypotheses,
                                      uint8_t *valid) {
    return guarded([&]() -> dsac_status {
        if (dsac_status s = check_common(correspondences, intrinsics)) return s;
        if (set_count < 0) return DSAC_ERROR_INVALID_SIZE;
        if (set_count > 0 && (!sets || !hypotheses || !valid)) return DSAC_ERROR_NULL_POINTER;
        if (!std::isfinite(inlier_threshold) || inlier_threshold <= 0 || !valid_threads(threads))
            return DSAC_ERROR_INVALID_OPTIONS;
        const int64_t n = correspondences->count;
        for (int64_t i = 0; i < 4 * set_count; ++i)
            if (sets[i] < 0 || sets[i] >= n) return DSAC_ERROR_INVALID_SIZE;
        std::vector<Pose> found(static_cast<size_t>(set_count));
        std::vector<uint8_t> ok(static_cast<size_t>(set_count));
        hypotheses_from_sets(*correspondences, *intrinsics, sets, set_count, inlier_threshold, threads, found.data(),
                             ok.data());
        for (int64_t h = 0; h < set_count; ++h) {
            hypotheses[h] = to_c(found[h]);
            valid[h] = ok[h];
        }
        return DSAC_OK;
    });
}

dsac_status dsac_score_hypotheses(const dsac_correspondences *correspondences, const dsac_intrinsics *intrinsics,
                                  const dsac_pose *hypotheses, int64_t hypothesis_count,
                                  const dsac_score_options *options, int32_t threads, double *scores,
                                  int32_t *inlier_counts) {
    return guarded([&]() -> dsac_status {
        return score_all(correspondences, intrinsics, hypotheses, hypothesis_count, options, threads, scores,
                         inlier_counts, score_pose);
    });
}

dsac_status dsac_reprojection_errors(const dsac_correspondences *correspondences, const dsac_intrinsics *intrinsics,
                                     const dsac_pose *pose, double max_error, float *errors) {
    return guarded([&]() -> dsac_status {
        if (dsac_status s = check_common(correspondences, intrinsics)) return s;
        if (!pose || (correspondences->count > 0 && !errors)) return DSAC_ERROR_NULL_POINTER;
        if (!std::isfinite(max_error) || max_error <= 0) return DSAC_ERROR_INVALID_OPTIONS;
        if (!is_finite(*pose)) return DSAC_ERROR_INVALID_POSE;
        reprojection_errors(*correspondences, *intrinsics, from_c(*pose), max_error, errors);
        return DSAC_OK;
    });
}

dsac_status dsac_inlier_mask(const dsac_correspondences *correspondences, const dsac_intrinsics *intrinsics,
                             const dsac_pose *pose, double threshold, uint8_t *mask, int64_t *inlier_count) {
    return guarded([&]() -> dsac_status {
        if (dsac_status s = check_common(correspondences, intrinsics)) return s;
        if (!pose || !inlier_count || (correspondences->count > 0 && !mask)) return DSAC_ERROR_NULL_POINTER;
        if (!std::isfinite(threshold) || threshold <= 0) return DSAC_ERROR_INVALID_OPTIONS;
        if (!is_finite(*pose)) return DSAC_ERROR_INVALID_POSE;
        *inlier_count = inlier_mask(*correspondences, *intrinsics, from_c(*pose), threshold, mask);
        return DSAC_OK;
    });
}

dsac_status dsac_projection_jacobians(const dsac_intrinsics *intrinsics, const dsac_pose *pose,
                                      const double pixel[2], const double point[3], double residual[2],
                                      double J_pose[12], double J_point[6]) {
    return guarded([&]() -> dsac_status {
        if (!intrinsics || !pose || !pixel || !point || !residual) return DSAC_ERROR_NULL_POINTER;
        if (!valid_intrinsics(*intrinsics)) return DSAC_ERROR_INVALID_INTRINSICS;
        if (!is_finite(*pose)) return DSAC_ERROR_INVALID_POSE;
        const Eigen::Vector2d p(pixel[0], pixel[1]);
        const Eigen::Vector3d X(point[0], point[1], point[2]);
        if (!p.allFinite() || !X.allFinite()) return DSAC_ERROR_DEGENERATE;
        Eigen::Vector2d r;
        Matrix26 Jp;
        Matrix23 Jx;
        if (!projection_jacobians(*intrinsics, from_c(*pose), p, X, &r, &Jp, &Jx)) return DSAC_ERROR_DEGENERATE;
        for (int i = 0; i < 2; ++i) {
            residual[i] = r(i);
            for (int j = 0; j < 6; ++j)
                if (J_pose) J_pose[6 * i + j] = Jp(i, j);
            for (int j = 0; j < 3; ++j)
                if (J_point) J_point[3 * i + j] = Jx(i, j);
        }
        return DSAC_OK;
    });
}

dsac_status dsac_refine_poses(const dsac_correspondences *correspondences, const dsac_intrinsics *intrinsics,
                              const dsac_pose *initial, int64_t hypothesis_count, const dsac_refine_options *options,
                              int32_t threads, dsac_pose *refined, uint8_t *inlier_masks,
                              dsac_refine_report *reports, dsac_status *status) {
    return guarded([&]() -> dsac_status {
        if (dsac_status s = check_common(correspondences, intrinsics)) return s;
        if (!options) return DSAC_ERROR_NULL_POINTER;
        if (hypothesis_count < 0) return DSAC_ERROR_INVALID_SIZE;
        if (hypothesis_count > 0 && (!initial || !refined || !reports || !status)) return DSAC_ERROR_NULL_POINTER;
        if (!valid_refine_options(*options) || !valid_threads(threads)) return DSAC_ERROR_INVALID_OPTIONS;
        for (int64_t h = 0; h < hypothesis_count; ++h)
            if (!is_finite(initial[h])) return DSAC_ERROR_INVALID_POSE;
        const int64_t n = correspondences->count;
        const int workers = static_cast<int>(std::min<int64_t>(threads, std::max<int64_t>(hypothesis_count, 1)));
        std::vector<uint8_t> scratch(static_cast<size_t>(workers * 2 * std::max<int64_t>(n, 1)));
        std::vector<Pose> out(static_cast<size_t>(hypothesis_count));
        std::vector<dsac_refine_report> rep(static_cast<size_t>(hypothesis_count));
        std::vector<dsac_status> st(static_cast<size_t>(hypothesis_count));
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(workers) if (workers > 1)
#endif
        for (int64_t h = 0; h < hypothesis_count; ++h) {
#ifdef _OPENMP
            const int worker = omp_get_thread_num();
#else
            const int worker = 0;
#endif
            uint8_t *work = scratch.data() + static_cast<size_t>(worker) * 2 * n;
            uint8_t *mask = inlier_masks ? inlier_masks + h * n : work + n;
            const Pose start = from_c(initial[h]);
            rep[h] = dsac_refine_report{0, 0, 0, 0.0};
            st[h] = refine_pose(*correspondences, *intrinsics, start, *options, &out[h], mask, work, &rep[h]);
            if (st[h] != DSAC_OK) out[h] = start;
        }
        for (int64_t h = 0; h < hypothesis_count; ++h) {
            refined[h] = to_c(out[h]);
            reports[h] = rep[h];
            status[h] = st[h];
        }
        return DSAC_OK;
    });
}

dsac_status dsac_refine_pose(const dsac_correspondences *correspondences, const dsac_intrinsics *intrinsics,
                             const dsac_pose *initial, const dsac_refine_options *options, dsac_pose *refined,
                             uint8_t *inlier_mask, dsac_refine_report *report) {
    return guarded([&]() -> dsac_status {
        if (!initial || !refined || !report) return DSAC_ERROR_NULL_POINTER;
        dsac_pose out;
        dsac_refine_report rep;
        dsac_status own = DSAC_OK;
        if (dsac_status s = dsac_refine_poses(correspondences, intrinsics, initial, 1, options, 1, &out, inlier_mask,
                                              &rep, &own))
            return s;
        if (own != DSAC_OK) return own;
        *refined = out;
        *report = rep;
        return DSAC_OK;
    });
}

// ---- Differentiable DSAC (grad/) ----

dsac_status dsac_score_hypotheses_f64(const dsac_correspondences *correspondences,
                                      const dsac_intrinsics *intrinsics, const dsac_pose *hypotheses,
                                      int64_t hypothesis_count, const dsac_score_options *options,
                                      int32_t threads, double *scores, int32_t *inlier_counts) {
    return guarded([&]() -> dsac_status {
        return score_all(correspondences, intrinsics, hypotheses, hypothesis_count, options, threads, scores,
                         inlier_counts, soft_score_f64);
    });
}

dsac_status dsac_p3p_jacobian(const dsac_intrinsics *intrinsics, const dsac_pose *pose, const double pixels[6],
                              const double points[9], double rcond_min, double J_pose_points[54]) {
    return guarded([&]() -> dsac_status {
        if (!intrinsics || !pose || !pixels || !points || !J_pose_points) return DSAC_ERROR_NULL_POINTER;
        if (!valid_intrinsics(*intrinsics)) return DSAC_ERROR_INVALID_INTRINSICS;
        if (!is_finite(*pose)) return DSAC_ERROR_INVALID_POSE;
        if (!std::isfinite(rcond_min) || rcond_min < 0) return DSAC_ERROR_INVALID_OPTIONS;
        Eigen::Vector2d px[3];
        Eigen::Vector3d X[3];
        for (int k = 0; k < 3; ++k) {
            px[k] = Eigen::Vector2d(pixels[2 * k], pixels[2 * k + 1]);
            X[k] = Eigen::Vector3d(points[3 * k], points[3 * k + 1], points[3 * k + 2]);
            if (!px[k].allFinite() || !X[k].allFinite()) return DSAC_ERROR_DEGENERATE;
        }
        Matrix69 J;
        if (!p3p_jacobian(*intrinsics, from_c(*pose), px, X, rcond_min, &J)) return DSAC_ERROR_DEGENERATE;
        for (int r = 0; r < 6; ++r)
            for (int k = 0; k < 9; ++k) J_pose_points[9 * r + k] = J(r, k);
        return DSAC_OK;
    });
}

dsac_status dsac_polish_refined_poses(const dsac_correspondences *correspondences, const dsac_intrinsics *intrinsics,
                                      dsac_pose *poses, int64_t count, const uint8_t *inlier_masks,
                                      int32_t max_steps, int32_t threads, uint8_t *polished) {
    return guarded([&]() -> dsac_status {
        if (dsac_status s = check_common(correspondences, intrinsics)) return s;
        if (count < 0) return DSAC_ERROR_INVALID_SIZE;
        if (count > 0 && (!poses || !inlier_masks || !polished)) return DSAC_ERROR_NULL_POINTER;
        if (max_steps < 1 || !valid_threads(threads)) return DSAC_ERROR_INVALID_OPTIONS;
        for (int64_t j = 0; j < count; ++j)
            if (!is_finite(poses[j])) return DSAC_ERROR_INVALID_POSE;
        const int64_t n = correspondences->count;
        std::vector<Pose> out(static_cast<size_t>(count));
        std::vector<uint8_t> ok(static_cast<size_t>(count));
        parallel_items(count, threads, [&](int64_t j) {
            out[j] = from_c(poses[j]);
            ok[j] = polish_refined(*correspondences, *intrinsics, inlier_masks + j * n, max_steps, &out[j]) ? 1 : 0;
        });
        for (int64_t j = 0; j < count; ++j) {
            poses[j] = to_c(out[j]);
            polished[j] = ok[j];
        }
        return DSAC_OK;
    });
}

dsac_status dsac_expected_loss_backward(const dsac_correspondences *correspondences,
                                        const dsac_intrinsics *intrinsics, const dsac_pose *hypotheses,
                                        int64_t hypothesis_count, const int32_t *sets, const double *score_gradient,
                                        const double *pose_gradient, const dsac_pose *refined,
                                        const uint8_t *refined_flags, const uint8_t *inlier_masks,
                                        const double *refined_gradient, const dsac_backward_options *options,
                                        int32_t threads, float *coordinate_gradient,
                                        double *score_parameter_gradient, uint8_t *flags,
                                        dsac_backward_report *report) {
    return guarded([&]() -> dsac_status {
        if (dsac_status s = check_common(correspondences, intrinsics)) return s;
        if (!options || !report) return DSAC_ERROR_NULL_POINTER;
        if (hypothesis_count < 0) return DSAC_ERROR_INVALID_SIZE;
        const int64_t n = correspondences->count;
        if (n > 0 && !coordinate_gradient) return DSAC_ERROR_NULL_POINTER;
        if (hypothesis_count > 0 && (!hypotheses || !score_gradient)) return DSAC_ERROR_NULL_POINTER;
        if (!valid_threads(threads)) return DSAC_ERROR_INVALID_OPTIONS;
        if ((options->score_path != 0 && options->score_path != 1) ||
            (options->score_path && !valid_score_options(options->score)) ||
            !std::isfinite(options->solver_rcond_min) || options->solver_rcond_min < 0 ||
            !std::isfinite(options->refine_rcond_min) || options->refine_rcond_min < 0 ||
            !(options->score_path_cutoff >= 0 && options->score_path_cutoff < 1))
            return DSAC_ERROR_INVALID_OPTIONS;
        bool any_refined = false;
        for (int64_t j = 0; j < hypothesis_count; ++j) {
            if (!is_finite(hypotheses[j])) return DSAC_ERROR_INVALID_POSE;
            if (!std::isfinite(score_gradient[j])) return DSAC_ERROR_INVALID_OPTIONS;
            if (pose_gradient)
                for (int k = 0; k < 6; ++k)
                    if (!std::isfinite(pose_gradient[6 * j + k])) return DSAC_ERROR_INVALID_OPTIONS;
            if (refined_flags && refined_flags[j]) any_refined = true;
        }
        if (any_refined) {
            if (!refined || !inlier_masks || !refined_gradient) return DSAC_ERROR_NULL_POINTER;
            for (int64_t j = 0; j < hypothesis_count; ++j) {
                if (!refined_flags[j]) continue;
                if (!is_finite(refined[j])) return DSAC_ERROR_INVALID_POSE;
                for (int k = 0; k < 6; ++k)
                    if (!std::isfinite(refined_gradient[6 * j + k])) return DSAC_ERROR_INVALID_OPTIONS;
            }
        }
        if (sets)
            for (int64_t i = 0; i < 4 * hypothesis_count; ++i)
                if (sets[i] < 0 || sets[i] >= n) return DSAC_ERROR_INVALID_SIZE;
        BackwardInputs in{correspondences, intrinsics, hypotheses, hypothesis_count, sets, score_gradient,
                          pose_gradient, refined, any_refined ? refined_flags : nullptr, inlier_masks,
                          refined_gradient, options, threads};
        std::vector<double> g(static_cast<size_t>(3 * n));
        double params[3];
        dsac_backward_report rep;
        std::vector<uint8_t> fl(static_cast<size_t>(hypothesis_count));
        const dsac_status s = expected_loss_backward(in, g.data(), params, fl.data(), &rep);
        *report = rep;
        if (s != DSAC_OK) return s;
        // Outputs only on success, and never a non-finite value (a gradient beyond float's range included).
        std::vector<float> sum(coordinate_gradient, coordinate_gradient + 3 * n);
        for (int64_t k = 0; k < 3 * n; ++k) {
            sum[k] += static_cast<float>(g[k]);
            if (!std::isfinite(sum[k])) return DSAC_ERROR_DEGENERATE;
        }
        for (double v : params)
            if (!std::isfinite(v)) return DSAC_ERROR_DEGENERATE;
        std::copy(sum.begin(), sum.end(), coordinate_gradient);
        if (score_parameter_gradient) std::copy(params, params + 3, score_parameter_gradient);
        if (flags) std::copy(fl.begin(), fl.end(), flags);
        return DSAC_OK;
    });
}

// ---- Network kernels (nn/) ----
}  // extern "C" (reopened below: the network kernels' C++ headers are included here to keep their lines together)

#include "nn/conv.h"
#include "nn/gemm.h"
#include "nn/resample.h"

namespace {

/// The argument checks both directions of nearest upsampling share (`from` is read, `to` is written).
dsac_status check_upsample(int64_t channels, int64_t in_height, int64_t in_width, int32_t factor, int64_t out_height,
                           int64_t out_width, const float *from, const float *to, int32_t threads) {
    if (channels < 1 || in_height < 1 || in_width < 1 || out_height < 1 || out_width < 1 || factor < 1)
        return DSAC_ERROR_INVALID_SIZE;
    if (!from || !to) return DSAC_ERROR_NULL_POINTER;
    if (!valid_threads(threads)) return DSAC_ERROR_INVALID_OPTIONS;
    return DSAC_OK;
}

bool valid_conv_shape(const dsac_conv_shape &s) {
    return s.in_channels >= 1 && s.out_channels >= 1 && s.kernel >= 1 && s.stride >= 1 && s.padding >= 0 &&
           s.dilation >= 1 && s.in_channels <= (1 << 16) && s.out_channels <= (1 << 16) && s.kernel <= 64 &&
           s.stride <= 64 && s.padding <= 1024 && s.dilation <= 64;
}

dsac_status check_conv(const dsac_conv_shape *shape, int64_t h, int64_t w, int32_t threads) {
    if (!shape) return DSAC_ERROR_NULL_POINTER;
    if (!valid_conv_shape(*shape) || h < 1 || w < 1 || h > (1 << 20) || w > (1 << 20))
        return DSAC_ERROR_INVALID_SIZE;
    if (!valid_threads(threads)) return DSAC_ERROR_INVALID_OPTIONS;
    if (dsac::nn::conv_output_size(h, *shape) < 1 || dsac::nn::conv_output_size(w, *shape) < 1)
        return DSAC_ERROR_INVALID_SIZE;
    return DSAC_OK;
}

}  // namespace

extern "C" {

int64_t dsac_conv_output_size(const dsac_conv_shape *shape, int64_t in_extent) {
    if (!shape || !valid_conv_shape(*shape) || in_extent < 1) return 0;
    return dsac::nn::conv_output_size(in_extent, *shape);
}

dsac_status dsac_conv2d_forward(const dsac_conv_shape *shape, int64_t in_height, int64_t in_width,
                                const float *input, const float *weight, const float *bias, int32_t relu,
                                int32_t threads, float *output) {
    return guarded([&]() -> dsac_status {
        if (const dsac_status s = check_conv(shape, in_height, in_width, threads); s != DSAC_OK) return s;
        if (!input || !weight || !output) return DSAC_ERROR_NULL_POINTER;
        if (relu != 0 && relu != 1) return DSAC_ERROR_INVALID_OPTIONS;
        dsac::nn::conv2d_forward(*shape, in_height, in_width, input, weight, bias, relu == 1, threads, output);
        return DSAC_OK;
    });
}

dsac_status dsac_conv2d_backward(const dsac_conv_shape *shape, int64_t in_height, int64_t in_width,
                                 const float *input, const float *weight, const float *output_gradient,
                                 int32_t threads, float *input_gradient, float *weight_gradient,
                                 float *bias_gradient) {
    return guarded([&]() -> dsac_status {
        if (const dsac_status s = check_conv(shape, in_height, in_width, threads); s != DSAC_OK) return s;
        if (!input || !weight || !output_gradient) return DSAC_ERROR_NULL_POINTER;
        dsac::nn::conv2d_backward(*shape, in_height, in_width, input, weight, output_gradient, threads,
                                  input_gradient, weight_gradient, bias_gradient);
        return DSAC_OK;
    });
}

dsac_status dsac_relu_backward(int64_t count, const float *output, float *gradient) {
    if (count < 0) return DSAC_ERROR_INVALID_SIZE;
    if (count > 0 && (!output || !gradient)) return DSAC_ERROR_NULL_POINTER;
    for (int64_t i = 0; i < count; ++i) gradient[i] = output[i] > 0.0f ? gradient[i] : 0.0f;
    return DSAC_OK;
}

dsac_status dsac_upsample_nearest_forward(int64_t channels, int64_t in_height, int64_t in_width, int32_t factor,
                                          int64_t out_height, int64_t out_width, const float *input,
                                          int32_t threads, float *output) {
    return guarded([&]() -> dsac_status {
        if (dsac_status s = check_upsample(channels, in_height, in_width, factor, out_height, out_width, input,
                                           output, threads))
            return s;
        dsac::nn::upsample_nearest_forward(channels, in_height, in_width, factor, out_height, out_width, input,
                                           output, threads);
        return DSAC_OK;
    });
}

dsac_status dsac_upsample_nearest_backward(int64_t channels, int64_t in_height, int64_t in_width, int32_t factor,
                                           int64_t out_height, int64_t out_width, const float *output_gradient,
                                           int32_t threads, float *input_gradient) {
    return guarded([&]() -> dsac_status {
        if (dsac_status s = check_upsample(channels, in_height, in_width, factor, out_height, out_width,
                                           output_gradient, input_gradient, threads))
            return s;
        dsac::nn::upsample_nearest_backward(channels, in_height, in_width, factor, out_height, out_width,
                                            output_gradient, input_gradient, threads);
        return DSAC_OK;
    });
}

dsac_status dsac_gemm(int64_t m, int64_t n, int64_t k, const float *a, const float *b, int32_t transpose_b,
                      int32_t accumulate, int32_t threads, float *c) {
    return guarded([&]() -> dsac_status {
        if (m < 1 || n < 1 || k < 0) return DSAC_ERROR_INVALID_SIZE;
        if ((k > 0 && (!a || !b)) || !c) return DSAC_ERROR_NULL_POINTER;
        if ((transpose_b != 0 && transpose_b != 1) || (accumulate != 0 && accumulate != 1) || !valid_threads(threads))
            return DSAC_ERROR_INVALID_OPTIONS;
        if (transpose_b)
            dsac::nn::gemm_nt(m, n, k, a, k, b, k, c, n, accumulate == 1, threads);
        else
            dsac::nn::gemm_nn(m, n, k, a, k, b, n, c, n, accumulate == 1, threads);
        return DSAC_OK;
    });
}

// ---- Scene-memory kernels (memory/) ----
}  // extern "C"

#include <Eigen/Eigenvalues>

#include "memory/ivf.h"

namespace {

bool all_finite(const float *v, int64_t count) {
    for (int64_t i = 0; i < count; ++i)
        if (!std::isfinite(v[i])) return false;
    return true;
}

}  // namespace

extern "C" {

dsac_status dsac_nearest_centroid(int64_t n, int64_t k, int64_t d, const float *points, const float *centroids,
                                  int32_t threads, int32_t *index, float *similarity) {
    return guarded([&]() -> dsac_status {
        if (n < 1 || k < 1 || d < 1 || k > INT32_MAX) return DSAC_ERROR_INVALID_SIZE;
        if (!points || !centroids || !index || !similarity) return DSAC_ERROR_NULL_POINTER;
        if (!valid_threads(threads)) return DSAC_ERROR_INVALID_OPTIONS;
        if (!all_finite(points, n * d) || !all_finite(centroids, k * d)) return DSAC_ERROR_DEGENERATE;
        dsac::memory::nearest_centroid(n, k, d, points, centroids, threads, index, similarity);
        return DSAC_OK;
    });
}

dsac_status dsac_ivf_search(int64_t q, int64_t lists, int64_t d, const float *queries, const float *centroids,
                            const int64_t *offsets, const float *keys, int32_t nprobe, int32_t threads,
                            int64_t *index, float *similarity) {
    return guarded([&]() -> dsac_status {
        if (q < 1 || lists < 1 || d < 1) return DSAC_ERROR_INVALID_SIZE;
        if (!queries || !centroids || !offsets || !keys || !index || !similarity) return DSAC_ERROR_NULL_POINTER;
        if (nprobe < 1 || !valid_threads(threads)) return DSAC_ERROR_INVALID_OPTIONS;
        if (offsets[0] != 0 || offsets[lists] < 1) return DSAC_ERROR_INVALID_SIZE;
        for (int64_t l = 0; l < lists; ++l)
            if (offsets[l + 1] < offsets[l]) return DSAC_ERROR_INVALID_SIZE;
        if (!all_finite(queries, q * d) || !all_finite(centroids, lists * d) || !all_finite(keys, offsets[lists] * d))
            return DSAC_ERROR_DEGENERATE;
        dsac::memory::ivf_search(q, lists, d, queries, centroids, offsets, keys,
                                 static_cast<int>(std::min<int64_t>(nprobe, lists)), threads, index, similarity);
        return DSAC_OK;
    });
}

dsac_status dsac_symmetric_eigen(int64_t n, const double *matrix, double *eigenvalues, double *eigenvectors) {
    return guarded([&]() -> dsac_status {
        if (n < 1 || n > 4096) return DSAC_ERROR_INVALID_SIZE;
        if (!matrix || !eigenvalues || !eigenvectors) return DSAC_ERROR_NULL_POINTER;
        Eigen::MatrixXd a(n, n);
        for (int64_t r = 0; r < n; ++r)
            for (int64_t c = 0; c <= r; ++c) {
                const double v = matrix[r * n + c];
                if (!std::isfinite(v)) return DSAC_ERROR_DEGENERATE;
                a(r, c) = v;
                a(c, r) = v;
            }
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(a);
        if (solver.info() != Eigen::Success) return DSAC_ERROR_DEGENERATE;
        // Eigen sorts increasing; we report decreasing.
        for (int64_t j = 0; j < n; ++j) {
            const int64_t src = n - 1 - j;
            Eigen::VectorXd v = solver.eigenvectors().col(src);
            Eigen::Index largest;
            v.cwiseAbs().maxCoeff(&largest);
            if (v(largest) < 0) v = -v;
            eigenvalues[j] = solver.eigenvalues()(src);
            for (int64_t r = 0; r < n; ++r) eigenvectors[r * n + j] = v(r);
        }
        return DSAC_OK;
    });
}

// ---- Data kernels (DSACData) ----
}  // extern "C" (reopened below: the data kernels' C++ header is included here to keep their lines together)

#include "render/raycast.h"

extern "C" {

dsac_status dsac_render_frame(const dsac_render_scene *scene, const dsac_intrinsics *intrinsics,
                              const dsac_pose *cam_from_world, const dsac_render_options *options, int32_t threads,
                              float *rgb, float *depth, int32_t *surface) {
    return guarded([&]() -> dsac_status {
        if (!scene || !intrinsics || !cam_from_world || !options) return DSAC_ERROR_NULL_POINTER;
        if (!valid_intrinsics(*intrinsics)) return DSAC_ERROR_INVALID_INTRINSICS;
        if (!valid_threads(threads)) return DSAC_ERROR_INVALID_OPTIONS;
        for (int k = 0; k < 9; ++k)
            if (!std::isfinite(cam_from_world->rotation[k])) return DSAC_ERROR_INVALID_POSE;
        for (int k = 0; k < 3; ++k)
            if (!std::isfinite(cam_from_world->translation[k])) return DSAC_ERROR_INVALID_POSE;
        if (options->width < 1 || options->height < 1 || options->width > 65536 || options->height > 65536)
            return DSAC_ERROR_INVALID_SIZE;
        if (!(options->exposure >= 0) || !std::isfinite(options->exposure) || !(options->noise_sigma >= 0) ||
            !std::isfinite(options->noise_sigma))
            return DSAC_ERROR_INVALID_OPTIONS;
        if (!dsac::render::valid_scene(*scene)) return DSAC_ERROR_INVALID_OPTIONS;
        return dsac::render::render_frame(*scene, *intrinsics, *cam_from_world, *options, threads, rgb, depth,
                                          surface);
    });
}

}  // extern "C"
