// Convolution by im2col + GEMM: see conv.h.
#include "nn/conv.h"

#include <algorithm>
#include <vector>

#include "nn/gemm.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace dsac {
namespace nn {

namespace {

bool is_pointwise(const dsac_conv_shape &s) {
    return s.kernel == 1 && s.stride == 1 && s.padding == 0;
}

// col[(c*k + u)*k + v, y*Wo + x] = in[c, s*y - p + d*u, s*x - p + d*v] (0 outside).
void im2col(const dsac_conv_shape &s, int64_t H, int64_t W, int64_t Ho, int64_t Wo, const float *in, float *col,
            int threads) {
    const int64_t k = s.kernel, rows = int64_t(s.in_channels) * k * k;
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
#endif
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t c = r / (k * k), u = (r / k) % k, v = r % k;
        const float *plane = in + c * H * W;
        float *dst = col + r * Ho * Wo;
        for (int64_t y = 0; y < Ho; ++y) {
            const int64_t iy = s.stride * y - s.padding + s.dilation * u;
            float *row = dst + y * Wo;
            if (iy < 0 || iy >= H) {
                std::fill(row, row + Wo, 0.0f);
                continue;
            }
            const float *src = plane + iy * W;
            const int64_t off = -s.padding + s.dilation * v;
            if (s.stride == 1) {
                for (int64_t x = 0; x < Wo; ++x) {
                    const int64_t ix = x + off;
                    row[x] = (ix >= 0 && ix < W) ? src[ix] : 0.0f;
                }
            } else {
                for (int64_t x = 0; x < Wo; ++x) {
                    const int64_t ix = s.stride * x + off;
                    row[x] = (ix >= 0 && ix < W) ? src[ix] : 0.0f;
                }
            }
        }
    }
}

// in[c, ...] = sum of the col entries that read it; one channel per thread, rows in order.
void col2im(const dsac_conv_shape &s, int64_t H, int64_t W, int64_t Ho, int64_t Wo, const float *col, float *in,
            int threads) {
    const int64_t k = s.kernel;
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
#endif
    for (int64_t c = 0; c < s.in_channels; ++c) {
        float *plane = in + c * H * W;
        std::fill(plane, plane + H * W, 0.0f);
        for (int64_t u = 0; u < k; ++u)
            for (int64_t v = 0; v < k; ++v) {
                const float *src = col + ((c * k + u) * k + v) * Ho * Wo;
                for (int64_t y = 0; y < Ho; ++y) {
                    const int64_t iy = s.stride * y - s.padding + s.dilation * u;
                    if (iy < 0 || iy >= H) continue;
                    float *dst = plane + iy * W;
                    const float *row = src + y * Wo;
                    for (int64_t x = 0; x < Wo; ++x) {
                        const int64_t ix = s.stride * x - s.padding + s.dilation * v;
                        if (ix >= 0 && ix < W) dst[ix] += row[x];
                    }
                }
            }
    }
}

}  // namespace

int64_t conv_output_size(int64_t in, const dsac_conv_shape &s) {
    const int64_t span = int64_t(s.dilation) * (s.kernel - 1) + 1;
    const int64_t padded = in + 2 * int64_t(s.padding);
    return padded < span ? 0 : (padded - span) / s.stride + 1;
}

void conv2d_forward(const dsac_conv_shape &s, int64_t H, int64_t W, const float *input, const float *weight,
                    const float *bias, bool relu, int threads, float *output) {
    const int64_t Ho = conv_output_size(H, s), Wo = conv_output_size(W, s), P = Ho * Wo;
    const int64_t K = int64_t(s.in_channels) * s.kernel * s.kernel, O = s.out_channels;
    const float *col = input;
    std::vector<float> buffer;
    if (!is_pointwise(s)) {
        buffer.resize(static_cast<size_t>(K * P));
        im2col(s, H, W, Ho, Wo, input, buffer.data(), threads);
        col = buffer.data();
    }
    if (bias) {
        for (int64_t o = 0; o < O; ++o) std::fill(output + o * P, output + (o + 1) * P, bias[o]);
    }
    gemm_nn(O, P, K, weight, K, col, P, output, P, bias != nullptr, threads);
    if (relu) {
        const int64_t n = O * P;
        for (int64_t i = 0; i < n; ++i) output[i] = output[i] > 0.0f ? output[i] : 0.0f;
    }
}

void conv2d_backward(const dsac_conv_shape &s, int64_t H, int64_t W, const float *input, const float *weight,
                     const float *output_gradient, int threads, float *input_gradient, float *weight_gradient,
                     float *bias_gradient) {
    const int64_t Ho = conv_output_size(H, s), Wo = conv_output_size(W, s), P = Ho * Wo;
    const int64_t K = int64_t(s.in_channels) * s.kernel * s.kernel, O = s.out_channels;
    const bool pointwise = is_pointwise(s);
    if (bias_gradient) {
        for (int64_t o = 0; o < O; ++o) {
            double sum = 0;  // fixed order, float64 partials
            const float *g = output_gradient + o * P;
            for (int64_t p = 0; p < P; ++p) sum += g[p];
            bias_gradient[o] += static_cast<float>(sum);
        }
    }
    if (weight_gradient) {
        const float *col = input;
        std::vector<float> buffer;
        if (!pointwise) {
            buffer.resize(static_cast<size_t>(K * P));
            im2col(s, H, W, Ho, Wo, input, buffer.data(), threads);
            col = buffer.data();
        }
        gemm_nt(O, K, P, output_gradient, P, col, P, weight_gradient, K, true, threads);
    }
    if (input_gradient) {
        std::vector<float> wt(static_cast<size_t>(K * O));
        transpose(O, K, weight, wt.data());
        if (pointwise) {
            gemm_nn(K, P, O, wt.data(), O, output_gradient, P, input_gradient, P, false, threads);
        } else {
            std::vector<float> dcol(static_cast<size_t>(K * P));
            gemm_nn(K, P, O, wt.data(), O, output_gradient, P, dcol.data(), P, false, threads);
            col2im(s, H, W, Ho, Wo, dcol.data(), input_gradient, threads);
        }
    }
}

}  // namespace nn
}  // namespace dsac
