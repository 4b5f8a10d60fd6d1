#!/usr/bin/env bash
# Fuzzes each libFuzzer target for SECONDS (default 900 = 15 min), one target at a time on one
# core, and merges what found new coverage into fuzz/corpus/<target>: minimised with -merge=1
# (by coverage edges, so it stays at hundreds of files) together with the hand-made seeds of
# fuzz/make_seeds.py. The fuller working corpus (every feature) stays in build-fuzz/work/ for
# the next run. Exits 1 when any target had a finding.
#
#   scripts/fuzz.sh                 # every target, 15 minutes each
#   scripts/fuzz.sh 60 cli          # one target for a minute
#   scripts/fuzz.sh 0               # no fuzzing: only rebuild and re-minimise the corpora
#
# Builds ./build-fuzz with clang-14 (-fsanitize=fuzzer,address,undefined); needs the Debian
# packages clang-14 and libclang-rt-14-dev (installed here when missing, as root). A finding
# ends that target's run (the others go on): its input is in fuzz/findings/<target>/; fix it,
# then copy the input to fuzz/regressions/<target>/ so CTest replays it for ever.
# Logs: build-fuzz/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-900}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(hdlc_deframe link_control chat_engine chat_script cli config_file)

for p in clang-14 libclang-rt-14-dev; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
    [[ $(id -u) -eq 0 ]] || { echo "error: install $p (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang-14 libclang-rt-14-dev >/dev/null
  fi
done
./scripts/deps.sh

if [[ ! -f build-fuzz/CMakeCache.txt ]]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DEC20PPP_WERROR=ON -DEC20PPP_SANITIZE=ON -DEC20PPP_LIBFUZZER=ON -DEC20PPP_BUILD_TESTS=OFF >/dev/null
fi
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
python3 fuzz/make_seeds.py "$seeds"
mkdir -p build-fuzz/logs
findings=0

for t in "${targets[@]}"; do
  exe=build-fuzz/fuzz/fuzz_$t
  corpus=fuzz/corpus/$t
  work=build-fuzz/work/$t
  mkdir -p "$corpus" "$work" "fuzz/findings/$t" "$seeds/$t"
  log=build-fuzz/logs/$t.log
  if ((seconds > 0)); then
    echo "== $t: fuzzing for $seconds s (log: $log)"
    start=$(date +%s)
    # New inputs go to the working corpus; the kept corpus and the seeds are read as well.
    if ! "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
        -artifact_prefix="fuzz/findings/$t/" "$work" "$corpus" "$seeds/$t" >"$log" 2>&1; then
      echo "!! $t: finding after $(( $(date +%s) - start )) s: see $log and fuzz/findings/$t/" >&2
      grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*property violated)" "$log" | head -5 >&2 || true
      findings=1
    fi
    echo "   ran $(( $(date +%s) - start )) s; $(grep -E '^#[0-9]+.*DONE' "$log" | tail -1)"
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log" | sed 's/^/   /'
  fi
  # Minimise: the smallest set of corpus, seed and working inputs that covers every edge they do
  # (-use_counters=0: edges, not hit counts).
  fresh=$(mktemp -d)
  "$exe" -merge=1 -use_counters=0 -timeout=10 -max_len=4096 "$fresh" "$corpus" "$seeds/$t" "$work" >"$log.merge" 2>&1
  rm -rf "$corpus"
  mv "$fresh" "$corpus"
  chmod 755 "$corpus"
  echo "   corpus: $(find "$corpus" -type f | wc -l) files; $(grep -E 'MERGE-OUTER: [0-9]+ new files' "$log.merge" | tail -1)"
done
exit "$findings"
