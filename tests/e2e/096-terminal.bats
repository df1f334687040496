#!/usr/bin/env bats
# Terminals as the unprivileged test user: run -it, exec -it, start -ai and attach under a real
# pty (tests/helpers/pty_drive.py): echo through the container's pty, tty and window size inside,
# SIGWINCH, detach keys, reattaching, exit codes, and the local terminal restored afterwards.

load helpers

setup() {
    nook_setup
    run_nook 0 pull -q --tls-verify=false "$IMAGE"
    DRIVE=$BATS_TEST_DIRNAME/helpers/pty_drive.py
}

teardown() {
    "$NOOK" rm -fa -t0 >/dev/null 2>&1 || "$NOOK" rm -fa >/dev/null 2>&1 || true
    nook_teardown
}

# drive STEPS_JSON NOOK_ARGS...: runs nook under a pty; sets $output and $status as bats' run.
drive() {
    local steps=$1
    shift
    run timeout 120 python3 "$DRIVE" "$steps" "$NOOK" "$@"
}

@test "run -it: a shell on /dev/pts/0 that echoes, sees resizes, and exits with its code" {
    drive '[["expect","# "],
             ["send","tty; stty size\r"], ["expect","24 80"],
             ["send","echo typed-$((6*7))\r"], ["expect","typed-42"],
             ["resize",50,132], ["sleep",0.5],
             ["send","stty size\r"], ["expect","50 132"],
             ["send","exit 3\r"]]' run -it --rm "$IMAGE" sh
    [[ $status -eq 0 ]] || die "driver failed: $output"
    assert_match "/dev/pts/0" "$output"
    assert_match "exit=3 restored=yes" "$output"
    run_nook 0 ps -a -q
    is "$stdout_only" "" "--rm removed it"
}

@test "run -it: ctrl-p ctrl-q detaches and leaves it running; attach comes back" {
    drive '[["expect","# "], ["send","echo before\r"], ["expect","before"],
             ["send","\u0010\u0011"]]' run -it --name tbox "$IMAGE" sh
    [[ $status -eq 0 ]] || die "driver failed: $output"
    assert_match "exit=0 restored=yes" "$output"
    run_nook 0 ps --format '{{.Names}} {{.Status}}'
    assert_match "^tbox Up" "$stdout_only"
    # Reattach, type, detach with other keys.
    drive '[["send","\r"], ["expect","# "], ["send","echo again-$((1+1))\r"], ["expect","again-2"],
             ["send","\u0001x"]]' attach --detach-keys=ctrl-a,x tbox
    [[ $status -eq 0 ]] || die "driver failed: $output"
    assert_match "exit=0 restored=yes" "$output"
    run_nook 0 ps --format '{{.Names}} {{.Status}}'
    assert_match "^tbox Up" "$stdout_only"
    # Attach again and end the shell: attach returns when the container exits.
    drive '[["send","\r"], ["expect","# "], ["send","exit 5\r"]]' attach tbox
    [[ $status -eq 0 ]] || die "driver failed: $output"
    assert_match "exit=0 restored=yes" "$output"
    run_nook 0 container inspect --format '{{.State.ExitCode}}' tbox
    is "$stdout_only" "5"
}

@test "run -it --detach-keys \"\": the keys reach the container" {
    # ctrl-p reaches cat (ctrl-q is the container's tty XON, eaten there); nook stays attached.
    drive '[["expect","# "], ["send","cat -v\r"], ["sleep",0.3], ["send","\u0010\u0011x\r"], ["expect","^Px"],
             ["send","\u0004"], ["expect","# "], ["send","exit 2\r"]]' run -it --rm --detach-keys "" "$IMAGE" sh
    [[ $status -eq 0 ]] || die "driver failed: $output"
    assert_match "exit=2 restored=yes" "$output"
}

@test "exec -it: a pty in a running container, its size and exit code" {
    run_nook 0 run -d --name ebox "$IMAGE" sleep 1000
    drive '[["expect","# "], ["send","tty; stty size\r"], ["expect","24 80"],
             ["resize",30,100], ["sleep",0.5], ["send","stty size\r"], ["expect","30 100"],
             ["send","exit 4\r"]]' exec -it ebox sh
    [[ $status -eq 0 ]] || die "driver failed: $output"
    assert_match "/dev/pts/[0-9]" "$output"
    assert_match "exit=4 restored=yes" "$output"
}

@test "start -ai on a -t container" {
    run_nook 0 create -it --name sbox "$IMAGE" sh
    drive '[["expect","# "], ["send","echo started\r"], ["expect","started"], ["send","exit 6\r"]]' start -ai sbox
    [[ $status -eq 0 ]] || die "driver failed: $output"
    assert_match "exit=6 restored=yes" "$output"
}

@test "-t without a terminal: works, output through the pty" {
    run_nook 0 run --rm -t "$IMAGE" sh -c 'tty; echo $TERM'
    assert_line --index 0 "/dev/pts/0"$'\r'
    assert_line --index 1 "xterm"$'\r'
    run_nook 0 run -d --name nbox "$IMAGE" sleep 1000
    run_nook 3 exec -t nbox sh -c 'tty; exit 3'
    assert_match "^/dev/pts/[0-9]" "$stdout_only"
}

@test "attach: errors, and output of a container without a terminal" {
    run_nook 125 attach nosuch
    is "$stderr_only" 'Error: no container with name or ID "nosuch" found: no such container'
    run_nook 0 create --name idle "$IMAGE" true
    run_nook 125 attach idle
    is "$stderr_only" "Error: you can only attach to running containers"
    run_nook 125 attach --detach-keys=foo idle
    is "$stderr_only" "Error: invalid detach keys: Unknown character: 'foo'"
    run_nook 0 run -d --name talker "$IMAGE" sh -c 'sleep 1; echo out; echo err >&2; sleep 0.5'
    run_nook 0 attach --no-stdin talker
    is "$stdout_only" "out" "stdout"
    is "$stderr_only" "err" "stderr"
}

@test "run -di: attach feeds the container's stdin" {
    run_nook 0 run -di --name reader "$IMAGE" sh -c 'read line; echo "got $line"'
    run_nook 0 attach reader <<<"hello"
    is "$stdout_only" "got hello"
}
