// Function multi-versioning: hot loops are compiled for AVX-512, AVX2 and baseline x86-64, and the loader picks
// the best the CPU has (no -march flag, so the library still runs on CPUs without AVX).
#pragma once

// DSAC_NO_MULTIVERSION turns it off: ThreadSanitizer instruments the ifunc resolvers, which run before its
// runtime is initialised.
#if defined(__x86_64__) && defined(__clang__) && defined(__ELF__) && !defined(DSAC_NO_MULTIVERSION)
#define DSAC_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DSAC_MULTIVERSION
#endif
