// ThreadSanitizer driver for the OpenMP kernels: every kernel with an OpenMP loop runs on 2 OpenMP threads, and the
// whole set runs on two std::threads at once (the kernels keep no state, so no race may appear between calls).
// Built with -fsanitize=thread -fopenmp; run with OMP_TOOL_LIBRARIES=libarcher.so (LLVM's OpenMP-aware TSan tool)
// so that libomp's own synchronisation is known to TSan. Exit status 0 and no "WARNING: ThreadSanitizer" = clean.
#include <cmath>
#include <cstdio>
#include <thread>
#include <vector>

#include "CKernels.h"

static int failures = 0;
#define CHECK(call)                                                            \
    do {                                                                       \
        if ((call) != DSAC_OK) { std::fprintf(stderr, "failed: %s\n", #call); ++failures; } \
    } while (0)

static void run_all(int threads) {
    const int n = 600, m = 64;
    std::vector<float> x(n), y(n), X(n), Y(n), Z(n);
    dsac_intrinsics K{500, 500, 320, 240};
    for (int i = 0; i < n; ++i) {
        X[i] = static_cast<float>(std::sin(i * 0.37) * 2), Y[i] = static_cast<float>(std::cos(i * 0.91)),
        Z[i] = static_cast<float>(4 + std::sin(i * 1.3));
        x[i] = static_cast<float>(500 * X[i] / Z[i] + 320), y[i] = static_cast<float>(500 * Y[i] / Z[i] + 240);
    }
    dsac_correspondences c{x.data(), y.data(), X.data(), Y.data(), Z.data(), n};
    std::vector<int32_t> sets(4 * m);
    for (int k = 0; k < 4 * m; ++k) sets[k] = (k * 97 + (k / 4) * 13) % n;
    std::vector<dsac_pose> hyp(m);
    std::vector<uint8_t> valid(m);
    CHECK(dsac_hypotheses_from_sets(&c, &K, sets.data(), m, 10, threads, hyp.data(), valid.data()));
    dsac_score_options so{10, 0.5, 100, 100, 1};
    std::vector<double> s(m);
    std::vector<int32_t> counts(m);
    CHECK(dsac_score_hypotheses(&c, &K, hyp.data(), m, &so, threads, s.data(), counts.data()));
    CHECK(dsac_score_hypotheses_f64(&c, &K, hyp.data(), m, &so, threads, s.data(), counts.data()));
    dsac_refine_options ro{10, 10, 10, 4};
    std::vector<dsac_pose> ref(m);
    std::vector<uint8_t> masks(static_cast<size_t>(m) * n);
    std::vector<dsac_refine_report> reps(m);
    std::vector<dsac_status> st(m);
    CHECK(dsac_refine_poses(&c, &K, hyp.data(), m, &ro, threads, ref.data(), masks.data(), reps.data(), st.data()));
    std::vector<uint8_t> polished(m), flags(m), rflags(m);
    for (int j = 0; j < m; ++j) rflags[j] = st[j] == DSAC_OK && valid[j];
    CHECK(dsac_polish_refined_poses(&c, &K, ref.data(), m, masks.data(), 5, threads, polished.data()));
    std::vector<double> sg(m), rg(6 * m, 1e-3);
    for (int j = 0; j < m; ++j) sg[j] = valid[j] ? 0.01 * ((j % 5) - 2) : 0;
    dsac_backward_options bo{so, 1, 1e-10, 1e-12};
    std::vector<float> grad(3 * n);
    double params[3];
    dsac_backward_report br;
    const dsac_status b = dsac_expected_loss_backward(&c, &K, hyp.data(), m, sets.data(), sg.data(), nullptr, ref.data(),
                                                      rflags.data(), masks.data(), rg.data(), &bo, threads, grad.data(),
                                                      params, flags.data(), &br);
    if (b != DSAC_OK && b != DSAC_ERROR_DEGENERATE) ++failures;
    // Network kernels.
    dsac_conv_shape cs{8, 16, 3, 2, 1, 1};
    const int H = 32, W = 40;
    const int64_t oh = dsac_conv_output_size(&cs, H), ow = dsac_conv_output_size(&cs, W);
    std::vector<float> in(8 * H * W, 0.5f), w(16 * 8 * 9, 0.01f), bias(16, 0.1f), out(16 * oh * ow), gin(in.size()),
        gw(w.size()), gb(16);
    CHECK(dsac_conv2d_forward(&cs, H, W, in.data(), w.data(), bias.data(), 1, threads, out.data()));
    CHECK(dsac_conv2d_backward(&cs, H, W, in.data(), w.data(), out.data(), threads, gin.data(), gw.data(), gb.data()));
    std::vector<float> up(16 * oh * 8 * ow * 8);
    CHECK(dsac_upsample_nearest_forward(16, oh, ow, 8, oh * 8, ow * 8, out.data(), threads, up.data()));
    CHECK(dsac_upsample_nearest_backward(16, oh, ow, 8, oh * 8, ow * 8, up.data(), threads, out.data()));
    std::vector<float> A(64 * 48, 0.25f), B(48 * 72, 0.5f), C(64 * 72);
    CHECK(dsac_gemm(64, 72, 48, A.data(), B.data(), 0, 0, threads, C.data()));
    // Scene memory: 300 queries against 8 lists of 50 keys (dimension 16).
    std::vector<float> q(300 * 16), keys(400 * 16), cent(8 * 16);
    for (size_t i = 0; i < q.size(); ++i) q[i] = static_cast<float>((i * 37) % 11) - 5;
    for (size_t i = 0; i < keys.size(); ++i) keys[i] = static_cast<float>((i * 53) % 13) - 6;
    for (size_t i = 0; i < cent.size(); ++i) cent[i] = static_cast<float>((i * 29) % 7) - 3;
    std::vector<int64_t> offsets(9), best(300);
    for (int l = 0; l <= 8; ++l) offsets[l] = 50 * l;
    std::vector<int32_t> assigned(300);
    std::vector<float> sim(300);
    CHECK(dsac_nearest_centroid(300, 8, 16, q.data(), cent.data(), threads, assigned.data(), sim.data()));
    CHECK(dsac_ivf_search(300, 8, 16, q.data(), cent.data(), offsets.data(), keys.data(), 3, threads, best.data(),
                          sim.data()));
    // Renderer.
    dsac_render_material mat{3, 7, {0.8f, 0.6f, 0.4f}, {0.2f, 0.2f, 0.2f}, 0.5f, 0.3f, 0.2f};
    dsac_render_box room{{0, 0, 0}, {3, 3, 2}, 0.1, {0, 0, 0, 0, 0, 0}, 1};
    dsac_render_light light{{0, 0, 1}, {1, 1, 1}, 0.1f};
    dsac_render_scene scene{&room, 1, &mat, 1, &light, 1, {0.1f, 0.1f, 0.1f}};
    dsac_pose p{{1, 0, 0, 0, 1, 0, 0, 0, 1}, {0, 0, 0}};
    dsac_render_options o{48, 40, 1, 0.01f, 3};
    std::vector<float> rgb(48 * 40 * 3), depth(48 * 40);
    std::vector<int32_t> surf(48 * 40);
    dsac_intrinsics Kr{40, 40, 24, 20};
    CHECK(dsac_render_frame(&scene, &Kr, &p, &o, threads, rgb.data(), depth.data(), surf.data()));
}

int main() {
    run_all(2);
    std::thread a([] { run_all(2); }), b([] { run_all(1); });
    a.join();
    b.join();
    std::printf("tsan driver: %s\n", failures ? "kernel calls failed" : "all kernel calls returned");
    return failures ? 1 : 0;
}
