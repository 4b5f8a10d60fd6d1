# 64-bit ARM boards (Debian's arm64).
#   apt-get install crossbuild-essential-arm64 qemu-user-static
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake [-DCMAKE_SYSROOT=DIR]
# scripts/cross-test.sh arm64 does all of it and runs the unit tests under qemu-aarch64.
set(EC20PPP_TRIPLET aarch64-linux-gnu)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(EC20PPP_QEMU_NAMES qemu-aarch64-static qemu-aarch64)
set(EC20PPP_DEB_ARCH arm64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
