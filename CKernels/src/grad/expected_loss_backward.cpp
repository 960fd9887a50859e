// The expected loss backward pass: see expected_loss_backward.h for the contract.
#include "grad/expected_loss_backward.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "grad/p3p_derivative.h"
#include "grad/refine_derivative.h"
#include "grad/soft_score_f64.h"
#include "grad/work_queue.h"

namespace dsac {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

dsac_status expected_loss_backward(const BackwardInputs &in, double *gradient, double parameter_gradient[3],
                                   uint8_t *flags, dsac_backward_report *report) {
    const dsac_correspondences &c = *in.c;
    const dsac_intrinsics &K = *in.K;
    const dsac_backward_options &o = *in.options;
    const int64_t n = c.count, m = in.count;
    std::vector<Pose> poses(static_cast<size_t>(m)), refined(static_cast<size_t>(m));
    std::vector<uint8_t> flag(static_cast<size_t>(m), 0);
    for (int64_t j = 0; j < m; ++j) {
        poses[j] = from_c(in.hypotheses[j]);
        if (in.refined_flags && in.refined_flags[j]) refined[j] = from_c(in.refined[j]);
    }
    auto is_refined = [&](int64_t j) { return in.refined_flags && in.refined_flags[j]; };

    auto clock = std::chrono::steady_clock::now();
    // 1. Refinement adjoints mu_j = H_j^-1 dE/dh°_j (one 6x6 solve per refined hypothesis, own slot each).
    std::vector<Vector6d> mu(static_cast<size_t>(m), Vector6d::Zero());
    std::vector<uint8_t> has_mu(static_cast<size_t>(m), 0);
    parallel_items(m, in.threads, [&](int64_t j) {
        if (!is_refined(j)) return;
        const Vector6d g = Eigen::Map<const Vector6d>(in.refined_gradient + 6 * j);
        if (g.isZero(0.0)) return;
        Vector6d out;
        if (refine_adjoint(c, K, refined[j], in.inlier_masks + j * n, g, o.refine_rcond_min, &out)) {
            mu[j] = out;
            has_mu[j] = 1;
        } else {
            flag[j] |= DSAC_BACKWARD_REFINE_DEGENERATE;
        }
    });

    report->seconds_refine_adjoint = seconds_since(clock);
    clock = std::chrono::steady_clock::now();

    // 2. Point blocks: score path (direct) into the points; per-hypothesis partials (dE/dh_j of the score, and
    //    the alpha / beta / tau sums) per block. Then the refinement path into the points, block by block.
    //    With a score-path cutoff, hypotheses with 0 < |dE/ds_j| <= cutoff max_k |dE/ds_k| are left out (counted).
    double largest = 0.0;
    for (int64_t j = 0; j < m; ++j) largest = std::max(largest, std::fabs(in.score_gradient[j]));
    const double cutoff = o.score_path_cutoff * largest;
    std::vector<uint8_t> score_path(static_cast<size_t>(m), 0);
    int64_t skipped = 0;
    for (int64_t j = 0; j < m; ++j) {
        const double w = std::fabs(in.score_gradient[j]);
        score_path[j] = o.score_path && w != 0.0 && w > cutoff ? 1 : 0;
        skipped += o.score_path && w != 0.0 && w <= cutoff ? 1 : 0;
    }
    const int64_t blocks = (n + kBackwardBlock - 1) / kBackwardBlock;
    std::vector<double> soa(static_cast<size_t>(3 * n), 0.0);
    double *gX = soa.data(), *gY = soa.data() + n, *gZ = soa.data() + 2 * n;
    std::vector<double> partials(static_cast<size_t>(blocks * m * 9), 0.0);
    parallel_items(blocks, in.threads, [&](int64_t b) {
        const int64_t begin = b * kBackwardBlock, end = std::min(n, begin + kBackwardBlock);
        for (int64_t j = 0; j < m; ++j) {
            const double w = in.score_gradient[j];
            if (score_path[j]) {
                int64_t skip[3] = {-1, -1, -1};
                if (in.sets)
                    for (int k = 0; k < 3; ++k) skip[k] = in.sets[4 * j + k];
                soft_score_vjp_block(c, K, poses[j], o.score, w, skip, begin, end, gX + begin, gY + begin,
                                     gZ + begin, partials.data() + (b * m + j) * 9);
            }
        }
    });
    report->seconds_score_path = seconds_since(clock);
    clock = std::chrono::steady_clock::now();
    parallel_items(blocks, in.threads, [&](int64_t b) {
        const int64_t begin = b * kBackwardBlock, end = std::min(n, begin + kBackwardBlock);
        for (int64_t j = 0; j < m; ++j)
            if (has_mu[j])
                refine_vjp_block(c, K, refined[j], in.inlier_masks + j * n, mu[j], begin, end, gX + begin,
                                 gY + begin, gZ + begin);
    });
    report->seconds_refine_path = seconds_since(clock);
    clock = std::chrono::steady_clock::now();

    // 3. Reduce the partials over blocks in block order; the score parameters in hypothesis order.
    std::vector<Vector6d> pose_g(static_cast<size_t>(m), Vector6d::Zero());
    double dalpha = 0.0, dbeta = 0.0, dtau = 0.0;
    for (int64_t j = 0; j < m; ++j) {
        double acc[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
        for (int64_t b = 0; b < blocks; ++b)
            for (int k = 0; k < 9; ++k) acc[k] += partials[(b * m + j) * 9 + k];
        for (int k = 0; k < 6; ++k) pose_g[j](k) = acc[k];
        dalpha += acc[6], dbeta += acc[7], dtau += acc[8];
        if (in.pose_gradient) pose_g[j] += Eigen::Map<const Vector6d>(in.pose_gradient + 6 * j);
    }

    // 4. Minimal-set path: each hypothesis pulls its dE/dh_j back onto its three solving points (own slot), then
    //    the slots are added in hypothesis order.
    std::vector<Eigen::Matrix3d> set_g(static_cast<size_t>(m), Eigen::Matrix3d::Zero());
    std::vector<uint8_t> has_set_g(static_cast<size_t>(m), 0);
    if (in.sets) {
        parallel_items(m, in.threads, [&](int64_t j) {
            if (pose_g[j].isZero(0.0)) return;
            Eigen::Vector2d px[3];
            Eigen::Vector3d X[3];
            for (int k = 0; k < 3; ++k) {
                const int64_t i = in.sets[4 * j + k];
                px[k] = Eigen::Vector2d(c.x[i], c.y[i]);
                X[k] = Eigen::Vector3d(c.X[i], c.Y[i], c.Z[i]);
            }
            Eigen::Matrix3d dX;
            if (p3p_vjp(K, poses[j], px, X, o.solver_rcond_min, pose_g[j], &dX)) {
                set_g[j] = dX;
                has_set_g[j] = 1;
            } else {
                flag[j] |= DSAC_BACKWARD_SOLVER_DEGENERATE;
            }
        });
        for (int64_t j = 0; j < m; ++j) {
            if (!has_set_g[j]) continue;
            for (int k = 0; k < 3; ++k) {
                const int64_t i = in.sets[4 * j + k];
                gX[i] += set_g[j](k, 0), gY[i] += set_g[j](k, 1), gZ[i] += set_g[j](k, 2);
            }
        }
    }

    report->seconds_solver_path = seconds_since(clock);

    // 5. Finiteness, then the outputs.
    report->solver_degenerate = 0;
    report->refine_degenerate = 0;
    report->score_path_skipped = skipped;
    report->nonfinite_point = -1;
    for (int64_t j = 0; j < m; ++j) {
        report->solver_degenerate += (flag[j] & DSAC_BACKWARD_SOLVER_DEGENERATE) ? 1 : 0;
        report->refine_degenerate += (flag[j] & DSAC_BACKWARD_REFINE_DEGENERATE) ? 1 : 0;
    }
    for (int64_t i = 0; i < n; ++i) {
        if (!std::isfinite(gX[i]) || !std::isfinite(gY[i]) || !std::isfinite(gZ[i])) {
            report->nonfinite_point = i;
            return DSAC_ERROR_DEGENERATE;
        }
    }
    if (!std::isfinite(dalpha) || !std::isfinite(dbeta) || !std::isfinite(dtau)) {
        report->nonfinite_point = n;  // the score parameters
        return DSAC_ERROR_DEGENERATE;
    }
    for (int64_t i = 0; i < n; ++i) {
        gradient[3 * i] = gX[i];
        gradient[3 * i + 1] = gY[i];
        gradient[3 * i + 2] = gZ[i];
    }
    parameter_gradient[0] = dalpha, parameter_gradient[1] = dbeta, parameter_gradient[2] = dtau;
    if (flags) std::copy(flag.begin(), flag.end(), flags);
    return DSAC_OK;
}

}  // namespace dsac
