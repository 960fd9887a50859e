#include "render/raycast.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "render/texture.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace dsac::render {

namespace {

constexpr int kTile = 16;
constexpr double kEpsilon = 1e-9;

struct Vec3 {
    double x, y, z;
};

inline Vec3 sub(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline double dot3(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }

// A box in a form quick to intersect: world -> box frame is a rotation about z by -yaw. Boxes turned by a
// multiple of 90 degrees (most furniture) get exact cosines and sines, so their rays need no per-box division.
struct PreparedBox {
    Vec3 centre;
    double half[3];
    double cos_yaw, sin_yaw;
    bool inside;
    int mode;            // 1: sin = 0 (cos = +-1); 2: cos = 0 (sin = +-1); 0: any other yaw
    Vec3 origin_local;   // the camera centre in the box frame (per frame)
};

// One pixel's ray: world direction and its componentwise inverse (components below kEpsilon nudged to it).
struct Ray {
    Vec3 dir;
    Vec3 inv;
};

struct Hit {
    double t = std::numeric_limits<double>::infinity();
    int32_t box = -1;
    int32_t face = -1;  // 0: -x, 1: +x, 2: -y, 3: +y, 4: -z, 5: +z (box frame)
};

inline Vec3 to_box(const PreparedBox &b, Vec3 w) {
    return {b.cos_yaw * w.x + b.sin_yaw * w.y, -b.sin_yaw * w.x + b.cos_yaw * w.y, w.z};
}

inline Vec3 from_box(const PreparedBox &b, Vec3 l) {
    return {b.cos_yaw * l.x - b.sin_yaw * l.y, b.sin_yaw * l.x + b.cos_yaw * l.y, l.z};
}

inline double nudge(double d) { return std::fabs(d) < kEpsilon ? (d < 0 ? -kEpsilon : kEpsilon) : d; }

// Slab test. For a solid box, the entry point (t > 0); for a shell, the exit point.
inline void intersect(const PreparedBox &b, int32_t index, const Ray &ray, Hit &best) {
    double inv[3];
    if (b.mode == 1) {
        inv[0] = b.cos_yaw * ray.inv.x;
        inv[1] = b.cos_yaw * ray.inv.y;
    } else if (b.mode == 2) {
        inv[0] = b.sin_yaw * ray.inv.y;
        inv[1] = -b.sin_yaw * ray.inv.x;
    } else {
        const Vec3 d = to_box(b, ray.dir);
        inv[0] = 1.0 / nudge(d.x);
        inv[1] = 1.0 / nudge(d.y);
    }
    inv[2] = ray.inv.z;
    const double oo[3] = {b.origin_local.x, b.origin_local.y, b.origin_local.z};
    double t_near = -std::numeric_limits<double>::infinity(), t_far = std::numeric_limits<double>::infinity();
    int near_face = -1, far_face = -1;
    for (int k = 0; k < 3; ++k) {
        double t0 = (-b.half[k] - oo[k]) * inv[k], t1 = (b.half[k] - oo[k]) * inv[k];
        int f0 = 2 * k, f1 = 2 * k + 1;
        if (t0 > t1) {
            std::swap(t0, t1);
            std::swap(f0, f1);
        }
        if (t0 > t_near) {
            t_near = t0;
            near_face = f0;
        }
        if (t1 < t_far) {
            t_far = t1;
            far_face = f1;
        }
    }
    if (t_near > t_far) return;
    if (b.inside) {
        if (t_far > kEpsilon && t_far < best.t) best = {t_far, index, far_face};
    } else {
        if (t_near > kEpsilon && t_near < best.t) best = {t_near, index, near_face};
    }
}

// Screen rectangle (in tiles) a solid box may cover: the projection of its part in front of the plane
// z = kNear (the corners in front, and the points where its 12 edges cross that plane). A box wholly behind the
// plane is culled (bounds[0] > bounds[2]); rays never hit a surface closer than kNear to the camera anyway.
constexpr double kNear = 1e-2;

void tile_bounds(const PreparedBox &b, const dsac_intrinsics &K, const dsac_pose &P, int tiles_x, int tiles_y,
                 int bounds[4]) {
    Vec3 cam[8];
    const double *R = P.rotation;
    for (int corner = 0; corner < 8; ++corner) {
        const Vec3 l{(corner & 1 ? 1 : -1) * b.half[0], (corner & 2 ? 1 : -1) * b.half[1],
                     (corner & 4 ? 1 : -1) * b.half[2]};
        const Vec3 w0 = from_box(b, l);
        const Vec3 w{w0.x + b.centre.x, w0.y + b.centre.y, w0.z + b.centre.z};
        cam[corner] = {R[0] * w.x + R[1] * w.y + R[2] * w.z + P.translation[0],
                       R[3] * w.x + R[4] * w.y + R[5] * w.z + P.translation[1],
                       R[6] * w.x + R[7] * w.y + R[8] * w.z + P.translation[2]};
    }
    double min_u = std::numeric_limits<double>::infinity(), min_v = min_u, max_u = -min_u, max_v = -min_u;
    bool any = false;
    const auto add = [&](const Vec3 &x) {
        const double u = K.fx * x.x / x.z + K.cx, v = K.fy * x.y / x.z + K.cy;
        min_u = std::min(min_u, u);
        max_u = std::max(max_u, u);
        min_v = std::min(min_v, v);
        max_v = std::max(max_v, v);
        any = true;
    };
    for (int corner = 0; corner < 8; ++corner) {
        if (cam[corner].z >= kNear) add(cam[corner]);
        for (int bit = 1; bit < 8; bit <<= 1) {  // the edges from this corner to corners with one more bit set
            if (corner & bit) continue;
            const Vec3 &a = cam[corner], &c = cam[corner | bit];
            if ((a.z < kNear) == (c.z < kNear)) continue;
            const double t = (kNear - a.z) / (c.z - a.z);
            add({a.x + t * (c.x - a.x), a.y + t * (c.y - a.y), kNear});
        }
    }
    if (!any || max_u < -1 || max_v < -1 || min_u > tiles_x * kTile || min_v > tiles_y * kTile) {
        bounds[0] = 1;  // empty
        bounds[2] = 0;
        bounds[1] = 1;
        bounds[3] = 0;
        return;
    }
    const auto clamp_tile = [](double p, int n) {
        return static_cast<int>(std::clamp(std::floor(p / kTile), 0.0, static_cast<double>(n - 1)));
    };
    bounds[0] = clamp_tile(min_u - 1, tiles_x);
    bounds[1] = clamp_tile(min_v - 1, tiles_y);
    bounds[2] = clamp_tile(max_u + 1, tiles_x);
    bounds[3] = clamp_tile(max_v + 1, tiles_y);
}

// Standard normal from a counter (Box-Muller on two hashed uniforms).
inline float gaussian(uint64_t seed, uint64_t counter) {
    const float u1 = std::max(hash_unit(seed ^ hash64(2 * counter)), 1e-7f);
    const float u2 = hash_unit(seed ^ hash64(2 * counter + 1));
    return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853f * u2);
}

}  // namespace

bool valid_scene(const dsac_render_scene &s) {
    if (s.box_count < 0 || s.material_count < 0 || s.light_count < 0) return false;
    if ((s.box_count > 0 && !s.boxes) || (s.material_count > 0 && !s.materials) || (s.light_count > 0 && !s.lights))
        return false;
    for (int32_t i = 0; i < s.box_count; ++i) {
        const dsac_render_box &b = s.boxes[i];
        for (int k = 0; k < 3; ++k) {
            if (!std::isfinite(b.center[k]) || !std::isfinite(b.half_size[k]) || b.half_size[k] <= 0) return false;
        }
        if (!std::isfinite(b.yaw)) return false;
        for (int f = 0; f < 6; ++f) {
            if (b.material[f] < 0 || b.material[f] >= s.material_count) return false;
        }
    }
    for (int32_t i = 0; i < s.material_count; ++i) {
        const dsac_render_material &m = s.materials[i];
        if (!(m.scale > 0) || !std::isfinite(m.scale) || !std::isfinite(m.angle)) return false;
    }
    for (int32_t i = 0; i < s.light_count; ++i) {
        for (int k = 0; k < 3; ++k) {
            if (!std::isfinite(s.lights[i].position[k])) return false;
        }
    }
    return true;
}

dsac_status render_frame(const dsac_render_scene &scene, const dsac_intrinsics &K, const dsac_pose &P,
                         const dsac_render_options &options, int32_t threads, float *rgb, float *depth,
                         int32_t *surface) {
    const int W = options.width, H = options.height;
    std::vector<PreparedBox> boxes(scene.box_count);
    std::vector<int32_t> shells;
    for (int32_t i = 0; i < scene.box_count; ++i) {
        const dsac_render_box &b = scene.boxes[i];
        double c = std::cos(b.yaw), sn = std::sin(b.yaw);
        int mode = 0;
        if (std::fabs(sn) < 1e-12) {
            c = c < 0 ? -1.0 : 1.0;
            sn = 0;
            mode = 1;
        } else if (std::fabs(c) < 1e-12) {
            sn = sn < 0 ? -1.0 : 1.0;
            c = 0;
            mode = 2;
        }
        boxes[i] = {{b.center[0], b.center[1], b.center[2]},
                    {b.half_size[0], b.half_size[1], b.half_size[2]},
                    c,
                    sn,
                    b.inside != 0,
                    mode,
                    {0, 0, 0}};
        if (b.inside) shells.push_back(i);
    }
    // Camera centre and camera->world rotation (R^T).
    const double *R = P.rotation;
    const Vec3 origin{-(R[0] * P.translation[0] + R[3] * P.translation[1] + R[6] * P.translation[2]),
                      -(R[1] * P.translation[0] + R[4] * P.translation[1] + R[7] * P.translation[2]),
                      -(R[2] * P.translation[0] + R[5] * P.translation[1] + R[8] * P.translation[2])};
    for (PreparedBox &b : boxes) b.origin_local = to_box(b, sub(origin, b.centre));

    // Per tile, the solid boxes whose screen rectangle overlaps it (rooms are tested everywhere).
    const int tiles_x = (W + kTile - 1) / kTile, tiles_y = (H + kTile - 1) / kTile;
    std::vector<std::vector<int32_t>> tile_boxes(static_cast<size_t>(tiles_x) * tiles_y);
    for (int32_t i = 0; i < scene.box_count; ++i) {
        if (boxes[i].inside) continue;
        int b[4];
        tile_bounds(boxes[i], K, P, tiles_x, tiles_y, b);
        for (int ty = b[1]; ty <= b[3]; ++ty)
            for (int tx = b[0]; tx <= b[2]; ++tx) tile_boxes[static_cast<size_t>(ty) * tiles_x + tx].push_back(i);
    }

    std::vector<double> angle_cos(scene.material_count), angle_sin(scene.material_count);
    for (int32_t k = 0; k < scene.material_count; ++k) {
        angle_cos[k] = std::cos(static_cast<double>(scene.materials[k].angle));
        angle_sin[k] = std::sin(static_cast<double>(scene.materials[k].angle));
    }
    struct LightF {
        float x, y, z, r, g, b, falloff;
    };
    std::vector<LightF> lights(scene.light_count);
    for (int32_t k = 0; k < scene.light_count; ++k) {
        const dsac_render_light &L = scene.lights[k];
        lights[k] = {static_cast<float>(L.position[0]), static_cast<float>(L.position[1]),
                     static_cast<float>(L.position[2]), L.intensity[0], L.intensity[1], L.intensity[2], L.falloff};
    }

    const int tile_count = tiles_x * tiles_y;
    const double pixel_angle = 1.0 / std::min(K.fx, K.fy);
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 4) num_threads(threads)
#endif
    for (int tile = 0; tile < tile_count; ++tile) {
        const int tx = tile % tiles_x, ty = tile / tiles_x;
        const std::vector<int32_t> &candidates = tile_boxes[tile];
        for (int v = ty * kTile; v < std::min(H, (ty + 1) * kTile); ++v) {
            for (int u = tx * kTile; u < std::min(W, (tx + 1) * kTile); ++u) {
                const size_t p = static_cast<size_t>(v) * W + u;
                const Vec3 dc{(u - K.cx) / K.fx, (v - K.cy) / K.fy, 1.0};
                const Vec3 dir{R[0] * dc.x + R[3] * dc.y + R[6] * dc.z, R[1] * dc.x + R[4] * dc.y + R[7] * dc.z,
                               R[2] * dc.x + R[5] * dc.y + R[8] * dc.z};
                const Ray ray{dir, {1.0 / nudge(dir.x), 1.0 / nudge(dir.y), 1.0 / nudge(dir.z)}};
                Hit hit;
                for (int32_t i : shells) intersect(boxes[i], i, ray, hit);
                for (int32_t i : candidates) intersect(boxes[i], i, ray, hit);
                if (hit.box < 0) {
                    if (depth) depth[p] = 0;
                    if (surface) surface[p] = -1;
                    if (rgb) rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = 0;
                    continue;
                }
                if (depth) depth[p] = static_cast<float>(hit.t);
                if (surface) surface[p] = hit.box * 6 + hit.face;
                if (!rgb) continue;
                const PreparedBox &b = boxes[hit.box];
                const Vec3 x{origin.x + hit.t * dir.x, origin.y + hit.t * dir.y, origin.z + hit.t * dir.z};
                const Vec3 l = to_box(b, sub(x, b.centre));
                const int axis = hit.face / 2;
                const double sign = (hit.face % 2 ? 1.0 : -1.0) * (b.inside ? -1.0 : 1.0);
                Vec3 nl{0, 0, 0};
                (axis == 0 ? nl.x : axis == 1 ? nl.y : nl.z) = sign;
                const Vec3 n = from_box(b, nl);
                // Face coordinates: the two box-frame axes in the face plane, in metres.
                double fu, fv;
                if (axis == 0) {
                    fu = l.y;
                    fv = l.z;
                } else if (axis == 1) {
                    fu = l.x;
                    fv = l.z;
                } else {
                    fu = l.x;
                    fv = l.y;
                }
                // Footprint of the pixel on the surface: distance x pixel angle / cos(view angle), the cosine
                // clamped at 0.05 (grazing views). One square root and one division.
                const double dir_len = std::sqrt(dot3(dir, dir));
                const double footprint = hit.t * std::sqrt(dot3(dc, dc)) * pixel_angle * dir_len /
                                         std::max(0.05 * dir_len, std::fabs(dot3(n, dir)));
                const dsac_render_material &m = scene.materials[scene.boxes[hit.box].material[hit.face]];
                const int32_t mi = scene.boxes[hit.box].material[hit.face];
                const Rgb albedo = texture_albedo(m, angle_cos[mi], angle_sin[mi], fu, fv, footprint,
                                                  static_cast<uint32_t>(hit.box * 6 + hit.face));
                // Lambert: sum_k I_k max(0, n.l_k) / (|l_k| (1 + falloff_k |l_k|^2)), l_k = light - x; float.
                float light[3] = {scene.ambient[0], scene.ambient[1], scene.ambient[2]};
                const float px = static_cast<float>(x.x), py = static_cast<float>(x.y), pz = static_cast<float>(x.z);
                const float nx = static_cast<float>(n.x), ny = static_cast<float>(n.y), nz = static_cast<float>(n.z);
                for (const LightF &L : lights) {
                    const float tx = L.x - px, ty = L.y - py, tz = L.z - pz;
                    const float ndot = nx * tx + ny * ty + nz * tz;
                    if (ndot <= 0) continue;
                    const float d2 = tx * tx + ty * ty + tz * tz;
                    const float gain = ndot / (std::sqrt(d2) * (1.0f + L.falloff * d2));
                    light[0] += gain * L.r;
                    light[1] += gain * L.g;
                    light[2] += gain * L.b;
                }
                const float a[3] = {albedo.r, albedo.g, albedo.b};
                for (int c = 0; c < 3; ++c) {
                    float value = a[c] * light[c] * options.exposure;
                    if (options.noise_sigma > 0) value += options.noise_sigma * gaussian(options.noise_seed, 3 * p + c);
                    rgb[3 * p + c] = std::clamp(value, 0.0f, 1.0f);
                }
            }
        }
    }
    return DSAC_OK;
}

}  // namespace dsac::render
