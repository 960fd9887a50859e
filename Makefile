# Set-up and the two jobs of the README. Every target installs what is missing first (Debian packages).
SHELL := /bin/bash
DEBIAN_PACKAGES := libeigen3-dev libomp-dev libstb-dev libpng-dev libturbojpeg0-dev pkg-config
SWIFT_BUILD_FLAGS ?=

.PHONY: deps demo test bench peers consumer sanitize asan ubsan tsan fuzz

# Installs the Debian packages that are not installed yet (apt-get needs root; CI and the dev machines are).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# The main job on the built-in default: synthetic frames, no downloads.
demo: deps
	swift run -c release $(SWIFT_BUILD_FLAGS) dsac demo

# A tiny consumer package that depends on this one by path and localizes a frame, then every test.
test: deps consumer
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	swift test --skip-build $(SWIFT_BUILD_FLAGS)

consumer: deps
	cd Tests/Consumer && swift run --scratch-path ../../.build-consumer consumer

# The benchmark beside the peers, on the same problems (needs PyPI for the peers' virtual environment).
bench: deps
	test -d .venv-peers || python3 -m venv .venv-peers
	.venv-peers/bin/pip install -q numpy opencv-python-headless poselib pycolmap
	.venv-peers/bin/python ../shared/peers/peers_bench.py --seed 1 --problems 20 --write-only --write problems-s1
	swift build -c release --product dsac-bench
	.build/release/dsac-bench localize --problems problems-s1 --threads 1 --json bench-localize-1t.json
	.build/release/dsac-bench localize --problems problems-s1 --threads 2 --json bench-localize-2t.json
	.build/release/dsac-bench p3p --problems 200000 --json bench-p3p.json
	.build/release/dsac-bench score --threads 1 --json bench-score-1t.json
	.build/release/dsac-bench score --threads 2 --json bench-score-2t.json
	.venv-peers/bin/python ../shared/peers/peers_bench.py --seed 1 --problems 20 --reps 3 --json bench-peers.json

# The test suite under AddressSanitizer and under UndefinedBehaviorSanitizer (SwiftPM passes the sanitizer to clang
# too, so CKernels is instrumented; UBSan halts on the first report), ThreadSanitizer on the OpenMP kernels, and a
# bounded fuzzing run. Each build has its own scratch path. CI runs `make asan` after `make test` (see .ci/run).
FUZZ_SECONDS ?= 30
sanitize: asan ubsan tsan

asan: deps
	swift build --build-tests --sanitize=address --scratch-path .build-asan $(SWIFT_BUILD_FLAGS)
	ASAN_OPTIONS=detect_leaks=0 swift test --skip-build --sanitize=address --scratch-path .build-asan $(SWIFT_BUILD_FLAGS)

# swiftc has no UndefinedBehaviorSanitizer on Linux: the C and C++ targets are instrumented (no recovery: the first
# report fails the run) and the toolchain's UBSan runtime is linked in; Swift code checks itself with its traps.
UBSAN_RUNTIME_DIR = $(firstword $(wildcard $(dir $(realpath $(shell which swift)))../lib/clang/*/lib/linux))
UBSAN_FLAGS = -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined \
	-Xcxx -fsanitize=undefined -Xcxx -fno-sanitize-recover=undefined \
	-Xlinker $(UBSAN_RUNTIME_DIR)/libclang_rt.ubsan_standalone-x86_64.so -Xlinker -rpath -Xlinker $(UBSAN_RUNTIME_DIR)
ubsan: deps
	swift build --build-tests --scratch-path .build-ubsan $(UBSAN_FLAGS) $(SWIFT_BUILD_FLAGS)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 swift test --skip-build --scratch-path .build-ubsan $(UBSAN_FLAGS) $(SWIFT_BUILD_FLAGS)

tsan: deps
	Tests/Sanitizers/tsan.sh

# libFuzzer targets for the C entry points and the Swift readers' fuzzer, FUZZ_SECONDS per target.
fuzz: deps
	Tests/Fuzz/run.sh $(FUZZ_SECONDS)
