// libFuzzer target: every geometry entry point of CKernels.h (P3P, hypotheses from sets, scoring float32/float64,
// reprojection errors, inlier mask, projection Jacobians, refinement, P3P Jacobian, polishing, the expected-loss
// backward pass, status messages) on one problem decoded from the input: counts, intrinsics, poses, options and
// coordinates are all fuzzed (NaN, Inf, huge, zero, negative); the buffers have the sizes the header asks for.
// A finding is a sanitizer report, a crash, or a contract violation (an output written on failure, a non-finite
// output on success).
#include <cmath>
#include <cstdlib>
#include <vector>

#include "CKernels.h"
#include "fuzz_input.h"

#define REQUIRE(c) \
    do {           \
        if (!(c)) std::abort(); \
    } while (0)

static dsac_pose pose_from(FuzzInput &in) {
    dsac_pose p{};
    const uint8_t kind = in.take<uint8_t>();
    // A proper rotation most of the time (axis-angle), raw values otherwise.
    const double ax = in.number(3), ay = in.number(3), az = in.number(3);
    if (kind < 200) {
        const double th = std::sqrt(ax * ax + ay * ay + az * az);
        double k[3] = {1, 0, 0};
        if (th > 1e-12 && std::isfinite(th)) k[0] = ax / th, k[1] = ay / th, k[2] = az / th;
        const double c = std::cos(th), s = std::sin(th), v = 1 - c;
        const double R[9] = {c + k[0] * k[0] * v,        k[0] * k[1] * v - k[2] * s, k[0] * k[2] * v + k[1] * s,
                             k[1] * k[0] * v + k[2] * s, c + k[1] * k[1] * v,        k[1] * k[2] * v - k[0] * s,
                             k[2] * k[0] * v - k[1] * s, k[2] * k[1] * v + k[0] * s, c + k[2] * k[2] * v};
        for (int i = 0; i < 9; ++i) p.rotation[i] = R[i];
    } else {
        for (int i = 0; i < 9; ++i) p.rotation[i] = in.number(1);
    }
    for (int i = 0; i < 3; ++i) p.translation[i] = in.number(4);
    return p;
}

static bool finite_pose(const dsac_pose &p) {
    for (double v : p.rotation) if (!std::isfinite(v)) return false;
    for (double v : p.translation) if (!std::isfinite(v)) return false;
    return true;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    FuzzInput in{data, size};
    (void)dsac_status_message(in.take<int32_t>());

    // P3P on raw values.
    {
        double b[9], X[9];
        for (double &v : b) v = in.number(1);
        for (double &v : X) v = in.number(5);
        dsac_pose sol[4];
        int32_t n = -1;
        if (dsac_p3p(b, X, sol, &n) == DSAC_OK) {
            REQUIRE(n >= 0 && n <= 4);
        } else {
            REQUIRE(n == -1);
        }
    }

    const int64_t n = in.range(0, 48);
    std::vector<float> x(n), y(n), X(n), Y(n), Z(n);
    const dsac_pose truth = pose_from(in);
    dsac_intrinsics K{in.number(600), in.number(600), in.number(300), in.number(300)};
    if (in.take<uint8_t>() < 128) K.fx = std::fabs(K.fx) + 1, K.fy = std::fabs(K.fy) + 1;
    for (int64_t i = 0; i < n; ++i) {
        // A point in front of the truth pose and its projection, then perhaps corrupted.
        X[i] = static_cast<float>(in.number(3)), Y[i] = static_cast<float>(in.number(3)),
        Z[i] = static_cast<float>(in.number(3));
        const double *R = truth.rotation, *t = truth.translation;
        const double xc = R[0] * X[i] + R[1] * Y[i] + R[2] * Z[i] + t[0];
        const double yc = R[3] * X[i] + R[4] * Y[i] + R[5] * Z[i] + t[1];
        const double zc = R[6] * X[i] + R[7] * Y[i] + R[8] * Z[i] + t[2];
        x[i] = static_cast<float>(K.fx * xc / zc + K.cx);
        y[i] = static_cast<float>(K.fy * yc / zc + K.cy);
        if (in.take<uint8_t>() > 220) x[i] = static_cast<float>(in.number(400));
        if (in.take<uint8_t>() > 240) Z[i] = static_cast<float>(in.number(1e3));
    }
    const dsac_correspondences c{x.data(), y.data(), X.data(), Y.data(), Z.data(), n};
    const int32_t threads = static_cast<int32_t>(in.range(-1, 3));

    // Hypotheses from sets (indices partly out of range).
    const int64_t m = in.range(0, 6);
    std::vector<int32_t> sets(4 * m);
    for (auto &s : sets) s = static_cast<int32_t>(in.range(-1, n));
    std::vector<dsac_pose> hyp(m);
    std::vector<uint8_t> valid(m, 7);
    const double tau = in.number(20);
    if (dsac_hypotheses_from_sets(&c, &K, sets.data(), m, tau, threads, hyp.data(), valid.data()) == DSAC_OK) {
        for (int64_t h = 0; h < m; ++h) REQUIRE(valid[h] <= 1 && (!valid[h] || finite_pose(hyp[h])));
    } else {
        for (int64_t h = 0; h < m; ++h) REQUIRE(valid[h] == 7);
        for (auto &p : hyp) p = pose_from(in);
    }
    for (int64_t h = 0; h < m; ++h)
        if (in.take<uint8_t>() > 200) hyp[h] = pose_from(in);

    // Scoring, float32 and float64.
    dsac_score_options so{in.number(20), in.number(1), in.number(100), in.number(200), in.take<uint8_t>() % 3};
    std::vector<double> scores(m);
    std::vector<int32_t> counts(m);
    (void)dsac_score_hypotheses(&c, &K, hyp.data(), m, &so, threads, scores.data(), counts.data());
    (void)dsac_score_hypotheses_f64(&c, &K, hyp.data(), m, &so, threads, scores.data(), nullptr);

    // Per-pose kernels.
    const dsac_pose one = m > 0 ? hyp[0] : truth;
    std::vector<float> errors(n);
    std::vector<uint8_t> mask(n);
    int64_t inliers = -1;
    (void)dsac_reprojection_errors(&c, &K, &one, in.number(100), errors.data());
    if (dsac_inlier_mask(&c, &K, &one, in.number(20), mask.data(), &inliers) == DSAC_OK) REQUIRE(inliers >= 0 && inliers <= n);
    {
        double px[2] = {in.number(300), in.number(300)}, pt[3] = {in.number(3), in.number(3), in.number(3)};
        double r[2], Jp[12], Jx[6];
        (void)dsac_projection_jacobians(&K, &one, px, pt, r, Jp, Jx);
    }

    // Refinement, one and many.
    dsac_refine_options ro{in.number(20), static_cast<int32_t>(in.range(-1, 4)), static_cast<int32_t>(in.range(-1, 6)),
                           static_cast<int32_t>(in.range(0, 8))};
    dsac_pose refined;
    dsac_refine_report rep;
    (void)dsac_refine_pose(&c, &K, &one, &ro, &refined, mask.data(), &rep);
    std::vector<dsac_pose> many(m);
    std::vector<uint8_t> masks(m * n);
    std::vector<dsac_refine_report> reps(m);
    std::vector<dsac_status> st(m);
    const bool refined_ok =
        dsac_refine_poses(&c, &K, hyp.data(), m, &ro, threads, many.data(), masks.data(), reps.data(), st.data()) ==
        DSAC_OK;
    if (!refined_ok) many = hyp;

    // P3P Jacobian.
    {
        double px[6], pts[9], J[54];
        for (int k = 0; k < 3; ++k) {
            const int64_t i = n > 0 ? in.range(0, n - 1) : 0;
            px[2 * k] = n > 0 ? x[i] : in.number(300), px[2 * k + 1] = n > 0 ? y[i] : in.number(300);
            pts[3 * k] = n > 0 ? X[i] : 0, pts[3 * k + 1] = n > 0 ? Y[i] : 0, pts[3 * k + 2] = n > 0 ? Z[i] : 1;
        }
        (void)dsac_p3p_jacobian(&K, &one, px, pts, in.number(1e-6), J);
    }

    // Polishing and the backward pass.
    std::vector<uint8_t> polished(m);
    std::vector<dsac_pose> polish = many;
    (void)dsac_polish_refined_poses(&c, &K, polish.data(), m, masks.data(), static_cast<int32_t>(in.range(-1, 3)),
                                    threads, polished.data());
    std::vector<double> sg(m), pg(6 * m), rg(6 * m);
    std::vector<uint8_t> rflags(m), flags(m);
    for (auto &v : sg) v = in.number(1);
    for (auto &v : pg) v = in.number(1);
    for (auto &v : rg) v = in.number(1);
    for (auto &f : rflags) f = in.take<uint8_t>() & 1;
    dsac_backward_options bo{so, in.take<uint8_t>() % 3, in.number(1e-9), in.number(1e-9)};
    std::vector<float> grad(3 * n, 0.0f);
    double params[3];
    dsac_backward_report br;
    const bool use_sets = in.take<uint8_t>() & 1;
    if (dsac_expected_loss_backward(&c, &K, hyp.data(), m, use_sets ? sets.data() : nullptr, sg.data(),
                                    in.take<uint8_t>() & 1 ? pg.data() : nullptr, polish.data(), rflags.data(),
                                    masks.data(), rg.data(), &bo, threads, grad.data(), params, flags.data(),
                                    &br) == DSAC_OK) {
        for (float g : grad) REQUIRE(std::isfinite(g));
    }
    return 0;
}
