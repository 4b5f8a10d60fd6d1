# Shared by the tests/drivers scripts: a tiny TAP-like reporter and the paths they use.
# Source it; call ok/fail/expect_*; end with `finish`.
set -u
DRIVERS=${DRIVERS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../drivers/qmi" && pwd)}
failures=0
ok() { echo "ok - $*"; }
fail() {
    echo "FAIL - $*"
    failures=$((failures + 1))
}
# expect_fail NAME SENTENCE-FRAGMENT CMD...: CMD must exit non-zero and print the fragment.
expect_fail() {
    local name=$1 want=$2
    shift 2
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [[ $rc -ne 0 && $out == *"$want"* ]]; then
        ok "$name"
    else
        fail "$name: exit $rc, wanted \"$want\" in:"
        echo "$out" | sed 's/^/    /'
    fi
}
# expect_ok NAME FRAGMENT CMD...: CMD must succeed and print the fragment.
expect_ok() {
    local name=$1 want=$2
    shift 2
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [[ $rc -eq 0 && $out == *"$want"* ]]; then
        ok "$name"
    else
        fail "$name: exit $rc, wanted \"$want\" in:"
        echo "$out" | sed 's/^/    /'
    fi
}
finish() {
    if ((failures)); then
        echo "$failures failed"
        exit 1
    fi
    echo "all passed"
    exit 0
}
