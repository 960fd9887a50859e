// Ray casting of the synthetic scenes: boxes (yawed about world z) seen from outside, and room shells seen from
// inside; Lambertian shading with point lights (no shadows), procedural textures, optional sensor noise.
//
// Math: a pixel (u, v) (centre of the top-left pixel at (0, 0)) has the camera-frame direction
// d_cam = ((u - cx) / fx, (v - cy) / fy, 1), so the ray parameter of a hit *is* its depth z (metres along the
// optical axis). World ray: origin c = -R^T t, direction R^T d_cam, for cam_from_world (R, t). Box test: slabs in
// the box frame (Kay & Kajiya 1986); a solid box is hit at its entry, a room shell at its exit.
#pragma once

#include <cstdint>

#include "CKernels.h"

namespace dsac::render {

// Checks the scene's arrays, sizes and material indices.
bool valid_scene(const dsac_render_scene &scene);

// Renders one frame into caller-owned buffers (see dsac_render_frame). Returns DSAC_OK or an argument error.
dsac_status render_frame(const dsac_render_scene &scene, const dsac_intrinsics &K, const dsac_pose &cam_from_world,
                         const dsac_render_options &options, int32_t threads, float *rgb, float *depth,
                         int32_t *surface);

}  // namespace dsac::render
