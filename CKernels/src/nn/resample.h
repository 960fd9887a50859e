// Nearest-neighbour upsampling of planar CHW tensors (the coarse branches of the encoder are brought back to the
// output stride this way). out[c, y, x] = in[c, min(y / f, H - 1), min(x / f, W - 1)]; the output size is given
// (it may crop f*H or extend it by clamping). Backward sums the output gradient over each input cell's copies.
#pragma once

#include <cstdint>

namespace dsac {
namespace nn {

void upsample_nearest_forward(int64_t C, int64_t H, int64_t W, int64_t f, int64_t Ho, int64_t Wo, const float *in,
                              float *out, int threads);
void upsample_nearest_backward(int64_t C, int64_t H, int64_t W, int64_t f, int64_t Ho, int64_t Wo,
                               const float *out_gradient, float *in_gradient, int threads);

}  // namespace nn
}  // namespace dsac
