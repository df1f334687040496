#!/usr/bin/env bats
# nook exec as the unprivileged test user: flags, env/user/workdir, exit codes, stdin, detached
# sessions, fds, and that the process really joins the container's namespaces (exec runs from the
# host side, without a user namespace of its own).

load helpers

setup() {
    nook_setup
    run_nook 0 pull -q --tls-verify=false "$IMAGE"
}

teardown() {
    "$NOOK" rm -fa -t0 >/dev/null 2>&1 || "$NOOK" rm -fa >/dev/null 2>&1 || true
    nook_teardown
}

# start_box [RUN FLAGS...]: a running container "box" whose init writes a marker and sleeps.
start_box() {
    run_nook 0 run -d --name box --hostname boxhost "$@" "$IMAGE" \
        sh -c 'echo from-init >/marker; exec sleep 1000'
    local i
    for i in $(seq 50); do
        "$NOOK" exec box test -e /marker 2>/dev/null && return 0
        sleep 0.1
    done
    die "the container's init never wrote its marker"
}

@test "exec: output, stdout/stderr apart, the command's exit code" {
    start_box
    run_nook 0 exec box echo hello
    is "$stdout_only" "hello" "stdout"
    run_nook 0 exec box sh -c 'echo out; echo err >&2'
    is "$stdout_only" "out" "stdout"
    is "$stderr_only" "err" "stderr"
    run_nook 7 exec box sh -c 'exit 7'
    run_nook 0 container exec box true
}

@test "exec: not found 127, not executable 126, no command 255" {
    start_box
    run_nook 127 exec box no-such-command
    assert_match "no-such-command.*not found" "$stderr_only"
    run_nook 126 exec box /etc/passwd
    assert_match "^Error: .*/etc/passwd.*[Pp]ermission denied" "$stderr_only"
    run_nook 255 exec box
    is "$stderr_only" "Error: must provide a non-empty command to start an exec session: invalid argument"
}

@test "exec: missing and stopped containers" {
    run_nook 125 exec nosuch true
    is "$stderr_only" 'Error: no container with name or ID "nosuch" found: no such container'
    run_nook 0 create --name stopped "$IMAGE" true
    run_nook 255 exec stopped true
    is "$stderr_only" "Error: can only create exec sessions on running containers: container state improper"
    run_nook 0 start -a stopped
    run_nook 255 exec stopped true
    is "$stderr_only" "Error: can only create exec sessions on running containers: container state improper"
    run_nook 125 exec
    is "$stderr_only" "Error: exec requires the name or ID of a container or the --latest flag"
}

@test "exec: the process joins the container's namespaces" {
    start_box
    run_nook 0 exec box hostname
    is "$stdout_only" "boxhost" "the container's uts namespace"
    run_nook 0 exec box cat /marker
    is "$stdout_only" "from-init" "the container's mount namespace"
    run_nook 0 exec box cat /proc/1/comm
    is "$stdout_only" "sleep" "the container's pid namespace: its init is pid 1"
    local ns
    for ns in user mnt pid uts ipc net; do
        run_nook 0 exec box sh -c "readlink /proc/1/ns/$ns; readlink /proc/self/ns/$ns"
        is "${lines[0]}" "${lines[1]}" "$ns namespace shared with the init"
    done
    run_nook 0 exec box id -u
    is "$stdout_only" "0" "root in the container"
    # A file the exec'd process writes is the container's.
    run_nook 0 exec box sh -c 'echo from-exec >/written'
    run_nook 0 exec box cat /written
    is "$stdout_only" "from-exec"
}

@test "exec: env, --env-file, -u, -w" {
    start_box -e FROMRUN=1 -e OVER=run
    run_nook 0 exec -e OVER=exec -e NEW=yes box sh -c 'echo $FROMRUN $OVER $NEW'
    is "$stdout_only" "1 exec yes" "exec env merged over the container's"
    printf 'A=from-file\n# comment\n\nB=two\n' >"$BATS_TEST_TMPDIR/env"
    run_nook 0 exec --env-file "$BATS_TEST_TMPDIR/env" box sh -c 'echo $A $B'
    is "$stdout_only" "from-file two"
    run_nook 125 exec -e =x box true
    is "$stderr_only" 'Error: parsing environment variables: invalid environment variable: "=x"'
    run_nook 125 exec --env-file /nonexistent box true
    run_nook 0 exec -w /tmp box pwd
    is "$stdout_only" "/tmp"
    run_nook 0 exec -u 1000:1001 box sh -c 'id -u; id -g; grep ^CapEff /proc/self/status'
    is "${lines[0]}" "1000" "uid"
    is "${lines[1]}" "1001" "gid"
    is "${lines[2]}" "CapEff:	0000000000000000" "another user has no effective capabilities"
    run_nook 255 exec -u nosuchuser box true
    is "$stderr_only" "Error: unable to find user nosuchuser: no matching entries in passwd file"
}

@test "exec --privileged: every capability" {
    start_box
    run_nook 0 exec box grep ^CapEff /proc/self/status
    local normal=$stdout_only
    run_nook 0 exec --privileged box grep ^CapBnd /proc/self/status
    assert_match "CapBnd:	000001ffffffffff|CapBnd:	000000ffffffffff" "$stdout_only"
    [[ $normal != "$stdout_only" ]] || die "--privileged changed nothing"
}

@test "exec -i: stdin byte for byte; without -i the process reads nothing" {
    start_box
    local data=$BATS_TEST_TMPDIR/input.bin
    head -c 1048576 /dev/urandom >"$data"
    local want got
    want=$(sha256sum <"$data" | cut -d' ' -f1)
    got=$("$NOOK" exec -i box sha256sum <"$data" | cut -d' ' -f1)
    is "$got" "$want" "sha256 inside"
    got=$("$NOOK" exec -i box cat <"$data" | sha256sum | cut -d' ' -f1)
    is "$got" "$want" "cat round trip"
    run_nook 0 exec box cat <"$data"
    is "$stdout_only" "" "no stdin without -i"
}

@test "exec: no descriptor leaks into the process" {
    start_box
    # ls runs in a child of sh (the `; true` keeps sh from exec'ing it): it lists sh's fds.
    run_nook 0 exec box sh -c 'ls /proc/$$/fd; true'
    is "$(echo $stdout_only)" "0 1 2" "only stdio reaches the process"
}

@test "exec -d: detached session keeps running, prints a session id" {
    start_box
    run_nook 0 exec -d box sh -c 'sleep 0.5; echo done >/detached'
    assert_match "^[0-9a-f]{64}$" "$stdout_only"
    local i
    for i in $(seq 50); do
        "$NOOK" exec box test -e /detached 2>/dev/null && break
        sleep 0.1
    done
    run_nook 0 exec box cat /detached
    is "$stdout_only" "done"
}

@test "exec -l: the latest container; --detach-keys checked" {
    run_nook 0 run -d --name older "$IMAGE" sleep 1000
    start_box
    run_nook 0 exec -l hostname
    is "$stdout_only" "boxhost"
    run_nook 125 exec --detach-keys=foo box true
    is "$stderr_only" "Error: invalid detach keys: Unknown character: 'foo'"
}

@test "exec: signals reach the process" {
    start_box
    "$NOOK" exec box sh -c 'trap "echo got-term; exit 3" TERM; sleep 100 & wait' >"$BATS_TEST_TMPDIR/out" &
    local pid=$!
    sleep 1
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    is "$rc" "3" "exit code after SIGTERM"
    is "$(cat "$BATS_TEST_TMPDIR/out")" "got-term"
}
