#!/usr/bin/env bash
# ThreadSanitizer on the OpenMP kernels: CKernels' sources and tsan_driver.cpp built with -fsanitize=thread -fopenmp
# against Debian's libomp, run with LLVM's archer tool (OMP_TOOL_LIBRARIES=libarcher.so), which tells TSan about
# libomp's barriers and task synchronisation (libomp itself is not TSan-instrumented; without archer every
# parallel region's barrier is a false positive). Fails on any ThreadSanitizer report.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLANG=${CLANG:-/opt/swift/usr/bin/clang++}
OUT=.build-tsan
mkdir -p "$OUT/obj"
LLVM=$(ls -d /usr/lib/llvm-*/ | sort -V | tail -1)
OMP_INCLUDE=$(dirname "$(ls "$LLVM"lib/clang/*/include/omp.h | tail -1)")
FLAGS=(-std=c++17 -O1 -g -fsanitize=thread -fopenmp -DDSAC_NO_MULTIVERSION -isystem "$OMP_INCLUDE" -ICKernels/include -ICKernels/src
       $(pkg-config --cflags eigen3))
objects=()
for src in $(find CKernels/src -name '*.cpp' | sort) Tests/Sanitizers/tsan_driver.cpp; do
  obj="$OUT/obj/$(echo "$src" | tr / _).o"
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ]; then "$CLANG" "${FLAGS[@]}" -c "$src" -o "$obj"; fi
  objects+=("$obj")
done
# The toolchain's TSan runtime intercepts libdispatch, so it links against the toolchain's libdispatch.
SWIFT_LIB=$(dirname "$(dirname "$(realpath "$CLANG")")")/lib/swift/linux
"$CLANG" "${FLAGS[@]}" -fuse-ld=lld "${objects[@]}" -L"$LLVM"lib -Wl,-rpath,"$LLVM"lib -lomp \
  -L"$SWIFT_LIB" -Wl,-rpath,"$SWIFT_LIB" -ldispatch -lBlocksRuntime -o "$OUT/tsan_driver"
ARCHER="$LLVM"lib/libarcher.so
set +e
OMP_TOOL_LIBRARIES="$ARCHER" TSAN_OPTIONS="halt_on_error=0 report_signal_unsafe=0" "$OUT/tsan_driver" >"$OUT/tsan.log" 2>&1
status=$?
set -e
reports=$(grep -c "WARNING: ThreadSanitizer" "$OUT/tsan.log" || true)
tail -1 "$OUT/tsan.log"
echo "ThreadSanitizer (archer, OpenMP on 2 threads + 2 concurrent callers): $reports report(s), exit $status"
[ "$status" -eq 0 ] && [ "$reports" -eq 0 ] || { grep -m3 -A12 "WARNING: ThreadSanitizer" "$OUT/tsan.log"; exit 1; }
