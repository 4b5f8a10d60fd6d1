# 32-bit ARM boards (ARMv7, hard float; Debian's armhf), e.g. the SCM801 of the field notes.
#   apt-get install crossbuild-essential-armhf qemu-user-static
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/arm-linux-gnueabihf.cmake [-DCMAKE_SYSROOT=DIR]
# scripts/cross-test.sh armhf does all of it and runs the unit tests under qemu-arm.
set(EC20PPP_TRIPLET arm-linux-gnueabihf)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(EC20PPP_QEMU_NAMES qemu-arm-static qemu-arm)
set(EC20PPP_DEB_ARCH armhf)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
