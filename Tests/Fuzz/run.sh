#!/usr/bin/env bash
# Builds and runs every fuzz target for a bounded time; prints executions and findings per target and in total.
#   Tests/Fuzz/run.sh [SECONDS_PER_TARGET]        (default 20; CI: `make fuzz`)
# C entry points: libFuzzer targets (clang++ -fsanitize=fuzzer,address,undefined) over CKernels' sources, built
# without OpenMP (ASan/UBSan and libFuzzer need no threads; TSan is `make tsan`). Swift file readers: the real
# readers through `dsac-fuzz` (a deterministic mutation loop over the committed seed corpora) built with ASan.
# Exit status 1 on any finding; the crashing inputs are left in .build-fuzz/findings/.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_TARGET=${1:-20}
CLANG=${CLANG:-/opt/swift/usr/bin/clang++}
OUT=.build-fuzz
mkdir -p "$OUT/obj" "$OUT/findings"
FLAGS=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
       -ICKernels/include -ICKernels/src $(pkg-config --cflags eigen3))

# The kernels once (instrumented for coverage too), then one binary per target.
objects=()
for src in $(find CKernels/src -name '*.cpp' | sort); do
  obj="$OUT/obj/$(echo "${src#CKernels/src/}" | tr / _).o"
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find CKernels/src CKernels/include -name '*.h' -newer "$obj" | head -1)" ]; then
    "$CLANG" "${FLAGS[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
  fi
  objects+=("$obj")
done
targets=()
for src in Tests/Fuzz/kernels/fuzz_*.cpp; do
  name=$(basename "$src" .cpp)
  "$CLANG" "${FLAGS[@]}" -fuse-ld=lld -fsanitize=fuzzer "$src" "${objects[@]}" -o "$OUT/$name"
  targets+=("$name")
done

total=0
found=0
report() { printf '%-22s %12s executions  %s\n' "$1" "$2" "$3"; }
for name in "${targets[@]}"; do
  corpus="$OUT/corpus/$name"
  mkdir -p "$corpus"
  seeds=Tests/Fuzz/corpus/$name
  log="$OUT/$name.log"
  set +e
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$OUT/$name" -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$OUT/findings/$name-" "$corpus" $( [ -d "$seeds" ] && echo "$seeds" ) >"$log" 2>&1
  status=$?
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  total=$((total + runs))
  if [ $status -ne 0 ]; then
    found=$((found + 1))
    report "$name" "$runs" "FINDING (see $log)"
    grep -m5 -E 'ERROR|runtime error|SUMMARY' "$log" || true
  else
    report "$name" "$runs" "0 findings"
  fi
done

# The Swift readers: the real code, ASan-instrumented.
swift build --scratch-path .build-asan --sanitize=address --product dsac-fuzz >"$OUT/swift-build.log" 2>&1 \
  || { tail -20 "$OUT/swift-build.log"; exit 1; }
set +e
# Leak checking stays on for the C++ targets; the Swift runtime and Foundation keep caches alive at exit.
ASAN_OPTIONS=detect_leaks=0 .build-asan/debug/dsac-fuzz --seconds "$SECONDS_PER_TARGET" --corpus Tests/Fuzz/corpus --findings "$OUT/findings" \
  | tee "$OUT/dsac-fuzz.log"
status=${PIPESTATUS[0]}
set -e
swift_runs=$(grep -o 'total [0-9]* executions' "$OUT/dsac-fuzz.log" | grep -o '[0-9]*' || echo 0)
total=$((total + swift_runs))
[ $status -ne 0 ] && found=$((found + 1))
echo "fuzzing: $total executions in total, $found target(s) with findings"
[ $found -eq 0 ]
