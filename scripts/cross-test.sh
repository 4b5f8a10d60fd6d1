#!/usr/bin/env bash
# Cross-builds ec20ppp for an ARM board with Debian's cross compilers and runs its unit tests under
# qemu-user, as CI does for armhf.
#
#   scripts/cross-test.sh [armhf|arm64] [--build-only] [--tests REGEX]
#
# As root and idempotent (a second run downloads and installs nothing):
#  * on this host: crossbuild-essential-<arch> and qemu-user-static (Debian packages);
#  * the target's -dev packages (those scripts/deps.sh lists, and libsystemd-dev, libc6-dev,
#    libstdc++-12-dev) and the libraries they depend on, as <arch> .debs from Debian's archive
#    (`dpkg --add-architecture`, `apt-get download`), unpacked into build-<arch>/sysroot with
#    `dpkg -x`; header-only ones (asio, CLI11, nlohmann-json) are Architecture: all, the same .deb.
#    Why a sysroot and not `apt-get install libssl-dev:armhf`: Multi-Arch: same libraries must
#    have the same version for every architecture installed, so that would upgrade or downgrade
#    this host's own libssl3, libsystemd0, linux-libc-dev..., and fails outright when the mirror's
#    index for the target lags behind the host's (seen with bookworm-security/armhf).
#    The toolchain files take either (cmake/toolchains/debian-cross.cmake).
# Builds into build-<arch> (armhf: build-armhf, arm64: build-aarch64) and runs the unit tests
# (everything but the integration, interop, drivers, fuzz and package labels: those run the
# native binary as root, or other programs) with CTest, which starts each through qemu
# (CMAKE_CROSSCOMPILING_EMULATOR). --tests REGEX runs only the tests whose names match.
# CI (scripts/test.sh) runs `scripts/cross-test.sh armhf`: every unit test.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=armhf build_only=0 tests_regex=""
while (($#)); do
  case $1 in
    armhf|arm64) arch=$1 ;;
    --build-only) build_only=1 ;;
    --tests) tests_regex=${2:?--tests needs a regular expression}; shift ;;
    *) echo "error: unknown argument '$1'; usage: $0 [armhf|arm64] [--build-only] [--tests REGEX]" >&2; exit 2 ;;
  esac
  shift
done
case $arch in
  armhf) triplet=arm-linux-gnueabihf build=build-armhf ;;
  arm64) triplet=aarch64-linux-gnu build=build-aarch64 ;;
esac
sysroot=$PWD/$build/sysroot

if [[ $(id -u) -ne 0 ]]; then
  echo "error: $0 installs packages: run it as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# 1. Host tools.
host_packages=("crossbuild-essential-$arch" qemu-user-static)
missing=()
for p in "${host_packages[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
done
apt_updated=0
apt_update() {
  # A failing index of one architecture (a mirror in sync) must not stop the rest: apt-get
  # update says which, and the packages we need are then looked up where they are.
  ((apt_updated)) || apt-get update -qq || echo "warning: apt-get update reported errors (above); going on with the indexes it has" >&2
  apt_updated=1
}
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  dpkg --add-architecture "$arch"
  apt_update
fi
if ((${#missing[@]})); then
  apt_update
  echo "installing: ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. The target's libraries, in a sysroot.
# The -dev packages scripts/deps.sh installs for the native build, plus what only the target needs.
# Those of Architecture: all (header-only: asio, CLI11, nlohmann-json) are one .deb for every
# target; the others are the target's own.
dev_packages=$(sed -n '/^packages=(/,/^)/p' scripts/deps.sh | sed 's/#.*//' | tr ' ' '\n' | grep -E -- '-dev$' |
  grep -Ev '^(libbenchmark-dev)$')  # bench/ is not cross-built
# libtomlplusplus-dev: --config's parser (src/app), in case scripts/deps.sh does not list it yet.
dev_packages+=$'\n'"libtomlplusplus-dev libsystemd-dev libstdc++-12-dev libc6-dev"
roots=() headers=()
while read -r name arch_of; do
  if [[ $arch_of == all ]]; then headers+=("$name"); else roots+=("$name"); fi
done < <(apt-cache show --no-all-versions $dev_packages | awk '/^Package:/ {p = $2} /^Architecture:/ {print p, $2}' | sort -u)
# Tools, and alternatives we do not want beside libsystemd0, that the dependency closure drags in.
not_wanted='^(pkg-config|pkgconf|pkgconf-bin|sed|libelogind0|libc-dev-bin|rpcsvc-proto|xml-core|sgml-base|libtirpc-common)$'
closure() {
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances \
    "${roots[@]/%/:$arch}" | grep -E "^[a-z0-9].*:$arch\$" | sed "s/:$arch\$//" | grep -Ev "$not_wanted" | sort -u
}
mapfile -t packages < <(closure)
if ((${#packages[@]} == 0)); then
  apt_update
  mapfile -t packages < <(closure)
fi
((${#packages[@]})) || { echo "error: apt knows no $arch packages: check that Debian's archive is reachable (apt-get update)" >&2; exit 1; }
candidates() {  # "name:arch=version" for each package apt can download, "name:arch=(none)" otherwise
  apt-cache policy "${packages[@]/%/:$arch}" "${headers[@]}" |
    awk '/^[^ ].*:$/ {name = substr($0, 1, length($0) - 1)} /^  Candidate:/ {print name "=" $2}' |
    sed -E "s/^([^:=]+)=/\1:all=/" | sort
}
want=$(candidates)
if grep -q '=(none)$' <<<"$want"; then
  apt_update
  want=$(candidates)
  if grep -q '=(none)$' <<<"$want"; then
    echo "error: apt has no download for: $(grep '=(none)$' <<<"$want" | cut -d= -f1 | tr '\n' ' ')(apt-get update; is Debian's archive reachable?)" >&2
    exit 1
  fi
fi
if [[ ! -f $sysroot/.packages || $(cat "$sysroot/.packages") != "$want" ]]; then
  echo "== unpacking ${#packages[@]} $arch packages into $sysroot"
  rm -rf "$sysroot" "$build/debs"
  mkdir -p "$sysroot" "$build/debs"
  # apt's download sandbox user cannot write into a root-owned build tree: download as root.
  (cd "$build/debs" && apt-get download -qq -o APT::Sandbox::User=root $(sed "s/:all=/=/" <<<"$want"))
  for deb in "$build"/debs/*.deb; do dpkg -x "$deb" "$sysroot"; done
  # Absolute symbolic links point into the host: make them point inside the sysroot.
  find "$sysroot" -type l -lname '/*' -print0 | while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$sysroot$target")" "$link"
  done
  rm -rf "$build/debs"
  echo "$want" >"$sysroot/.packages"
fi

# 3. Build.
toolchain=$PWD/cmake/toolchains/$triplet.cmake
# Line tables only (-g1): enough for a backtrace under qemu, and the build takes a third less time.
cmake -S . -B "$build" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_SYSROOT="$sysroot" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" \
  -DEC20PPP_WERROR=ON -DEC20PPP_BUILD_FUZZ=OFF >/dev/null
cmake --build "$build" -j"$(nproc)"
file -b "$build/src/app/ec20ppp"
((build_only)) && exit 0

# 4. Unit tests under qemu-user.
# Two tests check what qemu-user cannot give: /proc/<pid>/comm of the test is "qemu-arm-static",
# and qemu's termios emulation refuses the 921600 baud a pty takes natively. They run natively.
qemu_limits='^test_serial\.(serial_uucp_lock\.refuses_a_live_holder_naming_its_pid_and_comm|serial_port\.accepts_the_ends_of_the_baud_whitelist)$'
args=(--test-dir "$build" --output-on-failure -j"$(nproc)" -LE "integration|interop|drivers|fuzz|package" -E "$qemu_limits")
[[ -n $tests_regex ]] && args+=(-R "$tests_regex")
ctest "${args[@]}"
