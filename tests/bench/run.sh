#!/bin/bash
# Benchmarks of nook's image commands against podman (Debian's 4.3), side by side in one run, on
# the e2e test bed (loopback registry, fixture images). Not a test: it reports, it does not judge.
# See tests/bench/README.md for what is measured and the last results.
#
# usage: tests/bench/run.sh [pull|list|all]          (as root; re-runs itself under sudo)
#
# Environment:
#   NOOK=/path/to/nook   the binary to measure (default: build REPO/build-bench, Release)
#   BENCH_RUNS=3         runs of each pull
#   BENCH_CALLS=50       timed calls of each list command
#   BENCH_E2E_DIR=/var/tmp/nook-e2e-bench   the test bed's directory (made anew, removed again)
#   BENCH_KEEP=1         keep the test bed's registries and BENCH_E2E_DIR/bench for a look after
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WHAT=${1:-all}
case $WHAT in
    pull | list | all) ;;
    *)
        echo "usage: $0 [pull|list|all]" >&2
        exit 2
        ;;
esac
if [[ $(id -u) -ne 0 ]]; then
    exec sudo --preserve-env=NOOK,BENCH_RUNS,BENCH_CALLS,BENCH_E2E_DIR,BENCH_KEEP "$0" "$@"
fi

RUNS=${BENCH_RUNS:-3}
CALLS=${BENCH_CALLS:-50}
E2E_DIR=${BENCH_E2E_DIR:-/var/tmp/nook-e2e-bench}
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C.UTF-8

T0=$SECONDS
say() { printf 'bench [%4ds] %s\n' "$((SECONDS - T0))" "$*" >&2; }
die() {
    printf 'bench: error: %s\n' "$*" >&2
    exit 1
}

# --- packages and the nook binary ----------------------------------------------------------------
"$REPO/contrib/install-deps.sh" "$REPO/contrib/debian-packages.txt" "$REPO/tests/packages.txt" \
    "$HERE/packages.txt"

if [[ -z ${NOOK:-} ]]; then
    build=$REPO/build-bench
    if [[ ! -f $build/build.ninja ]]; then
        say "configuring $build (Release)"
        cmake -S "$REPO" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
            -DNOOK_E2E_DIR="$E2E_DIR" >/dev/null
    fi
    say "building nook in $build"
    ninja -C "$build" nook >/dev/null
    NOOK=$build/nook
fi
[[ -x $NOOK ]] || die "no nook binary at $NOOK"

# --- test bed ------------------------------------------------------------------------------------
cleanup() {
    local rc=$?
    stop_pause_processes || true
    if [[ -n ${BENCH_KEEP:-} ]]; then
        say "BENCH_KEEP: leaving the test bed in $E2E_DIR (stop it: tests/fixtures/teardown.sh $E2E_DIR)"
    else
        bash "$REPO/tests/fixtures/teardown.sh" "$E2E_DIR" >/dev/null || true
        [[ -d ${WORK:-} ]] && rm -rf --one-file-system "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "setting up the test bed in $E2E_DIR"
bash "$REPO/tests/fixtures/setup.sh" "$E2E_DIR" "$NOOK" >"$E2E_DIR.setup.log" 2>&1 ||
    die "tests/fixtures/setup.sh failed; see $E2E_DIR.setup.log"
rm -f "$E2E_DIR.setup.log"
NOOK_SOURCE=$NOOK
# shellcheck source=/dev/null
source "$E2E_DIR/env"
USER_NAME=$NOOK_TEST_USER
USER_HOME=$(getent passwd "$USER_NAME" | cut -d: -f6)
NOOK_BIN=$NOOK # env's NOOK: the copy in E2E_DIR/bin, reachable by the test user
REGISTRY=$NOOK_TEST_REGISTRY
BIG=$REGISTRY/big:latest
INSPECT_REF=$REGISTRY/busybox:latest

# Helpers for the test user live beside the bed; the user's scratch space is WORK.
BIN=$E2E_DIR/bench-bin
install -d -m 0755 "$BIN"
install -m 0755 "$HERE/measure.py" "$HERE/repeat.sh" "$BIN/"
WORK=$E2E_DIR/bench
install -d -m 0755 -o "$NOOK_TEST_UID" -g "$NOOK_TEST_GID" "$WORK"
# Logs, raw results and the summary are kept after the run (teardown stops the registries only).
LOGS=$E2E_DIR/bench-logs
rm -rf "$LOGS"
install -d -m 0755 -o "$NOOK_TEST_UID" -g "$NOOK_TEST_GID" "$LOGS"
RESULTS=$LOGS/results.txt
: >"$RESULTS"

# --- per-run homes -------------------------------------------------------------------------------
# new_home NAME: a fresh set of XDG directories for one run of one tool, owned by the test user,
# with a registries.conf marking the loopback registry insecure and, for podman, a storage.conf
# asking for the overlay driver (native rootless overlay: no mount_program) and a containers.conf
# without systemd. Prints the directory.
new_home() {
    local dir=$WORK/$1
    rm -rf --one-file-system "$dir"
    install -d -m 0700 -o "$NOOK_TEST_UID" -g "$NOOK_TEST_GID" \
        "$dir" "$dir/data" "$dir/config" "$dir/config/containers" "$dir/cache" "$dir/run"
    cat >"$dir/config/containers/registries.conf" <<EOF
unqualified-search-registries = []

[[registry]]
location = "$REGISTRY"
insecure = true
EOF
    cat >"$dir/config/containers/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$dir/data/containers/storage"
runroot = "$dir/run/containers"
EOF
    cat >"$dir/config/containers/containers.conf" <<'EOF'
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
    chown -R "$NOOK_TEST_UID:$NOOK_TEST_GID" "$dir"
    echo "$dir"
}

# as_user HOME_DIR COMMAND...: runs COMMAND as the test user with a clean environment whose XDG
# directories are HOME_DIR's.
as_user() {
    local dir=$1
    shift
    runuser -u "$USER_NAME" -- env -i "HOME=$USER_HOME" "USER=$USER_NAME" "LOGNAME=$USER_NAME" \
        "PATH=$CLEAN_PATH" "LC_ALL=C.UTF-8" "XDG_DATA_HOME=$dir/data" "XDG_CONFIG_HOME=$dir/config" \
        "XDG_CACHE_HOME=$dir/cache" "XDG_RUNTIME_DIR=$dir/run" "TMPDIR=$dir/cache" "$@"
}

# Rootless podman leaves a pause process (catatonit -P) holding its user namespace, pid in
# XDG_RUNTIME_DIR/libpod/tmp/pause.pid. Each run has its own, so each is stopped by its pid.
stop_pause_processes() {
    local pidfile pid
    [[ -d ${WORK:-} ]] || return 0
    while IFS= read -r pidfile; do
        pid=$(<"$pidfile")
        if [[ $pid =~ ^[0-9]+$ && -e /proc/$pid ]] &&
            [[ $(stat -c %u "/proc/$pid") == "$NOOK_TEST_UID" ]] &&
            [[ $(</proc/"$pid"/comm) == @(catatonit|podman) ]]; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 50); do
                [[ -e /proc/$pid ]] || break
                sleep 0.1
            done
        fi
        rm -f "$pidfile"
    done < <(find "$WORK" -name pause.pid -type f 2>/dev/null)
}

# Removes a run's home. As root, so the files of subordinate ids need no `podman unshare rm` or
# `nook unshare rm`.
drop_home() {
    stop_pause_processes
    rm -rf --one-file-system "$1"
}

# --- facts about the run -------------------------------------------------------------------------
NOOK_HAS_PULL=1
if ! "$NOOK_BIN" pull --help >/dev/null 2>&1; then
    NOOK_HAS_PULL=
    say "this nook has no 'pull' yet: its measurements are skipped"
fi

describe_machine() {
    local cpu mem
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
    mem=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
    echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine:  $(nproc) x $cpu, $mem RAM, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "store fs: $(df -T "$WORK" | awk 'NR == 2 {print $2}') ($WORK)"
    echo "nook:     $("$NOOK_BIN" version --format '{{.Client.Version}}' 2>/dev/null ||
        "$NOOK_BIN" version | head -1) ($NOOK_SOURCE)"
    echo "podman:   $(podman --version | awk '{print $3}'), skopeo $(skopeo --version | awk '{print $3}'), $(tar --version | head -1)"
    local home
    home=$(new_home info-podman)
    echo "podman storage: $(as_user "$home" podman info --format \
        '{{.Store.GraphDriverName}} (native overlay diff {{index .Store.GraphStatus "Native Overlay Diff"}}, backing fs {{index .Store.GraphStatus "Backing Filesystem"}}, options {{.Store.GraphOptions}})' 2>/dev/null)"
    drop_home "$home"
    home=$(new_home info-nook)
    echo "nook storage:   $(as_user "$home" "$NOOK_BIN" info --format \
        '{{.Store.GraphDriverName}} ({{.Store.GraphDriverReason}})' 2>/dev/null)"
    drop_home "$home"
    local manifest
    manifest=$(skopeo inspect --raw --tls-verify=false "docker://$BIG")
    echo "image:    $BIG ($(jq '.layers | length' <<<"$manifest") layers," \
        "$(jq '[.layers[].size] | add / 1048576 | floor' <<<"$manifest") MiB compressed)"
}

# --- pull ----------------------------------------------------------------------------------------
# record BENCH TOOL RUN MEASURE_LINE [EXTRA]
record() {
    echo "$1 $2 $3 $4${5:+ $5}" >>"$RESULTS"
}

store_kb() { du -skx "$1" | cut -f1; }

pull_once() { # TOOL RUN
    local tool=$1 run=$2 home line log=$LOGS/pull-$1.log
    home=$(new_home "pull-$tool-$run")
    sync
    case $tool in
        podman)
            line=$(as_user "$home" python3 "$BIN/measure.py" "$log" -- \
                podman pull --tls-verify=false "$BIG")
            record pull.big podman "$run" "$line" "store_kb=$(store_kb "$home/data")"
            ;;
        nook)
            line=$(as_user "$home" python3 "$BIN/measure.py" "$log" -- \
                "$NOOK_BIN" pull --tls-verify=false "$BIG")
            record pull.big nook "$run" "$line" "store_kb=$(store_kb "$home/data")"
            ;;
        skopeo)
            line=$(as_user "$home" python3 "$BIN/measure.py" "$log" -- \
                skopeo --policy "$NOOK_TEST_POLICY" copy -q --src-tls-verify=false \
                "docker://$BIG" "oci:$home/data/oci:big")
            record pull.big skopeo "$run" "$line" "store_kb=$(store_kb "$home/data")"
            ;;
        tar)
            install -d -m 0755 -o "$NOOK_TEST_UID" -g "$NOOK_TEST_GID" "$home/data/rootfs"
            # shellcheck disable=SC2016 # expanded by the inner bash
            line=$(as_user "$home" python3 "$BIN/measure.py" "$log" -- \
                bash -c 'dest=$1; shift; for blob; do tar -xzf "$blob" -C "$dest" || exit; done' \
                tar "$home/data/rootfs" "${LAYER_BLOBS[@]}")
            record pull.big tar "$run" "$line" "store_kb=$(store_kb "$home/data")"
            ;;
    esac
    say "pull $tool run $run: $line"
    [[ $line == *" rc=0" ]] || say "pull $tool run $run FAILED; see $log"
    drop_home "$home"
}

bench_pull() {
    # The layer blobs for tar, fetched once (not timed) with skopeo into an OCI layout.
    local layers manifest
    layers=$(new_home layers)
    as_user "$layers" skopeo --policy "$NOOK_TEST_POLICY" copy -q --src-tls-verify=false \
        "docker://$BIG" "oci:$layers/oci:big" >/dev/null
    manifest=$(jq -r '.manifests[0].digest' "$layers/oci/index.json")
    mapfile -t LAYER_BLOBS < <(jq -r '.layers[].digest | sub("sha256:"; "")' \
        "$layers/oci/blobs/sha256/${manifest#sha256:}" | sed "s|^|$layers/oci/blobs/sha256/|")
    ((${#LAYER_BLOBS[@]} > 0)) || die "no layers in the manifest of $BIG"

    local tools=(podman nook skopeo tar) i j tool
    if [[ -z $NOOK_HAS_PULL ]]; then
        echo "skipped pull.big nook pending: this nook has no pull command" >>"$RESULTS"
    fi
    # Interleaved, and the order rotates from run to run, so that drift (page cache, the other
    # tenants of the machine) spreads over all tools.
    for ((i = 1; i <= RUNS; i++)); do
        for ((j = 0; j < ${#tools[@]}; j++)); do
            tool=${tools[(i - 1 + j) % ${#tools[@]}]}
            [[ $tool == nook && -z $NOOK_HAS_PULL ]] && continue
            pull_once "$tool" "$i"
        done
    done
    drop_home "$layers"
}

# --- list ----------------------------------------------------------------------------------------
# has_command TOOL_BINARY VERB...: does the binary know the verb?
has_command() {
    "$@" --help >/dev/null 2>&1
}

bench_list() {
    local tool home ref cmd out do_images do_inspect
    for tool in podman nook; do
        do_images=1 do_inspect=1
        if [[ $tool == nook ]]; then
            if [[ -z $NOOK_HAS_PULL ]]; then
                echo "skipped list.images nook pending: this nook has no pull command" >>"$RESULTS"
                echo "skipped list.inspect nook pending: this nook has no pull command" >>"$RESULTS"
                continue
            fi
            if ! has_command "$NOOK_BIN" images; then
                echo "skipped list.images nook pending: this nook has no images command" >>"$RESULTS"
                do_images=
            fi
            if ! has_command "$NOOK_BIN" image inspect; then
                echo "skipped list.inspect nook pending: this nook has no image inspect command" >>"$RESULTS"
                do_inspect=
            fi
            [[ -n $do_images$do_inspect ]] || continue
        fi
        cmd=podman
        [[ $tool == nook ]] && cmd=$NOOK_BIN
        home=$(new_home "list-$tool")
        say "list: pulling the fixture images into $tool's store"
        for ref in $NOOK_TEST_IMAGES; do
            if ! as_user "$home" "$cmd" pull --tls-verify=false "$REGISTRY/$ref" \
                >>"$LOGS/list-$tool-pull.log" 2>&1 </dev/null; then
                say "list: $tool pull $ref failed; see $LOGS/list-$tool-pull.log"
                echo "list.images $tool rc=1" >>"$RESULTS"
                echo "list.inspect $tool rc=1" >>"$RESULTS"
                drop_home "$home"
                continue 2
            fi
        done
        if [[ -n $do_images ]]; then
            say "list: $tool: $(as_user "$home" "$cmd" images --format '{{.Repository}}:{{.Tag}}' 2>&1 | wc -l) images in the store"
            if out=$(as_user "$home" bash "$BIN/repeat.sh" "$CALLS" "$LOGS/list-$tool.log" -- "$cmd" images); then
                sed -n "s/^/list.images $tool ms=/p" <<<"$out" >>"$RESULTS"
            else
                say "list: $tool images failed; see $LOGS/list-$tool.log"
                echo "list.images $tool rc=1" >>"$RESULTS"
            fi
        fi
        if [[ -n $do_inspect ]]; then
            if out=$(as_user "$home" bash "$BIN/repeat.sh" "$CALLS" "$LOGS/list-$tool.log" -- \
                "$cmd" image inspect "$INSPECT_REF"); then
                sed -n "s/^/list.inspect $tool ms=/p" <<<"$out" >>"$RESULTS"
            else
                say "list: $tool image inspect failed; see $LOGS/list-$tool.log"
                echo "list.inspect $tool rc=1" >>"$RESULTS"
            fi
        fi
        drop_home "$home"
    done
}

# --- main ----------------------------------------------------------------------------------------
FACTS=$(describe_machine)
case $WHAT in
    pull) bench_pull ;;
    list) bench_list ;;
    all)
        bench_pull
        bench_list
        ;;
esac

{
    echo
    echo "nook benchmarks ($WHAT): runs=$RUNS calls=$CALLS"
    echo "$FACTS"
    echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min; more than $(nproc): others competed for the CPUs)"
    python3 "$HERE/summary.py" "$RESULTS"
} | tee "$LOGS/summary.txt"
if grep -q ' rc=[1-9]' "$RESULTS"; then
    say "some runs failed; logs were in $LOGS"
    exit 1
fi
