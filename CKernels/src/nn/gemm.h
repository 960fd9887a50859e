// Dense float32 matrix products for the network layers (no Eigen: the inner loops are multi-versioned for
// AVX-512 / AVX2 / baseline x86-64, which Eigen templates must not be).
//
// All matrices are row-major with explicit leading dimensions. Every output element is computed by one thread
// with a fixed summation order (threads split the OUTPUT, never the reduction), so results are the same bits on
// any thread count.
#pragma once

#include <cstdint>

namespace dsac {
namespace nn {

/// C[M x N] (+)= A[M x K] * B[K x N]. accumulate = false overwrites C.
void gemm_nn(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, const float *B, int64_t ldb, float *C,
             int64_t ldc, bool accumulate, int threads);

/// C[M x N] (+)= A[M x K] * B[N x K]^T (rows of A dotted with rows of B).
void gemm_nt(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, const float *B, int64_t ldb, float *C,
             int64_t ldc, bool accumulate, int threads);

/// out[cols x rows] = in[rows x cols]^T.
void transpose(int64_t rows, int64_t cols, const float *in, float *out);

}  // namespace nn
}  // namespace dsac
