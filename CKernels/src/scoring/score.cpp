// Scoring kernels: one pose over all correspondences, float32 structure-of-arrays, vectorised.
//
// The pose and intrinsics are folded into P = K [R | t] (float32), so per point
//   (xh, yh, z) = P (X, Y, Z, 1),  e^2 = ((xh - x z)^2 + (yh - y z)^2) / z^2.
// A point is usable when z > DSAC_MIN_DEPTH and e is finite; otherwise its error is max_error. Comparisons are
// written so that NaN always falls on the "not usable" side.
#include "scoring/score.h"

#include <cmath>
#include <cstring>

#include "common/fast_exp.h"
#include "common/multiversion.h"

namespace dsac {
namespace {

struct Projection {
    float p[12];  // row-major 3x4
};

Projection make_projection(const dsac_intrinsics &K, const Pose &pose) {
    Eigen::Matrix<double, 3, 4> Rt;
    Rt.leftCols<3>() = pose.R;
    Rt.col(3) = pose.t;
    Eigen::Matrix3d Km;
    Km << K.fx, 0, K.cx, 0, K.fy, K.cy, 0, 0, 1;
    const Eigen::Matrix<double, 3, 4> P = Km * Rt;
    Projection out;
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 4; ++c) out.p[4 * r + c] = static_cast<float>(P(r, c));
    return out;
}

// Clamped error of one point; the loop bodies below inline it.
inline float clamped_error(const Projection &P, float x, float y, float X, float Y, float Z, float max_error) {
    const float *p = P.p;
    const float xh = p[0] * X + p[1] * Y + p[2] * Z + p[3];
    const float yh = p[4] * X + p[5] * Y + p[6] * Z + p[7];
    const float z = p[8] * X + p[9] * Y + p[10] * Z + p[11];
    const float dx = xh - x * z;
    const float dy = yh - y * z;
    const float inv_z = 1.0f / z;
    const float e = std::sqrt(dx * dx + dy * dy) * std::fabs(inv_z);
    const bool usable = z > static_cast<float>(DSAC_MIN_DEPTH) && e < max_error;
    return usable ? e : max_error;
}

constexpr int64_t kBlock = 2048;  // points summed in float32 before the float64 total

DSAC_MULTIVERSION
void score_block(const Projection &P, const float *__restrict x, const float *__restrict y,
                 const float *__restrict X, const float *__restrict Y, const float *__restrict Z, int64_t n,
                 float threshold, float beta, float max_error, float *soft_sum, int32_t *count) {
    float soft = 0.0f;
    int32_t inliers = 0;
#pragma omp simd reduction(+ : soft, inliers)
    for (int64_t i = 0; i < n; ++i) {
        const float e = clamped_error(P, x[i], y[i], X[i], Y[i], Z[i], max_error);
        // sig(beta (tau - e)) = 1 / (1 + exp(beta (e - tau)))
        soft += 1.0f / (1.0f + fast_expf(beta * (e - threshold)));
        inliers += e < threshold ? 1 : 0;
    }
    *soft_sum = soft;
    *count = inliers;
}

DSAC_MULTIVERSION
void errors_block(const Projection &P, const float *__restrict x, const float *__restrict y,
                  const float *__restrict X, const float *__restrict Y, const float *__restrict Z, int64_t n,
                  float max_error, float *__restrict errors) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) errors[i] = clamped_error(P, x[i], y[i], X[i], Y[i], Z[i], max_error);
}

DSAC_MULTIVERSION
int64_t mask_block(const Projection &P, const float *__restrict x, const float *__restrict y,
                   const float *__restrict X, const float *__restrict Y, const float *__restrict Z, int64_t n,
                   float threshold, uint8_t *__restrict mask) {
    int64_t inliers = 0;
#pragma omp simd reduction(+ : inliers)
    for (int64_t i = 0; i < n; ++i) {
        // The clamp value max_error = 2 * threshold suffices here: anything at or above threshold is out.
        const uint8_t in = clamped_error(P, x[i], y[i], X[i], Y[i], Z[i], 2.0f * threshold) < threshold;
        mask[i] = in;
        inliers += in;
    }
    return inliers;
}

}  // namespace

void score_pose(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &pose,
                const dsac_score_options &o, double *score, int32_t *inlier_count) {
    const Projection P = make_projection(K, pose);
    double total = 0.0;
    int32_t inliers = 0;
    for (int64_t start = 0; start < c.count; start += kBlock) {
        const int64_t n = std::min<int64_t>(kBlock, c.count - start);
        float soft = 0.0f;
        int32_t count = 0;
        score_block(P, c.x + start, c.y + start, c.X + start, c.Y + start, c.Z + start, n,
                    static_cast<float>(o.threshold), static_cast<float>(o.beta), static_cast<float>(o.max_error),
                    &soft, &count);
        total += soft;
        inliers += count;
    }
    if (o.normalize && c.count > 0) total /= static_cast<double>(c.count);
    *score = o.alpha * total;
    if (inlier_count) *inlier_count = inliers;
}

void reprojection_errors(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &pose,
                         double max_error, float *errors) {
    const Projection P = make_projection(K, pose);
    errors_block(P, c.x, c.y, c.X, c.Y, c.Z, c.count, static_cast<float>(max_error), errors);
}

int64_t inlier_mask(const dsac_correspondences &c, const dsac_intrinsics &K, const Pose &pose, double threshold,
                    uint8_t *mask) {
    const Projection P = make_projection(K, pose);
    return mask_block(P, c.x, c.y, c.X, c.Y, c.Z, c.count, static_cast<float>(threshold), mask);
}

}  // namespace dsac
