#!/bin/sh
# The shell half of drivers/qmi/Makefile: reads the target kernel tree, checks that a build can
# work (each failure is one sentence saying what to do), scans kbuild's log for the mistakes that
# make modules which do not load, and verifies what was built. The Makefile passes everything in
# the environment (G_* variables); nothing here builds or loads a module.
#
#   glue.sh krel|karch|srctree|config NAME   print one fact about the tree (empty if unknown)
#   glue.sh check                             exit 2 with "error: <sentence>" at the first problem
#   glue.sh scan LOG                          exit 2 when kbuild's log shows a module that cannot load
#   glue.sh verify                            check the built .ko files (and a staging root)
set -u

err() {
    echo "error: $*" >&2
    exit 2
}
warn() { echo "warning: $*" >&2; }

kobj() { echo "${G_KOBJ:-${G_KDIR:-}}"; }

# The kernel release as vermagic and /lib/modules spell it. Not include/config/kernel.release:
# Debian's header packages say 6.1.192 there while the modules say 6.1.0-NN-amd64.
krel() {
    sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$(kobj)/include/generated/utsrelease.h" 2>/dev/null | head -n 1
}

# A CONFIG_ value of the target kernel: y, m, a string, or empty when unset.
config() {
    sed -n "s/^CONFIG_$1=//p" "$(kobj)/include/config/auto.conf" 2>/dev/null | head -n 1 | sed 's/^"\(.*\)"$/\1/'
}

# The kbuild ARCH the tree was configured for.
karch() {
    if [ "$(config UML)" = y ]; then echo um
    elif [ "$(config ARM64)" = y ]; then echo arm64
    elif [ "$(config ARM)" = y ]; then echo arm
    elif [ "$(config X86)" = y ] || [ "$(config X86_64)" = y ] || [ "$(config X86_32)" = y ]; then echo x86
    elif [ "$(config MIPS)" = y ]; then echo mips
    elif [ "$(config RISCV)" = y ]; then echo riscv
    elif [ "$(config PPC)" = y ]; then echo powerpc
    fi
}

hostarch() {
    case $(uname -m) in
        x86_64 | i?86) echo x86 ;;
        aarch64*) echo arm64 ;;
        arm*) echo arm ;;
        mips*) echo mips ;;
        riscv*) echo riscv ;;
        ppc* | powerpc*) echo powerpc ;;
        *) uname -m ;;
    esac
}

# Where the kernel's own headers are: $KDIR/source (kbuild's O= trees, /lib/modules/*/source),
# else the tree a Debian header package's one-line Makefile includes, else KDIR itself.
srctree() {
    k=${G_KDIR:-}
    if [ -d "$k/source/include" ]; then
        echo "$k/source"
        return
    fi
    inc=$(sed -n 's/^include \(\/.*\)\/Makefile$/\1/p' "$k/Makefile" 2>/dev/null | head -n 1)
    if [ -n "$inc" ] && [ -d "$inc/include" ]; then
        echo "$inc"
    else
        echo "$k"
    fi
}

# Whether the usb_cdc_wdm_register() declared or defined in file $1 takes 5.13's
# enum wwan_port_type: prints "new", "old", or nothing when the file has no such function.
wdm_api() {
    awk '
        !found && /usb_cdc_wdm_register[ \t]*\(/ && !/=/ && !/^[ \t]*(return|if)/ { found = 1 }
        found { text = text $0; if ($0 ~ /[;{]/) exit }
        END {
            if (!found) exit
            print (text ~ /wwan_port_type/) ? "new" : "old"
        }' "$1"
}

describe_api() {
    case $1 in
        new) echo "with the enum wwan_port_type argument of Linux 5.13 and later" ;;
        *) echo "without the enum wwan_port_type argument that came in Linux 5.13" ;;
    esac
}

check() {
    kdir=${G_KDIR:-}
    ko=$(kobj)
    [ -n "$kdir" ] && [ -d "$kdir" ] ||
        err "KDIR=${kdir:-<empty>} does not exist: pass KDIR=<the target kernel's build tree> (for the running Debian kernel: apt-get install linux-headers-\$(uname -r))."
    [ -d "$ko" ] || err "O=$ko does not exist: pass O=<the directory the kernel was built in>, or leave O unset."
    for f in include/generated/autoconf.h include/config/auto.conf include/generated/utsrelease.h; do
        [ -f "$ko/$f" ] ||
            err "$ko is not a prepared kernel tree (it has no $f): configure it and run 'make ARCH=<arch> CROSS_COMPILE=<prefix> modules_prepare' there first."
    done
    [ "$(config MODULES)" = y ] ||
        err "the kernel in $ko has CONFIG_MODULES off, so it cannot load any module: enable CONFIG_MODULES and rebuild that kernel."
    case $(config USB_USBNET) in
        y | m) ;;
        *) err "the kernel in $ko has CONFIG_USB_USBNET off, which qmi_wwan_q needs: set CONFIG_USB_USBNET=m (or y) there and rebuild that kernel." ;;
    esac

    ka=$(karch)
    arch=${G_ARCH:-}
    if [ -n "$ka" ] && [ -n "$arch" ] && [ "$arch" != "$ka" ]; then
        case "$arch:$ka" in
            i386:x86 | x86_64:x86 | arm:arm64) ;;  # kbuild accepts these spellings
            *) err "$ko is configured for ARCH=$ka but ARCH=$arch was given: pass ARCH=$ka, or point KDIR at a tree configured for $arch." ;;
        esac
    fi
    cross=${G_CROSS_COMPILE:-}
    if [ -n "$ka" ] && [ "$ka" != um ] && [ "$ka" != "$(hostarch)" ] && [ -z "$cross" ]; then
        case $ka in
            arm) eg=arm-linux-gnueabihf- ;;
            arm64) eg=aarch64-linux-gnu- ;;
            *) eg="$ka-linux-gnu-" ;;
        esac
        err "$ko is configured for ARCH=$ka, not for this $(uname -m) machine: pass CROSS_COMPILE=<your cross compiler's prefix>, e.g. CROSS_COMPILE=$eg."
    fi
    if [ -z "${G_LLVM:-}" ]; then
        cc=${cross}gcc
        if ! command -v "$cc" >/dev/null 2>&1; then
            case $cross in
                arm-linux-gnueabihf-) hint="apt-get install gcc-arm-linux-gnueabihf" ;;
                aarch64-linux-gnu-) hint="apt-get install gcc-aarch64-linux-gnu" ;;
                "") hint="apt-get install build-essential" ;;
                *) hint="install that toolchain" ;;
            esac
            err "the compiler $cc is not on PATH: $hint, or set CROSS_COMPILE to the prefix of the compiler the kernel was built with."
        fi
        want=$(config CC_VERSION_TEXT)
        have=$("$cc" --version 2>/dev/null | head -n 1)
        want_ver=$(echo "$want" | sed -n 's/.* \([0-9][0-9]*\.[0-9][0-9]*\)\.[0-9][0-9]*$/\1/p')
        have_ver=$(echo "$have" | sed -n 's/.* \([0-9][0-9]*\.[0-9][0-9]*\)\.[0-9][0-9]*$/\1/p')
        if [ -n "$want_ver" ] && [ -n "$have_ver" ] && [ "$want_ver" != "$have_ver" ]; then
            warn "the kernel in $ko was built with \"$want\" but $cc is \"$have\"; modules built with another compiler may not load."
        fi
    fi

    src=${G_MOD_SRC:-}
    if [ ! -f "$src/qmi_wwan_q.c" ]; then
        err "QUECTEL_SRC=$src has no qmi_wwan_q.c: unzip Quectel's Quectel_Linux_Android_QMI_WWAN_Driver_V1.2.x and pass QUECTEL_SRC=<the folder holding qmi_wwan_q.c> (ec20ppp does not ship it)."
    fi
    case ${G_BUILD_DIR:-} in
        *" "* | *:* | *"&"*) err "BUILD_DIR=$G_BUILD_DIR has a space, ':' or '&', which kbuild cannot handle: pass BUILD_DIR=<a plain path>." ;;
    esac

    wdm=$(config USB_WDM)
    case ${G_CDC_WDM:-auto} in
        auto | n) ;;
        y) [ "$wdm" = y ] &&
            err "the kernel in $ko has cdc-wdm built in (CONFIG_USB_WDM=y), so a second copy would not load (\"exports duplicate symbol\"): use CDC_WDM=auto." ;;
        *) err "CDC_WDM=$G_CDC_WDM is not one of auto, y and n: use auto (build cdc-wdm only when the kernel lacks it), y or n." ;;
    esac
    if [ "${G_BUILD_CDC_WDM:-}" = y ]; then
        why="CONFIG_USB_WDM is not set in $ko"
        [ "${G_CDC_WDM:-}" = y ] && why="CDC_WDM=y"
        wsrc=${G_CDC_WDM_SRC:-}
        [ -f "$wsrc" ] ||
            err "cdc-wdm must be built here ($why) but CDC_WDM_SRC=$wsrc does not exist: pass CDC_WDM_SRC=<drivers/usb/class/cdc-wdm.c from the source of the same kernel version> (Debian: apt-get install linux-source-6.1)."
        st=$(srctree)
        hdr=$st/include/linux/usb/cdc-wdm.h
        [ -f "$hdr" ] ||
            err "there is no include/linux/usb/cdc-wdm.h under $st to check CDC_WDM_SRC against: pass KDIR (or KERNEL_SRC) of a full kernel tree or of complete headers."
        h=$(wdm_api "$hdr")
        c=$(wdm_api "$wsrc")
        [ -n "$c" ] || err "CDC_WDM_SRC=$wsrc does not define usb_cdc_wdm_register(): pass the kernel's drivers/usb/class/cdc-wdm.c."
        if [ -n "$h" ] && [ "$h" != "$c" ]; then
            err "CDC_WDM_SRC=$wsrc is from another kernel version: it defines usb_cdc_wdm_register() $(describe_api "$c"), but $hdr declares it $(describe_api "$h"); take cdc-wdm.c from the source of the same version as KDIR ($(krel))."
        fi
    elif [ "${G_CDC_WDM:-}" = n ] && [ -z "$wdm" ]; then
        warn "CDC_WDM=n but the kernel in $ko has no cdc-wdm (CONFIG_USB_WDM is not set): qmi_wwan_q will not load unless cdc-wdm comes from elsewhere."
    fi
    echo "check: KDIR=$kdir${G_O:+ O=$G_O} KREL=$(krel) ARCH=${arch:-$ka} CROSS_COMPILE=${cross:-<none>} cdc-wdm: $(
        if [ "${G_BUILD_CDC_WDM:-}" = y ]; then echo "built here from ${G_CDC_WDM_SRC:-}"
        elif [ -n "$wdm" ]; then echo "the kernel's own (CONFIG_USB_WDM=$wdm)"
        else echo "none"; fi)"
}

# kbuild (modpost) names each symbol a module uses that neither the kernel's Module.symvers nor
# this M= directory exports. A warning on old kernels and on trees without Module.symvers, an
# error on 6.1 with one: either way the .ko would fail to load with "Unknown symbol in module".
scan() {
    log=$1
    ko=$(kobj)
    have_symvers=no
    [ -f "$ko/Module.symvers" ] && have_symvers=yes
    q=${G_BUILD_DIR:-.}/qmi_wwan_q.ko
    undefined=$(sed -n 's/.*"\([A-Za-z0-9_]*\)" \[.*qmi_wwan_q\.ko\] undefined!.*/\1/p' "$log" | sort -u)
    if [ -n "$undefined" ] && [ "$have_symvers" = no ]; then
        echo "note: $ko has no Module.symvers (a modules_prepare'd tree), so modpost could not check the kernel's symbols; that is expected there." >&2
    fi
    # modpost stops naming unresolved symbols after a few, so also ask the .ko itself.
    needs_wdm=no
    if echo "$undefined" | grep -qx usb_cdc_wdm_register; then
        needs_wdm=yes
    elif [ -f "$q" ] && "${G_CROSS_COMPILE:-}nm" -u "$q" 2>/dev/null | grep -qw usb_cdc_wdm_register; then
        needs_wdm=yes
    fi
    if [ "$needs_wdm" = yes ] && [ "${G_BUILD_CDC_WDM:-}" != y ]; then
        if [ "$have_symvers" = yes ]; then
            grep -q "[[:space:]]usb_cdc_wdm_register[[:space:]]" "$ko/Module.symvers" && needs_wdm=no
        elif [ -n "$(config USB_WDM)" ]; then
            needs_wdm=no
        fi
        if [ "$needs_wdm" = yes ]; then
            rm -f "$q"
            err "qmi_wwan_q needs usb_cdc_wdm_register, which $ko does not export, so it would fail to load with \"Unknown symbol in module\": this kernel has no cdc-wdm: build it here with CDC_WDM=y (and load cdc-wdm.ko before qmi_wwan_q.ko)."
        fi
    fi
    if [ "$have_symvers" = yes ]; then
        others=$(echo "$undefined" | grep -vx usb_cdc_wdm_register | tr '\n' ' ' | sed 's/ $//')
        if [ -n "$others" ]; then
            rm -f "$q"
            err "qmi_wwan_q needs $others, which $ko does not export: that kernel lacks the option providing them (usbnet_*: CONFIG_USB_USBNET), or KDIR is not the tree of the kernel it will run on."
        fi
    fi
    return 0
}

expect_file_arch() {
    case $1 in
        x86) echo "x86-64" ;;
        um) echo "x86-64" ;;
        arm) echo "ARM, EABI5" ;;
        arm64) echo "ARM aarch64" ;;
        riscv) echo "RISC-V" ;;
        mips) echo "MIPS" ;;
        powerpc) echo "PowerPC" ;;
    esac
}

verify() {
    b=${G_BUILD_DIR:-}
    rel=$(krel)
    q=$b/qmi_wwan_q.ko
    [ -f "$q" ] || err "$q does not exist: run 'make modules' (with the same variables) first."
    command -v modinfo >/dev/null 2>&1 || err "modinfo is not on PATH: apt-get install kmod."
    vm=$(modinfo -F vermagic "$q" | cut -d' ' -f1)
    [ "$vm" = "$rel" ] || err "$q has vermagic $vm but KDIR's kernel is $rel: rebuild it (make clean modules)."
    echo "ok: qmi_wwan_q.ko vermagic $(modinfo -F vermagic "$q")"
    deps=$(modinfo -F depends "$q")
    case ",$deps," in
        *,cdc-wdm,* | *,cdc_wdm,*) echo "ok: qmi_wwan_q.ko depends=$deps" ;;
        *) err "$q depends on \"$deps\", not on cdc-wdm, so modprobe will not load cdc-wdm first: build both in one M= directory with this Makefile." ;;
    esac
    if [ "${G_BUILD_CDC_WDM:-}" = y ]; then
        w=$b/cdc-wdm.ko
        [ -f "$w" ] || err "$w was not built although CDC_WDM resolved to y: run 'make modules' again and read its log."
        wvm=$(modinfo -F vermagic "$w")
        [ "$wvm" = "$(modinfo -F vermagic "$q")" ] || err "cdc-wdm.ko has vermagic \"$wvm\", unlike qmi_wwan_q.ko: rebuild both (make clean modules)."
        echo "ok: cdc-wdm.ko vermagic $wvm"
    fi
    want=$(expect_file_arch "${G_ARCH:-$(karch)}")
    if [ -n "$want" ] && command -v file >/dev/null 2>&1; then
        f=$(file -b "$q")
        case $f in
            *"$want"*) echo "ok: $f" ;;
            *) err "$q is \"$f\", not $want: pass the ARCH and CROSS_COMPILE the kernel was built with." ;;
        esac
    fi
    root=${G_INSTALL_MOD_PATH:-}
    if [ -n "$root" ] && [ -f "$root/lib/modules/$rel/modules.dep" ]; then
        sd=$(modprobe -d "$root" -S "$rel" --show-depends qmi_wwan_q 2>&1) ||
            err "modprobe cannot resolve qmi_wwan_q in $root: $sd"
        first=$(echo "$sd" | head -n 1)
        if [ "${G_BUILD_CDC_WDM:-}" = y ]; then
            case $first in
                *cdc-wdm.ko*) echo "ok: modprobe -d $root -S $rel loads cdc-wdm first" ;;
                *) err "modprobe -d $root -S $rel --show-depends qmi_wwan_q starts with \"$first\", not cdc-wdm: run 'make modules_install' again so depmod sees both." ;;
            esac
        fi
    fi
    if [ -n "${G_MODPROBE_CONF:-}" ] && command -v modprobe >/dev/null 2>&1; then
        [ -f "$G_MODPROBE_CONF" ] || err "$G_MODPROBE_CONF is missing: restore it from git."
        bad=$(modprobe -C "$G_MODPROBE_CONF" --showconfig 2>&1 | grep 'ignoring bad line')
        [ -z "$bad" ] || err "$G_MODPROBE_CONF has a line modprobe ignores: $bad"
        echo "ok: $G_MODPROBE_CONF parses"
    fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
    krel) krel ;;
    karch) karch ;;
    hostarch) hostarch ;;
    srctree) srctree ;;
    config) config "$1" ;;
    check) check ;;
    scan) scan "$1" ;;
    verify) verify ;;
    *) echo "usage: glue.sh krel|karch|hostarch|srctree|config NAME|check|scan LOG|verify" >&2; exit 64 ;;
esac
