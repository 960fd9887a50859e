// exp(x) in float64 that compilers vectorise (libm's exp does not vectorise without a vector math library).
//
// Contract: for x in [-708, 709], relative error below 3e-16 (a few ulp); inputs outside are clamped. Cody-Waite
// reduction x = n ln2 + r, |r| <= ln2/2, a degree-13 Taylor polynomial for e^r (truncation < 5e-18), and 2^n
// through the exponent bits. Used by the training path's float64 soft inlier score, which must be smooth to
// rounding level for central-difference gradient checks (method: Cody & Waite, "Software Manual for the
// Elementary Functions", 1980).
#pragma once

#include <cstdint>
#include <cstring>

namespace dsac {

inline double exp64(double x_in) {
    // NaN-safe clamp (see fast_exp.h): NaN is returned as NaN, and no negative value is ever shifted.
    double x = x_in > -708.0 ? x_in : -708.0;
    x = x < 709.0 ? x : 709.0;
    const double shifter = 6755399441055744.0;  // 1.5 * 2^52: rounds to an integer held in the low mantissa bits
    const double t = x * 1.4426950408889634074 + shifter;
    int64_t t_bits, shifter_bits;
    std::memcpy(&t_bits, &t, 8);
    std::memcpy(&shifter_bits, &shifter, 8);
    const int64_t n = t_bits - shifter_bits;
    const double nf = t - shifter;
    const double r = (x - nf * 6.93147180369123816490e-01) - nf * 1.90821492927058770002e-10;
    double p = 1.0 / 6227020800.0;  // 1/13!
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    const uint64_t scale_bits = static_cast<uint64_t>(n + 1023) << 52;
    double scale;
    std::memcpy(&scale, &scale_bits, 8);
    return x_in != x_in ? x_in : p * scale;
}

}  // namespace dsac
