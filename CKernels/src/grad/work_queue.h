// A parallel loop for the differentiable layer's kernels that never waits for a thread that has not started.
//
// Items are handed out one at a time from a shared atomic cursor; the caller works on them itself, helped by
// up to `threads - 1` persistent helper threads, and returns as soon as every item is DONE. A helper that the
// operating system schedules late (a machine shared with other processes) finds no items left and does nothing:
// unlike an OpenMP parallel region, whose closing barrier waits for every thread of the team to arrive, nobody
// waits for it. At most the one item a descheduled helper is on can hold the caller up. (OpenMP's dynamic
// schedule is not an option either: Debian's libomp 14 lacks the runtime symbol clang 21 emits for it.)
//
// Contract: f(i) runs exactly once for every i in [0, count), on the caller or a helper; f must write only the
// outputs of its own item (then no result depends on which thread ran which item, or on the thread count) and
// must not throw. A call made while another call is running (from another caller thread) runs all its items on
// its own caller. The helpers live for the rest of the process (never joined; they block when idle).
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

namespace dsac {
namespace detail {

struct WorkJob {
    int64_t count = 0;
    void (*call)(void *, int64_t) = nullptr;
    void *context = nullptr;
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> done{0};
    std::atomic<int> seats{0};  // helpers that may still join

    void work() {
        for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < count;
             i = next.fetch_add(1, std::memory_order_relaxed)) {
            call(context, i);
            done.fetch_add(1, std::memory_order_release);
        }
    }
};

class WorkerPool {
public:
    /// The process's pool (never destroyed: its helpers are detached and may outlive static destructors).
    static WorkerPool &shared() {
        static WorkerPool *pool = new WorkerPool();
        return *pool;
    }

    void run(int64_t count, int helpers, void (*call)(void *, int64_t), void *context) {
        auto job = std::make_shared<WorkJob>();
        job->count = count, job->call = call, job->context = context;
        job->seats.store(helpers, std::memory_order_relaxed);
        {
            std::unique_lock<std::mutex> lock(mutex_);
            if (current_) {  // another caller's job is running: this one runs alone
                lock.unlock();
                job->work();
                return;
            }
            for (; started_ < helpers; ++started_) std::thread([this] { helper_loop(); }).detach();
            current_ = job;
            ++generation_;
        }
        wake_.notify_all();
        job->work();
        while (job->done.load(std::memory_order_acquire) < count) std::this_thread::yield();
        std::lock_guard<std::mutex> lock(mutex_);
        current_.reset();
    }

private:
    void helper_loop() {
        uint64_t seen = 0;
        for (;;) {
            std::shared_ptr<WorkJob> job;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [&] { return generation_ != seen; });
                seen = generation_;
                job = current_;
            }
            if (job && job->seats.fetch_sub(1, std::memory_order_relaxed) > 0) job->work();
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::shared_ptr<WorkJob> current_;
    uint64_t generation_ = 0;
    int started_ = 0;
};

}  // namespace detail

template <class F>
void parallel_items(int64_t count, int threads, F &&f) {
    const int helpers = static_cast<int>(std::min<int64_t>(std::max(threads, 1), count)) - 1;
    if (helpers <= 0) {
        for (int64_t i = 0; i < count; ++i) f(i);
        return;
    }
    using Fn = std::remove_reference_t<F>;
    detail::WorkerPool::shared().run(
        count, helpers, [](void *context, int64_t i) { (*static_cast<Fn *>(context))(i); },
        const_cast<void *>(static_cast<const void *>(std::addressof(f))));
}

}  // namespace dsac
