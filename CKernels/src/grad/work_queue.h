// A parallel loop whose items are handed out one at a time from a shared atomic cursor: work sharing without
// OpenMP's dynamic schedule (Debian's libomp 14 lacks the runtime symbol clang 21 emits for it). On a machine
// shared with other processes, a descheduled thread then holds up at most the item it is on, not a fixed share
// of the loop, and the other thread takes the rest.
//
// Contract: f(i) for every i in [0, count), each exactly once, on up to `threads` threads; f must write only
// outputs of its own item (then no result depends on which thread ran which item, or on the thread count) and
// must not throw.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace dsac {

template <class F>
void parallel_items(int64_t count, int threads, F &&f) {
    const int workers = static_cast<int>(std::min<int64_t>(std::max(threads, 1), count));
    if (workers <= 1) {
        for (int64_t i = 0; i < count; ++i) f(i);
        return;
    }
    std::atomic<int64_t> next{0};
#ifdef _OPENMP
#pragma omp parallel num_threads(workers)
#endif
    {
        for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < count;
             i = next.fetch_add(1, std::memory_order_relaxed))
            f(i);
    }
}

}  // namespace dsac
