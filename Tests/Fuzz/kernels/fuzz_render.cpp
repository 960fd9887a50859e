// libFuzzer target: dsac_render_frame on a fuzzed box scene (boxes, materials, lights — counts, sizes, material
// indices, NaN/Inf), fuzzed intrinsics, pose and options, at most 24x24 pixels.
#include <vector>

#include "CKernels.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    FuzzInput in{data, size};
    const int32_t nb = static_cast<int32_t>(in.range(-1, 4)), nm = static_cast<int32_t>(in.range(-1, 4)),
                  nl = static_cast<int32_t>(in.range(-1, 3));
    std::vector<dsac_render_box> boxes(nb > 0 ? nb : 0);
    std::vector<dsac_render_material> materials(nm > 0 ? nm : 0);
    std::vector<dsac_render_light> lights(nl > 0 ? nl : 0);
    for (auto &b : boxes) {
        for (int k = 0; k < 3; ++k) b.center[k] = in.number(3), b.half_size[k] = in.number(3);
        b.yaw = in.number(3);
        for (int &m : b.material) m = static_cast<int32_t>(in.range(-1, 4));
        b.inside = static_cast<int32_t>(in.range(-1, 2));
    }
    for (auto &m : materials) {
        m.pattern = static_cast<int32_t>(in.range(-1, 9));
        m.seed = in.take<uint32_t>();
        for (int k = 0; k < 3; ++k) m.color_a[k] = static_cast<float>(in.number(1)), m.color_b[k] = static_cast<float>(in.number(1));
        m.scale = static_cast<float>(in.number(1));
        m.angle = static_cast<float>(in.number(3));
        m.variation = static_cast<float>(in.number(1));
        m.detail = static_cast<float>(in.number(1));
    }
    for (auto &l : lights) {
        for (int k = 0; k < 3; ++k) l.position[k] = in.number(3), l.intensity[k] = static_cast<float>(in.number(1));
        l.falloff = static_cast<float>(in.number(1));
    }
    dsac_render_scene scene{boxes.data(), nb, materials.data(), nm, lights.data(), nl,
                            {static_cast<float>(in.number(1)), 0.1f, 0.1f}};
    dsac_intrinsics K{in.number(30), in.number(30), in.number(12), in.number(12)};
    dsac_pose p{};
    for (double &v : p.rotation) v = in.number(1);
    for (double &v : p.translation) v = in.number(3);
    if (in.take<uint8_t>() < 160) {
        for (int i = 0; i < 9; ++i) p.rotation[i] = (i % 4 == 0) ? 1 : 0;
    }
    const int32_t W = static_cast<int32_t>(in.range(-1, 24)), H = static_cast<int32_t>(in.range(-1, 24));
    dsac_render_options o{W, H, static_cast<float>(in.number(2)), static_cast<float>(in.number(0.5)), in.take<uint64_t>()};
    const size_t pixels = static_cast<size_t>(W > 0 ? W : 1) * static_cast<size_t>(H > 0 ? H : 1);
    std::vector<float> rgb(3 * pixels), depth(pixels);
    std::vector<int32_t> surface(pixels);
    const uint8_t outputs = in.take<uint8_t>();
    (void)dsac_render_frame(&scene, &K, &p, &o, static_cast<int32_t>(in.range(-1, 3)), outputs & 1 ? rgb.data() : nullptr,
                            outputs & 2 ? depth.data() : nullptr, outputs & 4 ? surface.data() : nullptr);
    return 0;
}
