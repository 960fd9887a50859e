// P3P — Lambda Twist.
//
// M. Persson, K. Nordberg, "Lambda Twist: An Accurate Fast Robust Perspective Three Point (P3P) Solver",
// ECCV 2018.
//
// Problem. Given three bearings b_k (any positive length; normalised here to unit y_k) and three world points X_k
// (metres), find cam_from_world (R, t) with R X_k + t = lambda_k y_k, lambda_k > 0 (depths along the unit rays,
// metres). Rigidity gives three quadratics in Lambda = (lambda_0, lambda_1, lambda_2):
//     Lambda^T M_ij Lambda = a_ij,   M_ij = |lambda_i y_i - lambda_j y_j|^2 as a form,   a_ij = |X_i - X_j|^2,
// i.e. lambda_i^2 + lambda_j^2 - 2 b_ij lambda_i lambda_j = a_ij with b_ij = y_i . y_j.
//
// Method (the paper's, in our own formulation):
//   1. Eliminate the right-hand sides: D1 = a_12 M_01 - a_01 M_12 and D2 = a_12 M_02 - a_02 M_12 give two
//      homogeneous conics Lambda^T D1 Lambda = Lambda^T D2 Lambda = 0 (the points are renumbered so that a_12 is the
//      largest distance, and the conics are divided by it).
//   2. A degenerate member D0 = g1 D1 + g2 D2 of their pencil solves the cubic det(g1 D1 + g2 D2) = 0. One real
//      root suffices: whenever the conics meet in a real point, every real root gives a pair of real lines through
//      the intersections. We take the extreme real root that lies farthest from the cubic's stationary points
//      (the best separated one), found by Halley's method from a local model; the cubic is solved in g2/g1 or
//      g1/g2, whichever keeps its leading coefficient the larger (so a vanishing det(D2) or det(D1) is harmless).
//   3. D0 has rank 2; its null vector v0 is the lines' crossing point, and its 2x2 block on the two coordinates
//      other than v0's largest factors into the two lines (stable quadratic formula, homogeneous form).
//   4. On each line, Lambda = s v0 + t v; the other conic of the pencil gives a quadratic in (s : t): up to two
//      directions per line, four in all. Each direction is scaled to sum_ij Lambda^T M_ij Lambda = sum_ij a_ij.
//   5. The depths are polished by Gauss-Newton on the three original quadratics, as in the paper: at most 5 steps,
//      each kept only when it lowers sum |r_ij|, none once sum |r_ij| <= 1e-15 sum a_ij (m^2).
//   6. With Y_k = lambda_k y_k: R = [Y1-Y0, Y2-Y0, (Y1-Y0)x(Y2-Y0)] [X1-X0, X2-X0, (X1-X0)x(X2-X0)]^-1 (a closed-form
//      inverse shared by all solutions), t = Y0 - R X0.
//
// Discarded: complex roots; directions whose depths are not all positive (no solution with a point behind or at
// the camera is returned); any pose holding a non-finite value. Collinear or coincident world points
// (|(X1-X0)x(X2-X0)|^2 <= 1e-20 |X1-X0|^2 |X2-X0|^2) and zero-length bearings give 0 solutions.
// No early pruning: every real solution with positive depths is returned (0..4) in solutions[0..count); slots past
// the count may be overwritten. No heap allocation.
#include "solvers/p3p.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

namespace dsac {
namespace {

using Eigen::Matrix3d;
using Eigen::Vector3d;

/// Approximate cube root of a >= 0 (a few per cent): the exponent divided by three through the bit pattern.
/// Only a starting point for the iteration below.
inline double cbrt_estimate(double a) {
    uint64_t bits;
    std::memcpy(&bits, &a, sizeof bits);
    bits = bits / 3 + 0x2A9F7893782DA1CEull;
    double out;
    std::memcpy(&out, &bits, sizeof out);
    return out;
}

/// One real root of f(x) = x^3 + b x^2 + c x + d: the extreme root (leftmost or rightmost) that is farthest from
/// the stationary point next to it, or the only one. Halley's method from a local model of the cubic.
inline double cubic_root(double b, double c, double d) {
    const auto f = [&](double x) { return ((x + b) * x + c) * x + d; };
    double x;
    const double disc = b * b - 3.0 * c;  // f'(x) = 3x^2 + 2bx + c has real zeros when disc > 0
    if (disc > 0.0) {
        const double r = std::sqrt(disc);
        const double t1 = (-b - r) / 3.0;  // local maximum: f(t1 + u) = f1 - r u^2 + u^3
        const double t2 = (-b + r) / 3.0;  // local minimum: f(t2 + u) = f2 + r u^2 + u^3
        const double f1 = f(t1);
        const double f2 = f(t2);
        // f1 > 0: a root left of t1; f2 < 0: a root right of t2 (both when there are three real roots).
        if (f1 > 0.0 && (f2 >= 0.0 || f1 >= -f2))
            x = t1 - std::sqrt(f1 / r);  // quadratic model; overshoots the root, Halley comes back
        else
            x = t2 + std::sqrt(-f2 / r);
    } else {
        // Monotone: with y = x + b/3, y^3 + p y + q = 0, p = -disc/3 >= 0, and |y| <= min(|q|/p, cbrt|q|).
        const double x0 = -b / 3.0;
        const double q = f(x0);
        const double p = -disc / 3.0;
        const double aq = std::abs(q);
        const double cb = cbrt_estimate(aq);
        const double y = (p * cb > aq) ? aq / p : cb;
        x = x0 - std::copysign(y, q);
    }
    // Halley's method (cubic convergence): three unconditional steps (enough from these starts but for about one
    // cubic in a thousand), then more only while a step exceeds 1e-6 |x| -- after which the error is far below
    // double precision. A non-finite step (0/0 at a triple root) is dropped.
    double step = 0.0;
    const auto halley_step = [&]() {
        const double fx = f(x);
        const double df = (3.0 * x + 2.0 * b) * x + c;
        const double ddf = 6.0 * x + 2.0 * b;
        const double s = 2.0 * fx * df / (2.0 * df * df - fx * ddf);
        step = std::isfinite(s) ? s : 0.0;
        x -= step;
    };
    halley_step();
    halley_step();
    halley_step();
    for (int it = 0; it < 25 && std::abs(step) > 1e-6 * std::abs(x); ++it) halley_step();
    return x;
}

/// Residuals of the three distance equations, r_ij = lambda_i^2 + lambda_j^2 - 2 b_ij lambda_i lambda_j - a_ij,
/// in the order (01, 02, 12); returns sum |r|.
inline double distance_residuals(const double l[3], double a01, double a02, double a12, double b01, double b02,
                                 double b12, double r[3]) {
    r[0] = l[0] * l[0] + l[1] * l[1] - 2.0 * b01 * l[0] * l[1] - a01;
    r[1] = l[0] * l[0] + l[2] * l[2] - 2.0 * b02 * l[0] * l[2] - a02;
    r[2] = l[1] * l[1] + l[2] * l[2] - 2.0 * b12 * l[1] * l[2] - a12;
    return std::abs(r[0]) + std::abs(r[1]) + std::abs(r[2]);
}

/// Gauss-Newton (here Newton: 3 equations, 3 unknowns) on the distance equations, at most 5 steps, each kept only
/// when it lowers sum |r|.
inline void refine_depths(double l[3], double a01, double a02, double a12, double b01, double b02, double b12) {
    double r[3];
    double err = distance_residuals(l, a01, a02, a12, b01, b02, b12, r);
    const double tol = 1e-15 * (a01 + a02 + a12);
    for (int it = 0; it < 5 && err > tol; ++it) {
        // J / 2 = [p q 0; u 0 w; 0 y z]
        const double p = l[0] - b01 * l[1], q = l[1] - b01 * l[0];
        const double u = l[0] - b02 * l[2], w = l[2] - b02 * l[0];
        const double y = l[1] - b12 * l[2], z = l[2] - b12 * l[1];
        const double det = -p * w * y - q * u * z;
        if (!(std::abs(det) > 1e-300)) break;
        const double h = -0.5 / det;  // delta = -(J/2)^-1 r / 2 = -adj(J/2) r / (2 det)
        double n[3];
        n[0] = l[0] + h * (-w * y * r[0] - q * z * r[1] + q * w * r[2]);
        n[1] = l[1] + h * (-u * z * r[0] + p * z * r[1] - p * w * r[2]);
        n[2] = l[2] + h * (u * y * r[0] - p * y * r[1] - q * u * r[2]);
        double rn[3];
        const double errn = distance_residuals(n, a01, a02, a12, b01, b02, b12, rn);
        if (!(errn < err)) break;
        for (int k = 0; k < 3; ++k) {
            l[k] = n[k];
            r[k] = rn[k];
        }
        err = errn;
    }
}

inline Vector3d sym_mul(const double S[6], const Vector3d &v) {
    // S = [s0 s1 s2; s1 s3 s4; s2 s4 s5]
    return Vector3d(S[0] * v[0] + S[1] * v[1] + S[2] * v[2], S[1] * v[0] + S[3] * v[1] + S[4] * v[2],
                    S[2] * v[0] + S[4] * v[1] + S[5] * v[2]);
}

}  // namespace

int solve_p3p(const Vector3d bearings[3], const Vector3d points[3], Pose solutions[4]) {
    Vector3d X0 = points[0], X1 = points[1], X2 = points[2];
    Vector3d y0 = bearings[0], y1 = bearings[1], y2 = bearings[2];

    double a01 = (X0 - X1).squaredNorm();
    double a02 = (X0 - X2).squaredNorm();
    double a12 = (X1 - X2).squaredNorm();
    // Renumber so that a12 is the largest squared distance (the conics are divided by it).
    if (a01 > a12 && a01 >= a02) {
        std::swap(X0, X2);
        std::swap(y0, y2);
        std::swap(a01, a12);  // new pair (0,1) = old (2,1); new (1,2) = old (1,0); (0,2) unchanged
    } else if (a02 > a12) {
        std::swap(X0, X1);
        std::swap(y0, y1);
        std::swap(a02, a12);  // new (0,2) = old (1,2); new (1,2) = old (0,2); (0,1) unchanged
    }

    // World triangle; collinear or coincident points (or NaN) give no solution.
    const Vector3d d1 = X1 - X0, d2 = X2 - X0;
    const Vector3d n = d1.cross(d2);
    const double nn = n.squaredNorm();
    if (!(nn > 1e-20 * d1.squaredNorm() * d2.squaredNorm())) return 0;

    const double n0 = y0.squaredNorm(), n1 = y1.squaredNorm(), n2 = y2.squaredNorm();
    if (!(n0 > 0.0 && n1 > 0.0 && n2 > 0.0)) return 0;
    y0 /= std::sqrt(n0);
    y1 /= std::sqrt(n1);
    y2 /= std::sqrt(n2);
    const double b01 = y0.dot(y1), b02 = y0.dot(y2), b12 = y1.dot(y2);

    // Step 1: conics D1 = M01 - A M12, D2 = M02 - B M12 (divided by a12), stored as upper triangles.
    const double A = a01 / a12, B = a02 / a12;
    const double D1[6] = {1.0, -b01, 0.0, 1.0 - A, A * b12, -A};
    const double D2[6] = {1.0, 0.0, -b02, -B, B * b12, 1.0 - B};

    // Step 2: det(g1 D1 + g2 D2) = k * (c0 g1^3 + c1 g1^2 g2 + c2 g1 g2^2 + c3 g2^3).
    const double s01 = (1.0 - b01) * (1.0 + b01), s02 = (1.0 - b02) * (1.0 + b02);
    const double s12 = (1.0 - b12) * (1.0 + b12);
    const double m = 1.0 - b01 * b02 * b12;
    const double c3 = B * (s02 - B * s12);
    const double c2 = -s12 * B * (2.0 * A + B) + (A - 1.0) * s02 + 2.0 * B * m;
    const double c1 = -s12 * A * (A + 2.0 * B) + (B - 1.0) * s01 + 2.0 * A * m;
    const double c0 = A * (s01 - A * s12);
    double g1, g2;
    if (std::abs(c3) >= std::abs(c0)) {
        if (c3 == 0.0) {
            g1 = 1.0;  // c0 = c3 = 0: D1 itself is degenerate
            g2 = 0.0;
        } else {
            const double inv = 1.0 / c3;
            g1 = 1.0;
            g2 = cubic_root(c2 * inv, c1 * inv, c0 * inv);
        }
    } else {
        const double inv = 1.0 / c0;
        g1 = cubic_root(c1 * inv, c2 * inv, c3 * inv);
        g2 = 1.0;
    }
    double D0[6];
    for (int k = 0; k < 6; ++k) D0[k] = g1 * D1[k] + g2 * D2[k];

    // Step 3: null vector of D0 (the best conditioned cross product of two rows) and the line pair.
    const Vector3d r0(D0[0], D0[1], D0[2]), r1(D0[1], D0[3], D0[4]), r2(D0[2], D0[4], D0[5]);
    Vector3d v0 = r0.cross(r1);
    {
        const Vector3d c02 = r0.cross(r2), c12 = r1.cross(r2);
        double best = v0.squaredNorm();
        const double q02 = c02.squaredNorm(), q12 = c12.squaredNorm();
        if (q02 > best) {
            v0 = c02;
            best = q02;
        }
        if (q12 > best) v0 = c12;
    }
    // 2x2 block [P Q; Q S] of D0 on the two coordinates other than v0's largest (selects, not branches).
    const double m0 = std::abs(v0[0]), m1 = std::abs(v0[1]), m2 = std::abs(v0[2]);
    const bool drop0 = m0 >= m1 && m0 >= m2;  // block (1, 2)
    const bool drop1 = !drop0 && m1 >= m2;    // block (0, 2); else block (0, 1)
    const double P = drop0 ? D0[3] : D0[0];
    const double Q = drop0 ? D0[4] : (drop1 ? D0[2] : D0[1]);
    const double S = drop0 ? D0[5] : (drop1 ? D0[5] : D0[3]);
    double disc = Q * Q - P * S;  // > 0: two real lines
    const double scale = P * P + 2.0 * Q * Q + S * S;
    if (!(disc >= -1e-14 * scale)) return 0;  // complex lines (no real intersection), or NaN
    disc = std::max(disc, 0.0);
    // Lines through v0 and the block's null directions (alpha : beta) = (h : P) and (S : h).
    const double h = -(Q + std::copysign(std::sqrt(disc), Q));
    const Vector3d lines[2] = {
        drop0 ? Vector3d(0.0, h, P) : (drop1 ? Vector3d(h, 0.0, P) : Vector3d(h, P, 0.0)),
        drop0 ? Vector3d(0.0, S, h) : (drop1 ? Vector3d(S, 0.0, h) : Vector3d(S, h, 0.0)),
    };

    // Step 4: the other conic of the pencil, restricted to each line, and the scale of each direction.
    const double *E = (std::abs(g2) > std::abs(g1)) ? D1 : D2;
    const Vector3d Ev0 = sym_mul(E, v0);
    const double Aq = v0.dot(Ev0);
    const double asum = a01 + a02 + a12;

    // Step 6 (shared part): rows of [d1, d2, n]^-1 = [d2 x n; n x d1; n] / |n|^2.
    const double inn = 1.0 / nn;
    const Vector3d w0 = d2.cross(n) * inn, w1 = n.cross(d1) * inn, w2 = n * inn;

    // The four candidate directions (zero when a line holds no real point: rejected below).
    Vector3d candidates[4];
    for (int li = 0; li < 2; ++li) {
        const Vector3d &v = lines[li];
        const double Bq = v.dot(Ev0);
        const double Cq = v.dot(sym_mul(E, v));
        const double disc2 = Bq * Bq - Aq * Cq;  // roots (s : t) = (h2 : Aq) and (Cq : h2)
        const bool real = disc2 >= -1e-14 * (Aq * Aq + 2.0 * Bq * Bq + Cq * Cq);
        const double h2 = -(Bq + std::copysign(std::sqrt(std::max(disc2, 0.0)), Bq));
        candidates[2 * li] = real ? Vector3d(h2 * v0 + Aq * v) : Vector3d::Zero();
        candidates[2 * li + 1] = real ? Vector3d(Cq * v0 + h2 * v) : Vector3d::Zero();
    }

    int count = 0;
    for (Vector3d L : candidates) {
        // Depths of one sign (made positive), then the scale.
        const bool positive = L[0] > 0.0 && L[1] > 0.0 && L[2] > 0.0;
        const bool negative = L[0] < 0.0 && L[1] < 0.0 && L[2] < 0.0;
        const double form = L.squaredNorm() - (b01 * L[0] * L[1] + b02 * L[0] * L[2] + b12 * L[1] * L[2]);
        if (!((positive || negative) && form > 0.0)) continue;
        L *= std::copysign(std::sqrt(0.5 * asum / form), L[0]);

        // Step 5: polish the depths.
        double l[3] = {L[0], L[1], L[2]};
        refine_depths(l, a01, a02, a12, b01, b02, b12);

        // Step 6: the pose. Written unconditionally and counted only when valid (fewer unpredictable branches);
        // count <= 3 here, so the slot exists.
        const Vector3d Y0 = l[0] * y0;
        const Vector3d e1 = l[1] * y1 - Y0, e2 = l[2] * y2 - Y0;
        const Vector3d e3 = e1.cross(e2);
        Pose out;
        out.R = e1 * w0.transpose() + e2 * w1.transpose() + e3 * w2.transpose();
        out.t = Y0 - out.R * X0;
        const bool valid = l[0] > 0.0 && l[1] > 0.0 && l[2] > 0.0 &&
                           std::isfinite(out.R.sum() + out.t.sum());  // no NaN or Inf (or overflow)
        solutions[count] = out;
        count += valid ? 1 : 0;
    }
    return count;
}

}  // namespace dsac
