// Implicit-function derivative of the refined pose (exact Hessian): see refine_derivative.h for the contract.
//
// The Hessian is accumulated by one vectorised, multi-versioned pass over the masked points gathered into
// float64 structure-of-arrays (gathered once per pose: the polish's Newton steps reuse the gather). The kernels
// are free of Eigen (a multi-versioned function must not instantiate Eigen's templates); the 6x6 solves stay in
// Eigen outside them. The VJP runs densely over a block with the mask as a select, so it vectorises too.
#include "grad/refine_derivative.h"

#include <Eigen/LU>
#include <vector>

#include "common/multiversion.h"

namespace dsac {
namespace {

/// The masked correspondences, gathered (float64 SoA); the first `count` entries are used.
struct MaskedSet {
    std::vector<double> X, Y, Z, x, y;
    int64_t count = 0;
};

/// One gather buffer per thread, kept between calls (no allocation, and no page faults on fresh memory, per
/// call); each call overwrites it before reading it.
MaskedSet &thread_scratch() {
    static thread_local MaskedSet scratch;
    return scratch;
}

/// Branch-free compaction (every point is written, the cursor advances by the mask): no mispredicted branch
/// per point on a mask that is ~50% set.
void gather(const dsac_correspondences &c, const uint8_t *mask, MaskedSet *s) {
    for (auto *v : {&s->X, &s->Y, &s->Z, &s->x, &s->y}) v->resize(static_cast<size_t>(c.count) + 1);
    double *X = s->X.data(), *Y = s->Y.data(), *Z = s->Z.data(), *x = s->x.data(), *y = s->y.data();
    int64_t k = 0;
    for (int64_t i = 0; i < c.count; ++i) {
        X[k] = c.X[i], Y[k] = c.Y[i], Z[k] = c.Z[i], x[k] = c.x[i], y[k] = c.y[i];
        k += mask[i] ? 1 : 0;
    }
    s->count = k;
}

/// pose: R row-major, then t.
void pose_array(const Pose &p, double out[12]) {
    for (int a = 0; a < 3; ++a) {
        for (int b = 0; b < 3; ++b) out[3 * a + b] = p.R(a, b);
        out[9 + a] = p.t(a);
    }
}

/// Exact Hessian of 1/2 sum |r_i|^2 and its gradient sum J_i^T r_i over n gathered points.
/// Per point, with q = R X, x = q + t, (u, v) = (x0, x1) / z, r = pi(x) - p, A = fx/z, B = fy/z:
///   P = Dpi^T Dpi + Q (Q = d2(r^T pi)/dx2, r fixed), symmetric, P01 = 0:
///     P00 = A^2, P11 = B^2, P02 = -A^2 u - r0 fx/z^2, P12 = -B^2 v - r1 fy/z^2,
///     P22 = A^2 u^2 + B^2 v^2 + 2/z^2 (r0 fx u + r1 fy v);
///   gr = Dpi^T r = (A r0, B r1, -(u A r0 + v B r1));  M = [q]x P;
///   H_ww += -M [q]x + 1/2 (gr q^T + q gr^T) - (gr . q) I,  H_wt += M,  H_tt += P,
///   g_w += q x gr,  g_t += gr.
/// out: 21 upper-triangular entries of H (row by row), then the 6 of g. Returns the number of points with
/// z <= DSAC_MIN_DEPTH (the result is then meaningless).
DSAC_MULTIVERSION
int64_t exact_hessian_kernel(const double *__restrict Xp, const double *__restrict Yp, const double *__restrict Zp,
                             const double *__restrict xp, const double *__restrict yp, int64_t n,
                             const dsac_intrinsics &K, const double pose[12], double out[27]) {
    const double r00 = pose[0], r01 = pose[1], r02 = pose[2], r10 = pose[3], r11 = pose[4], r12 = pose[5],
                 r20 = pose[6], r21 = pose[7], r22 = pose[8], t0 = pose[9], t1 = pose[10], t2 = pose[11];
    const double fx = K.fx, fy = K.fy, cx = K.cx, cy = K.cy;
    double h00 = 0, h01 = 0, h02 = 0, h03 = 0, h04 = 0, h05 = 0, h11 = 0, h12 = 0, h13 = 0, h14 = 0, h15 = 0,
           h22 = 0, h23 = 0, h24 = 0, h25 = 0, h33 = 0, h35 = 0, h44 = 0, h45 = 0, h55 = 0;
    double g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0;
    int64_t behind = 0;
#pragma omp simd reduction(+ : h00, h01, h02, h03, h04, h05, h11, h12, h13, h14, h15, h22, h23, h24, h25, h33, h35, h44, h45, h55, g0, g1, g2, g3, g4, g5, behind)
    for (int64_t i = 0; i < n; ++i) {
        const double X = Xp[i], Y = Yp[i], Z = Zp[i];
        const double q0 = r00 * X + r01 * Y + r02 * Z;
        const double q1 = r10 * X + r11 * Y + r12 * Z;
        const double q2 = r20 * X + r21 * Y + r22 * Z;
        const double z = q2 + t2;
        behind += z > DSAC_MIN_DEPTH ? 0 : 1;
        const double iz = 1.0 / z, iz2 = iz * iz;
        const double u = (q0 + t0) * iz, v = (q1 + t1) * iz;
        const double e0 = fx * u + cx - xp[i], e1 = fy * v + cy - yp[i];
        const double A = fx * iz, B = fy * iz;
        const double P00 = A * A, P11 = B * B;
        const double P02 = -P00 * u - e0 * fx * iz2, P12 = -P11 * v - e1 * fy * iz2;
        const double P22 = P00 * u * u + P11 * v * v + 2.0 * iz2 * (e0 * fx * u + e1 * fy * v);
        const double gr0 = A * e0, gr1 = B * e1, gr2 = -(u * gr0 + v * gr1);
        // M = [q]x P
        const double M00 = q1 * P02, M01 = q1 * P12 - q2 * P11, M02 = q1 * P22 - q2 * P12;
        const double M10 = q2 * P00 - q0 * P02, M11 = -q0 * P12, M12 = q2 * P02 - q0 * P22;
        const double M20 = -q1 * P00, M21 = q0 * P11, M22 = q0 * P12 - q1 * P02;
        const double gq = gr0 * q0 + gr1 * q1 + gr2 * q2;
        // H_ww = -M [q]x + sym(gr q^T) - (gr . q) I; (M [q]x)_a = (M_a1 q2 - M_a2 q1, M_a2 q0 - M_a0 q2,
        // M_a0 q1 - M_a1 q0).
        h00 += (M02 * q1 - M01 * q2) + gr0 * q0 - gq;
        h01 += (M00 * q2 - M02 * q0) + 0.5 * (gr0 * q1 + q0 * gr1);
        h02 += (M01 * q0 - M00 * q1) + 0.5 * (gr0 * q2 + q0 * gr2);
        h11 += (M10 * q2 - M12 * q0) + gr1 * q1 - gq;
        h12 += (M11 * q0 - M10 * q1) + 0.5 * (gr1 * q2 + q1 * gr2);
        h22 += (M21 * q0 - M20 * q1) + gr2 * q2 - gq;
        h03 += M00, h04 += M01, h05 += M02;
        h13 += M10, h14 += M11, h15 += M12;
        h23 += M20, h24 += M21, h25 += M22;
        h33 += P00, h35 += P02, h44 += P11, h45 += P12, h55 += P22;
        g0 += q1 * gr2 - q2 * gr1;
        g1 += q2 * gr0 - q0 * gr2;
        g2 += q0 * gr1 - q1 * gr0;
        g3 += gr0, g4 += gr1, g5 += gr2;
    }
    const double h[27] = {h00, h01, h02, h03, h04, h05, h11, h12, h13, h14, h15, h22, h23, h24, h25,
                          h33, 0.0, h35, h44, h45, h55, g0,  g1,  g2,  g3,  g4,  g5};
    for (int k = 0; k < 27; ++k) out[k] = h[k];
    return behind;
}

bool hessian_of(const MaskedSet &s, const dsac_intrinsics &K, const Pose &pose, Eigen::Matrix<double, 6, 6> *H,
                Vector6d *gradient) {
    double p[12], out[27];
    pose_array(pose, p);
    if (exact_hessian_kernel(s.X.data(), s.Y.data(), s.Z.data(), s.x.data(), s.y.data(),
                             s.count, K, p, out) != 0)
        return false;
    int k = 0;
    for (int a = 0; a < 6; ++a)
        for (int b = a; b < 6; ++b, ++k) (*H)(a, b) = (*H)(b, a) = out[k];
    for (int a = 0; a < 6; ++a) (*gradient)(a) = out[21 + a];
    return H->allFinite() && gradient->allFinite();
}

/// The VJP loop of refine_vjp_block (see there); mask as a select so that the loop vectorises.
DSAC_MULTIVERSION
void refine_vjp_kernel(const float *__restrict px, const float *__restrict py, const float *__restrict PX,
                       const float *__restrict PY, const float *__restrict PZ, const uint8_t *__restrict mask,
                       int64_t n, const dsac_intrinsics &K, const double pose[12], const double mu[6],
                       double *__restrict gX, double *__restrict gY, double *__restrict gZ) {
    const double r00 = pose[0], r01 = pose[1], r02 = pose[2], r10 = pose[3], r11 = pose[4], r12 = pose[5],
                 r20 = pose[6], r21 = pose[7], r22 = pose[8], t0 = pose[9], t1 = pose[10], t2 = pose[11];
    const double fx = K.fx, fy = K.fy, cx = K.cx, cy = K.cy;
    const double mw0 = mu[0], mw1 = mu[1], mw2 = mu[2], mt0 = mu[3], mt1 = mu[4], mt2 = mu[5];
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
        const double X = PX[i], Y = PY[i], Z = PZ[i];
        const double q0 = r00 * X + r01 * Y + r02 * Z, q1 = r10 * X + r11 * Y + r12 * Z,
                     q2 = r20 * X + r21 * Y + r22 * Z;
        const double iz = 1.0 / (q2 + t2), u = (q0 + t0) * iz, v = (q1 + t1) * iz;
        const double e0 = fx * u + cx - px[i], e1 = fy * v + cy - py[i];
        // a = mu_w x q + mu_t
        const double a0 = mw1 * q2 - mw2 * q1 + mt0, a1 = mw2 * q0 - mw0 * q2 + mt1, a2 = mw0 * q1 - mw1 * q0 + mt2;
        // J mu = Dpi a, then Dpi^T (J mu)
        const double j0 = fx * iz * (a0 - u * a2), j1 = fy * iz * (a1 - v * a2);
        double w0 = fx * iz * j0, w1 = fy * iz * j1, w2 = -iz * (fx * u * j0 + fy * v * j1);
        // dpsi/dx
        w0 += -e0 * fx * a2 * iz * iz;
        w1 += -e1 * fy * a2 * iz * iz;
        w2 += -iz * iz * (e0 * fx * (a0 - 2.0 * u * a2) + e1 * fy * (a1 - 2.0 * v * a2));
        // (Dpi^T r) x mu_w
        const double g0 = fx * iz * e0, g1 = fy * iz * e1, g2 = -iz * (fx * u * e0 + fy * v * e1);
        w0 += g1 * mw2 - g2 * mw1;
        w1 += g2 * mw0 - g0 * mw2;
        w2 += g0 * mw1 - g1 * mw0;
        const bool in = mask[i] != 0;  // a select, not a product: unmasked points may be non-finite
        gX[i] -= in ? r00 * w0 + r10 * w1 + r20 * w2 : 0.0;
        gY[i] -= in ? r01 * w0 + r11 * w1 + r21 * w2 : 0.0;
        gZ[i] -= in ? r02 * w0 + r12 * w1 + r22 * w2 : 0.0;
    }
}

}  // namespace

bool refine_hessian(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &refined,
                    const uint8_t *mask, Eigen::Matrix<double, 6, 6> *H, Vector6d *gradient) {
    MaskedSet &s = thread_scratch();
    gather(c, mask, &s);
    return hessian_of(s, K, refined, H, gradient);
}

bool refine_adjoint(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &refined,
                    const uint8_t *mask, const Vector6d &g, double rcond_min, Vector6d *mu) {
    Eigen::Matrix<double, 6, 6> H;
    Vector6d unused;
    if (!refine_hessian(c, K, refined, mask, &H, &unused)) return false;
    const Eigen::PartialPivLU<Eigen::Matrix<double, 6, 6>> lu(H);
    if (!(lu.rcond() >= rcond_min)) return false;
    *mu = lu.solve(g);
    return mu->allFinite();
}

void refine_vjp_block(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &refined,
                      const uint8_t *mask, const Vector6d &mu, int64_t begin, int64_t end, double *gX, double *gY,
                      double *gZ) {
    double p[12], m[6];
    pose_array(refined, p);
    for (int k = 0; k < 6; ++k) m[k] = mu(k);
    refine_vjp_kernel(c.x + begin, c.y + begin, c.X + begin, c.Y + begin, c.Z + begin, mask + begin, end - begin, K,
                      p, m, gX, gY, gZ);
}

bool polish_refined(const dsac_correspondences &c, const dsac_intrinsics &K, const uint8_t *mask, int max_steps,
                    Pose *pose) {
    MaskedSet &s = thread_scratch();
    gather(c, mask, &s);
    Pose current = *pose;
    for (int k = 0; k < max_steps; ++k) {
        Eigen::Matrix<double, 6, 6> H;
        Vector6d g;
        if (!hessian_of(s, K, current, &H, &g)) return false;
        const Eigen::PartialPivLU<Eigen::Matrix<double, 6, 6>> lu(H);
        if (!(lu.rcond() >= 1e-14)) return false;
        const Vector6d step = -lu.solve(g);
        // Polishing only: a step this large means the pose was not at a minimum; leave it to the caller.
        if (!step.allFinite() || step.norm() > 1e-3 * (1.0 + current.t.norm())) return false;
        current = perturbed(current, step);
        if (step.norm() <= 1e-15 * (1.0 + current.t.norm())) break;
    }
    *pose = current;
    return true;
}

}  // namespace dsac
