# Sourced by every interop case's init script, as PID 1 inside User-Mode Linux. The root file
# system is the host's (hostfs, read-write), so everything this kernel writes goes to tmpfs
# mounts of its own: /run (pid files, /run/lock), /etc/ppp (secrets, ip-up); the only host files
# written are the test's own temporary directory.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

uml_fail() {
  echo "UML-FAIL: $*"
  halt -f
  exit 1
}

mount -t proc proc /proc || uml_fail "cannot mount /proc"
mount -t sysfs sys /sys || uml_fail "cannot mount /sys"
mount -t tmpfs -o mode=0755 tmpfs /run || uml_fail "cannot mount a tmpfs on /run"
mkdir -p /run/lock
# UML mounts a devtmpfs of its own on /dev; the host's /dev is never touched.
[ -c /dev/ttyS1 ] || uml_fail "no /dev/ttyS1 (is devtmpfs mounted?)"

# ppp_async needs ppp_generic, which needs slhc (VJ compression) and crc-ccitt (the FCS); there
# is no modprobe index for this kernel on the host, so insmod them in dependency order.
modules=/usr/lib/uml/modules/$(uname -r)/kernel
for m in lib/crc-ccitt drivers/net/slip/slhc drivers/net/ppp/ppp_generic drivers/net/ppp/ppp_async; do
  insmod "$modules/$m.ko" || uml_fail "insmod $m.ko failed"
done
[ -c /dev/ppp ] || mknod /dev/ppp c 108 0 || uml_fail "cannot create /dev/ppp"

mount -t tmpfs -o mode=0755 tmpfs /etc/ppp || uml_fail "cannot mount a tmpfs on /etc/ppp"
ip link set lo up
echo "UML-READY $(uname -r)"
