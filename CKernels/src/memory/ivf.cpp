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

// Scores n points against k centroids, kChunk points per task, and hands each point's k scores to
// `row(point, scores, scratch)`; `scratch` is a per-thread vector the caller may use.
template <typename Row>
void for_each_scored(int64_t n, int64_t k, int64_t d, const float *points, const float *centroids, int threads,
                     Row row) {
    const int64_t chunks = (n + kChunk - 1) / kChunk;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
        std::vector<float> scores(static_cast<size_t>(kChunk * k));
        std::vector<int64_t> scratch;
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (int64_t c = 0; c < chunks; ++c) {
            const int64_t first = c * kChunk, rows = std::min(kChunk, n - first);
            nn::gemm_nt(rows, k, d, points + first * d, d, centroids, d, scores.data(), k, false, 1);
            for (int64_t r = 0; r < rows; ++r) row(first + r, scores.data() + r * k, scratch);
        }
    }
    (void)threads;
}

}  // namespace

void nearest_centroid(int64_t n, int64_t k, int64_t d, const float *points, const float *centroids, int threads,
                      int32_t *index, float *similarity) {
    for_each_scored(n, k, d, points, centroids, threads, [&](int64_t i, const float *s, std::vector<int64_t> &) {
        int64_t best = 0;
        for (int64_t j = 1; j < k; ++j)
            if (s[j] > s[best]) best = j;
        index[i] = static_cast<int32_t>(best);
        similarity[i] = s[best];
    });
}

void ivf_search(int64_t q, int64_t lists, int64_t d, const float *queries, const float *centroids,
                const int64_t *offsets, const float *keys, int nprobe, int threads, int64_t *index,
                float *similarity) {
    for_each_scored(q, lists, d, queries, centroids, threads, [&](int64_t i, const float *s,
                                                                  std::vector<int64_t> &probe) {
        // The nprobe best non-empty lists, best first (insertion: nprobe is small).
        probe.clear();
        for (int64_t l = 0; l < lists; ++l) {
            if (offsets[l + 1] == offsets[l]) continue;
            const int64_t found = static_cast<int64_t>(probe.size());
            if (found == nprobe && !better(s[l], l, s[probe.back()], probe.back())) continue;
            if (found < nprobe) probe.push_back(l);
            int64_t at = static_cast<int64_t>(probe.size()) - 1;
            while (at > 0 && better(s[l], l, s[probe[at - 1]], probe[at - 1])) {
                probe[at] = probe[at - 1];
                --at;
            }
            probe[at] = l;
        }
        const float *x = queries + i * d;
        float best = 0;
        int64_t bestIndex = -1;
        for (int64_t l : probe)
            for (int64_t e = offsets[l]; e < offsets[l + 1]; ++e) {
                const float v = dot(x, keys + e * d, d);
                if (bestIndex < 0 || better(v, e, best, bestIndex)) {
                    best = v;
                    bestIndex = e;
                }
            }
        index[i] = bestIndex;
        similarity[i] = best;
    });
}

}  // namespace memory
}  // namespace dsac
