// P3P — Lambda Twist (M. Persson, K. Nordberg, "Lambda Twist: An Accurate Fast Robust Perspective Three Point
// (P3P) Solver", ECCV 2018).
//
// Solves R * X_k + t = lambda_k * b_k, k = 0..2, lambda_k > 0, for cam_from_world (R, t).
// Inputs: bearings b_k (any positive length), world points X_k (metres).
// Returns the number of solutions n (0..4) in solutions[0..n); slots past n may be overwritten (scratch).
// Solutions with a non-positive depth are discarded; collinear or coincident inputs give 0. Every real root of the
// cubic/quartic system is returned (no early pruning).
#pragma once

#include "common/pose.h"

namespace dsac {

int solve_p3p(const Eigen::Vector3d bearings[3], const Eigen::Vector3d points[3], Pose solutions[4]);

}  // namespace dsac
