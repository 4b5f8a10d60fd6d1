#!/usr/bin/env bash
# Every sentence of `make -C drivers/qmi check` and of the build-log scan, against small fake
# kernel trees (a few files each): no kernel headers, no compiler run, milliseconds.
source "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

host=$(sh "$DRIVERS/glue.sh" hostarch)
if [[ $host == x86 ]]; then foreign=ARM foreign_arch=arm; else foreign=X86 foreign_arch=x86; fi
native=$(echo "$host" | tr a-z A-Z)
[[ $host == arm64 ]] && native=ARM64
cc_text="$(gcc --version | head -n 1)"

new_proto='extern struct usb_driver *usb_cdc_wdm_register(struct usb_interface *intf,
					struct usb_endpoint_descriptor *ep,
					int bufsize, enum wwan_port_type type,
					int (*manage_power)(struct usb_interface *, int));'
old_proto='extern struct usb_driver *usb_cdc_wdm_register(struct usb_interface *intf,
					struct usb_endpoint_descriptor *ep,
					int bufsize,
					int (*manage_power)(struct usb_interface *, int));'

# fake_tree DIR [CONFIG_LINE...]: a "prepared" tree for this machine's arch; extra lines replace
# defaults (write CONFIG_X= to unset one).
fake_tree() {
    local d=$1
    shift
    mkdir -p "$d/include/generated" "$d/include/config" "$d/include/linux/usb" "$d/drivers/usb/class"
    echo '#define UTS_RELEASE "6.1.0-99-fake"' >"$d/include/generated/utsrelease.h"
    echo '6.1.999' >"$d/include/config/kernel.release"  # what KREL must NOT be read from
    echo '/* autoconf */' >"$d/include/generated/autoconf.h"
    {
        echo "CONFIG_$native=y"
        echo "CONFIG_MODULES=y"
        echo "CONFIG_USB_USBNET=m"
        echo "CONFIG_CC_VERSION_TEXT=\"$cc_text\""
    } >"$d/include/config/auto.conf"
    local line key
    for line in "$@"; do
        key=${line%%=*}
        sed -i "/^$key=/d" "$d/include/config/auto.conf"
        [[ $line == *= ]] || echo "$line" >>"$d/include/config/auto.conf"
    done
    echo "$new_proto" >"$d/include/linux/usb/cdc-wdm.h"
    printf 'struct usb_driver *usb_cdc_wdm_register(struct usb_interface *intf,\n\t\tstruct usb_endpoint_descriptor *ep,\n\t\tint bufsize, enum wwan_port_type type,\n\t\tint (*manage_power)(struct usb_interface *, int))\n{\n\treturn NULL;\n}\n' \
        >"$d/drivers/usb/class/cdc-wdm.c"
}

run() { make --no-print-directory -s -C "$DRIVERS" STUB=1 BUILD_DIR="$T/build" "$@"; }

K=$T/k
fake_tree "$K"

# A healthy tree: check passes, KREL comes from utsrelease.h, cdc-wdm is the kernel's own.
fake_tree "$T/wdm-m" CONFIG_USB_WDM=m
expect_ok "healthy tree passes" "KREL=6.1.0-99-fake" run KDIR="$T/wdm-m" check
expect_ok "KREL from utsrelease.h, not kernel.release" "KREL=6.1.0-99-fake" run KDIR="$T/wdm-m" print-vars
expect_ok "CDC_WDM=auto uses the kernel's cdc-wdm" "the kernel's own (CONFIG_USB_WDM=m)" run KDIR="$T/wdm-m" check
expect_ok "CDC_WDM=auto builds cdc-wdm when the kernel has none" "cdc-wdm: built here from $K/drivers/usb/class/cdc-wdm.c" run KDIR="$K" check
expect_ok "KERNEL_SRC (Yocto) stands for KDIR" "KDIR=$T/wdm-m" run KERNEL_SRC="$T/wdm-m" check
expect_ok "ARCH defaults to KDIR's" "ARCH=$(sh "$DRIVERS/glue.sh" hostarch)" run KDIR="$T/wdm-m" print-vars

# O=: configuration and release come from the output tree, headers from KDIR.
mkdir -p "$T/src-only/include/linux/usb" "$T/src-only/drivers/usb/class"
cp "$K/include/linux/usb/cdc-wdm.h" "$T/src-only/include/linux/usb/"
cp "$K/drivers/usb/class/cdc-wdm.c" "$T/src-only/drivers/usb/class/"
fake_tree "$T/objtree"
sed -i 's/6.1.0-99-fake/6.1.0-77-obj/' "$T/objtree/include/generated/utsrelease.h"
expect_ok "O= supplies config and KREL" "KREL=6.1.0-77-obj" run KDIR="$T/src-only" O="$T/objtree" check

# Debian's header packages: a one-line Makefile including the -common tree with the headers.
mkdir -p "$T/deb-amd64" "$T/deb-common/include/linux/usb"
cp -r "$K/include" "$T/deb-amd64/"
rm -r "$T/deb-amd64/include/linux"
cp "$K/include/linux/usb/cdc-wdm.h" "$T/deb-common/include/linux/usb/"
echo "include $T/deb-common/Makefile" >"$T/deb-amd64/Makefile"
expect_ok "srctree of a Debian header package is its -common tree" "$T/deb-common" \
    env G_KDIR="$T/deb-amd64" sh "$DRIVERS/glue.sh" srctree
expect_ok "a Debian-style tree finds the header" "check:" \
    run KDIR="$T/deb-amd64" CDC_WDM_SRC="$K/drivers/usb/class/cdc-wdm.c" check

# Each failure: one sentence saying what to do.
expect_fail "no KDIR" "KDIR=$T/nowhere does not exist: pass KDIR=<the target kernel's build tree>" run KDIR="$T/nowhere" check
expect_fail "no O" "does not exist: pass O=<the directory the kernel was built in>" run KDIR="$K" O="$T/no-obj" check
for f in include/generated/autoconf.h include/config/auto.conf include/generated/utsrelease.h; do
    cp -r "$K" "$T/unprepared"
    rm "$T/unprepared/$f"
    expect_fail "not prepared: no $f" "is not a prepared kernel tree (it has no $f): configure it and run 'make ARCH=<arch> CROSS_COMPILE=<prefix> modules_prepare' there first." \
        run KDIR="$T/unprepared" check
    rm -rf "$T/unprepared"
done
fake_tree "$T/nomod" CONFIG_MODULES=
expect_fail "CONFIG_MODULES off" "has CONFIG_MODULES off, so it cannot load any module: enable CONFIG_MODULES and rebuild that kernel." run KDIR="$T/nomod" check
fake_tree "$T/nousbnet" CONFIG_USB_USBNET=
expect_fail "CONFIG_USB_USBNET off" "has CONFIG_USB_USBNET off, which qmi_wwan_q needs: set CONFIG_USB_USBNET=m (or y) there" run KDIR="$T/nousbnet" check
fake_tree "$T/foreign" "CONFIG_$native=" "CONFIG_$foreign=y"
expect_fail "foreign tree without CROSS_COMPILE" "is configured for ARCH=$foreign_arch, not for this $(uname -m) machine: pass CROSS_COMPILE=<your cross compiler's prefix>" \
    run KDIR="$T/foreign" check
expect_fail "ARCH contradicting KDIR" "is configured for ARCH=$host but ARCH=mips was given: pass ARCH=$host" run KDIR="$K" ARCH=mips check
expect_fail "cross compiler missing" "the compiler no-such-cross-gcc is not on PATH" run KDIR="$T/foreign" CROSS_COMPILE=no-such-cross- check
# A PATH with the usual tools but no cross compiler.
mkdir -p "$T/bin"
for tool in make sh bash sed awk head tail grep cat uname tr cut sort cmp cp mkdir rm env gcc; do
    ln -s "$(command -v "$tool")" "$T/bin/$tool"
done
expect_fail "arm cross compiler missing names the Debian package" "the compiler arm-linux-gnueabihf-gcc is not on PATH: apt-get install gcc-arm-linux-gnueabihf" \
    env PATH="$T/bin" make --no-print-directory -s -C "$DRIVERS" STUB=1 BUILD_DIR="$T/build" KDIR="$T/foreign" CROSS_COMPILE=arm-linux-gnueabihf- check
fake_tree "$T/oldcc" 'CONFIG_CC_VERSION_TEXT="gcc (GCC) 4.9.4"'
expect_ok "another compiler version is a warning" "warning: the kernel in $T/oldcc was built with \"gcc (GCC) 4.9.4\"" run KDIR="$T/oldcc" check
expect_fail "no Quectel source" "has no qmi_wwan_q.c: unzip Quectel's Quectel_Linux_Android_QMI_WWAN_Driver_V1.2.x and pass QUECTEL_SRC=" \
    make --no-print-directory -s -C "$DRIVERS" KDIR="$K" QUECTEL_SRC="$T/empty" BUILD_DIR="$T/build" check
expect_fail "BUILD_DIR kbuild cannot use" "has a space, ':' or '&', which kbuild cannot handle" run KDIR="$K" BUILD_DIR="$T/a:b" check
expect_fail "bad CDC_WDM" "CDC_WDM=maybe is not one of auto, y and n" run KDIR="$K" CDC_WDM=maybe check
fake_tree "$T/wdm-y" CONFIG_USB_WDM=y
expect_fail "CDC_WDM=y on a kernel with cdc-wdm built in" "has cdc-wdm built in (CONFIG_USB_WDM=y), so a second copy would not load (\"exports duplicate symbol\"): use CDC_WDM=auto." \
    run KDIR="$T/wdm-y" CDC_WDM=y check
expect_ok "CDC_WDM=y beside a modular cdc-wdm is allowed" "cdc-wdm: built here" run KDIR="$T/wdm-m" CDC_WDM=y check
expect_fail "cdc-wdm.c missing" "cdc-wdm must be built here (CONFIG_USB_WDM is not set in $K) but CDC_WDM_SRC=$T/none.c does not exist: pass CDC_WDM_SRC=" \
    run KDIR="$K" CDC_WDM_SRC="$T/none.c" check
expect_fail "cdc-wdm.c missing with CDC_WDM=y" "cdc-wdm must be built here (CDC_WDM=y)" run KDIR="$T/wdm-m" CDC_WDM=y CDC_WDM_SRC="$T/none.c" check
fake_tree "$T/nohdr"
rm "$T/nohdr/include/linux/usb/cdc-wdm.h"
expect_fail "no header to compare with" "there is no include/linux/usb/cdc-wdm.h under $T/nohdr to check CDC_WDM_SRC against" run KDIR="$T/nohdr" check
printf 'struct usb_driver *usb_cdc_wdm_register(struct usb_interface *intf,\n\t\tstruct usb_endpoint_descriptor *ep,\n\t\tint bufsize,\n\t\tint (*manage_power)(struct usb_interface *, int))\n{\n' >"$T/old-cdc-wdm.c"
expect_fail "4-argument cdc-wdm.c against a 5.13+ header" "CDC_WDM_SRC=$T/old-cdc-wdm.c is from another kernel version: it defines usb_cdc_wdm_register() without the enum wwan_port_type argument that came in Linux 5.13, but $K/include/linux/usb/cdc-wdm.h declares it with the enum wwan_port_type argument of Linux 5.13 and later; take cdc-wdm.c from the source of the same version as KDIR (6.1.0-99-fake)." \
    run KDIR="$K" CDC_WDM_SRC="$T/old-cdc-wdm.c" check
fake_tree "$T/oldhdr"
echo "$old_proto" >"$T/oldhdr/include/linux/usb/cdc-wdm.h"
expect_fail "5-argument cdc-wdm.c against an old header" "it defines usb_cdc_wdm_register() with the enum wwan_port_type argument of Linux 5.13 and later, but $T/oldhdr/include/linux/usb/cdc-wdm.h declares it without" \
    run KDIR="$T/oldhdr" CDC_WDM_SRC="$K/drivers/usb/class/cdc-wdm.c" check
expect_ok "matching old header and old cdc-wdm.c" "check:" run KDIR="$T/oldhdr" CDC_WDM_SRC="$T/old-cdc-wdm.c" check
echo 'int x;' >"$T/not-cdc-wdm.c"
expect_fail "a file that is not cdc-wdm.c" "does not define usb_cdc_wdm_register(): pass the kernel's drivers/usb/class/cdc-wdm.c." run KDIR="$K" CDC_WDM_SRC="$T/not-cdc-wdm.c" check
expect_ok "CDC_WDM=n on a kernel without cdc-wdm warns" "warning: CDC_WDM=n but the kernel in $K has no cdc-wdm" run KDIR="$K" CDC_WDM=n check

# The build-log scan (modpost's lines as 6.1 prints them).
scan() { env G_KDIR="$1" G_BUILD_DIR="$T/build" G_BUILD_CDC_WDM="$2" sh "$DRIVERS/glue.sh" scan "$3"; }
mkdir -p "$T/build"
printf 'WARNING: modpost: "usb_cdc_wdm_register" [%s/build/qmi_wwan_q.ko] undefined!\n' "$T" >"$T/warn.log"
printf 'ERROR: modpost: "usb_cdc_wdm_register" [%s/build/qmi_wwan_q.ko] undefined!\n' "$T" >"$T/error.log"
printf 'ERROR: modpost: "usbnet_probe" [%s/build/qmi_wwan_q.ko] undefined!\nERROR: modpost: "usbnet_disconnect" [%s/build/qmi_wwan_q.ko] undefined!\n' "$T" "$T" >"$T/usbnet.log"
: >"$T/clean.log"
expect_fail "scan: no cdc-wdm in a modules_prepare'd tree (the field notes' mistake)" "this kernel has no cdc-wdm: build it here with CDC_WDM=y" scan "$K" "" "$T/warn.log"
touch "$T/build/qmi_wwan_q.ko"
scan "$K" "" "$T/warn.log" >/dev/null 2>&1
[[ ! -e $T/build/qmi_wwan_q.ko ]] && ok "scan: the unloadable .ko is deleted" || fail "scan: the unloadable .ko is kept"
cp -r "$K" "$T/symvers"
printf '0x12345678\tusb_submit_urb\tvmlinux\tEXPORT_SYMBOL_GPL\t\n' >"$T/symvers/Module.symvers"
sed -i '/CONFIG_USB_WDM/d' "$T/symvers/include/config/auto.conf"
echo CONFIG_USB_WDM=m >>"$T/symvers/include/config/auto.conf"
expect_fail "scan: modpost ERROR with Module.symvers" "this kernel has no cdc-wdm: build it here with CDC_WDM=y" scan "$T/symvers" "" "$T/error.log"
expect_fail "scan: other undefined symbols are named" "qmi_wwan_q needs usbnet_disconnect usbnet_probe, which $T/symvers does not export" scan "$T/symvers" "" "$T/usbnet.log"
expect_ok "scan: without Module.symvers, a configured cdc-wdm is trusted" "note: $T/wdm-m has no Module.symvers" scan "$T/wdm-m" "" "$T/warn.log"
expect_ok "scan: cdc-wdm built here" "" scan "$K" y "$T/warn.log"
expect_ok "scan: a clean log" "" scan "$K" "" "$T/clean.log"

expect_ok "help lists the variables" "CDC_WDM_SRC" make --no-print-directory -s -C "$DRIVERS" help
finish
