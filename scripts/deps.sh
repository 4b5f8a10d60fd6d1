#!/usr/bin/env bash
# Installs what ec20ppp needs to build and test, from Debian 12's packages. Idempotent: when
# everything is present it changes nothing and needs no network.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config
  libasio-dev libssl-dev libmnl-dev libgtest-dev libgmock-dev
  libcli11-dev nlohmann-json3-dev libpcap-dev
  libtomlplusplus-dev  # --config files (TOML), used header-only
  liblwip-dev  # the simulator's user-space network endpoint (src/netstack)
  libsystemd-dev  # sd_notify for ec20ppp@.service (optional: without it, our own few lines)
  # tests/package: the man page rendered, the .deb built (dpkg-shlibdeps) and installed
  groff-base dpkg-dev
  # tests: namespaces, ping and transfers through the link
  iproute2 iputils-ping socat procps
  jq  # reads the status files in tests/integration/status_cases.sh
  # interop tests: a real pppd inside User-Mode Linux; tshark reads our captures
  user-mode-linux ppp kmod tshark
  # benchmarks (bench/, -DEC20PPP_BUILD_BENCH=ON)
  libbenchmark-dev
  # drivers/qmi tests: a stub module built against Debian's kernel headers, and cross for armhf
  linux-headers-amd64 linux-source-6.1 gcc-arm-linux-gnueabihf flex bison bc xz-utils file
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "error: missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # tshark's package asks whether non-root users may capture; answer no without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
