#!/bin/bash
# Runs a short command COUNT times (after one untimed warm-up call) and prints the wall time of
# each call in milliseconds, one a line. Timing uses bash's $EPOCHREALTIME around each call, so
# it includes fork and exec of the command but no wrapper (no runuser, no sampler).
# Output of the command goes to LOG. Exits 1 at the first failing call.
#
# usage: repeat.sh COUNT LOG -- COMMAND [ARG...]
set -uo pipefail

if [[ $# -lt 4 || $3 != -- ]]; then
    echo "usage: $0 COUNT LOG -- COMMAND [ARG...]" >&2
    exit 2
fi
count=$1 log=$2
shift 3

if ! "$@" >>"$log" 2>&1 </dev/null; then
    echo "repeat: warm-up call failed: $*; see $log" >&2
    exit 1
fi
for ((i = 0; i < count; i++)); do
    t0=$EPOCHREALTIME
    "$@" >>"$log" 2>&1 </dev/null
    rc=$?
    t1=$EPOCHREALTIME
    if ((rc != 0)); then
        echo "repeat: call $((i + 1)) failed (exit $rc): $*; see $log" >&2
        exit 1
    fi
    # EPOCHREALTIME is SECONDS.MICROSECONDS (six digits); compute in integer microseconds.
    us=$((10#${t1/./} - 10#${t0/./}))
    printf '%d.%03d\n' $((us / 1000)) $((us % 1000))
done
