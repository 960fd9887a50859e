// Register-blocked GEMM kernels: see gemm.h for the contract.
#include "nn/gemm.h"

#include <algorithm>
#include <cstring>

#include "common/multiversion.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace dsac {
namespace nn {

namespace {

typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));

// Macros, not functions: a v16 crossing a call in the AVX2/baseline clones would change the ABI.
#define DSAC_LOAD16(p) (*reinterpret_cast<const v16u *>(p))
#define DSAC_STORE16(p, v) (*reinterpret_cast<v16u *>(p) = (v))

constexpr int64_t kColumnBlock = 256;  // columns of C per task in gemm_nn

// C[:, j0:j1] for all M rows. 4 rows x 16 columns of accumulators, K summed in order.
DSAC_MULTIVERSION
void nn_block(int64_t M, int64_t j0, int64_t j1, int64_t K, const float *A, int64_t lda, const float *B,
              int64_t ldb, float *C, int64_t ldc, bool accumulate) {
    int64_t i = 0;
    for (; i + 4 <= M; i += 4) {
        const float *a0 = A + i * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
        int64_t j = j0;
        for (; j + 16 <= j1; j += 16) {
            v16 c0 = {}, c1 = {}, c2 = {}, c3 = {};
            const float *b = B + j;
            for (int64_t k = 0; k < K; ++k, b += ldb) {
                const v16 bv = DSAC_LOAD16(b);
                c0 += a0[k] * bv;
                c1 += a1[k] * bv;
                c2 += a2[k] * bv;
                c3 += a3[k] * bv;
            }
            float *c = C + i * ldc + j;
            if (accumulate) {
                c0 += DSAC_LOAD16(c);
                c1 += DSAC_LOAD16(c + ldc);
                c2 += DSAC_LOAD16(c + 2 * ldc);
                c3 += DSAC_LOAD16(c + 3 * ldc);
            }
            DSAC_STORE16(c, c0);
            DSAC_STORE16(c + ldc, c1);
            DSAC_STORE16(c + 2 * ldc, c2);
            DSAC_STORE16(c + 3 * ldc, c3);
        }
        for (; j < j1; ++j) {
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int64_t k = 0; k < K; ++k) {
                const float bv = B[k * ldb + j];
                s0 += a0[k] * bv;
                s1 += a1[k] * bv;
                s2 += a2[k] * bv;
                s3 += a3[k] * bv;
            }
            float *c = C + i * ldc + j;
            if (accumulate) {
                c[0] += s0, c[ldc] += s1, c[2 * ldc] += s2, c[3 * ldc] += s3;
            } else {
                c[0] = s0, c[ldc] = s1, c[2 * ldc] = s2, c[3 * ldc] = s3;
            }
        }
    }
    for (; i < M; ++i) {
        const float *a0 = A + i * lda;
        int64_t j = j0;
        for (; j + 16 <= j1; j += 16) {
            v16 c0 = {};
            const float *b = B + j;
            for (int64_t k = 0; k < K; ++k, b += ldb) c0 += a0[k] * DSAC_LOAD16(b);
            float *c = C + i * ldc + j;
            if (accumulate) c0 += DSAC_LOAD16(c);
            DSAC_STORE16(c, c0);
        }
        for (; j < j1; ++j) {
            float s = 0;
            for (int64_t k = 0; k < K; ++k) s += a0[k] * B[k * ldb + j];
            C[i * ldc + j] = accumulate ? C[i * ldc + j] + s : s;
        }
    }
}

// Horizontal sum of 16 lanes in a fixed pairwise order.
inline float hsum(const float *s) {
    float t[8];
    for (int k = 0; k < 8; ++k) t[k] = s[k] + s[k + 8];
    for (int k = 0; k < 4; ++k) t[k] += t[k + 4];
    return (t[0] + t[2]) + (t[1] + t[3]);
}

// C[i0:i1, j0:j1] = A rows . B rows; 2 x 4 dot products at a time, 16 lanes each, then a fixed horizontal sum.
DSAC_MULTIVERSION
void nt_block(int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t K, const float *A, int64_t lda,
              const float *B, int64_t ldb, float *C, int64_t ldc, bool accumulate) {
    const int64_t K16 = K - K % 16;
    for (int64_t i = i0; i < i1; i += 2) {
        const bool two = i + 1 < i1;
        const float *a0 = A + i * lda, *a1 = two ? a0 + lda : a0;
        for (int64_t j = j0; j < j1; j += 4) {
            const int64_t nj = std::min<int64_t>(4, j1 - j);
            const float *b[4];
            for (int q = 0; q < 4; ++q) b[q] = B + (j + std::min<int64_t>(q, nj - 1)) * ldb;
            v16 s00 = {}, s01 = {}, s02 = {}, s03 = {}, s10 = {}, s11 = {}, s12 = {}, s13 = {};
            for (int64_t k = 0; k < K16; k += 16) {
                const v16 x0 = DSAC_LOAD16(a0 + k), x1 = DSAC_LOAD16(a1 + k);
                const v16 y0 = DSAC_LOAD16(b[0] + k), y1 = DSAC_LOAD16(b[1] + k), y2 = DSAC_LOAD16(b[2] + k),
                          y3 = DSAC_LOAD16(b[3] + k);
                s00 += x0 * y0, s01 += x0 * y1, s02 += x0 * y2, s03 += x0 * y3;
                s10 += x1 * y0, s11 += x1 * y1, s12 += x1 * y2, s13 += x1 * y3;
            }
            float lanes[8][16];
            std::memcpy(lanes[0], &s00, 64), std::memcpy(lanes[1], &s01, 64), std::memcpy(lanes[2], &s02, 64);
            std::memcpy(lanes[3], &s03, 64), std::memcpy(lanes[4], &s10, 64), std::memcpy(lanes[5], &s11, 64);
            std::memcpy(lanes[6], &s12, 64), std::memcpy(lanes[7], &s13, 64);
            float r[2][4] = {{hsum(lanes[0]), hsum(lanes[1]), hsum(lanes[2]), hsum(lanes[3])},
                             {hsum(lanes[4]), hsum(lanes[5]), hsum(lanes[6]), hsum(lanes[7])}};
            for (int64_t k = K16; k < K; ++k)
                for (int q = 0; q < 4; ++q) r[0][q] += a0[k] * b[q][k], r[1][q] += a1[k] * b[q][k];
            for (int p = 0; p < (two ? 2 : 1); ++p)
                for (int q = 0; q < nj; ++q) {
                    float &c = C[(i + p) * ldc + j + q];
                    c = accumulate ? c + r[p][q] : r[p][q];
                }
        }
    }
}

}  // namespace

void gemm_nn(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, const float *B, int64_t ldb, float *C,
             int64_t ldc, bool accumulate, int threads) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        if (!accumulate)
            for (int64_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, 0.0f);
        return;
    }
    const int64_t blocks = (N + kColumnBlock - 1) / kColumnBlock;
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && blocks > 1)
#endif
    for (int64_t blk = 0; blk < blocks; ++blk) {
        const int64_t j0 = blk * kColumnBlock, j1 = std::min(N, j0 + kColumnBlock);
        nn_block(M, j0, j1, K, A, lda, B, ldb, C, ldc, accumulate);
    }
}

void gemm_nt(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, const float *B, int64_t ldb, float *C,
             int64_t ldc, bool accumulate, int threads) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        if (!accumulate)
            for (int64_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, 0.0f);
        return;
    }
    // Tiles of 8 rows x 16 columns of C.
    const int64_t ti = (M + 7) / 8, tj = (N + 15) / 16, tiles = ti * tj;
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && tiles > 1)
#endif
    for (int64_t t = 0; t < tiles; ++t) {
        const int64_t i0 = (t / tj) * 8, j0 = (t % tj) * 16;
        nt_block(i0, std::min(M, i0 + 8), j0, std::min(N, j0 + 16), K, A, lda, B, ldb, C, ldc, accumulate);
    }
}

void transpose(int64_t rows, int64_t cols, const float *in, float *out) {
    constexpr int64_t T = 32;
    for (int64_t r0 = 0; r0 < rows; r0 += T)
        for (int64_t c0 = 0; c0 < cols; c0 += T)
            for (int64_t r = r0; r < std::min(rows, r0 + T); ++r)
                for (int64_t c = c0; c < std::min(cols, c0 + T); ++c) out[c * rows + r] = in[r * cols + c];
}

}  // namespace nn
}  // namespace dsac
