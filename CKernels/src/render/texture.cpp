#include "render/texture.h"

#include <algorithm>
#include <cmath>

namespace dsac::render {

uint64_t hash64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

float hash_unit(uint64_t x) { return static_cast<float>(hash64(x) >> 40) * (1.0f / 16777216.0f); }

namespace {

inline uint64_t cell_key(int64_t i, int64_t j, uint32_t seed) {
    return hash64(static_cast<uint64_t>(i) * 0x8CB92BA72F3D8DD7ull ^ static_cast<uint64_t>(j) * 0xD6E8FEB86659FD93ull ^
                  (static_cast<uint64_t>(seed) << 32));
}

// A cheaper 32-bit lattice hash for value noise (murmur3's finaliser), uniform in [0, 1).
inline float lattice(int32_t i, int32_t j, uint32_t seed) {
    uint32_t h = static_cast<uint32_t>(i) * 0x27D4EB2Du ^ static_cast<uint32_t>(j) * 0x165667B1u ^ seed * 0x9E3779B9u;
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return static_cast<float>(h >> 8) * (1.0f / 16777216.0f);
}

// floor without a libm call (no SSE4.1 assumed); exact for |x| < 2^31. Outside that range (and for NaN) the
// result is clamped to [-2^31, 2^31 - 2], so that every integer conversion and the lattice's i + 1 stay defined
// (found by fuzzing: a far-away or non-finite texture coordinate was undefined behaviour).
inline double fast_floor(double x) {
    if (!(x >= -2147483648.0)) x = -2147483648.0;
    if (!(x <= 2147483646.0)) x = 2147483646.0;
    const double t = static_cast<double>(static_cast<int64_t>(x));
    return t > x ? t - 1 : t;
}

// A triangle wave with the zeros and extremes of sin(pi x) (period 2), without a libm call.
inline double tri(double x) {
    const double t = x - 0.5;
    const double m = t - 2 * fast_floor(t * 0.5);  // (x - 0.5) mod 2, in [0, 2)
    return 2 * std::fabs(m - 1) - 1;
}

inline float smooth(float t) { return t * t * (3 - 2 * t); }

inline float lerp(float a, float b, float t) { return a + (b - a) * t; }

inline Rgb mix(const float *a, const float *b, float t) {
    return {lerp(a[0], b[0], t), lerp(a[1], b[1], t), lerp(a[2], b[2], t)};
}

// Value noise in [0, 1] with cells of size 1.
float value_noise(double x, double y, uint32_t seed) {
    const double fx = fast_floor(x), fy = fast_floor(y);
    const int32_t i = static_cast<int32_t>(fx), j = static_cast<int32_t>(fy);
    const float tx = smooth(static_cast<float>(x - fx)), ty = smooth(static_cast<float>(y - fy));
    const float a = lattice(i, j, seed), b = lattice(i + 1, j, seed);
    const float c = lattice(i, j + 1, seed), d = lattice(i + 1, j + 1, seed);
    return lerp(lerp(a, b, tx), lerp(c, d, tx), ty);
}

// `octaves` octaves, dropping octaves finer than the pixel footprint (in noise cells).
float fbm(double x, double y, uint32_t seed, double footprint, int octaves = 3) {
    float sum = 0, norm = 0, amplitude = 1;
    double frequency = 1;
    for (int octave = 0; octave < octaves; ++octave) {
        const float fade = static_cast<float>(std::clamp(2.0 - 2.0 * footprint * frequency, 0.0, 1.0));
        sum += amplitude * (fade * value_noise(x * frequency, y * frequency, seed + octave) + (1 - fade) * 0.5f);
        norm += amplitude;
        amplitude *= 0.5f;
        frequency *= 2;
    }
    return sum / norm;
}

// Edge of width w around 0: 0 below -w, 1 above +w.
inline float soft_step(double x, double w) { return static_cast<float>(std::clamp(0.5 + 0.5 * x / w, 0.0, 1.0)); }

}  // namespace

Rgb texture_albedo(const dsac_render_material &m, double ca, double sa, double u, double v, double footprint,
                   uint32_t face) {
    const double scale = m.scale > 0 ? m.scale : 1.0;
    const double ru = ca * u - sa * v, rv = sa * u + ca * v;  // pattern frame
    const double w = std::max(footprint, 1e-6) / scale;       // footprint in pattern periods
    const double x = ru / scale, y = rv / scale;
    // How much of the pattern survives at this footprint (0 far away: the mean colour).
    const float detail = static_cast<float>(std::clamp(1.5 - 2.5 * w, 0.0, 1.0));
    Rgb c{};
    switch (m.pattern) {
        case DSAC_TEXTURE_CHECKER: {
            const double s = tri(x) * tri(y);
            c = mix(m.color_a, m.color_b, lerp(0.5f, soft_step(s, 0.04 + 3 * w), detail));
            break;
        }
        case DSAC_TEXTURE_STRIPES: {
            const double s = tri(2 * x) + 0.35 * tri(0.74 * y);
            c = mix(m.color_a, m.color_b, lerp(0.5f, soft_step(s, 0.06 + 6 * w), detail));
            break;
        }
        case DSAC_TEXTURE_NOISE: {
            c = mix(m.color_a, m.color_b, fbm(x, y, m.seed, w, 2));
            break;
        }
        case DSAC_TEXTURE_DOTS: {
            const double fx = fast_floor(x), fy = fast_floor(y);
            const uint64_t key = cell_key(static_cast<int64_t>(fx), static_cast<int64_t>(fy), m.seed);
            const double dx = x - fx - 0.5, dy = y - fy - 0.5;
            const double radius = 0.15 + 0.25 * hash_unit(key);
            const double d = std::sqrt(dx * dx + dy * dy) - radius;
            const float inside = 1 - soft_step(d, 0.03 + 2 * w);
            Rgb dot = mix(m.color_b, m.color_a, 0.6f * hash_unit(key + 1));
            const Rgb base{m.color_a[0], m.color_a[1], m.color_a[2]};
            const float t = lerp(0.3f, inside, detail);
            c = {lerp(base.r, dot.r, t), lerp(base.g, dot.g, t), lerp(base.b, dot.b, t)};
            break;
        }
        case DSAC_TEXTURE_BRICKS: {
            const double row = fast_floor(y * 2);
            const double bx = x + (static_cast<int64_t>(row) % 2 != 0 ? 0.5 : 0.0);
            const double fx = fast_floor(bx);
            const uint64_t key = cell_key(static_cast<int64_t>(fx), static_cast<int64_t>(row), m.seed);
            const double mu = std::min(bx - fx, 1 - (bx - fx)), mv = std::min(y * 2 - row, 1 - (y * 2 - row)) * 0.5;
            const float mortar = 1 - soft_step(std::min(mu, mv) - 0.04, 0.01 + 2 * w);
            const float tint = 0.75f + 0.5f * hash_unit(key);
            Rgb brick{std::min(1.0f, m.color_a[0] * tint), std::min(1.0f, m.color_a[1] * tint),
                      std::min(1.0f, m.color_a[2] * tint)};
            const float t = lerp(0.2f, mortar, detail);
            c = {lerp(brick.r, m.color_b[0], t), lerp(brick.g, m.color_b[1], t), lerp(brick.b, m.color_b[2], t)};
            break;
        }
        case DSAC_TEXTURE_TILES: {
            const double fx = fast_floor(x), fy = fast_floor(y);
            const uint64_t key = cell_key(static_cast<int64_t>(fx), static_cast<int64_t>(fy), m.seed);
            const double gu = std::min(x - fx, 1 - (x - fx)), gv = std::min(y - fy, 1 - (y - fy));
            const float grout = 1 - soft_step(std::min(gu, gv) - 0.03, 0.01 + 2 * w);
            // Each tile its own colour: a random mix of the two colours with a random hue shift.
            Rgb tile = mix(m.color_a, m.color_b, hash_unit(key));
            const float hr = hash_unit(key + 2) - 0.5f, hg = hash_unit(key + 3) - 0.5f, hb = hash_unit(key + 4) - 0.5f;
            tile = {std::clamp(tile.r + 0.35f * hr, 0.0f, 1.0f), std::clamp(tile.g + 0.35f * hg, 0.0f, 1.0f),
                    std::clamp(tile.b + 0.35f * hb, 0.0f, 1.0f)};
            const float mean_r = 0.5f * (m.color_a[0] + m.color_b[0]), mean_g = 0.5f * (m.color_a[1] + m.color_b[1]),
                        mean_b = 0.5f * (m.color_a[2] + m.color_b[2]);
            tile = {lerp(mean_r, tile.r, detail), lerp(mean_g, tile.g, detail), lerp(mean_b, tile.b, detail)};
            const float t = grout * detail;
            c = {lerp(tile.r, 0.15f, t), lerp(tile.g, 0.15f, t), lerp(tile.b, 0.15f, t)};
            break;
        }
        case DSAC_TEXTURE_RINGS: {
            const double r = std::sqrt(x * x + y * y) + 0.6 * value_noise(x * 0.5, y * 0.5, m.seed);
            const double s = tri(2 * r);
            c = mix(m.color_a, m.color_b, lerp(0.5f, soft_step(s, 0.12 + 6 * w), detail));
            break;
        }
        default:
            c = {m.color_a[0], m.color_a[1], m.color_a[2]};
            break;
    }
    if (m.variation > 0) {
        // Low-frequency brightness variation (cells of ~1.5 m): makes every stretch of a surface look different.
        const float n = value_noise(u * 0.7, v * 0.7, m.seed ^ 0x5bd1e995u);
        const float k = 1 + m.variation * (2 * n - 1);
        c = {c.r * k, c.g * k, c.b * k};
    }
    if (m.detail > 0) {
        // Fine detail, as stains, flecks and wear give real surfaces, seeded by the face so that no two faces,
        // nor two stretches of one face, look alike: a mottling (value noise, periods 0.5 m to 6 cm) and sharp-edged
        // speckles at three scales (cells of 24, 10 and 4 cm: one disc of random radius, place and tint in about half
        // of them). Both fade where the pixel footprint approaches their size.
        const uint32_t s = m.seed * 0x2545F491u ^ (face + 1) * 0x9E3779B9u;
        const float k = 1 + 2 * m.detail * (fbm(u * 2, v * 2, s, footprint * 2, 4) - 0.5f);
        c = {c.r * k, c.g * k, c.b * k};
        constexpr double kSpeckleCells[3] = {0.24, 0.10, 0.04};
        for (int level = 0; level < 3; ++level) {
            const double cell = kSpeckleCells[level];
            const double w = footprint / cell;
            const float fade = static_cast<float>(std::clamp(1.5 - 2.5 * w, 0.0, 1.0));
            if (fade <= 0) break;
            const double x = u / cell, y = v / cell;
            const double fx = fast_floor(x), fy = fast_floor(y);
            const uint64_t key = cell_key(static_cast<int64_t>(fx), static_cast<int64_t>(fy), s + 977u * level);
            if (hash_unit(key) < 0.45f) continue;
            const double radius = 0.12 + 0.3 * hash_unit(key + 1);
            const double cx = radius + (1 - 2 * radius) * hash_unit(key + 2);
            const double cy = radius + (1 - 2 * radius) * hash_unit(key + 3);
            const double dx = x - fx - cx, dy = y - fy - cy;
            const float inside = 1 - soft_step(std::sqrt(dx * dx + dy * dy) - radius, 0.02 + 2 * w);
            const float t = inside * fade * std::min(1.0f, 2 * m.detail);
            const Rgb tint{0.15f + 1.1f * hash_unit(key + 4), 0.15f + 1.1f * hash_unit(key + 5),
                           0.15f + 1.1f * hash_unit(key + 6)};
            c = {c.r * lerp(1, tint.r, t), c.g * lerp(1, tint.g, t), c.b * lerp(1, tint.b, t)};
        }
    }
    return c;
}

}  // namespace dsac::render
