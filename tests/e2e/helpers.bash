# -*- bash -*-
# shellcheck shell=bash disable=SC2034 # variables set here are for the tests that load this file
# Helpers for nook's e2e tests, loaded by every .bats file with `load helpers`.
# Modelled on podman's test/system/helpers.bash. tests/e2e/run-bats.sh copies this file next to
# the .bats file and runs bats with NOOK_E2E_DIR set; E2E_DIR/env (written by
# tests/fixtures/setup.sh) describes the test bed: $NOOK, the registries, the fixtures.
#
# A .bats file that needs its own setup/teardown defines them and calls nook_setup /
# nook_teardown from them.

if [[ -z ${NOOK_E2E_DIR:-} || ! -f $NOOK_E2E_DIR/env ]]; then
    echo "helpers.bash: NOOK_E2E_DIR is not set or has no env file; run through tests/e2e/run-bats.sh" >&2
    exit 1
fi
# shellcheck source=/dev/null
source "$NOOK_E2E_DIR/env"

# Seconds one nook command may take before run_nook kills it.
NOOK_TIMEOUT=${NOOK_TIMEOUT:-120}
# Seconds run_nook waits, once nook has exited, for its stdout/stderr to be closed by every
# process that inherited them (a detached process that keeps them open is a bug: `$(nook ...)`
# would hang in a user's script).
NOOK_OUTPUT_GRACE=${NOOK_OUTPUT_GRACE:-5}

IMAGE=$NOOK_TEST_BUSYBOX

# ----------------------------------------------------------------------------------------------
# setup / teardown

# Every test gets its own store, configuration and cache; XDG_RUNTIME_DIR stays unset, as on
# these machines.
nook_setup() {
    export XDG_DATA_HOME=$BATS_TEST_TMPDIR/data
    export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/config
    export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
    mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
    unset XDG_RUNTIME_DIR
}

# Removes the test's store. Files that belong to subordinate ids (written inside the user
# namespace) cannot be removed by the user directly, so fall back to removing them from a user
# namespace with the same mapping.
nook_teardown() {
    local d
    for d in "$XDG_DATA_HOME" "$XDG_CACHE_HOME"; do
        [[ -n $d && -e $d ]] || continue
        rm -rf "$d" 2>/dev/null && continue
        if [[ $(id -u) -ne 0 ]]; then
            unshare --map-auto --map-root-user rm -rf "$d" 2>/dev/null || true
        fi
        if [[ -e $d ]]; then
            echo "# nook_teardown: could not remove $d" >&3
        fi
    done
}

setup() {
    nook_setup
}

teardown() {
    nook_teardown
}

# ----------------------------------------------------------------------------------------------
# Running nook

# run_nook [EXPECTED_RC] ARGS...
#   Runs $NOOK ARGS with a timeout. Sets:
#     $output       stdout and stderr, interleaved in order of arrival (writes to the two
#                   streams a few milliseconds apart may swap); trailing newlines removed
#     $stdout_only  stdout alone;  $stderr_only  stderr alone
#     $status       the exit code; $lines  $output split into an array
#   stdin is passed through (run_nook run -i IMAGE cat <<<"text").
#   EXPECTED_RC is a number (default 0) or '?' for any; a different exit code fails the test
#   with the command, both exit codes and the output.
run_nook() {
    local expected_rc=0
    case ${1:-} in
        '?' | [0-9] | [0-9][0-9] | [0-9][0-9][0-9])
            expected_rc=$1
            shift
            ;;
    esac
    local d
    d=$(mktemp -d "$BATS_TEST_TMPDIR/run_nook.XXXXXX")
    mkfifo "$d/out.fifo" "$d/err.fifo"
    : >"$d/all"
    # Two readers copy each stream to its own file and, in order of arrival, to the shared one.
    tee "$d/out" <"$d/out.fifo" >>"$d/all" &
    local tee_out=$!
    tee "$d/err" <"$d/err.fifo" >>"$d/all" &
    local tee_err=$!

    echo "\$ nook $*"
    local rc=0
    timeout --kill-after=10 "$NOOK_TIMEOUT" "$NOOK" "$@" >"$d/out.fifo" 2>"$d/err.fifo" || rc=$?

    local leaked="" i
    for ((i = 0; i < NOOK_OUTPUT_GRACE * 10; i++)); do
        kill -0 "$tee_out" 2>/dev/null || kill -0 "$tee_err" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$tee_out" 2>/dev/null || kill -0 "$tee_err" 2>/dev/null; then
        leaked=1
        kill "$tee_out" "$tee_err" 2>/dev/null || true
    fi
    wait "$tee_out" "$tee_err" 2>/dev/null || true

    status=$rc
    output=$(<"$d/all")
    stdout_only=$(<"$d/out")
    stderr_only=$(<"$d/err")
    mapfile -t lines <<<"$output"
    [[ -n $output ]] || lines=()
    rm -rf "$d"
    [[ -n $output ]] && printf '%s\n' "$output"

    if [[ $rc -eq 124 || $rc -eq 137 ]] && [[ $expected_rc != "$rc" ]]; then
        die "nook $* timed out after ${NOOK_TIMEOUT}s (exit $rc)"
        return 1
    fi
    if [[ -n $leaked ]]; then
        die "nook $*: exited, but a process it left behind still holds its stdout/stderr open after ${NOOK_OUTPUT_GRACE}s"
        return 1
    fi
    if [[ $expected_rc != '?' && $rc -ne $expected_rc ]]; then
        die "exit code is $rc; expected $expected_rc" \
            "command: nook $*" \
            "output:  $output"
        return 1
    fi
}

# ----------------------------------------------------------------------------------------------
# Assertions

# die MESSAGE [MORE LINES...]: fail the test with a readable message (returns 1, which ends the
# test under bats' errexit; helpers that go on after calling it must `return 1` themselves, for
# callers that run them with errexit off, as bats' `run` does).
die() {
    local line
    echo "#/vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv" >&2
    for line in "$@"; do
        while IFS= read -r l; do
            echo "#| $l" >&2
        done <<<"$line"
    done
    echo "#\\^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^" >&2
    false
}

# is ACTUAL EXPECTED [DESCRIPTION]
#   Passes when ACTUAL equals EXPECTED as a string or, failing that, when ACTUAL matches
#   EXPECTED as an extended regular expression anchored at both ends (so 'abc.*' and
#   '[0-9]+ images' work; write '\.' or '[.]' for a literal dot when it matters). An empty
#   EXPECTED means "no output". Multi-line ACTUAL is matched as one string ('.' matches newline).
is() {
    local actual=$1 expected=$2 what=${3:-value}
    if [[ -z $expected ]]; then
        [[ -z $actual ]] && return 0
        expected="[no output]"
    elif [[ $actual == "$expected" ]]; then
        return 0
    elif [[ $actual =~ ^($expected)$ ]]; then
        return 0
    fi
    die "$what" "expected: '$expected'" "actual:   '$actual'"
}

# assert_output [--partial|--regexp] EXPECTED: $output is EXPECTED (literal), contains it
# (--partial), or matches the unanchored ERE (--regexp).
assert_output() {
    local mode=exact
    case ${1:-} in
        --partial | -p) mode=partial; shift ;;
        --regexp | -e) mode=regexp; shift ;;
    esac
    local expected=$1
    case $mode in
        exact) [[ $output == "$expected" ]] && return 0 ;;
        partial) [[ $output == *"$expected"* ]] && return 0 ;;
        regexp) [[ $output =~ $expected ]] && return 0 ;;
    esac
    die "output does not match ($mode)" "expected: '$expected'" "actual:   '$output'"
}

# assert_line [--index N] [--partial|--regexp] EXPECTED: some line of $output (or line N,
# 0-based) is EXPECTED (literal), contains it (--partial) or matches the unanchored ERE (--regexp).
assert_line() {
    local index="" mode=exact
    while [[ $# -gt 1 ]]; do
        case $1 in
            --index | -n) index=$2; shift 2 ;;
            --partial | -p) mode=partial; shift ;;
            --regexp | -e) mode=regexp; shift ;;
            *) break ;;
        esac
    done
    local expected=$1 l candidates=()
    if [[ -n $index ]]; then
        candidates=("${lines[$index]-}")
    else
        candidates=("${lines[@]}")
    fi
    for l in "${candidates[@]}"; do
        case $mode in
            exact) [[ $l == "$expected" ]] && return 0 ;;
            partial) [[ $l == *"$expected"* ]] && return 0 ;;
            regexp) [[ $l =~ $expected ]] && return 0 ;;
        esac
    done
    die "no line${index:+ $index} of the output matches ($mode)" "expected: '$expected'" "output:   '$output'"
}

# assert_match REGEX [STRING]: STRING (default $output) matches the unanchored ERE REGEX.
assert_match() {
    local regex=$1 actual=${2-$output}
    [[ $actual =~ $regex ]] && return 0
    die "no match" "regex:  '$regex'" "actual: '$actual'"
}

# ----------------------------------------------------------------------------------------------
# Skips

skip_if_not_root() {
    [[ $(id -u) -eq 0 ]] || skip "${1:-needs root}"
}

skip_if_rootless() {
    [[ $(id -u) -eq 0 ]] || skip "${1:-not available rootless}"
}

is_rootless() {
    [[ $(id -u) -ne 0 ]]
}

# ----------------------------------------------------------------------------------------------
# Registries and fixtures

# registry_curl PATH [CURL ARGS...]: GET http://$NOOK_TEST_REGISTRY$PATH; prints the body.
registry_curl() {
    local path=$1
    shift
    curl -sS --max-time 30 "$@" "http://$NOOK_TEST_REGISTRY$path"
}

# registry_tls_curl PATH [CURL ARGS...]: the same over HTTPS to $NOOK_TEST_REGISTRY_TLS,
# verified against $NOOK_TEST_CA, with the test credentials.
registry_tls_curl() {
    local path=$1
    shift
    curl -sS --max-time 30 --cacert "$NOOK_TEST_CA" \
        -u "$NOOK_TEST_REGISTRY_USER:$NOOK_TEST_REGISTRY_PASSWORD" "$@" "https://$NOOK_TEST_REGISTRY_TLS$path"
}

# Accept header for any manifest or index.
MANIFEST_ACCEPT="application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json"

# registry_config REF [TLS-FLAG]: the image config of REF as skopeo, an independent client,
# fetches it for linux/amd64 (TLS-FLAG defaults to --tls-verify=false, for the plain registry).
registry_config() {
    local tls=${2:---tls-verify=false}
    skopeo inspect "$tls" --override-arch amd64 --override-os linux --config --raw "docker://$1"
}

# config_id REF: the image id a correct pull of REF gives, the sha256 of that config.
config_id() {
    registry_config "$1" | sha256sum | cut -d' ' -f1
}

# expected_tree [REGISTRY/][PATH/]REPO[:TAG|@DIGEST] [ARCH]: the expected-tree file of a fixture
# image (busybox:zstd and nested/deeper/busybox share busybox.tree; ARCH picks a multiarch entry).
expected_tree() {
    local repo=${1##*/} arch=${2:-amd64}
    repo=${repo%%@*}
    repo=${repo%%:*}
    case $repo in
        multiarch) echo "$NOOK_TEST_FIXTURES/expected/multiarch-$arch.tree" ;;
        *) echo "$NOOK_TEST_FIXTURES/expected/$repo.tree" ;;
    esac
}

# scan_tree DIR [--exclude /PATH...]: print DIR's tree in the expected-tree format.
scan_tree() {
    python3 "$NOOK_TEST_FIXTURES/tree.py" scan "$@"
}

# assert_tree EXPECTED_FILE DIR [--exclude /PATH...]: DIR's tree matches EXPECTED_FILE.
assert_tree() {
    local expected=$1 dir=$2
    shift 2
    local actual=$BATS_TEST_TMPDIR/actual.tree diffs
    scan_tree "$dir" "$@" >"$actual"
    if ! diffs=$(python3 "$NOOK_TEST_FIXTURES/tree.py" diff "$expected" "$actual"); then
        die "tree of $dir differs from $expected:" "$(head -n 40 <<<"$diffs")"
    fi
}

# ----------------------------------------------------------------------------------------------
# The fault-injecting registry proxy

# start_proxy [PROXY OPTIONS...]: starts tests/helpers/fault_proxy.py in front of
# $NOOK_TEST_REGISTRY; sets PROXY (127.0.0.1:PORT), PROXY_PID and PROXY_LOG (one line per
# request). The test's teardown stops it by PROXY_PID.
start_proxy() {
    PROXY_LOG=$BATS_TEST_TMPDIR/proxy.log
    local portfile=$BATS_TEST_TMPDIR/proxy.port
    rm -f "$portfile"  # a second proxy of the test must not be taken for the first
    : >"$PROXY_LOG"
    python3 "$BATS_TEST_DIRNAME/helpers/fault_proxy.py" --upstream "$NOOK_TEST_REGISTRY" --log "$PROXY_LOG" "$@" \
        >"$portfile" 2>"$BATS_TEST_TMPDIR/proxy.err" 3>&- &
    PROXY_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -s $portfile ]] && break
        kill -0 "$PROXY_PID" 2>/dev/null || die "the fault proxy exited: $(cat "$BATS_TEST_TMPDIR/proxy.err")"
        sleep 0.1
    done
    [[ -s $portfile ]] || die "the fault proxy did not report its port"
    PROXY=127.0.0.1:$(<"$portfile")
}
