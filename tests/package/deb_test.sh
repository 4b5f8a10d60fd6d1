#!/usr/bin/env bash
# `cpack -G DEB` makes a .deb whose control fields are right (Depends from dpkg-shlibdeps) and
# which, installed into a temporary root with `dpkg --root`, puts every file where udev, systemd,
# man and bash-completion look, with sane modes; removing it leaves nothing behind. The unit
# passes `systemd-analyze verify` there.
# usage: deb_test.sh BUILD_DIR PROJECT_VERSION
set -uo pipefail
BUILD=$1 VERSION=$2
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: dpkg --root needs root"; exit 77; fi
T=$(mktemp -d /tmp/ec20ppp-deb.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=1; }

cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$T/out" >"$T/cpack.log" 2>&1 || { cat "$T/cpack.log"; fail "cpack failed"; exit 1; }
debs=("$T"/out/*.deb)
((${#debs[@]} == 1)) && [[ -f ${debs[0]} ]] || { fail "cpack made ${debs[*]}"; exit 1; }
deb=${debs[0]}
arch=$(dpkg --print-architecture)
[[ $(basename "$deb") == "ec20ppp_${VERSION}_$arch.deb" ]] || fail "file name $(basename "$deb")"

# Control fields.
field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == ec20ppp ]] || fail "Package: $(field Package)"
[[ $(field Version) == "$VERSION" ]] || fail "Version: $(field Version), want $VERSION"
[[ $(field Architecture) == "$arch" ]] || fail "Architecture: $(field Architecture)"
[[ $(field Section) == net ]] || fail "Section: $(field Section)"
[[ -n $(field Maintainer) && -n $(field Description) ]] || fail "no Maintainer or Description"
# Debian's format: the summary, then the long description, each of its lines indented by one space.
description=$(field Description)
[[ $(sed -n 2p <<<"$description") == " ec20ppp dials"* ]] || fail "the long description does not start on line 2 with one space: $description"
depends=$(field Depends)
for lib in libc6 libssl3 libmnl0 libstdc++6; do
  [[ $depends == *"$lib ("* ]] || fail "Depends lacks a versioned $lib (dpkg-shlibdeps): $depends"
done
# libpcap: a dependency when linked, recommended when it is loaded for --pcap only.
if readelf -d "$BUILD/src/app/ec20ppp" | grep -q "NEEDED.*libpcap"; then
  [[ $depends == *"libpcap0.8 ("* ]] || fail "Depends lacks a versioned libpcap0.8: $depends"
else
  [[ $depends != *libpcap* ]] || fail "Depends names libpcap, which the binary loads only for --pcap: $depends"
  [[ $(field Recommends) == *libpcap0.8* ]] || fail "Recommends lacks libpcap0.8 (for --pcap): $(field Recommends)"
fi

# The files and their modes: dpkg-deb's listing is what dpkg installs.
dpkg-deb -c "$deb" | awk '{print $1, $2, $6}' >"$T/listing"
while read -r mode owner path; do
  [[ $owner == root/root ]] || fail "$path is owned by $owner"
  [[ $path == ./usr/* || $path == ./ || $path == ./usr/ ]] || fail "$path is outside /usr"
  [[ $mode != l* && ${mode:8:1} == w ]] && fail "$path is world-writable ($mode)"
done <"$T/listing"
expect_file() {  # expect_file PATH MODE
  grep -qx -- "$2 root/root ./$1" "$T/listing" || fail "no $1 with mode $2 (listing: $(grep -F "$1" "$T/listing"))"
}
expect_file usr/sbin/ec20ppp -rwxr-xr-x
expect_file usr/share/man/man8/ec20ppp.8.gz -rw-r--r--
expect_file usr/share/bash-completion/completions/ec20ppp -rw-r--r--
expect_file usr/lib/udev/rules.d/60-ec20ppp.rules -rw-r--r--
expect_file "usr/lib/systemd/system/ec20ppp@.service" -rw-r--r--
expect_file usr/share/doc/ec20ppp/README.md -rw-r--r--
[[ -f $(dirname "$0")/../../docs/example.conf ]] && expect_file usr/share/doc/ec20ppp/examples/example.conf -rw-r--r--

# Install into an empty root, as on a board, and look at what is there.
R=$T/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
touch "$R/var/lib/dpkg/status"
dpkg --root="$R" --force-depends --force-script-chrootless -i "$deb" >"$T/dpkg.log" 2>&1 || { cat "$T/dpkg.log"; fail "dpkg -i failed"; }
[[ $(dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Status}' ec20ppp) == "install ok installed" ]] || fail "not installed"
bin=$R/usr/sbin/ec20ppp
[[ $(file -b "$bin") == *ELF*", stripped"* ]] || fail "the binary is not a stripped ELF: $(file -b "$bin")"
[[ $("$bin" --version) == "ec20ppp $VERSION" ]] || fail "--version says $("$bin" --version)"
zcat "$R/usr/share/man/man8/ec20ppp.8.gz" | cmp -s - "$(dirname "$0")/../../docs/man/ec20ppp.8" || fail "the man page differs from docs/man/ec20ppp.8"
unit=$R/usr/lib/systemd/system/ec20ppp@.service
grep -qx 'ExecStart=/usr/sbin/ec20ppp dial --config /etc/ec20ppp/%i.conf' "$unit" || fail "ExecStart: $(grep ExecStart "$unit")"
grep -qx 'Type=notify' "$unit" && grep -qx 'Restart=on-failure' "$unit" || fail "the unit is not Type=notify with Restart=on-failure"
if command -v systemd-analyze >/dev/null && [[ -d /usr/lib/systemd/system ]]; then
  # In a root of its own: the unit, the binary its ExecStart names, and the host's units it
  # refers to (sysinit.target, ...).
  V=$T/verify
  mkdir -p "$V/usr/lib/systemd" "$V/usr/sbin"
  cp -r /usr/lib/systemd/system "$V/usr/lib/systemd/"
  cp "$unit" "$V/usr/lib/systemd/system/" && cp "$bin" "$V/usr/sbin/"
  out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no --root="$V" "$V/usr/lib/systemd/system/ec20ppp@.service" 2>&1) ||
    fail "systemd-analyze verify failed: $out"
  [[ -z $out ]] || fail "systemd-analyze verify: $out"
fi

dpkg --root="$R" --force-script-chrootless -r ec20ppp >>"$T/dpkg.log" 2>&1 || fail "dpkg -r failed"
left=$(find "$R/usr" -type f 2>/dev/null)
[[ -z $left ]] || fail "left behind after dpkg -r: $left"

((fails)) && exit 1
echo "PASS: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB): fields, Depends: $depends; $(wc -l <"$T/listing") entries installed and removed"
