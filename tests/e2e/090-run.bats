#!/usr/bin/env bats
# Containers as the unprivileged test user: run (foreground, -d, --rm, -i), create/start, ps,
# logs, stop, kill, wait, rm, inspect, container exists; exit codes, stdio, and that nothing
# (process, record, mount) is left behind.

load helpers

setup() {
    nook_setup
    run_nook 0 pull -q --tls-verify=false "$IMAGE"
}

teardown() {
    # Stop whatever a failed test left running, by the pids nook recorded.
    "$NOOK" rm -fa >/dev/null 2>&1 || true
    nook_teardown
}

@test "run: output, exit codes and no container left with --rm" {
    run_nook 0 run --rm "$IMAGE" echo hello
    is "$stdout_only" "hello" "stdout"
    run_nook 3 run --rm "$IMAGE" sh -c 'exit 3'
    run_nook 0 ps -a -q
    is "$stdout_only" "" "--rm left nothing"
}

@test "run: stdout and stderr stay separate" {
    run_nook 0 run --rm "$IMAGE" sh -c 'echo out; echo err >&2'
    is "$stdout_only" "out" "stdout"
    is "$stderr_only" "err" "stderr"
}

@test "run: a missing command exits 127, a non-executable one 126" {
    run_nook 127 run --rm "$IMAGE" no-such-command
    assert_match "no-such-command.*(not found|No such file)" "$stderr_only"
    run_nook 126 run --rm "$IMAGE" /etc/passwd
    assert_match "[Pp]ermission denied" "$stderr_only"
    run_nook 0 ps -a -q
    is "$stdout_only" "" "failed --rm runs leave nothing"
}

@test "run -i: stdin reaches the container byte for byte" {
    local data=$BATS_TEST_TMPDIR/input.bin
    head -c 1048576 /dev/urandom >"$data"
    local want got
    want=$(sha256sum <"$data" | cut -d' ' -f1)
    got=$("$NOOK" run --rm -i "$IMAGE" sha256sum <"$data" | cut -d' ' -f1)
    is "$got" "$want" "sha256 inside"
    got=$("$NOOK" run --rm -i "$IMAGE" cat <"$data" | sha256sum | cut -d' ' -f1)
    is "$got" "$want" "cat round trip"
}

@test "run: the container is uid 0 with its own hostname, env and cwd" {
    run_nook 0 run --rm --hostname box -e FOO=bar -w /tmp "$IMAGE" sh -c 'id -u; hostname; echo $FOO; pwd'
    is "$stdout_only" "0
box
bar
/tmp" "probe"
}

@test "run: no descriptor leaks into the container" {
    run_nook 0 run --rm "$IMAGE" ls /proc/self/fd
    is "$stdout_only" "0
1
2
3" "fds (3 is ls's own directory)"
}

@test "run -d, ps, logs, stop, rm" {
    run_nook 0 run -d --name web "$IMAGE" sh -c 'echo started; echo oops >&2; trap "exit 0" TERM; while :; do sleep 0.1; done'
    local id=$stdout_only
    [[ $id =~ ^[0-9a-f]{64}$ ]] || die "run -d printed $id"
    run_nook 0 ps --format '{{.Names}} {{.Status}}'
    assert_match "^web Up " "$stdout_only"
    run_nook 0 ps -q
    is "$stdout_only" "${id:0:12}" "ps -q"
    local i
    for i in $(seq 50); do
        "$NOOK" logs web 2>/dev/null | grep -q started && break
        sleep 0.1
    done
    run_nook 0 logs web
    is "$stdout_only" "started" "logs stdout"
    is "$stderr_only" "oops" "logs stderr"
    run_nook 0 container inspect --format '{{.State.Status}} {{.Name}}' web
    is "$stdout_only" "running web" "inspect"
    local pid
    pid=$("$NOOK" container inspect --format '{{.State.ConmonPid}}' web)
    [[ $pid -gt 0 ]] || die "no monitor pid: $pid"
    run_nook 0 stop -t 5 web
    is "$stdout_only" "web" "stop prints the name"
    run_nook 0 ps -a --format '{{.Names}} {{.Status}}'
    assert_match "^web Exited \(0\) " "$stdout_only"
    # Gone, or a zombie waiting for whoever adopted it (the test harness) to reap it.
    [[ ! -e /proc/$pid ]] || grep -q '^State:.*Z' "/proc/$pid/status" || die "the monitor $pid is still running"
    run_nook 0 rm web
    is "$stdout_only" "web" "rm prints the name"
    run_nook 1 container exists web
}

@test "kill, wait and rm of a running container" {
    run_nook 0 run -d --name sleeper "$IMAGE" sleep 100
    run_nook 2 rm sleeper
    assert_match "cannot remove container .* as it is running" "$stderr_only"
    # sleep as pid 1 ignores SIGTERM (no handler); SIGKILL always works.
    run_nook 0 kill sleeper
    is "$stdout_only" "sleeper" "kill prints the name"
    run_nook 0 wait sleeper
    is "$stdout_only" "137" "killed by SIGKILL"
    run_nook 0 run -d --name trapper "$IMAGE" sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
    run_nook 0 kill -s TERM trapper
    run_nook 0 wait trapper
    is "$stdout_only" "7" "the TERM handler's exit code"
    run_nook 0 rm trapper
    run_nook 0 run -d --name sleeper2 "$IMAGE" sleep 100
    run_nook 0 rm -f sleeper2
    run_nook 0 ps -a --format '{{.Names}}'
    is "$stdout_only" "sleeper" "only the exited one is left"
}

@test "create, then start -a; start again runs the command again" {
    run_nook 0 create --name later "$IMAGE" echo from-create
    local id=$stdout_only
    run_nook 0 ps -a --format '{{.ID}} {{.Status}}'
    is "$stdout_only" "${id:0:12} Created" "created"
    run_nook 0 start -a later
    is "$stdout_only" "from-create" "attached output"
    run_nook 0 start later
    is "$stdout_only" "later" "start prints the name"
    run_nook 0 wait later
    is "$stdout_only" "0" "exit code"
    run_nook 0 logs later
    is "$stdout_only" "from-create
from-create" "both runs logged"
}

@test "bad input: name in use, unknown image, bad flag values" {
    run_nook 0 create --name taken "$IMAGE" true
    run_nook 125 create --name taken "$IMAGE" true
    assert_match "the container name \"taken\" is already in use" "$stderr_only"
    run_nook 125 run --rm --pull never "$NOOK_TEST_REGISTRY/no-such-image:latest" true
    run_nook 125 run --rm --stop-signal NOPE "$IMAGE" true
    assert_match "invalid signal: NOPE" "$stderr_only"
    run_nook 125 run --rm --restart sometimes "$IMAGE" true
    run_nook 0 ps -a --format '{{.Names}}'
    is "$stdout_only" "taken" "only the first container exists"
    run_nook 1 rm no-such-container
    assert_match "no container with name or ID \"no-such-container\" found" "$stderr_only"
}

@test "a killed monitor is reconciled: the container shows as exited" {
    run_nook 0 run -d --name victim "$IMAGE" sleep 100
    local monitor pid
    monitor=$("$NOOK" container inspect --format '{{.State.ConmonPid}}' victim)
    pid=$("$NOOK" container inspect --format '{{.State.Pid}}' victim)
    kill -9 "$monitor"
    # The container's init dies with its monitor's namespaces or is killed by us by pid.
    kill -9 "$pid" 2>/dev/null || true
    run_nook 0 ps -a --format '{{.Names}} {{.State}}'
    is "$stdout_only" "victim exited" "reconciled"
    run_nook 0 rm victim
}
