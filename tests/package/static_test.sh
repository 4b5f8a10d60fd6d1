#!/usr/bin/env bash
# EC20PPP_STATIC (cmake/static.cmake), the binary for boards with an old or odd libc:
#  - ON: either every static archive is there and the result is a fully static executable, or
#    configuring stops and names each missing archive (computed here from pkg-config --static on
#    its own) and the ways out. On Debian 12 it stops: no libmnl.a, liblwip.a, libsystemd.a.
#  - libs: builds; libstdc++, libgcc, libcrypto, libsystemd and libpcap are not needed at start-up;
#    the binary dials the simulated EC20 (CHAP-MD5 through the static libcrypto) and pings.
# usage: static_test.sh SOURCE_DIR WORK_DIR   (WORK_DIR is kept, so a second run builds incrementally)
set -uo pipefail
SRC=$1 WORK=$2
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$WORK"
common=(-G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel -DEC20PPP_WERROR=ON -DEC20PPP_BUILD_TESTS=OFF -DEC20PPP_BUILD_FUZZ=OFF)

# --- ON -----------------------------------------------------------------------------------------
# The archives a fully static link needs, by pkg-config alone (C library parts excepted).
libdir=$(pkg-config --variable=libdir libmnl)
missing=()
for lib in $(pkg-config --static --libs-only-l libmnl lwip libpcap | tr ' ' '\n' | sed -n 's/^-l//p' | sort -u); do
  case $lib in c|m|dl|rt|pthread|resolv|util) continue ;; esac
  found=""
  for dir in $(pkg-config --static --libs-only-L libmnl lwip libpcap | tr ' ' '\n' | sed -n 's/^-L//p') "$libdir" /usr/lib/x86_64-linux-gnu /usr/lib /lib; do
    [[ -e $dir/lib$lib.a ]] && { found=1; break; }
  done
  [[ -n $found ]] || missing+=("lib$lib.a")
done
rm -rf "$WORK/on"
cmake -S "$SRC" -B "$WORK/on" "${common[@]}" -DEC20PPP_STATIC=ON >"$WORK/on.log" 2>&1
on_code=$?
if ((${#missing[@]})); then
  [[ $on_code -ne 0 ]] || fail "EC20PPP_STATIC=ON configured although ${missing[*]} are missing"
  for archive in "${missing[@]}"; do
    grep -q "$archive" "$WORK/on.log" || { cat "$WORK/on.log"; fail "the error does not name the missing $archive"; }
  done
  grep -q "EC20PPP_STATIC=libs" "$WORK/on.log" || fail "the error does not say what to do instead"
  grep -q "CMAKE_PREFIX_PATH" "$WORK/on.log" || fail "the error does not say how to give static libraries"
  echo "ok: EC20PPP_STATIC=ON stops and names ${missing[*]}"
else
  [[ $on_code -eq 0 ]] || { cat "$WORK/on.log"; fail "every archive is there but EC20PPP_STATIC=ON did not configure"; }
  cmake --build "$WORK/on" --target ec20ppp >"$WORK/on-build.log" 2>&1 || { tail -n 30 "$WORK/on-build.log"; fail "the static build failed"; }
  bin=$WORK/on/src/app/ec20ppp
  readelf -l "$bin" | grep -q INTERP && fail "$bin asks for a dynamic loader: not static"
  [[ -z $(readelf -d "$bin" | grep NEEDED) ]] || fail "$bin needs shared libraries: $(readelf -d "$bin" | grep NEEDED)"
  "$bin" --version >/dev/null || fail "the static binary does not run"
  echo "ok: EC20PPP_STATIC=ON builds a static executable"
fi

# --- libs ---------------------------------------------------------------------------------------
cmake -S "$SRC" -B "$WORK/libs" "${common[@]}" -DEC20PPP_STATIC=libs >"$WORK/libs.log" 2>&1 || { cat "$WORK/libs.log"; fail "EC20PPP_STATIC=libs did not configure"; }
cmake --build "$WORK/libs" --target ec20ppp >"$WORK/libs-build.log" 2>&1 || { tail -n 30 "$WORK/libs-build.log"; fail "the EC20PPP_STATIC=libs build failed"; }
bin=$WORK/libs/src/app/ec20ppp
needed=$(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
# libpcap: loaded for --pcap only (EC20PPP_PCAP_DLOPEN, on by default outside ON); libm: only
# g++'s default, dropped by --as-needed (a std::to_chars(double) would bring it back: 0.3 MB).
for lib in libstdc++ libgcc_s libcrypto libsystemd libpcap libm.so; do
  [[ $needed == *"$lib"* ]] && fail "EC20PPP_STATIC=libs still needs $lib at run time (needs: $needed)"
done
echo "ok: EC20PPP_STATIC=libs needs only: $needed"

if [[ $(id -u) -ne 0 || ! -c /dev/net/tun ]]; then echo "SKIP: the dial needs root and /dev/net/tun"; exit 77; fi
T=$(mktemp -d /tmp/ec20ppp-static.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/lock"
timeout 60 "$bin" dial --apn 3gnet --device sim --ping 2 --lock-dir "$T/lock" >"$T/dial.log" 2>&1
code=$?
[[ $code -eq 0 ]] || { tail -n 30 "$T/dial.log"; fail "the EC20PPP_STATIC=libs binary's dial ended with $code"; }
grep -q "CHAP authentication succeeded" "$T/dial.log" || { tail -n 30 "$T/dial.log"; fail "no CHAP success in the dial's log"; }
echo "PASS: EC20PPP_STATIC=libs binary dials the simulated EC20 (CHAP-MD5, ping); stripped size $(strip -o "$T/s" "$bin" && stat -c %s "$T/s") bytes"
