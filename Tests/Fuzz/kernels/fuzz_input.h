// A cursor over libFuzzer's bytes: fixed-width reads that return 0 once the input is exhausted, so every input,
// however short, drives the entry points.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

struct FuzzInput {
    const uint8_t *data;
    size_t size, offset = 0;

    template <class T>
    T take() {
        T v{};
        if (offset + sizeof(T) <= size) std::memcpy(&v, data + offset, sizeof(T));
        offset += sizeof(T);
        return v;
    }
    // An integer in [lo, hi].
    int64_t range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(take<uint16_t>() % (hi - lo + 1)); }
    // Mostly ordinary values, sometimes the raw bits (NaN, Inf, denormals, huge): what bad inputs look like.
    double number(double scale) {
        const uint8_t mode = take<uint8_t>();
        if (mode < 200) return scale * (static_cast<double>(take<int16_t>()) / 8192.0);
        if (mode < 230) return static_cast<double>(take<float>());
        return take<double>();
    }
};
