#include "refine/projection.h"

namespace dsac {

bool projection_jacobians(const dsac_intrinsics &K, const Pose &pose, const Eigen::Vector2d &pixel,
                          const Eigen::Vector3d &point, Eigen::Vector2d *residual, Matrix26 *J_pose,
                          Matrix23 *J_point) {
    const Eigen::Vector3d q = pose.R * point;  // rotated point, before translation
    const Eigen::Vector3d x = q + pose.t;      // camera frame
    if (!(x.z() > DSAC_MIN_DEPTH)) return false;
    const double inv_z = 1.0 / x.z();
    const double u = x.x() * inv_z, v = x.y() * inv_z;
    if (residual) *residual = Eigen::Vector2d(K.fx * u + K.cx - pixel.x(), K.fy * v + K.cy - pixel.y());
    // dpi/dx, 2x3
    Matrix23 dpi_dx;
    dpi_dx << K.fx * inv_z, 0, -K.fx * u * inv_z, 0, K.fy * inv_z, -K.fy * v * inv_z;
    if (J_pose) {
        Eigen::Matrix3d minus_skew_q;  // dx/dd_w = -[q]x
        minus_skew_q << 0, q.z(), -q.y(), -q.z(), 0, q.x(), q.y(), -q.x(), 0;
        J_pose->leftCols<3>() = dpi_dx * minus_skew_q;
        J_pose->rightCols<3>() = dpi_dx;
    }
    if (J_point) *J_point = dpi_dx * pose.R;
    return true;
}

}  // namespace dsac
