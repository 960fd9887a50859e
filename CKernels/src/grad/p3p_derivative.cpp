// Implicit-function derivative of P3P: see p3p_derivative.h for the contract.
#include "grad/p3p_derivative.h"

#include <Eigen/LU>

#include "refine/projection.h"

namespace dsac {
namespace {

using Matrix6d = Eigen::Matrix<double, 6, 6>;

/// A (stacked pose Jacobians) and the three point Jacobians; false when a point is behind the camera.
bool constraint_jacobians(const dsac_intrinsics &K, const Pose &pose, const Eigen::Vector2d pixels[3],
                          const Eigen::Vector3d points[3], Matrix6d *A, Matrix23 B[3]) {
    for (int k = 0; k < 3; ++k) {
        Matrix26 Jp;
        if (!projection_jacobians(K, pose, pixels[k], points[k], nullptr, &Jp, &B[k])) return false;
        A->block<2, 6>(2 * k, 0) = Jp;
    }
    return A->allFinite();
}

}  // namespace

bool p3p_jacobian(const dsac_intrinsics &K, const Pose &pose, const Eigen::Vector2d pixels[3],
                  const Eigen::Vector3d points[3], double rcond_min, Matrix69 *J) {
    Matrix6d A;
    Matrix23 B[3];
    if (!constraint_jacobians(K, pose, pixels, points, &A, B)) return false;
    const Eigen::PartialPivLU<Matrix6d> lu(A);
    if (!(lu.rcond() >= rcond_min)) return false;
    Matrix69 Bfull = Matrix69::Zero();
    for (int k = 0; k < 3; ++k) Bfull.block<2, 3>(2 * k, 3 * k) = B[k];
    *J = -lu.solve(Bfull);
    return J->allFinite();
}

bool p3p_vjp(const dsac_intrinsics &K, const Pose &pose, const Eigen::Vector2d pixels[3],
             const Eigen::Vector3d points[3], double rcond_min, const Vector6d &g, Eigen::Matrix3d *dX) {
    Matrix6d A;
    Matrix23 B[3];
    if (!constraint_jacobians(K, pose, pixels, points, &A, B)) return false;
    const Eigen::PartialPivLU<Matrix6d> lu(A.transpose());
    if (!(lu.rcond() >= rcond_min)) return false;
    const Vector6d lambda = lu.solve(g);  // A^T lambda = g
    for (int k = 0; k < 3; ++k) dX->row(k) = -(B[k].transpose() * lambda.segment<2>(2 * k)).transpose();
    return dX->allFinite();
}

}  // namespace dsac
