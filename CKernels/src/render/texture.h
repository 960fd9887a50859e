// Procedural textures of the synthetic renderer: band-limited patterns over a face's 2D coordinates (metres),
// faded to their mean colour when a pixel's footprint approaches the pattern period (cheap anti-aliasing).
#pragma once

#include <cstdint>

#include "CKernels.h"

namespace dsac::render {

struct Rgb {
    float r, g, b;
};

// Albedo of material m at face coordinates (u, v) metres; footprint = size of one pixel on the surface (metres);
// (cos_angle, sin_angle) = the cosine and sine of m.angle, computed once per frame by the caller; face = the
// surface's key (box * 6 + face), which makes m.detail different on every face.
Rgb texture_albedo(const dsac_render_material &m, double cos_angle, double sin_angle, double u, double v,
                   double footprint, uint32_t face);

// Counter-based hashes (stateless, so results never depend on the thread count).
uint64_t hash64(uint64_t x);
float hash_unit(uint64_t x);  // uniform in [0, 1)

}  // namespace dsac::render
