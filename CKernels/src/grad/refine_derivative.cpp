// Implicit-function derivative of the refined pose (exact Hessian): see refine_derivative.h for the contract.
#include "grad/refine_derivative.h"

#include <Eigen/LU>

namespace dsac {

bool refine_hessian(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &refined,
                    const uint8_t *mask, Eigen::Matrix<double, 6, 6> *H_out, Vector6d *gradient) {
    using Eigen::Matrix3d;
    using Eigen::Vector3d;
    Matrix3d Hww = Matrix3d::Zero(), Hwt = Matrix3d::Zero(), Htt = Matrix3d::Zero();
    const double fx = K.fx, fy = K.fy, cx = K.cx, cy = K.cy;
    Vector6d grad = Vector6d::Zero();
    for (int64_t i = 0; i < c.count; ++i) {
        if (!mask[i]) continue;
        const Vector3d q = refined.R * Vector3d(c.X[i], c.Y[i], c.Z[i]);
        const Vector3d x = q + refined.t;
        if (!(x.z() > DSAC_MIN_DEPTH)) return false;
        const double iz = 1.0 / x.z(), u = x.x() * iz, v = x.y() * iz;
        const double r0 = fx * u + cx - c.x[i], r1 = fy * v + cy - c.y[i];
        const double A = fx * iz, B = fy * iz;
        // P = Dpi^T Dpi + Q, Q = d2(r^T pi)/dx2 with r fixed.
        Matrix3d P;
        P(0, 0) = A * A;
        P(0, 1) = P(1, 0) = 0.0;
        P(1, 1) = B * B;
        P(0, 2) = P(2, 0) = -A * A * u - r0 * fx * iz * iz;
        P(1, 2) = P(2, 1) = -B * B * v - r1 * fy * iz * iz;
        P(2, 2) = A * A * u * u + B * B * v * v + 2.0 * iz * iz * (r0 * fx * u + r1 * fy * v);
        const Vector3d gr(A * r0, B * r1, -iz * (fx * u * r0 + fy * v * r1));  // Dpi^T r
        Matrix3d Sq;  // [q]x
        Sq << 0, -q.z(), q.y(), q.z(), 0, -q.x(), -q.y(), q.x(), 0;
        // Dx = [-[q]x | I]: ww = [q]x^T P (-[q]x)... written as -[q]x P [q]x; wt = [q]x P; tt = P.
        const Matrix3d SqP = Sq * P;
        Hww.noalias() -= SqP * Sq;
        Hww.noalias() += 0.5 * (gr * q.transpose() + q * gr.transpose());
        Hww.diagonal().array() -= gr.dot(q);
        Hwt += SqP;
        Htt += P;
        grad.head<3>() += q.cross(gr);  // J^T r: d_omega part q x (Dpi^T r), d_t part Dpi^T r
        grad.tail<3>() += gr;
    }
    Eigen::Matrix<double, 6, 6> H;
    H.block<3, 3>(0, 0) = Hww;
    H.block<3, 3>(0, 3) = Hwt;
    H.block<3, 3>(3, 0) = Hwt.transpose();
    H.block<3, 3>(3, 3) = Htt;
    *H_out = H;
    *gradient = grad;
    return H.allFinite() && grad.allFinite();
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
    const Eigen::Matrix3d &R = refined.R;
    const double r00 = R(0, 0), r01 = R(0, 1), r02 = R(0, 2), r10 = R(1, 0), r11 = R(1, 1), r12 = R(1, 2),
                 r20 = R(2, 0), r21 = R(2, 1), r22 = R(2, 2);
    const double t0 = refined.t.x(), t1 = refined.t.y(), t2 = refined.t.z();
    const double fx = K.fx, fy = K.fy, cx = K.cx, cy = K.cy;
    const double mw0 = mu(0), mw1 = mu(1), mw2 = mu(2), mt0 = mu(3), mt1 = mu(4), mt2 = mu(5);
    for (int64_t i = begin; i < end; ++i) {
        if (!mask[i]) continue;
        const double X = c.X[i], Y = c.Y[i], Z = c.Z[i];
        const double q0 = r00 * X + r01 * Y + r02 * Z, q1 = r10 * X + r11 * Y + r12 * Z,
                     q2 = r20 * X + r21 * Y + r22 * Z;
        const double iz = 1.0 / (q2 + t2), u = (q0 + t0) * iz, v = (q1 + t1) * iz;
        const double r0 = fx * u + cx - c.x[i], r1 = fy * v + cy - c.y[i];
        // a = mu_w x q + mu_t
        const double a0 = mw1 * q2 - mw2 * q1 + mt0, a1 = mw2 * q0 - mw0 * q2 + mt1, a2 = mw0 * q1 - mw1 * q0 + mt2;
        // J mu = Dpi a, then Dpi^T (J mu)
        const double j0 = fx * iz * (a0 - u * a2), j1 = fy * iz * (a1 - v * a2);
        double w0 = fx * iz * j0, w1 = fy * iz * j1, w2 = -iz * (fx * u * j0 + fy * v * j1);
        // dpsi/dx
        w0 += -r0 * fx * a2 * iz * iz;
        w1 += -r1 * fy * a2 * iz * iz;
        w2 += -iz * iz * (r0 * fx * (a0 - 2.0 * u * a2) + r1 * fy * (a1 - 2.0 * v * a2));
        // (Dpi^T r) x mu_w
        const double g0 = fx * iz * r0, g1 = fy * iz * r1, g2 = -iz * (fx * u * r0 + fy * v * r1);
        w0 += g1 * mw2 - g2 * mw1;
        w1 += g2 * mw0 - g0 * mw2;
        w2 += g0 * mw1 - g1 * mw0;
        const int64_t k = i - begin;
        gX[k] -= r00 * w0 + r10 * w1 + r20 * w2;
        gY[k] -= r01 * w0 + r11 * w1 + r21 * w2;
        gZ[k] -= r02 * w0 + r12 * w1 + r22 * w2;
    }
}

}  // namespace dsac

namespace dsac {

bool polish_refined(const dsac_correspondences &c, const dsac_intrinsics &K, const uint8_t *mask, int max_steps,
                    Pose *pose) {
    Pose current = *pose;
    for (int k = 0; k < max_steps; ++k) {
        Eigen::Matrix<double, 6, 6> H;
        Vector6d g;
        if (!refine_hessian(c, K, current, mask, &H, &g)) return false;
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
