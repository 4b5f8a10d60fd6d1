#!/usr/bin/env bash
# Prepares, once, what the build tests need from Debian's kernel packages, under CACHE (a build
# directory, never the repository), serialised with flock so parallel tests share it:
#   kernel_cache.sh CACHE cdc-wdm   -> prints the path of cdc-wdm.c from linux-source-6.1
#   kernel_cache.sh CACHE armhf     -> prints an armhf tree: multi_v7_defconfig + modules_prepare
# Exit 77 (CTest: skipped) when the packages are not installed.
set -euo pipefail
cache=$1
what=$2
tarball=/usr/src/linux-source-6.1.tar.xz
[[ -f $tarball ]] || { echo "skip: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 77; }
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
stamp() { echo "$(stat -c %Y "$tarball")"; }

case $what in
    cdc-wdm)
        f=$cache/cdc-wdm/linux-source-6.1/drivers/usb/class/cdc-wdm.c
        if [[ ! -f $f || $(cat "$cache/cdc-wdm.stamp" 2>/dev/null) != "$(stamp)" ]]; then
            mkdir -p "$cache/cdc-wdm"
            tar -C "$cache/cdc-wdm" -xJf "$tarball" linux-source-6.1/drivers/usb/class/cdc-wdm.c
            stamp >"$cache/cdc-wdm.stamp"
        fi
        echo "$f"
        ;;
    armhf)
        command -v arm-linux-gnueabihf-gcc >/dev/null || { echo "skip: no arm-linux-gnueabihf-gcc (apt-get install gcc-arm-linux-gnueabihf)" >&2; exit 77; }
        # Its own copy of the source: the cdc-wdm entry above may be in use by another test.
        src=$cache/armhf-src/linux-source-6.1
        obj=$cache/armhf
        if [[ $(cat "$cache/armhf.stamp" 2>/dev/null) != "$(stamp)" ]]; then
            rm -rf "$cache/armhf-src" "$obj"
            mkdir -p "$cache/armhf-src"
            tar -C "$cache/armhf-src" -xJf "$tarball"
            make -s -C "$src" O="$obj" ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf- multi_v7_defconfig >&2
            make -s -C "$src" O="$obj" ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf- -j2 modules_prepare >&2
            stamp >"$cache/armhf.stamp"
        fi
        echo "$obj"
        ;;
    *) echo "usage: kernel_cache.sh CACHE cdc-wdm|armhf" >&2; exit 64 ;;
esac
