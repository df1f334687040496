#!/usr/bin/env bats
# The per-container monitor (`nook internal monitor`, lib/monitor) driven directly, as the engine
# drives it, as the unprivileged test user: a bundle made by hand (busybox-static rootfs and a
# minimal config.json), the sync messages ({"pid"}, {"exit"}, {"error"}), the k8s-file log, the
# exit file, stdin relay, signal forwarding, and that the monitor leaves no process behind.

load helpers

# make_bundle DIR ARG...: DIR/rootfs with busybox and DIR/config.json running ARG...
make_bundle() {
    local dir=$1
    shift
    mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/dev" "$dir/rootfs/tmp"
    cp /bin/busybox "$dir/rootfs/bin/busybox"
    local applet
    for applet in sh cat echo head sleep printf kill true; do
        ln -sf busybox "$dir/rootfs/bin/$applet"
    done
    jq -n --args '{
        ociVersion: "1.0.2",
        process: {terminal: false, user: {uid: 0, gid: 0}, args: $ARGS.positional,
                  env: ["PATH=/bin", "HOME=/"], cwd: "/", noNewPrivileges: true,
                  capabilities: {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}},
        root: {path: "rootfs", readonly: false},
        hostname: "mon",
        mounts: [{destination: "/proc", type: "proc", source: "proc"},
                 {destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "mode=755"]}],
        linux: {namespaces: [{type: "pid"}, {type: "mount"}, {type: "ipc"}, {type: "uts"}]}
    }' -- "$@" >"$dir/config.json"
}

# start_monitor ID [MONITOR FLAG...]: starts the monitor of $BATS_TEST_TMPDIR/ID (a bundle) in
# nook's user namespace, with the sync messages going to ID/sync (a regular file as the sync fd),
# its stdin from ID/stdin (if it exists, else /dev/null) and its stdout/stderr to ID/out, ID/err.
# Sets $MON to the directory. Returns once the first process has exited (the monitor detached).
start_monitor() {
    local id=$1
    shift
    MON=$BATS_TEST_TMPDIR/$id
    local in=/dev/null
    [[ -e $MON/stdin ]] && in=$MON/stdin
    : >"$MON/sync"
    run_nook 0 unshare sh -c 'mon=$1 in=$2; shift 2; exec "$0" internal monitor "$@" 5>"$mon/sync" <"$in" >"$mon/out" 2>"$mon/err"' \
        "$NOOK" "$MON" "$in" --id "$id" --bundle "$MON" --runtime-root "$BATS_TEST_TMPDIR/runtime" \
        --log-path "$MON/ctr.log" --exit-file "$MON/exit" --sync-fd 5 "$@"
}

# wait_sync PATTERN: waits (up to 20 s) until $MON/sync has a line matching PATTERN.
wait_sync() {
    local i
    for ((i = 0; i < 200; i++)); do
        grep -q -- "$1" "$MON/sync" 2>/dev/null && return 0
        sleep 0.1
    done
    die "no sync message matching '$1' after 20s" "sync: $(cat "$MON/sync")" "monitor stderr: $(cat "$MON/err")"
}

# The pid from the {"pid": N} message.
sync_pid() {
    jq -r 'select(.pid != null) | .pid' "$MON/sync"
}

# assert_no_monitor ID: no process is left whose command line is this monitor's.
assert_no_monitor() {
    local i
    for ((i = 0; i < 50; i++)); do
        pgrep -f -- "internal monitor --id $1 " >/dev/null || return 0
        sleep 0.1
    done
    die "a monitor of $1 is still running: $(pgrep -af -- "internal monitor --id $1 ")"
}

# The log's records as "stream tag text", without the timestamps.
log_records() {
    cut -d' ' -f2- "$MON/ctr.log"
}

@test "monitor: pid, log, exit file and exit code of a container" {
    [ "$(id -u)" != 0 ] || die "this file must run as the unprivileged test user"
    make_bundle "$BATS_TEST_TMPDIR/m1" sh -c 'echo out1; echo err1 >&2; echo out2; printf tail; exit 3'
    start_monitor m1
    wait_sync '"exit"'
    is "$(head -n1 "$MON/sync")" '\{"pid":[0-9]+\}' "first sync message"
    is "$(tail -n1 "$MON/sync")" '{"exit":3}' "last sync message"
    is "$(wc -l <"$MON/sync")" 2 "two sync messages"
    is "$(jq -r .exitCode "$MON/exit")" 3 "exit file: exitCode"
    is "$(jq -r .oomKilled "$MON/exit")" false "exit file: oomKilled"
    is "$(jq -r .exitedAt "$MON/exit")" '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?Z' "exit file: exitedAt"
    # stdout and stderr are separate streams, so only the order within each one is fixed.
    is "$(log_records | grep '^stdout')" "stdout F out1
stdout F out2
stdout P tail" "stdout records"
    is "$(log_records | grep '^stderr')" "stderr F err1" "stderr records"
    is "$(head -n1 "$MON/ctr.log")" '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}[+-][0-9]{2}:[0-9]{2} std(out|err) [FP] .*' \
        "conmon's timestamp format"
    is "$(stat -c %a "$MON/ctr.log")" 600 "log file mode"
    is "$(cat "$MON/out" "$MON/err")" "" "nothing on the monitor's own stdio when not attached"
    assert_no_monitor m1
}

@test "monitor: a container killed by SIGKILL exits 137, SIGTERM to the monitor is forwarded" {
    make_bundle "$BATS_TEST_TMPDIR/m2" sleep 1000
    start_monitor m2
    wait_sync '"pid"'
    local pid
    pid=$(sync_pid)
    kill -0 "$pid" || die "container pid $pid is not running"
    kill -KILL "$pid"
    wait_sync '"exit"'
    is "$(tail -n1 "$MON/sync")" '{"exit":137}' "exit message"
    is "$(jq -r .exitCode "$MON/exit")" 137 "exit file"
    assert_no_monitor m2

    # pid 1 of a pid namespace ignores SIGTERM without a handler: this one has one.
    make_bundle "$BATS_TEST_TMPDIR/m3" sh -c 'trap "echo got TERM; exit 42" TERM; echo ready; while :; do sleep 0.1; done'
    start_monitor m3
    wait_sync '"pid"'
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q ready "$MON/ctr.log" 2>/dev/null && break
        sleep 0.1
    done
    local monitor
    monitor=$(pgrep -f -- "internal monitor --id m3 ") || die "monitor of m3 not found"
    kill -TERM "$monitor"
    wait_sync '"exit"'
    is "$(tail -n1 "$MON/sync")" '{"exit":42}' "exit message"
    is "$(log_records | tail -n1)" "stdout F got TERM" "the trap ran"
    assert_no_monitor m3
}

@test "monitor: interactive stdin is relayed byte for byte, attached output copied" {
    make_bundle "$BATS_TEST_TMPDIR/m4" cat
    head -c 1048576 /dev/urandom >"$BATS_TEST_TMPDIR/m4/stdin"
    start_monitor m4 --interactive --attached --log-driver none
    wait_sync '"exit"'
    is "$(tail -n1 "$MON/sync")" '{"exit":0}' "exit message"
    is "$(sha256sum <"$MON/out" | cut -d' ' -f1)" "$(sha256sum <"$MON/stdin" | cut -d' ' -f1)" "sha256 of the output"
    [[ ! -e $MON/ctr.log ]] || die "log driver none wrote a log"
    assert_no_monitor m4
}

@test "monitor: stdin through a pipe, output into the log" {
    make_bundle "$BATS_TEST_TMPDIR/m5" sh -c 'cat; echo done >&2'
    MON=$BATS_TEST_TMPDIR/m5
    printf 'line one\nline two\nno newline' >"$MON/input"
    : >"$MON/sync"
    run_nook 0 unshare sh -c 'mon=$1; shift; cat "$mon/input" | "$0" internal monitor "$@" 5>"$mon/sync" >/dev/null 2>"$mon/err"' \
        "$NOOK" "$MON" --id m5 --bundle "$MON" --runtime-root "$BATS_TEST_TMPDIR/runtime" \
        --log-path "$MON/ctr.log" --exit-file "$MON/exit" --sync-fd 5 --interactive
    wait_sync '"exit"'
    is "$(log_records | grep '^stdout' | tr '\n' '|')" "stdout F line one|stdout F line two|stdout P no newline|" "stdout records"
    is "$(log_records | grep '^stderr')" "stderr F done" "stderr records"
    assert_no_monitor m5
}

@test "monitor: the log rotates at --log-max-size" {
    make_bundle "$BATS_TEST_TMPDIR/m6" sh -c 'i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); done'
    start_monitor m6 --log-max-size 4096
    wait_sync '"exit"'
    [[ -e $MON/ctr.log.1 ]] || die "no rotated log"
    (( $(stat -c %s "$MON/ctr.log") <= 4096 )) || die "log larger than max size"
    (( $(stat -c %s "$MON/ctr.log.1") <= 4096 )) || die "rotated log larger than max size"
    is "$(log_records | tail -n1)" "stdout F line 199" "last line in the current file"
}

@test "monitor: a missing command is reported on the sync fd with its kind" {
    make_bundle "$BATS_TEST_TMPDIR/m7" /no/such/command
    start_monitor m7
    wait_sync '"error"'
    is "$(jq -r .kind "$MON/sync")" "command not found" "error kind"
    is "$(jq -r .error "$MON/sync")" '.*/no/such/command.*' "error message"
    [[ ! -e $MON/exit ]] || die "an exit file was written for a container that never ran"
    assert_no_monitor m7
}

@test "monitor: bad arguments fail before detaching" {
    run_nook 125 internal monitor --id x --bundle relative
    assert_output --partial "absolute"
    run_nook 125 internal monitor --bogus 1
    assert_output --partial 'unknown flag "--bogus"'
}

@test "monitor: the monitor is small" {
    make_bundle "$BATS_TEST_TMPDIR/m8" sleep 1000
    start_monitor m8
    wait_sync '"pid"'
    local monitor
    monitor=$(pgrep -f -- "internal monitor --id m8 ") || die "monitor of m8 not found"
    # Anonymous memory is what the monitor costs (Private_Dirty would also count page-cache pages of
    # a freshly built binary that are not yet written back).
    local anon
    anon=$(awk '/^Anonymous:/ { print $2 }' "/proc/$monitor/smaps_rollup")
    echo "# monitor anonymous memory: ${anon} KiB" >&3
    kill -KILL "$(sync_pid)"
    wait_sync '"exit"'
    (( anon < 1024 )) || die "the monitor uses ${anon} KiB of anonymous memory (target: < 1 MiB)"
}
