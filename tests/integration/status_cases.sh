#!/usr/bin/env bash
# Status for machines, end to end: status_cases.sh CASE /path/to/ec20ppp
# The dialer dials its own simulator (--device sim): as root both run in network namespaces the
# dialer makes for itself; pings go through the link only inside the dialer's namespace
# (nsenter). The state directory, config and metrics files live in a temp dir removed at the end.
set -uo pipefail
CASE=$1
BIN=$2

if [[ $(id -u) -ne 0 ]]; then echo "SKIP: needs root (network namespaces, TUN)"; exit 77; fi
if [[ ! -c /dev/net/tun ]]; then echo "SKIP: no /dev/net/tun"; exit 77; fi
command -v jq >/dev/null || { echo "SKIP: no jq (scripts/deps.sh installs it)"; exit 77; }

TMP=$(mktemp -d /tmp/ec20ppp-st.XXXXXX)
STATE=$TMP/state
mkdir -p "$TMP/lock" "$STATE"
DIAL_PID=

SIM_PID=
cleanup() {
  [[ -n $DIAL_PID ]] && kill -9 "$DIAL_PID" 2>/dev/null
  [[ -n $SIM_PID ]] && kill -9 "$SIM_PID" 2>/dev/null
  [[ -n ${KEEP:-} ]] || rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL [$CASE]: $*"
  for f in "$TMP"/*.log "$STATE"/*.json "$TMP"/*.prom; do [[ -f $f ]] && { echo "----- $f"; tail -n 60 "$f"; }; done
  exit 1
}
pass() { echo "PASS [$CASE]: $*"; exit 0; }

wait_log() {  # wait_log FILE PATTERN SECONDS
  local file=$1 pattern=$2 limit=${3:-10}
  for _ in $(seq $((limit * 20))); do grep -q -- "$pattern" "$file" 2>/dev/null && return 0; sleep 0.05; done
  fail "no '$pattern' in $file within ${limit}s"
}

# wait_json FILE JQ-CONDITION SECONDS: until the status file satisfies the condition.
wait_json() {
  local file=$1 cond=$2 limit=$3
  for _ in $(seq $((limit * 10))); do
    jq -e "$cond" "$file" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "$file never satisfied '$cond' within ${limit}s"
}

# stop_dialer SIGNAL: signals the dialer and waits for it; sets CODE.
stop_dialer() {
  kill -"$1" "$DIAL_PID"
  wait "$DIAL_PID"
  CODE=$?
  DIAL_PID=
}

case "$CASE" in
status_while_up)
  "$BIN" dial --apn 3gnet --device sim --ifname ec20 --lock-dir "$TMP/lock" --state-dir "$STATE" \
    --metrics-file "$TMP/metrics.prom" --status-interval 1 >"$TMP/dial.log" 2>&1 &
  DIAL_PID=$!
  FILE=$STATE/ec20.json
  wait_log "$TMP/dial.log" "local  IP address" 30
  wait_json "$FILE" '.phase == "running" and .ipv4.local == "10.18.14.216"' 10
  jq -e '.ipv4.remote == "10.64.64.64" and .dns == ["221.6.4.66", "58.240.57.33"] and .interface == "ec20"
         and .name == "ec20" and .device == "sim" and .apn == "3gnet" and .reconnects == 0 and .last_failure == null
         and (.up_since | type) == "number" and .modem.signal.rssi == 31 and .modem.operator.name == "CHN-UNICOM"' \
    "$FILE" >/dev/null || fail "the status file while up is not as expected: $(cat "$FILE")"
  [[ $(stat -c %a "$FILE") == 644 ]] || fail "status file mode $(stat -c %a "$FILE"), expected 644"
  [[ $(jq .pid "$FILE") == "$DIAL_PID" ]] || fail "pid $(jq .pid "$FILE"), the dialer is $DIAL_PID"

  # Traffic through the link, inside the dialer's own namespace: the counters follow.
  rx0=$(jq .rx.packets "$FILE")
  nsenter --net="/proc/$DIAL_PID/ns/net" ping -c 10 -i 0.2 -W 2 10.64.64.64 >"$TMP/ping.log" 2>&1 || fail "ping through the link failed"
  wait_json "$FILE" ".rx.packets >= $rx0 + 5 and .tx.packets >= 5 and .tx.bytes >= 5 * 84 and .rx.bytes >= 5 * 84" 15

  "$BIN" status --state-dir "$STATE" >"$TMP/status.log" 2>&1 || fail "ec20ppp status said not running: $(cat "$TMP/status.log")"
  grep -q "^ec20: running for " "$TMP/status.log" || fail "no 'ec20: running for' in: $(cat "$TMP/status.log")"
  grep -q "IPv4       10.18.14.216 peer 10.64.64.64" "$TMP/status.log" || fail "no addresses in: $(cat "$TMP/status.log")"
  grep -q "DNS        221.6.4.66 58.240.57.33" "$TMP/status.log" || fail "no DNS in: $(cat "$TMP/status.log")"
  "$BIN" status ec20 --json --state-dir "$STATE" >"$TMP/status.json" || fail "ec20ppp status ec20 --json failed"
  jq -e '.phase == "running"' "$TMP/status.json" >/dev/null || fail "status --json: $(cat "$TMP/status.json")"

  grep -qx 'ec20ppp_up{name="ec20"} 1' "$TMP/metrics.prom" || fail "metrics: no ec20ppp_up 1"
  rx_bytes=$(sed -n 's/^ec20ppp_bytes_total{name="ec20",direction="rx"} //p' "$TMP/metrics.prom")
  ((rx_bytes >= 5 * 84)) || fail "metrics: rx bytes '$rx_bytes'"
  grep -q '^ec20ppp_packets_total{name="ec20",direction="tx"} ' "$TMP/metrics.prom" || fail "metrics: no tx packets"
  grep -qx 'ec20ppp_reconnects_total{name="ec20"} 0' "$TMP/metrics.prom" || fail "metrics: no reconnects"

  stop_dialer TERM
  ((CODE == 5)) || fail "exit status $CODE after SIGTERM, expected 5"
  [[ ! -e $FILE ]] || fail "the status file is still there after SIGTERM"
  leftovers=$(find "$STATE" -name '*.json' -o -name '*.tmp')
  [[ -z $leftovers ]] || fail "left in the state directory: $leftovers"
  "$BIN" status --state-dir "$STATE" >"$TMP/status.log" 2>&1 && fail "ec20ppp status says running after the end"
  grep -q "no ec20ppp dialer is running" "$TMP/status.log" || fail "status after the end: $(cat "$TMP/status.log")"
  grep -qx 'ec20ppp_up{name="ec20"} 0' "$TMP/metrics.prom" || fail "metrics after the end: no ec20ppp_up 0"
  pass "status file while up ($(jq -c '{rx: .rx, tx: .tx}' "$TMP/status.json")), ec20ppp status, metrics; removed on SIGTERM"
  ;;
status_config_stale_json_log)
  # The instance is named after its config file; logs are JSON; a SIGKILLed dialer's file is stale.
  cat >"$TMP/wan.conf" <<CONF
apn = "3gnet"
device = "sim"
lock-dir = "$TMP/lock"
state-dir = "$STATE"
log-format = "json"
debug = true
CONF
  chmod 600 "$TMP/wan.conf"
  "$BIN" dial --config "$TMP/wan.conf" >"$TMP/dial.log" 2>&1 &
  DIAL_PID=$!
  wait_json "$STATE/wan.json" '.phase == "running" and .ipv4.local == "10.18.14.216"' 30
  "$BIN" status wan --state-dir "$STATE" >"$TMP/status.log" 2>&1 || fail "status wan: $(cat "$TMP/status.log")"
  grep -q "^wan: running for " "$TMP/status.log" || fail "status wan: $(cat "$TMP/status.log")"

  # Every line of the log is one JSON object with time, level and message.
  lines=$(wc -l <"$TMP/dial.log")
  objects=$(jq -c 'select((.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")) and (.level | type) == "string"
                         and (.message | type) == "string")' "$TMP/dial.log" | wc -l)
  ((lines > 10 && objects == lines)) || fail "$objects of $lines log lines are JSON log events"
  # (jq -s and any(): jq 1.6's -e judges only the last input, not the last output.)
  jq -s -e 'any(.[]; .direction == "tx" and (.message | startswith("sent [LCP ConfReq")))' "$TMP/dial.log" >/dev/null ||
    fail "no packet line with direction tx"
  jq -s -e 'any(.[]; .direction == "rx" and (.message | startswith("rcvd [")))' "$TMP/dial.log" >/dev/null ||
    fail "no packet line with direction rx"
  jq -s -e 'any(.[]; .level == "notice" and .message == "local  IP address 10.18.14.216")' "$TMP/dial.log" >/dev/null ||
    fail "no notice with the local address"

  stop_dialer KILL
  [[ -f $STATE/wan.json ]] || fail "a SIGKILLed dialer cannot remove its file, yet it is gone"
  "$BIN" status --state-dir "$STATE" >"$TMP/status.log" 2>&1 && fail "status calls a killed dialer running"
  grep -q "wan: stale status file $STATE/wan.json (pid [0-9]* is not running" "$TMP/status.log" ||
    fail "no stale message: $(cat "$TMP/status.log")"
  "$BIN" status wan --json --state-dir "$STATE" >"$TMP/status.json" 2>"$TMP/status.log" && fail "status wan --json: exit 0"
  [[ ! -s $TMP/status.json ]] || fail "status --json printed a stale file"
  # A --config with a bad key: the dialer refuses it with the file and line, before dialing.
  printf 'apn = "3gnet"\nmtu = "big"\n' >"$TMP/bad.conf"
  "$BIN" dial --config "$TMP/bad.conf" >"$TMP/bad.log" 2>&1
  CODE=$?
  ((CODE == 2)) || fail "bad config: exit $CODE, expected 2"
  grep -q "$TMP/bad.conf:2: 'mtu' takes a whole number" "$TMP/bad.log" || fail "bad config: $(cat "$TMP/bad.log")"
  pass "wan.json from --config, JSON log events with directions, stale file after SIGKILL, bad config refused"
  ;;
status_persist_reconnects)
  # The network ends each call after 1 s; --persist dials again: the status file counts the
  # reconnects and names the last failure. No TUN (--data-plane none, a user-space simulator):
  # nothing outside the temp dir is touched.
  "$BIN" sim --link "$TMP/tty" --user-space --terminate-after 1 >"$TMP/sim.log" 2>&1 &
  SIM_PID=$!
  for _ in $(seq 100); do [[ -L $TMP/tty ]] && break; sleep 0.05; done
  "$BIN" dial --apn 3gnet --device "$TMP/tty" --lock-dir "$TMP/lock" --state-dir "$STATE" --ifname wan0 \
    --data-plane none --persist --holdoff 0.2 --max-fail 5 --metrics-file "$TMP/metrics.prom" >"$TMP/dial.log" 2>&1 &
  DIAL_PID=$!
  wait_json "$STATE/wan0.json" '.reconnects >= 2 and .last_failure.exit_status == 16' 30
  jq -e '.last_failure.message == "the modem hung up or the network ended the call" and (.last_failure.time | type) == "number"' \
    "$STATE/wan0.json" >/dev/null || fail "last failure: $(jq -c .last_failure "$STATE/wan0.json")"
  grep -q '^ec20ppp_reconnects_total{name="wan0"} [2-9]' "$TMP/metrics.prom" || fail "metrics: reconnects"
  grep -q '^ec20ppp_last_failure_timestamp_seconds{name="wan0",exit_status="16"} ' "$TMP/metrics.prom" ||
    fail "metrics: no last failure"
  "$BIN" status wan0 --state-dir "$STATE" >"$TMP/status.log" 2>&1 || fail "status: $(cat "$TMP/status.log")"
  grep -q "reconnects [2-9]; last failure .* UTC: exit 16, the modem hung up or the network ended the call" "$TMP/status.log" ||
    fail "status: $(cat "$TMP/status.log")"
  stop_dialer TERM
  kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null
  ((CODE == 5)) || fail "exit status $CODE after SIGTERM, expected 5"
  [[ ! -e $STATE/wan0.json ]] || fail "the status file is still there after SIGTERM"
  pass "reconnects and the last failure in the status file, the metrics and ec20ppp status"
  ;;
*)
  fail "unknown case"
  ;;
esac
