# Shared part of the Debian cross toolchain files (arm-linux-gnueabihf.cmake, aarch64-linux-gnu.cmake):
# they set EC20PPP_TRIPLET (the GNU triplet, also Debian's multiarch directory name) and
# CMAKE_SYSTEM_PROCESSOR, then include this file.
#
# Two places the target's libraries can come from, both in Debian's multiarch layout:
#  * this host: `dpkg --add-architecture armhf; apt-get install libssl-dev:armhf ...` puts them in
#    /usr/lib/<triplet> and /usr/include/<triplet> (leave CMAKE_SYSROOT unset);
#  * a sysroot: the same packages unpacked with `dpkg -x` into a directory passed as
#    -DCMAKE_SYSROOT=DIR (scripts/cross-test.sh makes one). Its packages need not match the
#    host's versions, which multiarch co-installation requires of every Multi-Arch: same library.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${EC20PPP_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${EC20PPP_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${EC20PPP_TRIPLET})
# GCC on ARM notes every std::vector<std::variant> whose parameter passing changed in GCC 7.1
# (-Wpsabi): it matters only when linking with objects built by GCC < 7.1, never the case here.
# _FILE_OFFSET_BITS=64: on 32-bit targets readdir() and stat() otherwise fail with EOVERFLOW on a
# 64-bit inode number or directory offset (ext4 hands 64-bit ones to a 32-bit process under
# qemu-user on a 64-bit kernel; XFS and overlayfs can on a board). No library we link has off_t
# in its interface. (Not _TIME_BITS=64: libpcap's pcap_pkthdr holds a struct timeval.)
set(CMAKE_C_FLAGS_INIT "-Wno-psabi -D_FILE_OFFSET_BITS=64")
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi -D_FILE_OFFSET_BITS=64")

# Headers and libraries only from the target; programs (pkg-config, bash) from the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config must read the target's .pc files, never the host's (which would hand over x86-64
# libraries): PKG_CONFIG_LIBDIR replaces its default search path.
set(_ec20ppp_pc_dirs "${CMAKE_SYSROOT}/usr/lib/${EC20PPP_TRIPLET}/pkgconfig:${CMAKE_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_LIBDIR} "${_ec20ppp_pc_dirs}")
set(ENV{PKG_CONFIG_PATH} "")
if(CMAKE_SYSROOT)
  set(CMAKE_FIND_ROOT_PATH "${CMAKE_SYSROOT}")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "${CMAKE_SYSROOT}")
else()
  # Host multiarch: the target's files live under / beside the host's.
  set(CMAKE_FIND_ROOT_PATH /usr/${EC20PPP_TRIPLET} /)
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "")
endif()

# Run the target's executables (the unit tests, gtest discovery) with qemu-user. Its -L prefix is
# where the target's dynamic loader and libraries are; LD_LIBRARY_PATH names the multiarch
# directories, which the loader would otherwise learn from the target's /etc/ld.so.conf.d.
find_program(EC20PPP_QEMU NAMES ${EC20PPP_QEMU_NAMES})
if(EC20PPP_QEMU)
  if(CMAKE_SYSROOT)
    set(_ec20ppp_qemu_prefix "${CMAKE_SYSROOT}")
  else()
    set(_ec20ppp_qemu_prefix /)
  endif()
  set(CMAKE_CROSSCOMPILING_EMULATOR "${EC20PPP_QEMU};-L;${_ec20ppp_qemu_prefix};-E;LD_LIBRARY_PATH=/lib/${EC20PPP_TRIPLET}:/usr/lib/${EC20PPP_TRIPLET}")
endif()
