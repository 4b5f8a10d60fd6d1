# Sourced by the bench/*.sh scripts that run as root: a temporary directory and two network
# namespaces of their own ($NET for the simulator's side, $CLI for the dialer), removed on exit
# with every process still in them. bench_setup PREFIX creates them.
bench_setup() {
  TMP=$(mktemp -d "/tmp/ec20ppp-$1.XXXXXX")
  NET=ec20$1-$$-net
  CLI=ec20$1-$$-cli
  trap bench_cleanup EXIT
}
bench_cleanup() {
  for ns in "$CLI" "$NET"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
