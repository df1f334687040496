#!/usr/bin/env bats
# The registry client under faults: `nook pull` through tests/helpers/fault_proxy.py, a proxy in
# front of the plain test registry that fails, cuts, delays, corrupts and demands expiring tokens.

load helpers

teardown() {
    if [[ -n ${PROXY_PID:-} ]]; then
        kill "$PROXY_PID" 2>/dev/null || true
        wait "$PROXY_PID" 2>/dev/null || true
    fi
    nook_teardown
}

# pull_through_proxy EXPECTED_RC [MORE PULL ARGS]: pulls busybox:latest through the proxy
pull_through_proxy() {
    local rc=$1
    shift
    run_nook "$rc" pull -q --tls-verify=false "$@" "$PROXY/busybox:latest"
}

@test "fault proxy: forwards, logs, exits cleanly on SIGTERM" {
    start_proxy
    is "$(curl -sS -o /dev/null -w '%{http_code}' "http://$PROXY/v2/")" "200" "GET /v2/ through the proxy"
    grep -q '^GET /v2/ range=- auth=- -> 200$' "$PROXY_LOG" || die "log: $(cat "$PROXY_LOG")"
    kill "$PROXY_PID"
    local rc=0
    wait "$PROXY_PID" || rc=$?
    is "$rc" "0" "proxy exit code after SIGTERM"
    PROXY_PID=
}

@test "pull: HTTP 500 answers are retried" {
    start_proxy --fail-first 2
    pull_through_proxy 0
    is "$stdout_only" "[0-9a-f]{64}" "image id"
    is "$(grep -c -- '-> 500$' "$PROXY_LOG")" "2" "injected failures"
    run_nook images -q --no-trunc
    assert_output --partial "${stdout_only:0:12}"
}

@test "pull: a blob cut mid-stream is resumed with Range" {
    start_proxy --cut-blob 100000
    pull_through_proxy 0
    is "$stdout_only" "[0-9a-f]{64}" "image id"
    grep -q 'cut after 100000 bytes' "$PROXY_LOG" || die "no blob was cut: $(cat "$PROXY_LOG")"
    grep -q 'range=bytes=100000- auth=[a-z-]* -> 206' "$PROXY_LOG" ||
        die "no resumed request with Range: bytes=100000-: $(cat "$PROXY_LOG")"
    # the same image as a pull without faults
    local id=$stdout_only
    run_nook pull -q --tls-verify=false "$NOOK_TEST_REGISTRY/busybox:latest"
    is "$stdout_only" "$id" "image id without faults"
}

@test "pull: a corrupted blob fails with a digest mismatch and leaves no image" {
    start_proxy --flip-blob
    pull_through_proxy 125
    assert_output --regexp "^Error: .*digest mismatch"
    run_nook images -q
    is "$output" "" "images after the failed pull"
}

@test "pull: a manifest that is not JSON fails clearly" {
    start_proxy --bad-manifest
    pull_through_proxy 125
    assert_output --regexp "^Error: .*manifest"
    is "${#lines[@]}" "1" "one error line"
    run_nook images -q
    is "$output" "" "images after the failed pull"
}

@test "pull: a manifest that lies about a layer's size fails, larger or smaller, and keeps nothing" {
    # The blob itself is intact: only the size the manifest declares for it is wrong.
    local delta
    for delta in 1000 -1000 -1; do
        start_proxy --lie-size "$delta"
        pull_through_proxy 125
        assert_output --regexp "^Error: .*size"
        run_nook images -q
        is "$output" "" "images after the failed pull (size $delta)"
        [[ -z $(ls -A "$XDG_DATA_HOME/nook/staging" 2>/dev/null) ]] || die "staging left: $(ls -A "$XDG_DATA_HOME/nook/staging")"
        kill "$PROXY_PID"
        wait "$PROXY_PID" 2>/dev/null || true
        PROXY_PID=
    done
}

@test "pull: a layer of an unknown media type fails clearly and keeps nothing" {
    start_proxy --media-type application/vnd.nook.test.unknown
    pull_through_proxy 125
    assert_output --regexp "^Error: .*application/vnd.nook.test.unknown"
    is "${#lines[@]}" "1" "one error line"
    run_nook images -q
    is "$output" "" "images after the failed pull"
}

@test "pull: a slow registry still works" {
    start_proxy --delay 1
    pull_through_proxy 0
    is "$stdout_only" "[0-9a-f]{64}" "image id"
}

@test "pull: expired bearer tokens are refreshed" {
    start_proxy --token-expiry 2 --delay 1
    pull_through_proxy 0
    is "$stdout_only" "[0-9a-f]{64}" "image id"
    local tokens
    tokens=$(grep -c '^GET /token' "$PROXY_LOG")
    [[ $tokens -ge 2 ]] || die "expected tokens to be fetched again after expiry; log: $(cat "$PROXY_LOG")"
    grep -q 'auth=bearer -> 200' "$PROXY_LOG" || die "no request passed with a bearer token: $(cat "$PROXY_LOG")"
}

@test "pull: a token the registry refuses before its announced expiry is replaced" {
    # tokens claim to live 300 s but expire after 1 s; every request waits 1 s
    start_proxy --token-expiry 1 --token-claim 300 --delay 1
    pull_through_proxy 0
    is "$stdout_only" "[0-9a-f]{64}" "image id"
    grep -q 'auth=bearer -> 401' "$PROXY_LOG" || die "no token was refused: $(cat "$PROXY_LOG")"
    local tokens
    tokens=$(grep -c '^GET /token' "$PROXY_LOG")
    [[ $tokens -ge 2 ]] || die "a refused token was not replaced; log: $(cat "$PROXY_LOG")"
}
