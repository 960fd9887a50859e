// The scene memory's search: exact and inverted-file nearest neighbours among unit vectors by inner product.
//
// Every (query, list) answer is computed by one thread in a fixed order and merged in probe order, and ties go to
// the lower index, so results are the same bits on any thread count.
#pragma once

#include <cstdint>

namespace dsac {
namespace memory {

/// For each of n points (n x d, row-major) the centroid (k x d) with the largest inner product, and that product.
void nearest_centroid(int64_t n, int64_t k, int64_t d, const float *points, const float *centroids, int threads,
                      int32_t *index, float *similarity);

/// Inverted-file search: each query visits the `nprobe` non-empty lists whose centroids score highest and returns
/// the key (row of `keys`, stored list by list: list l holds rows offsets[l] ..< offsets[l + 1]) with the largest
/// inner product. Requires at least one key.
void ivf_search(int64_t q, int64_t lists, int64_t d, const float *queries, const float *centroids,
                const int64_t *offsets, const float *keys, int nprobe, int threads, int64_t *index,
                float *similarity);

}  // namespace memory
}  // namespace dsac
