#include "refine/refine.h"

#include <cmath>
#include <vector>

#include "refine/projection.h"
#include "scoring/score.h"

namespace dsac {
namespace {

using Vector6 = Eigen::Matrix<double, 6, 1>;
using Matrix6 = Eigen::Matrix<double, 6, 6>;

/// Dot product, vectorised (the reduction order is fixed for a given binary, whatever the thread count).
double dot(const double *__restrict a, const double *__restrict b, int64_t n) {
    double s = 0.0;
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
}

/// The optimised set as float64 structure-of-arrays, and the normal equations at one pose.
///
/// Residual rows: u_i = fx x/z + cx - px_i, v_i = fy y/z + cy - py_i. With q = R X, a = fx/z, b = fy/z,
/// (u, v) = normalised (x/z, y/z), the Jacobian rows w.r.t. (d_w, d_t) are (see projection.h)
///   du = a (-u q1, q2 + u q0, -q1, 1, 0, -u),   dv = b (-(q2 + v q1), v q0, q0, 0, 1, -v).
struct Problem {
    std::vector<double> x, y, X, Y, Z;
    int64_t n = 0;
    std::vector<double> buffer;  // 14 columns of n: Ju[0..5], Jv[0..5], ru, rv
    double *Ju[6], *Jv[6], *ru, *rv;

    void gather(const dsac_correspondences &c, const uint8_t *mask) {
        x.clear(), y.clear(), X.clear(), Y.clear(), Z.clear();
        for (int64_t i = 0; i < c.count; ++i) {
            if (!mask[i]) continue;
            x.push_back(c.x[i]), y.push_back(c.y[i]);
            X.push_back(c.X[i]), Y.push_back(c.Y[i]), Z.push_back(c.Z[i]);
        }
        n = static_cast<int64_t>(x.size());
        buffer.assign(static_cast<size_t>(14 * n), 0.0);
        for (int k = 0; k < 6; ++k) Ju[k] = buffer.data() + k * n, Jv[k] = buffer.data() + (6 + k) * n;
        ru = buffer.data() + 12 * n;
        rv = buffer.data() + 13 * n;
    }

    /// Residuals and Jacobian columns at `pose`; returns the cost sum |r_i|^2, or infinity when a point is
    /// behind the camera.
    double evaluate(const dsac_intrinsics &K, const Pose &pose) {
        const Eigen::Matrix3d &R = pose.R;
        const double t0 = pose.t.x(), t1 = pose.t.y(), t2 = pose.t.z();
        const double r00 = R(0, 0), r01 = R(0, 1), r02 = R(0, 2), r10 = R(1, 0), r11 = R(1, 1), r12 = R(1, 2),
                     r20 = R(2, 0), r21 = R(2, 1), r22 = R(2, 2);
        const double fx = K.fx, fy = K.fy, cx = K.cx, cy = K.cy;
        const double *__restrict Xp = X.data(), *__restrict Yp = Y.data(), *__restrict Zp = Z.data();
        const double *__restrict xp = x.data(), *__restrict yp = y.data();
        double *__restrict u0 = Ju[0], *__restrict u1 = Ju[1], *__restrict u2 = Ju[2], *__restrict u3 = Ju[3],
                           *__restrict u5 = Ju[5];
        double *__restrict v0 = Jv[0], *__restrict v1 = Jv[1], *__restrict v2 = Jv[2], *__restrict v4 = Jv[4],
                           *__restrict v5 = Jv[5];
        double *__restrict rup = ru, *__restrict rvp = rv;
        int64_t behind = 0;
#pragma omp simd reduction(+ : behind)
        for (int64_t i = 0; i < n; ++i) {
            const double q0 = r00 * Xp[i] + r01 * Yp[i] + r02 * Zp[i];
            const double q1 = r10 * Xp[i] + r11 * Yp[i] + r12 * Zp[i];
            const double q2 = r20 * Xp[i] + r21 * Yp[i] + r22 * Zp[i];
            const double z = q2 + t2;
            behind += z > DSAC_MIN_DEPTH ? 0 : 1;
            const double inv_z = 1.0 / z;
            const double u = (q0 + t0) * inv_z, v = (q1 + t1) * inv_z;
            const double a = fx * inv_z, b = fy * inv_z;
            rup[i] = fx * u + cx - xp[i];
            rvp[i] = fy * v + cy - yp[i];
            u0[i] = -a * u * q1;
            u1[i] = a * (q2 + u * q0);
            u2[i] = -a * q1;
            u3[i] = a;
            u5[i] = -a * u;
            v0[i] = -b * (q2 + v * q1);
            v1[i] = b * v * q0;
            v2[i] = b * q0;
            v4[i] = b;
            v5[i] = -b * v;
        }
        if (behind) return INFINITY;
        return dot(ru, ru, n) + dot(rv, rv, n);
    }

    /// Normal equations H = J^T J, g = J^T r from the columns (Ju[4] and Jv[3] are zero).
    void normal_equations(Eigen::Matrix<double, 6, 6> *H, Eigen::Matrix<double, 6, 1> *g) const {
        for (int i = 0; i < 6; ++i) {
            for (int j = i; j < 6; ++j) {
                double h = 0.0;
                if (i != 4 && j != 4) h += dot(Ju[i], Ju[j], n);
                if (i != 3 && j != 3) h += dot(Jv[i], Jv[j], n);
                (*H)(i, j) = (*H)(j, i) = h;
            }
            (*g)(i) = (i != 4 ? dot(Ju[i], ru, n) : 0.0) + (i != 3 ? dot(Jv[i], rv, n) : 0.0);
        }
    }
};

/// Levenberg-Marquardt on sum |r_i|^2 over the gathered set. Returns false on a non-finite result.
bool levenberg_marquardt(Problem &p, const dsac_intrinsics &K, int max_iterations, Pose *pose, int *iterations) {
    double cost = p.evaluate(K, *pose);
    if (!std::isfinite(cost)) return false;
    Matrix6 H;
    Vector6 g;
    p.normal_equations(&H, &g);
    double lambda = 1e-6;
    for (int it = 0; it < max_iterations; ++it) {
        ++*iterations;
        Matrix6 A = H;
        A.diagonal() += lambda * H.diagonal();
        const Vector6 step = A.ldlt().solve(-g);
        if (!step.allFinite()) return false;
        const Pose candidate = perturbed(*pose, step);
        const double candidate_cost = p.evaluate(K, candidate);
        if (candidate_cost < cost) {
            const double decrease = cost - candidate_cost;
            *pose = candidate;
            cost = candidate_cost;
            p.normal_equations(&H, &g);
            lambda = std::max(lambda * 0.1, 1e-12);
            // Converged when the step or the relative decrease reaches rounding level.
            if (step.norm() < 1e-12 * (1.0 + pose->t.norm()) || decrease <= 1e-14 * cost) break;
        } else {
            // H and g still hold the accepted pose's normal equations; only the damping changes.
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
    Problem problem;
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
        problem.gather(c, scratch);
        Pose next = pose;
        if (!levenberg_marquardt(problem, K, o.max_iterations, &next, &iterations)) return DSAC_ERROR_DEGENERATE;
        pose = next;
        optimised = count;
        ++rounds;
        if (mask) std::copy(scratch, scratch + c.count, mask);
    }
    // The problem still holds the last optimised set: its RMS at the final pose.
    const double cost = problem.evaluate(K, pose);
    if (!std::isfinite(cost)) return DSAC_ERROR_DEGENERATE;
    *refined = pose;
    report->rounds = rounds;
    report->iterations = iterations;
    report->inlier_count = optimised;
    report->rms_error = std::sqrt(cost / static_cast<double>(optimised));
    return DSAC_OK;
}

}  // namespace dsac
