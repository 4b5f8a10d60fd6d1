#!/usr/bin/env bash
# The main job on the built-in simulated EC20: install, build, then dial the simulator over a
# private pty - AT chat, LCP, CHAP, IPCP - and ping through the link. As root the dialer and the
# simulator each run in a network namespace of their own, so the host's network is untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/build.sh >/dev/null
exec ./build/src/app/ec20ppp dial --apn 3gnet --device sim --ping 3 --debug "$@"
