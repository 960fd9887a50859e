// exp(x) in float32 that compilers vectorise (libm's expf does not vectorise without a vector math library).
// Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, then a degree-6 polynomial for e^r and 2^n by exponent bits.
// Relative error below 2e-7 on [-87, 88]; inputs outside are clamped (e^-87 ~ 1.6e-38, e^88 ~ 1.7e38); NaN gives NaN.
#pragma once

#include <cstdint>
#include <cstring>

namespace dsac {

inline float fast_expf(float x_in) {
    // Clamped so that NaN lands inside the range too (every comparison with NaN is false); NaN is returned as
    // NaN at the end, and the exponent bits below never shift a negative value.
    float x = x_in > -87.0f ? x_in : -87.0f;
    x = x < 88.0f ? x : 88.0f;
    // Round x / ln2 to the nearest integer with the 1.5 * 2^23 trick (exact for |n| < 2^22).
    const float shifter = 12582912.0f;
    const float t = x * 1.44269504088896341f + shifter;
    int32_t t_bits, shifter_bits;
    std::memcpy(&t_bits, &t, 4);
    std::memcpy(&shifter_bits, &shifter, 4);
    const int32_t n = t_bits - shifter_bits;
    const float nf = t - shifter;
    const float r = (x - nf * 0.693359375f) + nf * 2.12194440e-4f;
    // e^r, Taylor coefficients (|r| <= 0.347: truncation error < 1e-8).
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const uint32_t scale_bits = static_cast<uint32_t>(n + 127) << 23;
    float scale;
    std::memcpy(&scale, &scale_bits, 4);
    return x_in != x_in ? x_in : p * scale;
}

}  // namespace dsac
