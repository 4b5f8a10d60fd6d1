#!/usr/bin/env bash
# Every test: install, build, run the unit tests and (as root) the integration tests that dial
# the simulator through real ptys, TUN devices and network namespaces. Then the same suite again
# in a second build directory (build-asan) under AddressSanitizer + UndefinedBehaviorSanitizer,
# with the fuzz regression runs (CTest label "fuzz": every file of fuzz/corpus/<target> and
# fuzz/regressions/<target> replayed through its fuzz target); any finding fails. Last, the unit
# tests once more, cross-built for armhf and run under qemu-user (scripts/cross-test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"

echo "== the same suite under ASan + UBSan (build-asan)"
# This build also takes the non-default ways to libsystemd and libpcap (linked, not our own
# READY=1 sender / loaded for --pcap only), so both ways stay built and tested.
# -O1 -g1 (line tables: enough for the sanitizers' reports) as AddressSanitizer's documentation
# suggests: it builds in 40 % less time than -O2 -g, the longest step of this script.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
  -DEC20PPP_WERROR=ON -DEC20PPP_SANITIZE=ON -DEC20PPP_SYSTEMD=ON -DEC20PPP_PCAP_DLOPEN=OFF >/dev/null
cmake --build build-asan -j"$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The interop (pppd in UML) and drivers (kernel module builds) suites exercise other programs,
# not our memory safety: run once above, not again here.
# The package suite checks files and the .deb, not memory: once above is enough.
ctest --test-dir build-asan -LE "interop|drivers|package" --output-on-failure -j"$(nproc)"

echo "== armhf: cross-built with Debian's cross compiler, unit tests under qemu-arm (build-armhf)"
./scripts/cross-test.sh armhf
