// libFuzzer target: the network kernels of CKernels.h (conv2d forward/backward, ReLU backward, nearest upsampling
// forward/backward, GEMM, conv output size) on fuzzed shapes — including invalid ones, which must be refused — with
// buffers of exactly the sizes the header documents for the shapes that are valid.
#include <vector>

#include "CKernels.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    FuzzInput in{data, size};
    dsac_conv_shape s{static_cast<int32_t>(in.range(-1, 5)), static_cast<int32_t>(in.range(-1, 5)),
                      static_cast<int32_t>(in.range(-1, 5)), static_cast<int32_t>(in.range(-1, 4)),
                      static_cast<int32_t>(in.range(-2, 4)), static_cast<int32_t>(in.range(-1, 3))};
    const int64_t h = in.range(-1, 12), w = in.range(-1, 12);
    const int32_t threads = static_cast<int32_t>(in.range(-1, 3));
    const int64_t oh = dsac_conv_output_size(&s, h), ow = dsac_conv_output_size(&s, w);
    const int64_t ci = s.in_channels > 0 ? s.in_channels : 1, co = s.out_channels > 0 ? s.out_channels : 1;
    const int64_t k = s.kernel > 0 ? s.kernel : 1;
    // Sized for the shape when it is valid; a minimal buffer otherwise (the call must then refuse it).
    std::vector<float> input(std::max<int64_t>(1, ci * std::max<int64_t>(h, 1) * std::max<int64_t>(w, 1)));
    std::vector<float> weight(co * ci * k * k), bias(co);
    std::vector<float> output(std::max<int64_t>(1, co * oh * ow)), gout(output.size());
    for (auto &v : input) v = static_cast<float>(in.number(2));
    for (auto &v : weight) v = static_cast<float>(in.number(1));
    for (auto &v : bias) v = static_cast<float>(in.number(1));
    for (auto &v : gout) v = static_cast<float>(in.number(1));
    const int32_t relu = static_cast<int32_t>(in.range(-1, 2));
    if (oh > 0 && ow > 0) {
        (void)dsac_conv2d_forward(&s, h, w, input.data(), weight.data(), in.take<uint8_t>() & 1 ? bias.data() : nullptr,
                                  relu, threads, output.data());
        std::vector<float> gin(input.size()), gw(weight.size()), gb(bias.size());
        (void)dsac_conv2d_backward(&s, h, w, input.data(), weight.data(), gout.data(), threads, gin.data(), gw.data(),
                                   in.take<uint8_t>() & 1 ? gb.data() : nullptr);
        (void)dsac_relu_backward(static_cast<int64_t>(output.size()), output.data(), gout.data());
    } else {
        // Invalid shapes must be refused before any buffer is touched.
        if (dsac_conv2d_forward(&s, h, w, input.data(), weight.data(), nullptr, 0, 1, nullptr) == DSAC_OK) __builtin_trap();
    }
    (void)dsac_relu_backward(in.range(-2, 0), nullptr, nullptr);

    // Upsampling: out extent <= factor * in extent is what the layers use, but any out size is legal.
    const int64_t c = in.range(-1, 3), ih = in.range(-1, 6), iw = in.range(-1, 6), oh2 = in.range(-1, 20),
                  ow2 = in.range(-1, 20);
    const int32_t f = static_cast<int32_t>(in.range(-1, 5));
    if (c > 0 && ih > 0 && iw > 0 && oh2 > 0 && ow2 > 0) {
        std::vector<float> a(c * ih * iw), b(c * oh2 * ow2);
        for (auto &v : a) v = static_cast<float>(in.number(1));
        (void)dsac_upsample_nearest_forward(c, ih, iw, f, oh2, ow2, a.data(), threads, b.data());
        (void)dsac_upsample_nearest_backward(c, ih, iw, f, oh2, ow2, b.data(), threads, a.data());
    } else {
        float dummy = 0;
        if (dsac_upsample_nearest_forward(c, ih, iw, f, oh2, ow2, &dummy, 1, &dummy) == DSAC_OK) __builtin_trap();
    }

    // GEMM.
    const int64_t m = in.range(-1, 9), n = in.range(-1, 9), kk = in.range(-1, 9);
    const int32_t tb = static_cast<int32_t>(in.range(-1, 2)), acc = static_cast<int32_t>(in.range(-1, 2));
    if (m > 0 && n > 0 && kk >= 0) {
        std::vector<float> A(std::max<int64_t>(1, m * kk)), B(std::max<int64_t>(1, kk * n)), C(m * n);
        for (auto &v : A) v = static_cast<float>(in.number(1));
        for (auto &v : B) v = static_cast<float>(in.number(1));
        (void)dsac_gemm(m, n, kk, A.data(), B.data(), tb, acc, threads, C.data());
    } else {
        float dummy = 0;
        if (dsac_gemm(m, n, kk, &dummy, &dummy, 0, 0, 1, &dummy) == DSAC_OK) __builtin_trap();
    }
    return 0;
}
