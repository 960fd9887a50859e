// Argument checks shared by the C entry points.
#pragma once

#include <cmath>

#include "CKernels.h"

namespace dsac {

inline bool valid_intrinsics(const dsac_intrinsics &K) {
    return std::isfinite(K.fx) && std::isfinite(K.fy) && std::isfinite(K.cx) && std::isfinite(K.cy) && K.fx > 0 &&
           K.fy > 0;
}

inline bool valid_correspondences(const dsac_correspondences &c) {
    if (c.count < 0) return false;
    if (c.count == 0) return true;
    return c.x && c.y && c.X && c.Y && c.Z;
}

inline bool valid_threads(int32_t threads) { return threads >= 1 && threads <= DSAC_MAX_THREADS; }

}  // namespace dsac
