// 2D convolution (cross-correlation, as every deep-learning library), float32, one image, planar CHW tensors.
//
//   out[o, y, x] = b[o] + sum_{c, u, v} W[o, c, u, v] * in[c, s*y - p + d*u, s*x - p + d*v]   (zero outside)
//   H_out = (H + 2p - d(k-1) - 1) / s + 1 (floor), same for W.
//
// Forward: im2col (skipped for 1x1, stride 1, no padding) then out = W[O x CKK] * col[CKK x HW_out] (gemm_nn).
// Backward: dW += dOut * col^T (gemm_nt), db += row sums of dOut, dcol = W^T * dOut (gemm_nn), col2im into dIn.
// Deterministic: every output element of every product is computed by one thread in a fixed order; col2im runs
// one input channel per thread.
#pragma once

#include <cstdint>

#include "CKernels.h"

namespace dsac {
namespace nn {

int64_t conv_output_size(int64_t in, const dsac_conv_shape &s);

void conv2d_forward(const dsac_conv_shape &s, int64_t H, int64_t W, const float *input, const float *weight,
                    const float *bias, bool relu, int threads, float *output);

void conv2d_backward(const dsac_conv_shape &s, int64_t H, int64_t W, const float *input, const float *weight,
                     const float *output_gradient, int threads, float *input_gradient, float *weight_gradient,
                     float *bias_gradient);

}  // namespace nn
}  // namespace dsac
