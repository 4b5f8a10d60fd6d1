#!/usr/bin/env bash
# Every test: install, build, run the unit tests and (as root) the integration tests that dial
# the simulator through real ptys, TUN devices and network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"
