#!/bin/bash
# Runs one .bats file of nook's e2e suite the way ctest does:
#   - as the unprivileged test user from E2E_DIR/env, with a clean environment (no
#     XDG_RUNTIME_DIR, as on these machines), or
#   - as root inside new network and mount namespaces when the file name ends in -root.bats
#     (the loopback interface is brought up there; the host's registries are not reachable).
# Exit code: bats' own; 77 when the test bed was not set up (setup.sh skipped: not root).
# Prints "# skipped: N" after the TAP output.
#
# usage: run-bats.sh E2E_DIR FILE.bats        (as root)
set -uo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 E2E_DIR FILE.bats" >&2
    exit 2
fi
E2E_DIR=$(realpath -m -- "$1")
FILE=$(realpath -- "$2")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ! -f $E2E_DIR/env ]]; then
    echo "run-bats: $E2E_DIR/env is missing: the e2e setup did not run (it needs root); skipping"
    exit 77
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "run-bats: needs root to switch to the test user; skipping"
    exit 77
fi
# shellcheck source=/dev/null
TEST_USER=$(set +u; source "$E2E_DIR/env" && echo "$NOOK_TEST_USER")
TEST_HOME=$(getent passwd "$TEST_USER" | cut -d: -f6)

name=$(basename "$FILE")
install -d -m 0755 "$E2E_DIR/tests"
install -m 0644 "$FILE" "$HERE/helpers.bash" "$E2E_DIR/tests/"
# helper programs the tests start (tests/helpers/*.py, e.g. the fault-injecting registry proxy,
# and *.c that a test compiles, e.g. the UDP echo server)
if compgen -G "$HERE/../helpers/*.py" >/dev/null; then
    install -d -m 0755 "$E2E_DIR/tests/helpers"
    install -m 0755 "$HERE"/../helpers/*.py "$E2E_DIR/tests/helpers/"
fi
if compgen -G "$HERE/../helpers/*.c" >/dev/null; then
    install -d -m 0755 "$E2E_DIR/tests/helpers"
    install -m 0644 "$HERE"/../helpers/*.c "$E2E_DIR/tests/helpers/"
fi
cd "$E2E_DIR/tests" || exit 1

CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
if [[ $name == *-root.bats ]]; then
    # shellcheck disable=SC2016 # $1 expands in the inner sh
    cmd=(unshare --net --mount --
         env -i HOME=/root USER=root LOGNAME=root "PATH=$CLEAN_PATH" "NOOK_E2E_DIR=$E2E_DIR"
         sh -c 'ip link set lo up 2>/dev/null; exec bats --tap "$1"' sh "$E2E_DIR/tests/$name")
else
    cmd=(runuser -u "$TEST_USER" --
         env -i "HOME=$TEST_HOME" "USER=$TEST_USER" "LOGNAME=$TEST_USER" "PATH=$CLEAN_PATH" "NOOK_E2E_DIR=$E2E_DIR"
         bats --tap "$E2E_DIR/tests/$name")
fi

# The TAP stream goes to a file (shown live with tail) rather than through a pipe, so that a
# process a test leaves behind holding the output open cannot make this script wait forever.
tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
"${cmd[@]}" >"$tap" 2>&1 </dev/null &
bats_pid=$!
tail -n +1 -f --pid="$bats_pid" "$tap" &
tail_pid=$!
wait "$bats_pid"
rc=$?
wait "$tail_pid"

echo "# skipped: $(grep -cE '^ok [0-9]+ .*# skip' "$tap")"
leftover=$(ps -u "$TEST_USER" -o pid=,stat=,args= 2>/dev/null | awk '$2 !~ /^Z/')
if [[ $name != *-root.bats && -n $leftover ]]; then
    echo "# warning: processes of $TEST_USER still running after the tests:"
    while IFS= read -r l; do echo "#   $l"; done <<<"$leftover"
fi
exit "$rc"
