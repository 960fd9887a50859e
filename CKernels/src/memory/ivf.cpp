// Inverted-file nearest-neighbour search: see ivf.h for the contract.
#include "memory/ivf.h"

#include <algorithm>
#include <vector>

#include "common/multiversion.h"
#include "nn/gemm.h"

namespace dsac {
namespace memory {

namespace {

// Queries scored against all centroids per task: a fixed size, so the work split never depends on threads.
constexpr int64_t kChunk = 128;

// Eight partial sums in a fixed order: vectorises without reassociating, so every build gives the same bits.
DSAC_MULTIVERSION
float dot(const float *a, const float *b, int64_t d) {
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t k = 0;
    for (; k + 8 <= d; k += 8)
        for (int j = 0; j < 8; ++j) s[j] += a[k + j] * b[k + j];
    float total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; k < d; ++k) total += a[k] * b[k];
    return total;
}

inline bool better(float s, int64_t i, float best, int64_t bestIndex) {
    return s > best || (s == best && i < bestIndex);
}

}  // namespace

void nearest_centroid(int64_t n, int64_t k, int64_t d, const float *points, const float *centroids, int threads,
                      int32_t *index, float *similarity) {
    const int64_t chunks = (n + kChunk - 1) / kChunk;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
        std::vector<float> scores(static_cast<size_t>(kChunk * k));
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (int64_t c = 0; c < chunks; ++c) {
            const int64_t first = c * kChunk, rows = std::min(kChunk, n - first);
            nn::gemm_nt(rows, k, d, points + first * d, d, centroids, d, scores.data(), k, false, 1);
            for (int64_t r = 0; r < rows; ++r) {
                const float *s = scores.data() + r * k;
                int64_t best = 0;
                for (int64_t j = 1; j < k; ++j)
                    if (s[j] > s[best]) best = j;
                index[first + r] = static_cast<int32_t>(best);
                similarity[first + r] = s[best];
            }
        }
    }
    (void)threads;
}

void ivf_search(int64_t q, int64_t lists, int64_t d, const float *queries, const float *centroids,
                const int64_t *offsets, const float *keys, int nprobe, int threads, int64_t *index,
                float *similarity) {
    const int64_t chunks = (q + kChunk - 1) / kChunk;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
        std::vector<float> scores(static_cast<size_t>(kChunk * lists));
        std::vector<float> probeScore(static_cast<size_t>(nprobe));
        std::vector<int64_t> probe(static_cast<size_t>(nprobe));
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (int64_t c = 0; c < chunks; ++c) {
            const int64_t first = c * kChunk, rows = std::min(kChunk, q - first);
            nn::gemm_nt(rows, lists, d, queries + first * d, d, centroids, d, scores.data(), lists, false, 1);
            for (int64_t r = 0; r < rows; ++r) {
                const float *s = scores.data() + r * lists;
                // The nprobe best non-empty lists, kept sorted (insertion: nprobe is small).
                int found = 0;
                for (int64_t l = 0; l < lists; ++l) {
                    if (offsets[l + 1] == offsets[l]) continue;
                    if (found == nprobe && !better(s[l], l, probeScore[found - 1], probe[found - 1])) continue;
                    int at = found < nprobe ? found++ : found - 1;
                    while (at > 0 && better(s[l], l, probeScore[at - 1], probe[at - 1])) {
                        probeScore[at] = probeScore[at - 1];
                        probe[at] = probe[at - 1];
                        --at;
                    }
                    probeScore[at] = s[l];
                    probe[at] = l;
                }
                const float *x = queries + (first + r) * d;
                float best = 0;
                int64_t bestIndex = -1;
                for (int p = 0; p < found; ++p)
                    for (int64_t i = offsets[probe[p]]; i < offsets[probe[p] + 1]; ++i) {
                        const float v = dot(x, keys + i * d, d);
                        if (bestIndex < 0 || better(v, i, best, bestIndex)) {
                            best = v;
                            bestIndex = i;
                        }
                    }
                index[first + r] = bestIndex;
                similarity[first + r] = best;
            }
        }
    }
    (void)threads;
}

}  // namespace memory
}  // namespace dsac
