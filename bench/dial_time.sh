#!/usr/bin/env bash
# Dial time (issue 8, item 5): start to IP-up, and CONNECT to IP-up, with a phase breakdown from
# ec20ppp's log, against the simulator with a 40 ms round trip (--latency 40 on the simulator's
# side: every answer comes 40 ms after the question, as on a link with 20 ms each way).
#   1. on this host: ec20ppp (TUN data plane) RUNS times, in network namespaces it creates;
#   2. inside User-Mode Linux (the interop suite's machinery, tests/interop/interop.sh
#      bench_dial_time): pppd + chat with quectel-pppd.sh's options, and ec20ppp on the same
#      kernel data plane, one dial per UML boot, against a fresh simulator each time.
# Run as root:  bench/dial_time.sh [RUNS] [path/to/ec20ppp]     (defaults: 5, build/src/app/ec20ppp)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
BIN=$(realpath "${2:-build/src/app/ec20ppp}")
[[ $(id -u) -eq 0 ]] || { echo "error: run as root (network namespaces, TUN, UML)" >&2; exit 1; }
[[ -x $BIN ]] || { echo "error: no $BIN: build first (./scripts/build.sh)" >&2; exit 1; }

. bench/lib.sh
bench_setup dt

# phases LOG START_NS: "total startup chat lcp auth ipcp connect_to_up" in ms, from ec20ppp's
# --log-format json log (each event's own time, to the millisecond).
cat >"$TMP/phases.py" <<'PY'
import datetime, json, sys
start = int(sys.argv[2]) / 1e9
t = {}
for line in open(sys.argv[1]):
    try:
        event = json.loads(line)
    except ValueError:
        continue
    when = datetime.datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    ms = (when.timestamp() - start) * 1000
    text = event["message"]
    if text.startswith("send (AT^M)"): t.setdefault("at", ms)
    elif "CONNECT" in text and "got it" in text: t.setdefault("connect", ms)
    elif text.startswith("rcvd [LCP ConfAck"): t.setdefault("lcp_rcvd", ms)
    elif text.startswith("sent [LCP ConfAck"): t.setdefault("lcp_sent", ms)
    elif "authentication succeeded" in text: t.setdefault("auth", ms)
    elif text.startswith("local  IP address"): t.setdefault("up", ms)
if not all(k in t for k in ("at", "connect", "lcp_rcvd", "lcp_sent", "up")):
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
    --ping 1 --debug --log-format json 2>"$TMP/host-$run.log" || true
  kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true
  python3 "$TMP/phases.py" "$TMP/host-$run.log" "$start" | tee -a "$TMP/host.txt" | sed "s/^/run $run: /"
done

echo "== inside UML: pppd + chat and ec20ppp --data-plane ppp, $RUNS dials each (one per UML boot)"
: >"$TMP/uml.txt"
for run in $(seq "$RUNS"); do
  for tool in pppd ec20ppp; do
    EC20PPP_DIAL_TOOL=$tool bash tests/interop/interop.sh bench_dial_time "$BIN" >"$TMP/uml-$tool-$run.out" 2>&1 ||
      { tail -20 "$TMP/uml-$tool-$run.out"; exit 1; }
  done
  pppd_ms=$(awk '$1=="DIALTIME" {print $3}' "$TMP/uml-pppd-$run.out")
  ours_ms=$(awk '$1=="DIALTIME" {print $3}' "$TMP/uml-ec20ppp-$run.out")
  dial_start=$(awk '/^----- log / {print $3}' "$TMP/uml-ec20ppp-$run.out")
  phases=$(python3 "$TMP/phases.py" "$TMP/uml-ec20ppp-$run.out" "$dial_start")
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
