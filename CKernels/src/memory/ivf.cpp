// Inverted-file nearest-neighbour search: see ivf.h for the contract.
#include "memory/ivf.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "common/multiversion.h"
#include "nn/gemm.h"

namespace dsac {
namespace memory {

namespace {

// Queries scored against all centroids per task: a fixed size, so the work split never depends on threads.
constexpr int64_t kChunk = 128;

// Eight partial sums in a fixed order: vectorises without reassociating, so every build gives the same bits.
// Inlined into its multi-versioned callers (a cloned function called per key costs more than the key).
inline float dot(const float *a, const float *b, int64_t d) {
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t k = 0;
    for (; k + 8 <= d; k += 8)
        for (int j = 0; j < 8; ++j) s[j] += a[k + j] * b[k + j];
    float total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; k < d; ++k) total += a[k] * b[k];
    return total;
}

// Every key of one list against the queries of the pairs that probe it; keys in increasing order, so strict >
// keeps the lowest index on ties.
DSAC_MULTIVERSION
void scan_list(int64_t e0, int64_t e1, const int64_t *pairs, int64_t count, int64_t nprobe, int64_t d,
               const float *queries, const float *keys, float *pairBest, int64_t *pairIndex) {
    for (int64_t e = e0; e < e1; ++e) {
        const float *key = keys + e * d;
        for (int64_t k = 0; k < count; ++k) {
            const int64_t p = pairs[k];
            const float v = dot(queries + (p / nprobe) * d, key, d);
            if (pairIndex[p] < 0 || v > pairBest[p]) {
                pairBest[p] = v;
                pairIndex[p] = e;
            }
        }
    }
}

inline bool better(float s, int64_t i, float best, int64_t bestIndex) {
    return s > best || (s == best && i < bestIndex);
}

// The lowest index of the largest of n finite-or-minus-infinity values.
DSAC_MULTIVERSION
int64_t first_maximum(const float *s, int64_t n) {
    float m = s[0];
    for (int64_t j = 1; j < n; ++j) m = s[j] > m ? s[j] : m;
    int64_t j = 0;
    while (s[j] != m) ++j;
    return j;
}

// Scores n points against k centroids, kChunk points per task, and hands each point's k scores to
// `row(point, scores, scratch)` (it may overwrite the scores); `scratch` is a per-thread vector it may use.
template <typename Row>
void for_each_scored(int64_t n, int64_t k, int64_t d, const float *points, const float *centroids, int threads,
                     Row row) {
    const int64_t chunks = (n + kChunk - 1) / kChunk;
    // Centroids as columns (d x k): the broadcast-multiply product suits a short d far better than row dots.
    std::vector<float> columns(static_cast<size_t>(d * k));
    nn::transpose(k, d, centroids, columns.data());
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
            nn::gemm_nn(rows, k, d, points + first * d, d, columns.data(), k, scores.data(), k, false, 1);
            for (int64_t r = 0; r < rows; ++r) row(first + r, scores.data() + r * k, scratch);
        }
    }
    (void)threads;
}

}  // namespace

void nearest_centroid(int64_t n, int64_t k, int64_t d, const float *points, const float *centroids, int threads,
                      int32_t *index, float *similarity) {
    for_each_scored(n, k, d, points, centroids, threads, [&](int64_t i, float *s, std::vector<int64_t> &) {
        const int64_t best = first_maximum(s, k);
        index[i] = static_cast<int32_t>(best);
        similarity[i] = s[best];
    });
}

void ivf_search(int64_t q, int64_t lists, int64_t d, const float *queries, const float *centroids,
                const int64_t *offsets, const float *keys, int nprobe, int threads, int64_t *index,
                float *similarity) {
    // 1. Each query's nprobe best non-empty lists, best first (insertion: nprobe is small; one probe is the first
    //    maximum, found with a vectorised max, exact in any order, then a scan for it).
    std::vector<int64_t> probes(static_cast<size_t>(q * nprobe), -1);
    std::vector<int64_t> empty;
    for (int64_t l = 0; l < lists; ++l)
        if (offsets[l + 1] == offsets[l]) empty.push_back(l);
    for_each_scored(q, lists, d, queries, centroids, threads, [&](int64_t i, float *s, std::vector<int64_t> &probe) {
        if (nprobe == 1) {
            for (int64_t l : empty) s[l] = -std::numeric_limits<float>::infinity();
            probes[i] = first_maximum(s, lists);
            return;
        }
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
        std::copy(probe.begin(), probe.end(), probes.begin() + i * nprobe);
    });
    // 2. The (query, probe) pairs of each list, so a list's keys are read from memory once for all its queries
    //    (reading them once per query made the search memory-bound).
    const int64_t pairs = q * nprobe;
    std::vector<int64_t> first(static_cast<size_t>(lists + 1), 0), byList(static_cast<size_t>(pairs));
    for (int64_t p = 0; p < pairs; ++p)
        if (probes[p] >= 0) ++first[probes[p] + 1];
    for (int64_t l = 0; l < lists; ++l) first[l + 1] += first[l];
    std::vector<int64_t> next(first.begin(), first.end() - 1);
    for (int64_t p = 0; p < pairs; ++p)
        if (probes[p] >= 0) byList[next[probes[p]]++] = p;
    // 3. Per list, every key against its pairs' queries.
    std::vector<float> pairBest(static_cast<size_t>(pairs), 0);
    std::vector<int64_t> pairIndex(static_cast<size_t>(pairs), -1);
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 16) num_threads(threads)
#endif
    for (int64_t l = 0; l < lists; ++l)
        scan_list(offsets[l], offsets[l + 1], byList.data() + first[l], first[l + 1] - first[l], nprobe, d, queries,
                  keys, pairBest.data(), pairIndex.data());
    // 4. Each query's best over its probes (ties to the lower index).
    for (int64_t i = 0; i < q; ++i) {
        float best = 0;
        int64_t bestIndex = -1;
        for (int64_t p = i * nprobe; p < (i + 1) * nprobe; ++p)
            if (pairIndex[p] >= 0 && (bestIndex < 0 || better(pairBest[p], pairIndex[p], best, bestIndex))) {
                best = pairBest[p];
                bestIndex = pairIndex[p];
            }
        index[i] = bestIndex;
        similarity[i] = best;
    }
    (void)threads;
}

}  // namespace memory
}  // namespace dsac
