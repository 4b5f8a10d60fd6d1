#!/usr/bin/env bash
# One interop case: interop.sh CASE /path/to/ec20ppp
# A real pppd (Debian's ppp) on a real ppp_async, inside User-Mode Linux (the host kernel need not
# have CONFIG_PPP), talks to our binary over a pty pair. UML's /dev/ttyS1 is one host pty; the
# dialer (in a network namespace this script creates) or the simulator has the other. Packets
# only flow between these endpoints. Every UML run has a time limit and is killed by the trap.
set -uo pipefail
CASE=$1
BIN=$2
HERE=$(cd "$(dirname "$0")" && pwd)
UML_LIMIT=${EC20PPP_UML_TIMEOUT:-100}

if [[ $(id -u) -ne 0 ]]; then echo "SKIP: needs root (network namespaces, TUN, UML's hostfs root)"; exit 77; fi

TMP=$(mktemp -d /tmp/ec20ppp-interop.XXXXXX)
CLI=ec20i-$$-cli
NET=ec20i-$$-net
PIDS=()
UML_PGID=
UML_GROUP=
WATCHDOG=

# kill_uml GROUP: kills UML's process group, but only while GROUP is still our UML (its umid on
# the command line), never a group whose number was reused after UML ended.
kill_uml() {
  grep -qa "umid=ec20ppp-$$" "/proc/$1/cmdline" 2>/dev/null && kill -9 -- "-$1" 2>/dev/null
}

cleanup() {
  # UML runs as a process group of its own (its kernel thread and one host process per UML
  # process): kill the whole group, then the helpers and namespaces.
  # UML's kernel process makes a session of its own (so it is not in `timeout`'s group) with
  # one host process per UML process: kill that whole group, then `timeout` and the watchdog.
  [[ -z $UML_GROUP && -f $TMP/uml/ec20ppp-$$/pid ]] && UML_GROUP=$(cat "$TMP/uml/ec20ppp-$$/pid")
  if [[ -n $UML_GROUP ]] && kill_uml "$UML_GROUP"; then
    # Traced UML processes take a moment to die: do not leave before they are gone.
    for _ in $(seq 40); do kill -0 -- "-$UML_GROUP" 2>/dev/null || break; sleep 0.05; done
  fi
  [[ -n $UML_PGID ]] && kill -9 -- "-$UML_PGID" 2>/dev/null
  if [[ -n $WATCHDOG ]]; then
    pkill -9 -P "$WATCHDOG" 2>/dev/null  # its sleep
    kill -9 "$WATCHDOG" 2>/dev/null
  fi
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  for ns in "$CLI" "$NET"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  [[ -n $UML_PGID ]] && wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
  echo "FAIL [$CASE]: $*"
  for f in "$TMP"/*.log; do [[ -f $f ]] && { echo "----- $f"; tail -n 80 "$f"; }; done
  exit 1
}
pass() { echo "PASS [$CASE]: $*"; exit 0; }

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

wait_log() {  # wait_log FILE PATTERN SECONDS
  local file=$1 pattern=$2 limit=${3:-10}
  for _ in $(seq $((limit * 20))); do
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0
    grep -q "UML-FAIL" "$TMP/uml.log" 2>/dev/null && fail "inside UML: $(grep -m1 UML-FAIL "$TMP/uml.log")"
    sleep 0.05
  done
  fail "no '$pattern' in $file within ${limit}s"
}

# --- UML ---------------------------------------------------------------------------------------
command -v linux.uml >/dev/null || fail "linux.uml not found: install Debian's user-mode-linux (scripts/deps.sh does)"
[[ -x /usr/sbin/pppd ]] || fail "/usr/sbin/pppd not found: install Debian's ppp (scripts/deps.sh does)"

# uml_start TTY: boots UML with $TMP/init.sh as init and the host tty TTY as its /dev/ttyS1.
# The console (pppd's log, the init script's output) goes to $TMP/uml.log.
uml_start() {
  local tty=$1
  chmod +x "$TMP/init.sh"
  mkdir -p "$TMP/uml"
  UML_START=$(date +%s%N)
  # setsid: a process group to kill as one; timeout: the hard limit on the whole run.
  setsid timeout -s KILL "$UML_LIMIT" linux.uml mem=192M root=/dev/root rootfstype=hostfs rootflags=/ rw \
    "init=$TMP/init.sh" con=null con0=null,fd:1 ssl=null "ssl1=tty:$tty" \
    "uml_dir=$TMP/uml" "umid=ec20ppp-$$" </dev/null >"$TMP/uml.log" 2>&1 &
  UML_PID=$!
  UML_PGID=$UML_PID
  for _ in $(seq 400); do
    if grep -q "UML-READY" "$TMP/uml.log" 2>/dev/null; then
      UML_BOOT_MS=$(ms_since "$UML_START")
      UML_GROUP=$(cat "$TMP/uml/ec20ppp-$$/pid" 2>/dev/null)
      [[ -n $UML_GROUP ]] || fail "UML wrote no pid file under $TMP/uml"
      # `timeout` kills only UML's kernel process: this kills all of UML even if this script is
      # itself killed (e.g. by CTest's TIMEOUT) before its trap runs.
      (sleep "$UML_LIMIT"; kill_uml "$UML_GROUP") >/dev/null 2>&1 &
      WATCHDOG=$!
      disown
      return 0
    fi
    grep -q "UML-FAIL" "$TMP/uml.log" 2>/dev/null && fail "UML started but: $(grep -m1 UML-FAIL "$TMP/uml.log")"
    kill -0 "$UML_PID" 2>/dev/null || fail "UML could not start (exit $(wait "$UML_PID"; echo $?)): $(tail -n 5 "$TMP/uml.log")"
    sleep 0.05
  done
  fail "UML did not boot within 20 s: $(tail -n 5 "$TMP/uml.log")"
}

# uml_wait_end SECONDS: UML halts when its init script ends.
uml_wait_end() {
  local limit=$1
  for _ in $(seq $((limit * 20))); do
    kill -0 "$UML_PID" 2>/dev/null || { wait "$UML_PID" 2>/dev/null; UML_PGID=; UML_GROUP=; return 0; }
    sleep 0.05
  done
  fail "UML did not halt within ${limit}s"
}

# A pty pair joined by socat: UML opens one slave, our dialer the other.
pty_pair() {
  socat -d -d "pty,raw,echo=0,link=$TMP/uml-tty" "pty,raw,echo=0,link=$TMP/host-tty" 2>"$TMP/socat-pty.log" &
  PIDS+=($!)
  disown
  for _ in $(seq 100); do [[ -L $TMP/uml-tty && -L $TMP/host-tty ]] && return 0; sleep 0.05; done
  fail "socat did not create the pty pair"
}

start_sim() {  # the simulator on the host, its network side in namespace $NET
  ip netns add "$NET" || fail "cannot create a network namespace"
  ip netns exec "$NET" "$BIN" sim --link "$TMP/sim-tty" --netns "$NET" --debug "$@" >"$TMP/sim.log" 2>&1 &
  PIDS+=($!)
  disown
  for _ in $(seq 100); do [[ -L $TMP/sim-tty ]] && return 0; sleep 0.05; done
  fail "the simulator did not publish its pty"
}

# --- pppd as the network side (part 1) ---------------------------------------------------------

# network_pppd_init AUTH-OPTIONS DNS-OPTIONS: UML's init runs pppd as the EC20's network would
# be, with chat answering our AT dialogue, then serves 10 MiB over TCP once the link is up.
network_pppd_init() {
  local auth=$1 dns=$2
  head -c $((10 * 1024 * 1024)) /dev/urandom >"$TMP/down.bin"
  cp "$HERE/at-responder.chat" "$TMP/at-responder.chat"
  cat >"$TMP/init.sh" <<INIT
#!/bin/sh
. "$HERE/uml-prologue.sh"
printf '"user" "UMTS_CHAP_SRVR" "passwd" *\n' >/etc/ppp/chap-secrets
printf '"user" * "passwd" *\n' >/etc/ppp/pap-secrets
chmod 600 /etc/ppp/chap-secrets /etc/ppp/pap-secrets
printf '#!/bin/sh\necho "IP-UP \$1 local=\$4 remote=\$5" >/dev/console\n' >/etc/ppp/ip-up
chmod +x /etc/ppp/ip-up
echo "PPPD-START"
pppd /dev/ttyS1 115200 local nocrtscts noipdefault $auth name UMTS_CHAP_SRVR \
  10.64.64.64:10.18.14.216 $dns lcp-echo-interval 0 \
  connect "echo AT-RESPONDER >/dev/console; exec chat -t 30 -f $TMP/at-responder.chat" \
  logfd 1 debug nodetach &
pppd=\$!
# Once pppd's end is up: serve the file (download) and take one (upload), then wait for pppd.
for i in \$(seq 600); do ip -4 addr show dev ppp0 2>/dev/null | grep -q 10.64.64.64 && break; sleep 0.1; done
socat -u FILE:$TMP/down.bin TCP-LISTEN:5001,bind=10.64.64.64,reuseaddr >/dev/console 2>&1 &
socat -u TCP-LISTEN:5002,bind=10.64.64.64,reuseaddr CREATE:$TMP/up.recv >/dev/console 2>&1 &
echo "UML-SERVING"
wait \$pppd
echo "PPPD-EXIT \$?"
halt -f
INIT
}

dial() {  # the dialer on the host, in namespace $CLI
  ip netns add "$CLI" || fail "cannot create a network namespace"
  mkdir -p "$TMP/lock"
  ip netns exec "$CLI" "$BIN" dial --apn 3gnet --device "$TMP/host-tty" --lock-dir "$TMP/lock" \
    --default-route no --ifname ec20i0 --debug "$@" >"$TMP/dial.log" 2>&1 &
  DIAL_PID=$!
  PIDS+=($DIAL_PID)
}

expect_up() {  # expect_up WITH-DNS: our log and pppd's agree on the addresses
  wait_log "$TMP/dial.log" "local  IP address 10.18.14.216" 30
  grep -q "remote IP address 10.64.64.64" "$TMP/dial.log" || fail "no remote address 10.64.64.64 in our log"
  if [[ $1 == yes ]]; then
    grep -q "primary   DNS address 221.6.4.66" "$TMP/dial.log" || fail "no primary DNS 221.6.4.66 in our log"
    grep -q "secondary DNS address 58.240.57.33" "$TMP/dial.log" || fail "no secondary DNS 58.240.57.33 in our log"
  else
    grep -q "DNS address" "$TMP/dial.log" && fail "a DNS address although pppd offered none"
  fi
  wait_log "$TMP/uml.log" "IP-UP ppp0 local=10.64.64.64 remote=10.18.14.216" 10
  grep -q "local  IP address 10.64.64.64" "$TMP/uml.log" || fail "pppd did not log its local address"
  grep -q "remote IP address 10.18.14.216" "$TMP/uml.log" || fail "pppd did not log our address"
  # The log line comes first; the address follows over rtnetlink.
  for _ in $(seq 100); do
    ip -n "$CLI" addr show dev ec20i0 2>/dev/null | grep -q "inet 10.18.14.216 peer 10.64.64.64/32" && return 0
    sleep 0.05
  done
  fail "address not set: $(ip -n "$CLI" addr show dev ec20i0)"
}

ping_across() {  # ping_across NS-PREFIX...: three echoes to pppd's end
  "$@" ping -c 3 -i 0.2 -W 3 10.64.64.64 >"$TMP/ping.log" 2>&1 || fail "ping 10.64.64.64 across the link failed"
  grep -o 'time=[0-9.]* ms' "$TMP/ping.log" | tail -n1
}

sigterm_clean() {  # SIGTERM: exit 5, LCP Terminate, the interface gone, pppd ends too
  local start
  start=$(date +%s%N)
  kill -TERM "$DIAL_PID"
  wait "$DIAL_PID"
  local code=$?
  STOP_MS=$(ms_since "$start")
  [[ $code -eq 5 ]] || fail "exit code $code after SIGTERM, expected 5"
  ((STOP_MS < 3000)) || fail "SIGTERM took ${STOP_MS} ms (limit 3000)"
  grep -q 'sent \[LCP TermReq' "$TMP/dial.log" || fail "no LCP Terminate-Request on SIGTERM"
  ip -n "$CLI" link show ec20i0 >/dev/null 2>&1 && fail "the interface is still there"
  wait_log "$TMP/uml.log" "PPPD-EXIT" 10
  grep -q "rcvd \[LCP TermReq" "$TMP/uml.log" || fail "pppd did not see our Terminate-Request"
  uml_wait_end 10
}

network_case() {  # network_case AUTH-OPTIONS DNS-OPTIONS WITH-DNS TRANSFER DIAL-ARGS...
  local auth=$1 dns=$2 with_dns=$3 transfer=$4
  shift 4
  network_pppd_init "$auth" "$dns"
  pty_pair
  uml_start "$(readlink "$TMP/uml-tty")"
  wait_log "$TMP/uml.log" "AT-RESPONDER" 20
  dial "$@"
  expect_up "$with_dns"
  local rtt
  rtt=$(ping_across ip netns exec "$CLI")
  wait_log "$TMP/uml.log" "UML-SERVING" 10
  RESULT="UML boot ${UML_BOOT_MS} ms; ping $rtt"
  if [[ $transfer == yes ]]; then
    head -c $((10 * 1024 * 1024)) /dev/urandom >"$TMP/up.bin"
    local start ms_down ms_up
    start=$(date +%s%N)
    timeout 120 ip netns exec "$CLI" socat -u TCP:10.64.64.64:5001 "CREATE:$TMP/down.recv" || fail "download failed"
    ms_down=$(ms_since "$start")
    start=$(date +%s%N)
    timeout 120 ip netns exec "$CLI" socat -u "FILE:$TMP/up.bin" TCP:10.64.64.64:5002 || fail "upload failed"
    for _ in $(seq 100); do [[ $(stat -c %s "$TMP/up.recv" 2>/dev/null) == $((10 * 1024 * 1024)) ]] && break; sleep 0.1; done
    ms_up=$(ms_since "$start")
    [[ "$(sha256sum <"$TMP/down.bin")" == "$(sha256sum <"$TMP/down.recv")" ]] || fail "download checksum differs"
    [[ "$(sha256sum <"$TMP/up.bin")" == "$(sha256sum <"$TMP/up.recv")" ]] || fail "upload checksum differs"
    RESULT+="; 10 MiB down in ${ms_down} ms ($((10 * 1024 * 1000 / (ms_down + 1))) KiB/s), up in ${ms_up} ms ($((10 * 1024 * 1000 / (ms_up + 1))) KiB/s), sha256 equal"
  fi
  sigterm_clean
  RESULT+="; SIGTERM exit 5 in ${STOP_MS} ms"
}

# --- pppd as the client, against the simulator (part 2) ------------------------------------------

# The chat script of quectel-pppd.sh, as a line of UML's init script that writes it.
CHAT_EC20=$(cat <<'EOF2'
cat >/etc/ppp/chat-ec20 <<'CHAT'
ABORT BUSY ABORT 'NO CARRIER' ABORT 'NO DIALTONE' ABORT ERROR ABORT 'NO ANSWER' TIMEOUT 30
'' AT OK ATE0 OK 'ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2' OK 'AT+CGDCONT=1,"IP","3gnet",,0,0' OK 'ATD*99#' CONNECT
CHAT
EOF2
)

# client_pppd_init: UML's init runs pppd + chat exactly as quectel-pppd.sh does, against the
# simulated EC20 on the host; once IP is up it pings the simulator's network side.
client_pppd_init() {
  cat >"$TMP/init.sh" <<INIT
#!/bin/sh
. "$HERE/uml-prologue.sh"
$CHAT_EC20
printf '#!/bin/sh\necho "IP-UP \$1 local=\$4 remote=\$5 DNS1=\$DNS1 DNS2=\$DNS2" >/dev/console\n' >/etc/ppp/ip-up
chmod +x /etc/ppp/ip-up
pppd /dev/ttyS1 115200 user user password passwd connect "chat -v -f /etc/ppp/chat-ec20" \
  noauth debug defaultroute noipdefault novj novjccomp noccp ipcp-accept-local ipcp-accept-remote \
  ipcp-max-configure 30 local lock modem dump nodetach nocrtscts usepeerdns logfd 1 &
pppd=\$!
for i in \$(seq 300); do ip -4 addr show dev ppp0 2>/dev/null | grep -q 10.18.14.216 && break; sleep 0.1; done
if ping -c 3 -i 0.2 -W 3 10.64.64.64; then echo PING-OK; else echo PING-FAIL; fi
echo "RESOLV \$(tr '\n' ' ' </etc/ppp/resolv.conf)"
kill -TERM \$pppd
wait \$pppd
echo "PPPD-EXIT \$?"
halt -f
INIT
}

# --- ec20ppp inside UML on the kernel's PPP data plane (part 3) ---------------------------------

# kernel_dial_init DATA-PLANE: UML's init runs our own dialer on /dev/ttyS1 against the simulator,
# pings through ppp0, fetches and sends 2 MiB, then stops it with SIGTERM.
kernel_dial_init() {
  local plane=$1
  cat >"$TMP/init.sh" <<INIT
#!/bin/sh
. "$HERE/uml-prologue.sh"
# (UML's serial lines report a fixed 38400 baud and refuse other rates; the pty has no rate.)
"$BIN" dial --apn 3gnet --device /dev/ttyS1 --baud 38400 --lock-dir /run/lock --data-plane $plane --default-route no \
  --debug >$TMP/uml-dial.log 2>&1 &
dial=\$!
for i in \$(seq 300); do ip -4 addr show 2>/dev/null | grep -q "inet 10.18.14.216 peer 10.64.64.64" && break; sleep 0.1; done
ip -4 addr show
if ping -c 3 -i 0.2 -W 3 10.64.64.64; then echo PING-OK; else echo PING-FAIL; fi
start=\$(date +%s%N)
down=\$(socat -u TCP:10.64.64.64:5001 - | sha256sum | cut -d' ' -f1)
echo "DOWN-SHA \$down \$(( (\$(date +%s%N) - start) / 1000000 )) ms"
start=\$(date +%s%N)
socat -u FILE:$TMP/up.bin TCP:10.64.64.64:5002 && echo "UP-SENT \$(( (\$(date +%s%N) - start) / 1000000 )) ms"
ifname=\$(ip -o -4 addr show | grep 10.18.14.216 | cut -d' ' -f2)
kill -TERM \$dial
wait \$dial
echo "DIAL-EXIT \$?"
if ip link show "\$ifname" >/dev/null 2>&1; then echo "IFACE-LEFT \$ifname"; else echo "IFACE-GONE \$ifname"; fi
halt -f
INIT
}

kernel_case() {  # kernel_case DATA-PLANE
  # 2 MiB each way: UML's serial line takes input from the host at only ~0.3 MB/s (one SIGIO per
  # chunk), so 10 MiB down would cost half a minute per case without testing anything more.
  head -c $((2 * 1024 * 1024)) /dev/urandom >"$TMP/down.bin"
  head -c $((2 * 1024 * 1024)) /dev/urandom >"$TMP/up.bin"
  start_sim
  # The simulator's TUN gets 10.64.64.64 only once the link is up: until then the servers' bind
  # fails, and socat retries it.
  ip netns exec "$NET" socat -u "FILE:$TMP/down.bin" TCP-LISTEN:5001,bind=10.64.64.64,reuseaddr,retry=600,interval=0.1 \
    >"$TMP/socat-down.log" 2>&1 &
  PIDS+=($!)
  ip netns exec "$NET" socat -u TCP-LISTEN:5002,bind=10.64.64.64,reuseaddr,retry=600,interval=0.1 "CREATE:$TMP/up.recv" \
    >"$TMP/socat-up.log" 2>&1 &
  PIDS+=($!)
  kernel_dial_init "$1"
  uml_start "$(readlink "$TMP/sim-tty")"
  wait_log "$TMP/uml-dial.log" "local  IP address 10.18.14.216" 30
  wait_log "$TMP/uml.log" "PING-" 20
  grep -q PING-OK "$TMP/uml.log" || fail "ping from UML through ppp0 failed"
  wait_log "$TMP/uml.log" "DIAL-EXIT" 90
  uml_wait_end 10
  local want
  want=$(sha256sum <"$TMP/down.bin" | cut -d' ' -f1)
  grep -q "DOWN-SHA $want" "$TMP/uml.log" || fail "download checksum differs: $(grep DOWN-SHA "$TMP/uml.log")"
  grep -q "UP-SENT" "$TMP/uml.log" || fail "upload failed"
  [[ "$(sha256sum <"$TMP/up.bin")" == "$(sha256sum <"$TMP/up.recv")" ]] || fail "upload checksum differs"
  grep -q "DIAL-EXIT 5" "$TMP/uml.log" || fail "dialer exit after SIGTERM: $(grep DIAL-EXIT "$TMP/uml.log")"
  grep -q "IFACE-GONE" "$TMP/uml.log" || fail "the interface is left: $(grep IFACE- "$TMP/uml.log")"
  RESULT="UML boot ${UML_BOOT_MS} ms; $(grep -o 'DOWN-SHA [0-9a-f]* [0-9]* ms' "$TMP/uml.log" | awk '{print "2 MiB down in " $3 " ms"}'); $(grep -o 'UP-SENT [0-9]* ms' "$TMP/uml.log" | awk '{print "up in " $2 " ms"}'); SIGTERM exit 5, interface gone"
}

# --- dial time: pppd + chat against ec20ppp, same simulated modem, same UML (issue 8) ----------

# dial_time_init TOOL: UML's init dials the fresh simulator once with TOOL — pppd (+ chat, with
# the options of quectel-pppd.sh) or ec20ppp (on the same kernel data plane) — timed from the
# start of the process to its ip-up script. One tool per boot and simulator: the simulator's NO
# CARRIER at the end of a call reaches ttyS1 only with the next input (UML's serial line reads the
# host pty on SIGIO), where chat(8) would take it for the answer to its first AT and fail, and
# ec20ppp (which ignores it, V.250 §6.3.1) would lose that AT and its 3 s timeout. ec20ppp logs
# JSON (each event's time to the millisecond) for the phase breakdown; its start goes to dial.start.
dial_time_init() {
  local tool=$1 command
  if [[ $tool == pppd ]]; then
    command="pppd /dev/ttyS1 115200 user user password passwd connect 'chat -s -v -f /etc/ppp/chat-ec20' \
noauth defaultroute noipdefault novj novjccomp noccp ipcp-accept-local ipcp-accept-remote \
ipcp-max-configure 30 local lock modem nodetach nocrtscts usepeerdns >$TMP/pppd.log 2>&1"
  else
    command="$BIN dial --apn 3gnet --device /dev/ttyS1 --baud 38400 --lock-dir /run/lock --data-plane ppp \
--default-route no --ip-up /etc/ppp/ip-up --debug --log-format json 2>$TMP/dial.log"
  fi
  cat >"$TMP/init.sh" <<INIT
#!/bin/sh
. "$HERE/uml-prologue.sh"
$CHAT_EC20
printf '#!/bin/sh\ndate +%%s%%N >/run/ip-up.time\n' >/etc/ppp/ip-up
chmod +x /etc/ppp/ip-up
start=\$(date +%s%N)
echo \$start >"$TMP/dial.start"
$command &
tool=\$!
for i in \$(seq 1500); do [ -s /run/ip-up.time ] && break; sleep 0.02; done
if [ -s /run/ip-up.time ]; then echo "DIALTIME $tool \$(( (\$(cat /run/ip-up.time) - start) / 1000000 ))"; else echo "DIALTIME $tool failed"; fi
kill -TERM \$tool; wait \$tool
echo DIALTIME-END
halt -f
INIT
}

case "$CASE" in
pppd_network_chap)
  network_case "auth require-chap" "ms-dns 221.6.4.66 ms-dns 58.240.57.33" yes yes
  grep -q 'rcvd \[CHAP Challenge id=0x[0-9a-f]* <[0-9a-f]*>, name = "UMTS_CHAP_SRVR"\]' "$TMP/dial.log" || fail "no CHAP challenge from pppd in our log"
  grep -q 'sent \[CHAP Success' "$TMP/uml.log" || fail "pppd did not accept our CHAP response"
  pass "$RESULT"
  ;;
pppd_network_pap)
  network_case "auth require-pap" "ms-dns 221.6.4.66 ms-dns 58.240.57.33" yes no
  grep -q 'sent \[PAP AuthReq' "$TMP/dial.log" || fail "we did not send a PAP Authenticate-Request"
  grep -q 'sent \[PAP AuthAck' "$TMP/uml.log" || fail "pppd did not accept our PAP request"
  pass "$RESULT"
  ;;
pppd_network_noauth)
  network_case "noauth" "ms-dns 221.6.4.66 ms-dns 58.240.57.33" yes no
  grep -q "CHAP\|PAP" "$TMP/dial.log" && fail "authentication happened although pppd asked for none"
  pass "$RESULT"
  ;;
pppd_network_no_dns)
  network_case "auth require-chap" "" no no
  pass "$RESULT"
  ;;
bench_dial_time)
  # Not a CTest case: bench/dial_time.sh runs it (EC20PPP_DIAL_TOOL=pppd or ec20ppp) several times.
  start_sim --latency "${EC20PPP_SIM_LATENCY_MS:-40}"
  dial_time_init "${EC20PPP_DIAL_TOOL:-ec20ppp}"
  uml_start "$(readlink "$TMP/sim-tty")"
  wait_log "$TMP/uml.log" "DIALTIME-END" 60
  grep "^DIALTIME " "$TMP/uml.log"
  echo "----- log $(cat "$TMP/dial.start")"; cat "$TMP/dial.log" "$TMP/pppd.log" 2>/dev/null
  pass "one dial"
  ;;
pppd_client_vs_sim)
  start_sim
  client_pppd_init
  uml_start "$(readlink "$TMP/sim-tty")"
  wait_log "$TMP/uml.log" "PPPD-EXIT" 60
  uml_wait_end 10
  for line in "local  IP address 10.18.14.216" "remote IP address 10.64.64.64" "primary   DNS address 221.6.4.66" \
    "secondary DNS address 58.240.57.33" 'rcvd \[CHAP Challenge id=0x[0-9a-f]* <[0-9a-f]*>, name = "UMTS_CHAP_SRVR"\]' \
    "CHAP authentication succeeded" "IP-UP ppp0 local=10.18.14.216 remote=10.64.64.64 DNS1=221.6.4.66 DNS2=58.240.57.33"; do
    grep -q -- "$line" "$TMP/uml.log" || fail "pppd's log lacks '$line'"
  done
  grep -q PING-OK "$TMP/uml.log" || fail "pppd's side could not ping the simulator's network"
  grep -q "RESOLV nameserver 221.6.4.66 nameserver 58.240.57.33" "$TMP/uml.log" || fail "pppd's usepeerdns did not get the DNS"
  pass "pppd + chat (quectel-pppd.sh's options) reached IP-up on the simulator and pinged 10.64.64.64; UML boot ${UML_BOOT_MS} ms"
  ;;
kernel_data_plane_ppp)
  kernel_case ppp
  grep -q "Using interface ppp" "$TMP/uml-dial.log" || fail "not on a kernel ppp interface"
  pass "$RESULT"
  ;;
kernel_data_plane_auto)
  kernel_case auto
  grep -q "data plane: ppp" "$TMP/uml-dial.log" || fail "--data-plane auto did not say it picked ppp where /dev/ppp works"
  # On the host (no CONFIG_PPP) the same option falls back to TUN and says so.
  ip netns add "$CLI" || fail "cannot create a network namespace"
  mkdir -p "$TMP/lock"
  timeout 30 ip netns exec "$CLI" "$BIN" dial --apn 3gnet --device sim --data-plane auto --ping 1 \
    --lock-dir "$TMP/lock" >"$TMP/host-dial.log" 2>&1 || fail "dialing the simulator on the host with --data-plane auto failed"
  grep -q "data plane: tun" "$TMP/host-dial.log" || fail "--data-plane auto did not say it picked tun on the host"
  pass "$RESULT; on the host auto picked tun"
  ;;
pcap_tshark)
  # The capture of a dial against pppd, read by Wireshark's dissectors.
  command -v tshark >/dev/null || fail "tshark not found: install Debian's tshark (scripts/deps.sh does)"
  network_case "auth require-chap" "ms-dns 221.6.4.66 ms-dns 58.240.57.33" yes no --pcap "$TMP/dial.pcap"
  tshark -r "$TMP/dial.pcap" -T fields -e frame.protocols >"$TMP/tshark.log" 2>"$TMP/tshark-err.log" || fail "tshark could not read the capture: $(cat "$TMP/tshark-err.log")"
  for proto in ppp:lcp ppp:chap ppp:ipcp ppp:ip:icmp; do
    grep -q "$proto" "$TMP/tshark.log" || fail "no $proto in the capture: $(sort -u "$TMP/tshark.log" | tr '\n' ' ')"
  done
  malformed=$(tshark -r "$TMP/dial.pcap" -Y "_ws.malformed || _ws.expert.severity >= error" 2>/dev/null | wc -l)
  [[ $malformed -eq 0 ]] || fail "$malformed malformed packets: $(tshark -r "$TMP/dial.pcap" -Y "_ws.malformed || _ws.expert.severity >= error" 2>/dev/null | head -5)"
  frames=$(wc -l <"$TMP/tshark.log")
  pass "tshark read $frames frames: LCP, CHAP, IPCP, ICMP; none malformed"
  ;;
*)
  fail "unknown case"
  ;;
esac
