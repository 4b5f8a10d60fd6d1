#!/usr/bin/env bash
# End-to-end throughput (issue 8, item 4): `ec20ppp dial` against `ec20ppp sim` over a pty, in two
# network namespaces this script creates (packets flow only between them), beside the raw
# throughput of a pty pair moving bytes with no PPP at all.
#   - raw pty: dd writes zeros into the master of a fresh raw pty pair, dd reads the slave;
#   - through PPP: iperf3 (TCP, SECONDS each way) from the dialer's namespace to the simulator's
#     network side (10.64.64.64), and ping; CPU seconds of both processes from /proc per GB moved;
#   - footprint: the dialer's peak RSS after the transfers, its wake-ups while idle (strace on
#     epoll_wait), the stripped binary's size.
# Run as root:  bench/e2e.sh [SECONDS] [path/to/ec20ppp]       (defaults: 10, build/src/app/ec20ppp)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-10}
BIN=$(realpath "${2:-build/src/app/ec20ppp}")
[[ $(id -u) -eq 0 ]] || { echo "error: run as root (network namespaces, TUN)" >&2; exit 1; }
[[ -x $BIN ]] || { echo "error: no $BIN: build first (./scripts/build.sh)" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "error: install iperf3 (apt-get install iperf3)" >&2; exit 1; }

. bench/lib.sh
bench_setup e2e

# --- raw pty -----------------------------------------------------------------------------------
raw_mb=$(python3 - "$SECONDS_EACH" <<'PY'
import os, subprocess, sys, time, tty
seconds = float(sys.argv[1])
master, slave = os.openpty()
tty.setraw(slave)
size = 256 * 1024 * 1024
reader = subprocess.Popen(["dd", "bs=65536", "iflag=fullblock", f"count={size // 65536}", "status=none", "of=/dev/null"],
                          stdin=slave)
start = time.monotonic()
writer = subprocess.Popen(["dd", "if=/dev/zero", "bs=65536", f"count={size // 65536}", "status=none"], stdout=master)
writer.wait(); reader.wait()
print("%.1f" % (size / (time.monotonic() - start) / 1e6))
PY
)
echo "raw pty pair: $raw_mb MB/s (256 MiB, dd to dd)"

# --- through ec20ppp ---------------------------------------------------------------------------
ip netns add "$NET"
ip netns add "$CLI"
mkdir -p "$TMP/lock"
ip netns exec "$NET" "$BIN" sim --link "$TMP/tty" --netns "$NET" >"$TMP/sim.log" 2>&1 &
SIM=$!
for _ in $(seq 100); do [[ -L $TMP/tty ]] && break; sleep 0.05; done
ip netns exec "$CLI" "$BIN" dial --apn 3gnet --device "$TMP/tty" --lock-dir "$TMP/lock" --default-route no \
  >"$TMP/dial.log" 2>&1 &
DIAL=$!
for _ in $(seq 200); do grep -qs "local  IP address" "$TMP/dial.log" && break; sleep 0.05; done
grep -q "local  IP address" "$TMP/dial.log" || { cat "$TMP/dial.log"; exit 1; }
for _ in $(seq 100); do grep -qs "network side: sim" "$TMP/sim.log" && break; sleep 0.05; done
ip netns exec "$NET" iperf3 -s -B 10.64.64.64 -D --logfile "$TMP/iperf-server.log"
sleep 0.3

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# read(2)/write(2)-family calls so far (/proc/PID/io): how many the data path makes per MB
# depends much less on the machine's load than its throughput does.
rw_calls() { awk '/^syscr/ {r = $2} /^syscw/ {w = $2} END {print r, w}' "/proc/$1/io"; }
hz=$(getconf CLK_TCK)

run_iperf() {  # run_iperf LABEL [iperf3 options]
  local label=$1; shift
  local d0 s0 d1 s1 bytes
  local dio0 sio0 dio1 sio1
  d0=$(cpu_ticks "$DIAL"); s0=$(cpu_ticks "$SIM"); dio0=$(rw_calls "$DIAL"); sio0=$(rw_calls "$SIM")
  ip netns exec "$CLI" iperf3 -c 10.64.64.64 -t "$SECONDS_EACH" -J "$@" >"$TMP/iperf.json"
  d1=$(cpu_ticks "$DIAL"); s1=$(cpu_ticks "$SIM"); dio1=$(rw_calls "$DIAL"); sio1=$(rw_calls "$SIM")
  bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"])' "$TMP/iperf.json")
  python3 - "$label" "$bytes" "$SECONDS_EACH" "$raw_mb" "$((d1 - d0))" "$((s1 - s0))" "$hz" \
    "$dio0" "$dio1" "$sio0" "$sio1" <<'PY'
import sys
label, b, secs, raw, dt, st, hz = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
d0, d1, s0, s1 = ([int(x) for x in a.split()] for a in sys.argv[8:12])
mbs = b / secs / 1e6
gb = b / 1e9
mb = b / 1e6
print("%-9s %7.1f MB/s = %5.1f %% of the raw pty; CPU per GB: dialer %.2f s, simulator %.2f s; "
      "read/write calls per MB: dialer %.0f/%.0f, simulator %.0f/%.0f"
      % (label, mbs, 100 * mbs / raw, dt / hz / gb, st / hz / gb,
         (d1[0] - d0[0]) / mb, (d1[1] - d0[1]) / mb, (s1[0] - s0[0]) / mb, (s1[1] - s0[1]) / mb))
PY
}
run_iperf "upload"
run_iperf "download" -R
ip netns exec "$CLI" ping -c 50 -i 0.02 -q 10.64.64.64 | tail -n 1 | sed 's/^/ping through PPP: /'

# --- footprint (item 6) -------------------------------------------------------------------------
echo "dialer after the transfers: peak RSS $(awk '/VmHWM/ {print $2, $3}' "/proc/$DIAL/status"), now $(awk '/RssAnon/ {print $2, $3}' "/proc/$DIAL/status") private + $(awk '/RssFile/ {print $2, $3}' "/proc/$DIAL/status") file-backed (shared libraries, the binary's text)"
if command -v strace >/dev/null; then
  # Idle: no traffic for IDLE seconds; count the event loop's wake-ups (epoll_wait returns).
  idle=${EC20PPP_IDLE_SECONDS:-60}
  sleep 1
  timeout "$idle" strace -q -f -p "$DIAL" -e trace=epoll_wait,epoll_pwait -o "$TMP/idle.strace" 2>/dev/null || true
  wakeups=$(grep -c 'epoll_p\?wait(.*= [0-9]' "$TMP/idle.strace" || true)
  echo "idle: $wakeups event-loop wake-ups in ${idle} s without traffic (--lcp-echo-interval 30 by default)"
fi
strip -o "$TMP/ec20ppp.stripped" "$BIN"
echo "binary: $(stat -c %s "$BIN") bytes, stripped $(stat -c %s "$TMP/ec20ppp.stripped") bytes ($(uname -m))"
kill -TERM "$DIAL"; wait "$DIAL" || true
