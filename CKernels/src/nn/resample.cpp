// Nearest-neighbour upsampling: see resample.h.
#include "nn/resample.h"

#include <algorithm>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace dsac {
namespace nn {

void upsample_nearest_forward(int64_t C, int64_t H, int64_t W, int64_t f, int64_t Ho, int64_t Wo, const float *in,
                              float *out, int threads) {
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
#endif
    for (int64_t c = 0; c < C; ++c)
        for (int64_t y = 0; y < Ho; ++y) {
            const float *src = in + (c * H + std::min(y / f, H - 1)) * W;
            float *dst = out + (c * Ho + y) * Wo;
            for (int64_t x = 0; x < Wo; ++x) dst[x] = src[std::min(x / f, W - 1)];
        }
}

void upsample_nearest_backward(int64_t C, int64_t H, int64_t W, int64_t f, int64_t Ho, int64_t Wo,
                               const float *out_gradient, float *in_gradient, int threads) {
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
#endif
    for (int64_t c = 0; c < C; ++c) {
        float *plane = in_gradient + c * H * W;
        std::fill(plane, plane + H * W, 0.0f);
        for (int64_t y = 0; y < Ho; ++y) {
            float *dst = plane + std::min(y / f, H - 1) * W;
            const float *src = out_gradient + (c * Ho + y) * Wo;
            for (int64_t x = 0; x < Wo; ++x) dst[std::min(x / f, W - 1)] += src[x];
        }
    }
}

}  // namespace nn
}  // namespace dsac
