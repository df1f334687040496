#!/bin/bash
# Times COUNT create-and-remove cycles of a detached container (after one untimed warm-up cycle):
#   ID=$(TOOL... run -d --network none IMAGE sleep 1000); TOOL... rm -f -t0 ID
# and prints one line per cycle: "TOTAL_MS RUN_MS RM_MS". Timing uses bash's $EPOCHREALTIME around
# each call, as repeat.sh does (the `$(...)` that captures the id costs both tools one fork).
# Output of the commands goes to LOG. Exits 1 at the first failing call.
#
# usage: cycle.sh COUNT LOG IMAGE -- TOOL [GLOBAL-ARG...]
set -uo pipefail

if [[ $# -lt 5 || $4 != -- ]]; then
    echo "usage: $0 COUNT LOG IMAGE -- TOOL [GLOBAL-ARG...]" >&2
    exit 2
fi
count=$1 log=$2 image=$3
shift 4

# one_cycle: sets t0, t1, t2 (EPOCHREALTIME before run, between, after rm); returns 1 on failure.
one_cycle() {
    local id rc
    t0=$EPOCHREALTIME
    id=$("$@" run -d --network none "$image" sleep 1000 2>>"$log" </dev/null)
    rc=$?
    t1=$EPOCHREALTIME
    if ((rc != 0)) || [[ -z $id ]]; then
        echo "cycle: run -d failed (exit $rc): $*; see $log" >&2
        return 1
    fi
    echo "$id" >>"$log"
    "$@" rm -f -t0 "$id" >>"$log" 2>&1 </dev/null
    rc=$?
    t2=$EPOCHREALTIME
    if ((rc != 0)); then
        echo "cycle: rm -f -t0 $id failed (exit $rc): $*; see $log" >&2
        return 1
    fi
}

ms() { # microsecond difference of two EPOCHREALTIME values, printed as milliseconds
    local us=$((10#${2/./} - 10#${1/./}))
    printf '%d.%03d' $((us / 1000)) $((us % 1000))
}

one_cycle "$@" || exit 1
for ((i = 0; i < count; i++)); do
    one_cycle "$@" || exit 1
    echo "$(ms "$t0" "$t2") $(ms "$t0" "$t1") $(ms "$t1" "$t2")"
done
