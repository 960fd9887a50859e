// Soft inlier score in float64 and its vector-Jacobian products: see soft_score_f64.h for the contract.
// Both loops evaluate the error with the same expressions, so the forward value and its derivative agree to
// rounding; NaN inputs fall on the "not usable" side of every comparison and are zeroed by selects before use.
#include "grad/soft_score_f64.h"

#include <algorithm>
#include <cmath>

#include "common/multiversion.h"
#include "grad/exp64.h"

namespace dsac {
namespace {

struct Frame {
    double r[9], t[3];
    double fx, fy, cx, cy;
};

Frame make_frame(const dsac_intrinsics &K, const Pose &pose) {
    Frame f;
    for (int a = 0; a < 3; ++a) {
        for (int b = 0; b < 3; ++b) f.r[3 * a + b] = pose.R(a, b);
        f.t[a] = pose.t(a);
    }
    f.fx = K.fx, f.fy = K.fy, f.cx = K.cx, f.cy = K.cy;
    return f;
}

DSAC_MULTIVERSION
void score_loop(const Frame &f, const float *__restrict px, const float *__restrict py, const float *__restrict PX,
                const float *__restrict PY, const float *__restrict PZ, int64_t n, double tau, double beta,
                double max_error, double *sum_out, int32_t *count_out) {
    const double r00 = f.r[0], r01 = f.r[1], r02 = f.r[2], r10 = f.r[3], r11 = f.r[4], r12 = f.r[5], r20 = f.r[6],
                 r21 = f.r[7], r22 = f.r[8], t0 = f.t[0], t1 = f.t[1], t2 = f.t[2];
    const double fx = f.fx, fy = f.fy, cx = f.cx, cy = f.cy;
    double sum = 0.0;
    int32_t count = 0;
#pragma omp simd reduction(+ : sum, count)
    for (int64_t i = 0; i < n; ++i) {
        const double X = PX[i], Y = PY[i], Z = PZ[i];
        const double x0 = r00 * X + r01 * Y + r02 * Z + t0;
        const double x1 = r10 * X + r11 * Y + r12 * Z + t1;
        const double z = r20 * X + r21 * Y + r22 * Z + t2;
        const double iz = 1.0 / z;
        const double e0 = fx * (x0 * iz) + cx - px[i];
        const double e1 = fy * (x1 * iz) + cy - py[i];
        const double e = std::sqrt(e0 * e0 + e1 * e1);
        const bool usable = z > DSAC_MIN_DEPTH && e < max_error;
        const double ec = usable ? e : max_error;
        sum += 1.0 / (1.0 + exp64(beta * (ec - tau)));
        count += ec < tau ? 1 : 0;
    }
    *sum_out = sum;
    *count_out = count;
}

/// The score-path VJP over the points [begin, begin + n) (none of them a solving point: the caller cuts the range
/// around those). Two divisions per point: with d = 1 / ((1 + E) e_s), sig = d e_s and 1/e = d (1 + E), where
/// E = exp(beta (e - tau)) and e_s = e (1 where e is 0 or clamped, whose derivative is not taken);
/// sig' = sig (1 - sig) is formed as E sig^2 (no cancellation for sig near 1).
DSAC_MULTIVERSION
void vjp_loop(const Frame &f, const float *__restrict px, const float *__restrict py, const float *__restrict PX,
              const float *__restrict PY, const float *__restrict PZ, int64_t begin, int64_t n, double tau,
              double beta, double max_error, double coef, double *__restrict gX, double *__restrict gY,
              double *__restrict gZ, double partial[9]) {
    const double r00 = f.r[0], r01 = f.r[1], r02 = f.r[2], r10 = f.r[3], r11 = f.r[4], r12 = f.r[5], r20 = f.r[6],
                 r21 = f.r[7], r22 = f.r[8], t0 = f.t[0], t1 = f.t[1], t2 = f.t[2];
    const double fx = f.fx, fy = f.fy, cx = f.cx, cy = f.cy;
    double p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, sum_sig = 0, sum_beta = 0, sum_tau = 0;
#pragma omp simd reduction(+ : p0, p1, p2, p3, p4, p5, sum_sig, sum_beta, sum_tau)
#pragma clang loop interleave_count(2)  // two vectors in flight: the body is one long dependency chain
    for (int64_t k = 0; k < n; ++k) {
        const int64_t i = begin + k;
        const double X = PX[i], Y = PY[i], Z = PZ[i];
        const double q0 = r00 * X + r01 * Y + r02 * Z;
        const double q1 = r10 * X + r11 * Y + r12 * Z;
        const double q2 = r20 * X + r21 * Y + r22 * Z;
        const double z = q2 + t2;
        const double iz = 1.0 / z;
        const double u = (q0 + t0) * iz, v = (q1 + t1) * iz;
        const double e0 = fx * u + cx - px[i];
        const double e1 = fy * v + cy - py[i];
        const double e = std::sqrt(e0 * e0 + e1 * e1);
        const bool usable = z > DSAC_MIN_DEPTH && e < max_error;
        const bool differentiable = usable && e > 0.0;
        const double ec = usable ? e : max_error;
        const double es = differentiable ? e : 1.0;
        const double E = exp64(beta * (ec - tau));
        const double d = 1.0 / ((1.0 + E) * es);
        const double sig = d * es;
        const double dsig = E * sig * sig;
        sum_sig += sig;
        sum_beta += dsig * (tau - ec);
        sum_tau += dsig;
        // dE/de * (1/e): the 1/e of de/dr = r^T / e folded in; zero (and every operand finite) when not
        // differentiable.
        const double c = differentiable ? -coef * dsig * (d * (1.0 + E)) * iz : 0.0;
        const double a0 = differentiable ? c * e0 * fx : 0.0;
        const double a1 = differentiable ? c * e1 * fy : 0.0;
        const double uu = differentiable ? u : 0.0, vv = differentiable ? v : 0.0;
        const double a2 = -(a0 * uu + a1 * vv);  // g = dE/dx = (a0, a1, a2)
        gX[k] += r00 * a0 + r10 * a1 + r20 * a2;  // dE/dX = R^T g
        gY[k] += r01 * a0 + r11 * a1 + r21 * a2;
        gZ[k] += r02 * a0 + r12 * a1 + r22 * a2;
        p0 += q1 * a2 - q2 * a1;  // dE/d(d_omega) = q x g (g = 0 where not differentiable)
        p1 += q2 * a0 - q0 * a2;
        p2 += q0 * a1 - q1 * a0;
        p3 += a0;  // dE/d(d_t) = g
        p4 += a1;
        p5 += a2;
    }
    partial[0] += p0, partial[1] += p1, partial[2] += p2, partial[3] += p3, partial[4] += p4, partial[5] += p5;
    partial[6] += sum_sig, partial[7] += sum_beta, partial[8] += sum_tau;
}

}  // namespace

void soft_score_f64(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &pose,
                    const dsac_score_options &o, double *score, int32_t *inlier_count) {
    const Frame f = make_frame(K, pose);
    double sum = 0.0;
    int32_t count = 0;
    score_loop(f, c.x, c.y, c.X, c.Y, c.Z, c.count, o.threshold, o.beta, o.max_error, &sum, &count);
    if (o.normalize && c.count > 0) sum /= static_cast<double>(c.count);
    *score = o.alpha * sum;
    if (inlier_count) *inlier_count = count;
}

void soft_score_vjp_block(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &pose,
                          const dsac_score_options &o, double w, const int64_t skip[3], int64_t begin, int64_t end,
                          double *gX, double *gY, double *gZ, double partial[9]) {
    const Frame f = make_frame(K, pose);
    const double norm = o.normalize && c.count > 0 ? static_cast<double>(c.count) : 1.0;
    const double coef = w * o.alpha * o.beta / norm;  // dE/de = -coef * sig'
    double local[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
    // The solving points of the block, in order: the loop runs over the ranges between them.
    int64_t cuts[3], count = 0;
    for (int k = 0; k < 3; ++k)
        if (skip[k] >= begin && skip[k] < end) cuts[count++] = skip[k];
    std::sort(cuts, cuts + count);
    int64_t from = begin;
    for (int k = 0; k <= count; ++k) {
        const int64_t to = k < count ? cuts[k] : end;
        if (to > from)
            vjp_loop(f, c.x, c.y, c.X, c.Y, c.Z, from, to - from, o.threshold, o.beta, o.max_error, coef,
                     gX + (from - begin), gY + (from - begin), gZ + (from - begin), local);
        if (k < count && to >= from)  // a solving point: in the score's sums (alpha, beta, tau), not in the VJP
            vjp_loop(f, c.x, c.y, c.X, c.Y, c.Z, to, 1, o.threshold, o.beta, o.max_error, 0.0, gX + (to - begin),
                     gY + (to - begin), gZ + (to - begin), local);
        from = std::max(from, to + 1);
    }
    for (int k = 0; k < 6; ++k) partial[k] += local[k];
    partial[6] += w * local[6] / norm;                      // dE/dalpha
    partial[7] += w * o.alpha / norm * local[7];            // dE/dbeta
    partial[8] += w * o.alpha * o.beta / norm * local[8];   // dE/dtau
}

}  // namespace dsac
