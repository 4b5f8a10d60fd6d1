#!/usr/bin/env bash
# Type=notify: with NOTIFY_SOCKET set, as systemd sets it for ec20ppp@.service, a dial of the
# simulated EC20 sends READY=1 once, when the link is up and addressed. The service manager is a
# unix datagram socket this test makes (socat); the dial runs in namespaces `--device sim` makes.
# usage: notify_test.sh /path/to/ec20ppp
set -uo pipefail
BIN=$1
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: needs root (the simulated dial uses network namespaces)"; exit 77; fi
if [[ ! -c /dev/net/tun ]]; then echo "SKIP: no /dev/net/tun"; exit 77; fi
T=$(mktemp -d /tmp/ec20ppp-notify.XXXXXX)
RECEIVER=""
trap '[[ -n $RECEIVER ]] && kill "$RECEIVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; echo "----- dial.log"; tail -n 40 "$T/dial.log"; exit 1; }
mkdir "$T/lock"

# What the dialer sends, appended as it arrives (one datagram: "READY=1\nSTATUS=...").
socat -u UNIX-RECV:"$T/notify" OPEN:"$T/received",creat,append &
RECEIVER=$!
for _ in $(seq 100); do [[ -S $T/notify ]] && break; sleep 0.05; done
[[ -S $T/notify ]] || fail "socat did not make the socket"

NOTIFY_SOCKET=$T/notify timeout 60 "$BIN" dial --apn 3gnet --device sim --ping 2 --lock-dir "$T/lock" >"$T/dial.log" 2>&1
code=$?
[[ $code -eq 0 ]] || fail "the dial ended with $code"
for _ in $(seq 40); do grep -q READY=1 "$T/received" 2>/dev/null && break; sleep 0.05; done
received=$(cat "$T/received" 2>/dev/null)
[[ $(grep -o 'READY=1' <<<"$received" | wc -l) -eq 1 ]] || fail "READY=1 not received exactly once: '$received'"
# Sent once IPCP gave the address (which it names) and the interface was configured.
grep -qx 'STATUS=online, local IP address 10.18.14.216' <<<"$received" || fail "no STATUS with the address: '$received'"

# Sending raised no warning.
grep -qi notify "$T/dial.log" && fail "the dialer logged about notify: $(grep -i notify "$T/dial.log")"
echo "PASS: the service manager got READY=1 once, after IP-up: $(tr '\n' ' ' <<<"$received")"
