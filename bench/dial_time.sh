#!/usr/bin/env bash
# Dial time (issue 8, item 5): start to IP-up, and CONNECT to IP-up, with a phase breakdown from
# ec20ppp's log, against the simulator with a 40 ms round trip (--latency 40 on the simulator's
# side: every answer comes 40 ms after the question, as on a link with 20 ms each way).
#   1. on this host: ec20ppp (TUN data plane) RUNS times, in network namespaces it creates;
#   2. inside User-Mode Linux (the interop suite's machinery, tests/interop/interop.sh
#      bench_dial_time): pppd + chat with quectel-pppd.sh's options and ec20ppp on the same
#      kernel data plane, one each per UML boot, against a fresh simulator each time.
# Run as root:  bench/dial_time.sh [RUNS] [path/to/ec20ppp]     (defaults: 5, build/src/app/ec20ppp)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
BIN=$(realpath "${2:-build/src/app/ec20ppp}")
[[ $(id -u) -eq 0 ]] || { echo "error: run as root (network namespaces, TUN, UML)" >&2; exit 1; }
[[ -x $BIN ]] || { echo "error: no $BIN: build first (./scripts/build.sh)" >&2; exit 1; }

TMP=$(mktemp -d /tmp/ec20ppp-dialtime.XXXXXX)
NET=ec20dt-$$-net
CLI=ec20dt-$$-cli
cleanup() {
  for ns in "$CLI" "$NET"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

# Prefixes each line with milliseconds since START (ns since the epoch), as it arrives.
cat >"$TMP/ts.py" <<'PY'
import sys, time
t0 = float(sys.argv[1]) / 1e9
for line in sys.stdin:
    sys.stdout.write("%.1f %s" % ((time.time() - t0) * 1000, line))
    sys.stdout.flush()
PY

# phases LOG: "total chat lcp auth ipcp connect_to_up" in ms from a timestamped ec20ppp log.
cat >"$TMP/phases.py" <<'PY'
import re, sys
t = {}
for line in open(sys.argv[1]):
    m = re.match(r"([0-9.]+) (.*)", line)
    if not m: continue
    ms, text = float(m.group(1)), m.group(2)
    def first(key):
        t.setdefault(key, ms)
    if text.startswith("send (AT^M)"): first("at")
    elif "CONNECT" in text and "got it" in text: first("connect")
    elif text.startswith("rcvd [LCP ConfAck") or text.startswith("sent [LCP ConfAck"):
        t["lcp_" + text[:4]] = t.get("lcp_" + text[:4], ms)
    elif "authentication succeeded" in text: first("auth")
    elif text.startswith("local  IP address"): first("up")
need = ["at", "connect", "lcp_rcvd", "lcp_sent", "up"]
if not all(k in t for k in need):
    print("incomplete"); sys.exit(0)
lcp = max(t["lcp_rcvd"], t["lcp_sent"])
auth = t.get("auth", lcp)
print("%.0f %.0f %.0f %.0f %.0f %.0f %.0f" % (t["up"], t["at"], t["connect"] - t["at"], lcp - t["connect"],
                                         auth - lcp, t["up"] - auth, t["up"] - t["connect"]))
PY

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "-"; else print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "== ec20ppp on this host (TUN), $RUNS dials, simulator --latency 40"
ip netns add "$NET"
ip netns add "$CLI"
mkdir -p "$TMP/lock"
: >"$TMP/host.txt"
for run in $(seq "$RUNS"); do
  rm -f "$TMP/tty"
  ip netns exec "$NET" "$BIN" sim --link "$TMP/tty" --netns "$NET" --latency 40 >"$TMP/sim.log" 2>&1 &
  sim=$!
  for _ in $(seq 100); do [[ -L $TMP/tty ]] && break; sleep 0.05; done
  start=$(date +%s%N)
  ip netns exec "$CLI" "$BIN" dial --apn 3gnet --device "$TMP/tty" --lock-dir "$TMP/lock" --default-route no \
    --ping 1 --debug 2>&1 | python3 "$TMP/ts.py" "$start" >"$TMP/host-$run.log" || true
  kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true
  python3 "$TMP/phases.py" "$TMP/host-$run.log" | tee -a "$TMP/host.txt" | sed "s/^/run $run: /"
done

echo "== inside UML: pppd + chat, then ec20ppp --data-plane ppp, $RUNS boots"
: >"$TMP/uml.txt"
for run in $(seq "$RUNS"); do
  bash tests/interop/interop.sh bench_dial_time "$BIN" >"$TMP/uml-$run.out" 2>&1 || { tail -20 "$TMP/uml-$run.out"; exit 1; }
  pppd_ms=$(awk '$1=="DIALTIME" && $2=="pppd" {print $3}' "$TMP/uml-$run.out")
  ours_ms=$(awk '$1=="DIALTIME" && $2=="ec20ppp" {print $3}' "$TMP/uml-$run.out")
  sed -n '/^----- ec20ppp$/,/^----- pppd$/p' "$TMP/uml-$run.out" >"$TMP/uml-dial-$run.log"
  phases=$(python3 "$TMP/phases.py" "$TMP/uml-dial-$run.log")
  echo "$pppd_ms $ours_ms $phases" | tee -a "$TMP/uml.txt" | sed "s/^/run $run: pppd+chat, ec20ppp, ec20ppp phases: /"
done

col() { awk -v c="$2" '$1 != "incomplete" {print $c}' "$1" | median; }
echo
echo "Medians over $RUNS runs (ms); phases from ec20ppp's log: process start -> first AT (startup),"
echo "first AT -> CONNECT (chat), -> LCP opened, -> authenticated, -> IP-up (IPCP)"
printf '%-34s %8s %8s %8s %8s %8s %8s %10s\n' "" "total" "startup" "chat" "LCP" "auth" "IPCP" "CONNECT-up"
printf '%-34s %8s %8s %8s %8s %8s %8s %10s\n' "ec20ppp, host, TUN" "$(col "$TMP/host.txt" 1)" "$(col "$TMP/host.txt" 2)" \
  "$(col "$TMP/host.txt" 3)" "$(col "$TMP/host.txt" 4)" "$(col "$TMP/host.txt" 5)" "$(col "$TMP/host.txt" 6)" "$(col "$TMP/host.txt" 7)"
printf '%-34s %8s %8s %8s %8s %8s %8s %10s\n' "ec20ppp, UML, /dev/ppp (to ip-up)" "$(col "$TMP/uml.txt" 2)" "$(col "$TMP/uml.txt" 4)" \
  "$(col "$TMP/uml.txt" 5)" "$(col "$TMP/uml.txt" 6)" "$(col "$TMP/uml.txt" 7)" "$(col "$TMP/uml.txt" 8)" "$(col "$TMP/uml.txt" 9)"
printf '%-34s %8s\n' "pppd + chat, UML (to ip-up)" "$(col "$TMP/uml.txt" 1)"
