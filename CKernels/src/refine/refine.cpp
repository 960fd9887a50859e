#include "refine/refine.h"

#include <cmath>
#include <vector>

#include "common/multiversion.h"
#include "refine/projection.h"
#include "scoring/score.h"

namespace dsac {
namespace {

using Vector6 = Eigen::Matrix<double, 6, 1>;
using Matrix6 = Eigen::Matrix<double, 6, 6>;

/// The optimised set, float64 structure-of-arrays.
struct SoA {
    std::vector<double> x, y, X, Y, Z;

    void gather(const dsac_correspondences &c, const uint8_t *mask) {
        x.clear(), y.clear(), X.clear(), Y.clear(), Z.clear();
        for (int64_t i = 0; i < c.count; ++i) {
            if (!mask[i]) continue;
            x.push_back(c.x[i]), y.push_back(c.y[i]);
            X.push_back(c.X[i]), Y.push_back(c.Y[i]), Z.push_back(c.Z[i]);
        }
    }
};

/// Cost sum |r_i|^2 and normal equations H = J^T J, g = J^T r of the gathered set at one pose, in one pass
/// that accumulates (J is never stored). Returns false when a point is behind the camera.
///
/// Residual rows: u_i = fx x/z + cx - px_i, v_i = fy y/z + cy - py_i. With q = R X, a = fx/z, b = fy/z and
/// normalised (u, v) = (x/z, y/z), the Jacobian rows w.r.t. (d_w, d_t) are (see projection.h)
///   du = a (-u q1, q2 + u q0, -q1, 1, 0, -u),   dv = b (-(q2 + v q1), v q0, q0, 0, 1, -v).
/// Free of Eigen, since multi-versioned functions must not instantiate Eigen's templates.
/// pose: R row-major then t; out: 21 upper-triangular H entries (row by row), 6 of g, the cost.
DSAC_MULTIVERSION
bool accumulate_kernel(const double *__restrict Xp, const double *__restrict Yp, const double *__restrict Zp,
                       const double *__restrict xp, const double *__restrict yp, int64_t n,
                       const dsac_intrinsics &K, const double pose[12], double out[28]) {
    const double r00 = pose[0], r01 = pose[1], r02 = pose[2], r10 = pose[3], r11 = pose[4], r12 = pose[5],
                 r20 = pose[6], r21 = pose[7], r22 = pose[8], t0 = pose[9], t1 = pose[10], t2 = pose[11];
    const double fx = K.fx, fy = K.fy, cx = K.cx, cy = K.cy;
    double h00 = 0, h01 = 0, h02 = 0, h03 = 0, h04 = 0, h05 = 0, h11 = 0, h12 = 0, h13 = 0, h14 = 0, h15 = 0, h22 = 0, h23 = 0, h24 = 0, h25 = 0, h33 = 0, h34 = 0, h35 = 0, h44 = 0, h45 = 0, h55 = 0;
    double g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, cost = 0;
    int64_t behind = 0;
#pragma omp simd reduction(+ : h00, h01, h02, h03, h04, h05, h11, h12, h13, h14, h15, h22, h23, h24, h25, h33, h34, h35, h44, h45, h55, g0, g1, g2, g3, g4, g5, cost, behind)
    for (int64_t i = 0; i < n; ++i) {
        const double q0 = r00 * Xp[i] + r01 * Yp[i] + r02 * Zp[i];
        const double q1 = r10 * Xp[i] + r11 * Yp[i] + r12 * Zp[i];
        const double q2 = r20 * Xp[i] + r21 * Yp[i] + r22 * Zp[i];
        const double z = q2 + t2;
        behind += z > DSAC_MIN_DEPTH ? 0 : 1;
        const double inv_z = 1.0 / z;
        const double u = (q0 + t0) * inv_z, v = (q1 + t1) * inv_z;
        const double a = fx * inv_z, b = fy * inv_z;
        const double ru = fx * u + cx - xp[i], rv = fy * v + cy - yp[i];
        const double a0 = -a * u * q1, a1 = a * (q2 + u * q0), a2 = -a * q1, a3 = a, a4 = 0.0, a5 = -a * u;
        const double b0 = -b * (q2 + v * q1), b1 = b * v * q0, b2 = b * q0, b3 = 0.0, b4 = b, b5 = -b * v;
            h00 += a0 * a0 + b0 * b0;
            h01 += a0 * a1 + b0 * b1;
            h02 += a0 * a2 + b0 * b2;
            h03 += a0 * a3 + b0 * b3;
            h04 += a0 * a4 + b0 * b4;
            h05 += a0 * a5 + b0 * b5;
            h11 += a1 * a1 + b1 * b1;
            h12 += a1 * a2 + b1 * b2;
            h13 += a1 * a3 + b1 * b3;
            h14 += a1 * a4 + b1 * b4;
            h15 += a1 * a5 + b1 * b5;
            h22 += a2 * a2 + b2 * b2;
            h23 += a2 * a3 + b2 * b3;
            h24 += a2 * a4 + b2 * b4;
            h25 += a2 * a5 + b2 * b5;
            h33 += a3 * a3 + b3 * b3;
            h34 += a3 * a4 + b3 * b4;
            h35 += a3 * a5 + b3 * b5;
            h44 += a4 * a4 + b4 * b4;
            h45 += a4 * a5 + b4 * b5;
            h55 += a5 * a5 + b5 * b5;
        g0 += a0 * ru + b0 * rv;
        g1 += a1 * ru + b1 * rv;
        g2 += a2 * ru + b2 * rv;
        g3 += a3 * ru + b3 * rv;
        g4 += a4 * ru + b4 * rv;
        g5 += a5 * ru + b5 * rv;
        cost += ru * ru + rv * rv;
    }
    if (behind) return false;
    out[0] = h00;
    out[1] = h01;
    out[2] = h02;
    out[3] = h03;
    out[4] = h04;
    out[5] = h05;
    out[6] = h11;
    out[7] = h12;
    out[8] = h13;
    out[9] = h14;
    out[10] = h15;
    out[11] = h22;
    out[12] = h23;
    out[13] = h24;
    out[14] = h25;
    out[15] = h33;
    out[16] = h34;
    out[17] = h35;
    out[18] = h44;
    out[19] = h45;
    out[20] = h55;
    out[21] = g0, out[22] = g1, out[23] = g2, out[24] = g3, out[25] = g4, out[26] = g5, out[27] = cost;
    return true;
}

bool accumulate(const SoA &s, const dsac_intrinsics &K, const Pose &pose, Matrix6 *H, Vector6 *g, double *cost) {
    double p[12], out[28];
    for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) p[3 * r + c] = pose.R(r, c);
        p[9 + r] = pose.t(r);
    }
    if (!accumulate_kernel(s.X.data(), s.Y.data(), s.Z.data(), s.x.data(), s.y.data(),
                           static_cast<int64_t>(s.x.size()), K, p, out))
        return false;
    int k = 0;
    for (int i = 0; i < 6; ++i)
        for (int j = i; j < 6; ++j, ++k) (*H)(i, j) = (*H)(j, i) = out[k];
    for (int i = 0; i < 6; ++i) (*g)(i) = out[21 + i];
    *cost = out[27];
    return true;
}

/// Levenberg-Marquardt on sum |r_i|^2 over the gathered set. Returns false on a non-finite result.
bool levenberg_marquardt(const SoA &set, const dsac_intrinsics &K, int max_iterations, Pose *pose,
                         int *iterations) {
    Matrix6 H, H_candidate;
    Vector6 g, g_candidate;
    double cost = 0.0, candidate_cost = 0.0;
    if (!accumulate(set, K, *pose, &H, &g, &cost)) return false;
    double lambda = 1e-6;
    for (int it = 0; it < max_iterations; ++it) {
        ++*iterations;
        Matrix6 A = H;
        A.diagonal() += lambda * H.diagonal();
        const Vector6 step = A.ldlt().solve(-g);
        if (!step.allFinite()) return false;
        const Pose candidate = perturbed(*pose, step);
        if (accumulate(set, K, candidate, &H_candidate, &g_candidate, &candidate_cost) && candidate_cost < cost) {
            const double decrease = cost - candidate_cost;
            *pose = candidate;
            H = H_candidate, g = g_candidate, cost = candidate_cost;
            lambda = std::max(lambda * 0.1, 1e-12);
            // Converged when the step or the relative decrease reaches rounding level.
            if (step.norm() < 1e-12 * (1.0 + pose->t.norm()) || decrease <= 1e-14 * cost) break;
        } else {
            // A step too small to lower the cost in floating point: converged.
            if (step.norm() < 1e-9 * (1.0 + pose->t.norm())) break;
            lambda *= 10.0;
            if (lambda > 1e8) break;
        }
    }
    return pose->R.allFinite() && pose->t.allFinite();
}

}  // namespace

dsac_status refine_pose(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &initial,
                        const dsac_refine_options &o, Pose *refined, uint8_t *mask, uint8_t *scratch,
                        dsac_refine_report *report) {
    SoA set;
    Pose pose = initial;
    int64_t optimised = 0;
    int rounds = 0, iterations = 0;
    for (int round = 0; round < o.max_rounds; ++round) {
        const int64_t count = inlier_mask(c, K, pose, o.threshold, scratch);
        if (round > 0 && count <= optimised) break;
        if (count < o.min_inliers) {
            if (round == 0) return DSAC_ERROR_TOO_FEW_INLIERS;
            break;
        }
        set.gather(c, scratch);
        Pose next = pose;
        if (!levenberg_marquardt(set, K, o.max_iterations, &next, &iterations)) return DSAC_ERROR_DEGENERATE;
        pose = next;
        optimised = count;
        ++rounds;
        if (mask) std::copy(scratch, scratch + c.count, mask);
    }
    // `set` still holds the last optimised set: its RMS at the final pose.
    Matrix6 H;
    Vector6 g;
    double cost = 0.0;
    if (!accumulate(set, K, pose, &H, &g, &cost) || !std::isfinite(cost)) return DSAC_ERROR_DEGENERATE;
    *refined = pose;
    report->rounds = rounds;
    report->iterations = iterations;
    report->inlier_count = optimised;
    report->rms_error = std::sqrt(cost / static_cast<double>(optimised));
    return DSAC_OK;
}

}  // namespace dsac
