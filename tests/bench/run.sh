#!/bin/bash
# Benchmarks of nook's image and container commands against podman (Debian's 4.3, with crun),
# side by side in one run, on the e2e test bed (loopback registry, fixture images). Not a test: it
# reports, it does not judge. See tests/bench/README.md for what is measured and the last results.
#
# usage: tests/bench/run.sh [pull|list|containers|network|all]   (as root; re-runs itself under sudo)
#
# Environment:
#   NOOK=/path/to/nook   the binary to measure (default: build REPO/build-bench, Release)
#   BENCH_RUNS=3         runs of each pull
#   BENCH_CALLS=50       timed calls of each list command and of each container command
#   BENCH_REQUESTS=2000  requests of each run of ab (network: connections per second)
#   BENCH_E2E_DIR=/var/tmp/nook-e2e-bench   the test bed's directory (made anew, removed again)
#   BENCH_KEEP=1         keep the test bed's registries and BENCH_E2E_DIR/bench for a look after
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WHAT=${1:-all}
case $WHAT in
    pull | list | containers | network | all) ;;
    *)
        echo "usage: $0 [pull|list|containers|network|all]" >&2
        exit 2
        ;;
esac
if [[ $(id -u) -ne 0 ]]; then
    exec sudo --preserve-env=NOOK,BENCH_RUNS,BENCH_CALLS,BENCH_REQUESTS,BENCH_E2E_DIR,BENCH_KEEP "$0" "$@"
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
    stop_containers || true
    stop_pause_processes || true
    unmount_fresh_fs || true
    if [[ -n ${BENCH_KEEP:-} ]]; then
        say "BENCH_KEEP: leaving the test bed in $E2E_DIR (stop it: tests/fixtures/teardown.sh $E2E_DIR)"
    else
        bash "$REPO/tests/fixtures/teardown.sh" "$E2E_DIR" >/dev/null || true
        [[ -d ${WORK:-} ]] && rm -rf --one-file-system "$WORK"
        [[ -d ${CTR_WORK:-} ]] && rm -rf --one-file-system "$CTR_WORK"
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
install -m 0755 "$HERE/measure.py" "$HERE/repeat.sh" "$HERE/cycle.sh" "$HERE/netcpu.py" "$BIN/"
WORK=$E2E_DIR/bench
install -d -m 0755 -o "$NOOK_TEST_UID" -g "$NOOK_TEST_GID" "$WORK"
# Logs, raw results and the summary are kept after the run (teardown stops the registries only).
LOGS=$E2E_DIR/bench-logs
rm -rf "$LOGS"
install -d -m 0755 -o "$NOOK_TEST_UID" -g "$NOOK_TEST_GID" "$LOGS"
RESULTS=$LOGS/results.txt
: >"$RESULTS"

# --- per-run homes -------------------------------------------------------------------------------
# new_home NAME [BASE]: a fresh set of XDG directories for one run of one tool, BASE/NAME (default
# WORK/NAME), owned by the test user, with a registries.conf marking the loopback registry
# insecure and, for podman, a storage.conf asking for the overlay driver (native rootless overlay:
# no mount_program) and a containers.conf without systemd. Prints the directory.
new_home() {
    local dir=${2:-$WORK}/$1
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
    local pidfile pid dirs=()
    [[ -d ${WORK:-} ]] && dirs+=("$WORK")
    [[ -d ${CTR_WORK:-} ]] && dirs+=("$CTR_WORK")
    ((${#dirs[@]})) || return 0
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
    done < <(find "${dirs[@]}" -name pause.pid -type f 2>/dev/null)
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
    echo "store fs: $(df -T "$WORK" | awk 'NR == 2 {print $2}') ($WORK); each pull on a new 4 GiB ext4 (loop)"
    echo "nook:     $("$NOOK_BIN" version --format '{{.Client.Version}}' 2>/dev/null ||
        "$NOOK_BIN" version | head -1) ($NOOK_SOURCE)"
    echo "podman:   $(podman --version | awk '{print $3}'), crun $(crun --version | awk 'NR == 1 {print $3}'), skopeo $(skopeo --version | awk '{print $3}'), $(tar --version | head -1)"
    echo "network:  slirp4netns $(slirp4netns --version | awk 'NR == 1 {print $3}'), curl $(curl --version | awk 'NR == 1 {print $2}'), ab $(ab -V | awk 'NR == 1 {print $5}') (apache2-utils)"
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

# Each pull lands on an ext4 file system made for it (a sparse file on a loop device, mounted at
# FRESH_FS): on the long-used root file system, right after the previous run's 32,000 files were
# deleted, ext4's inode allocator spends most of every tool's time skipping recently freed inodes
# (recently_deleted()), which measures the file system's history, not the tools.
FRESH_FS=${WORK:-/nonexistent}/fresh-fs
FRESH_IMG=${WORK:-/nonexistent}/fresh-fs.img
make_fresh_fs() {
    unmount_fresh_fs
    install -d -m 0755 "$FRESH_FS"
    rm -f "$FRESH_IMG"
    truncate -s 4G "$FRESH_IMG"
    mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$FRESH_IMG"
    mount -o loop "$FRESH_IMG" "$FRESH_FS"
    chmod 0755 "$FRESH_FS"
}
unmount_fresh_fs() {
    if mountpoint -q "$FRESH_FS" 2>/dev/null; then
        stop_pause_processes
        umount "$FRESH_FS"
    fi
    rm -f "$FRESH_IMG"
}

pull_once() { # TOOL RUN
    local tool=$1 run=$2 home line log=$LOGS/pull-$1.log
    make_fresh_fs
    home=$(new_home "pull-$tool-$run" "$FRESH_FS")
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
    unmount_fresh_fs  # the home goes with its file system
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

# --- containers ----------------------------------------------------------------------------------
CTR_TOTAL=50   # containers in the store for `ps -a`
CTR_RUNNING=10 # of which running (`sleep 1000`): `exec` goes into one, the monitors are measured
CTR_HOMES=()   # homes whose containers stop_containers removes, as "TOOL HOME"
# The container benchmarks' homes live in CTR_WORK, a short directory (/var/tmp/nbc.XXXXXX): with
# its store at WORK/ctr-podman/data/containers/storage (65 characters here) podman 4.3's `run --rm`
# waits 20 s for every container's exit ("Exceeded conmon timeout waiting for container to exit" in
# its debug log); with 52 characters or fewer it does not. A user's ~/.local/share/containers/storage
# is short too.
CTR_WORK=
SECTION=containers # the section running: names the logs of ctr_home and ctr_repeat

# tool_cmd TOOL: sets CMD to the tool's command line. podman always gets `--runtime crun`.
tool_cmd() {
    case $1 in
        nook) CMD=("$NOOK_BIN") ;;
        podman) CMD=(podman --runtime crun) ;;
        *) die "tool_cmd: unknown tool $1" ;;
    esac
}

# Debian's crun refuses to start anything on a hybrid cgroup host whose cgroup2 mount lists
# controllers ("cgroups in hybrid mode not supported"). Inside a private mount namespace an empty
# tmpfs over /sys/fs/cgroup/unified hides it (never on the host); on other hosts this does nothing.
# shellcheck disable=SC2016 # run by the inner sh
HIDE_UNIFIED='if grep -q " /sys/fs/cgroup/unified cgroup2 " /proc/self/mounts; then mount -t tmpfs none /sys/fs/cgroup/unified || exit 1; fi'

# Removes the containers of every container home (rm -fa -t0 as the test user), then stops by pid
# whatever process of the test user still names one of those homes on its command line (a monitor
# or a conmon whose container could not be removed), saying so.
stop_containers() {
    local entry tool home pid
    for entry in "${CTR_HOMES[@]}"; do
        read -r tool home <<<"$entry"
        [[ -d $home ]] || continue
        tool_cmd "$tool"
        as_user "$home" "${CMD[@]}" rm -fa -t0 >>"$LOGS/containers-cleanup.log" 2>&1 </dev/null || true
    done
    CTR_HOMES=()
    [[ -d ${CTR_WORK:-} ]] || return 0
    for pid in $(pgrep -U "$NOOK_TEST_UID" 2>/dev/null); do
        [[ -r /proc/$pid/cmdline ]] || continue
        if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$CTR_WORK/"; then
            say "containers: process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-80)) was left running; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
}

# ctr_home TOOL: a home for TOOL with the busybox image pulled into it (not timed). For podman,
# its rootless namespaces (held by its pause process) also get HIDE_UNIFIED, so that crun can run
# there. Prints the home; returns 1 when the pull fails. The caller adds it to CTR_HOMES.
ctr_home() {
    local tool=$1 home
    home=$(new_home "$tool" "$CTR_WORK")
    tool_cmd "$tool"
    if ! as_user "$home" "${CMD[@]}" pull -q --tls-verify=false "$CTR_IMAGE" \
        >>"$LOGS/$SECTION-$tool.log" 2>&1 </dev/null; then
        say "$SECTION: $tool pull $CTR_IMAGE failed; see $LOGS/$SECTION-$tool.log"
        return 1
    fi
    if [[ $tool == podman ]] && ! as_user "$home" podman unshare sh -c "$HIDE_UNIFIED" \
        >>"$LOGS/$SECTION-$tool.log" 2>&1 </dev/null; then
        say "$SECTION: could not hide the cgroup2 mount in podman's namespace; see $LOGS/$SECTION-$tool.log"
        return 1
    fi
    echo "$home"
}

# crun_bundle HOME: HOME/bundle, an OCI bundle made by `crun spec --rootless` (args `true`, no
# terminal) over the busybox image's layer extracted with tar by the test user.
crun_bundle() {
    local home=$1 manifest blob
    as_user "$home" skopeo --policy "$NOOK_TEST_POLICY" copy -q --src-tls-verify=false \
        "docker://$CTR_IMAGE" "oci:$home/oci:busybox" >>"$LOGS/containers-crun.log" 2>&1 || return 1
    manifest=$(jq -r '.manifests[0].digest' "$home/oci/index.json")
    as_user "$home" mkdir -p "$home/bundle/rootfs" "$home/crun-root" || return 1
    for blob in $(jq -r '.layers[].digest | sub("sha256:"; "")' \
        "$home/oci/blobs/sha256/${manifest#sha256:}"); do
        as_user "$home" tar -xzf "$home/oci/blobs/sha256/$blob" -C "$home/bundle/rootfs" || return 1
    done
    # shellcheck disable=SC2016 # run by the inner bash
    as_user "$home" bash -c 'cd "$1" && crun spec --rootless &&
        jq ".process.args = [\"true\"] | .process.terminal = false" config.json >config.json.new &&
        mv config.json.new config.json' bash "$home/bundle" >>"$LOGS/containers-crun.log" 2>&1
}

# in_crun_ns HOME COMMAND...: COMMAND as the test user inside `unshare --user --map-root-user
# --mount` with HIDE_UNIFIED applied: where crun runs (it makes the bundle's own user namespace
# nested in this one).
in_crun_ns() {
    local home=$1
    shift
    # shellcheck disable=SC2016 # run by the inner sh
    as_user "$home" unshare --user --map-root-user --mount \
        sh -c "$HIDE_UNIFIED"'; exec "$0" "$@"' "$@"
}

# ctr_repeat BENCH TOOL HOME COMMAND...: repeat.sh of COMMAND as the test user; records
# "BENCH TOOL ms=MS" per call, or "BENCH TOOL rc=1".
ctr_repeat() {
    local bench=$1 tool=$2 home=$3 out log=$LOGS/$SECTION-$2.log
    shift 3
    if [[ $tool == crun ]]; then
        out=$(in_crun_ns "$home" bash "$BIN/repeat.sh" "$CALLS" "$log" -- "$@")
    else
        out=$(as_user "$home" bash "$BIN/repeat.sh" "$CALLS" "$log" -- "$@")
    fi
    # shellcheck disable=SC2181 # the status of the assignment above
    if [[ $? -eq 0 ]]; then
        sed -n "s/^/$bench $tool ms=/p" <<<"$out" >>"$RESULTS"
        say "$SECTION: $bench $tool: median $(sort -n <<<"$out" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}') ms"
    else
        say "$SECTION: $bench $tool failed; see $log"
        echo "$bench $tool rc=1" >>"$RESULTS"
    fi
}

# ctr_measure BENCH TOOL RUN HOME COMMAND...: measure.py of COMMAND as the test user; records
# "BENCH TOOL RUN wall_s=.. cpu_s=.. max_rss_kb=.. tree_rss_kb=.. rc=..".
ctr_measure() {
    local bench=$1 tool=$2 run=$3 home=$4 line log=$LOGS/containers-$2.log
    shift 4
    if [[ $tool == crun ]]; then
        line=$(in_crun_ns "$home" python3 "$BIN/measure.py" "$log" -- "$@")
    else
        line=$(as_user "$home" python3 "$BIN/measure.py" "$log" -- "$@")
    fi
    [[ -n $line ]] || line="rc=1"
    record "$bench" "$tool" "$run" "$line"
    [[ $line == *" rc=0" ]] || say "containers: $bench $tool run $run FAILED; see $log"
}

# monitor_memory TOOL HOME NAME: records "ctr.monitor TOOL private_kb=.. pss_kb=.. anon_kb=.." for
# the monitor of container NAME (nook's `internal monitor`, podman's conmon: State.ConmonPid),
# from /proc/PID/smaps_rollup: Private_Clean + Private_Dirty, Pss, Anonymous.
monitor_memory() {
    local tool=$1 home=$2 name=$3 pid
    tool_cmd "$tool"
    pid=$(as_user "$home" "${CMD[@]}" container inspect --format '{{.State.ConmonPid}}' "$name" 2>>"$LOGS/containers-$tool.log")
    if [[ ! $pid =~ ^[1-9][0-9]*$ || ! -r /proc/$pid/smaps_rollup ]]; then
        say "containers: no monitor process for $tool's $name (pid '$pid')"
        echo "ctr.monitor $tool rc=1" >>"$RESULTS"
        return
    fi
    awk -v tool="$tool" -v comm="$(<"/proc/$pid/comm")" '
        /^Private_(Clean|Dirty):/ { private += $2 }
        /^Pss:/ { pss = $2 }
        /^Anonymous:/ { anon = $2 }
        END { printf "ctr.monitor %s private_kb=%d pss_kb=%d anon_kb=%d comm=%s\n", tool, private, pss, anon, comm }
    ' "/proc/$pid/smaps_rollup" >>"$RESULTS"
}

bench_containers() {
    CTR_IMAGE=$REGISTRY/busybox:latest
    local nook_home podman_home crun_home tool home i run have_exec=1 tools=()
    if ! "$NOOK_BIN" run --help >/dev/null 2>&1; then
        echo "skipped ctr.run nook pending: this nook has no run command" >>"$RESULTS"
        return
    fi
    if ! "$NOOK_BIN" exec --help >/dev/null 2>&1; then
        have_exec=
        echo "skipped ctr.exec nook pending: this nook has no exec command yet" >>"$RESULTS"
    fi
    # The logs are appended to by root and by the test user: made by root, owned by the user.
    for tool in nook podman crun; do
        install -m 0644 -o "$NOOK_TEST_UID" -g "$NOOK_TEST_GID" /dev/null "$LOGS/containers-$tool.log"
    done
    CTR_WORK=$(mktemp -d /var/tmp/nbc.XXXXXX)
    chown "$NOOK_TEST_UID:$NOOK_TEST_GID" "$CTR_WORK"
    chmod 0755 "$CTR_WORK"
    say "containers: preparing the stores in $CTR_WORK (busybox pulled, not timed) and crun's bundle"
    nook_home=$(ctr_home nook) && tools+=(nook) && CTR_HOMES+=("nook $nook_home")
    podman_home=$(ctr_home podman) && tools+=(podman) && CTR_HOMES+=("podman $podman_home")
    crun_home=$(new_home crun "$CTR_WORK")
    if ! crun_bundle "$crun_home"; then
        say "containers: could not make crun's bundle; see $LOGS/containers-crun.log"
        echo "ctr.run crun rc=1" >>"$RESULTS"
        crun_home=
    fi
    home_of() { case $1 in nook) echo "$nook_home" ;; podman) echo "$podman_home" ;; crun) echo "$crun_home" ;; esac; }

    # run --rm: CALLS timed calls per tool; crun runs its bundle under the same container id.
    if [[ -n $crun_home ]]; then
        ctr_repeat ctr.run crun "$crun_home" crun --root "$crun_home/crun-root" run \
            --bundle "$crun_home/bundle" bench
    fi
    for tool in "${tools[@]}"; do
        tool_cmd "$tool"
        ctr_repeat ctr.run "$tool" "$(home_of "$tool")" "${CMD[@]}" run --rm --network none "$CTR_IMAGE" true
    done

    # run -d + rm -f -t0 cycles.
    local out
    for tool in "${tools[@]}"; do
        tool_cmd "$tool"
        home=$(home_of "$tool")
        if out=$(as_user "$home" bash "$BIN/cycle.sh" "$CALLS" "$LOGS/containers-$tool.log" \
            "$CTR_IMAGE" -- "${CMD[@]}"); then
            awk -v tool="$tool" '{print "ctr.cycle", tool, "ms=" $1, "run_ms=" $2, "rm_ms=" $3}' \
                <<<"$out" >>"$RESULTS"
            say "containers: ctr.cycle $tool: $(wc -l <<<"$out") cycles"
        else
            say "containers: ctr.cycle $tool failed; see $LOGS/containers-$tool.log"
            echo "ctr.cycle $tool rc=1" >>"$RESULTS"
        fi
    done

    # Peak memory (GNU time's %M) of single commands, BENCH_RUNS times each, on an empty store.
    for ((run = 1; run <= RUNS; run++)); do
        [[ -n $crun_home ]] && ctr_measure ctr.rss.run crun "$run" "$crun_home" \
            crun --root "$crun_home/crun-root" run --bundle "$crun_home/bundle" bench
        for tool in "${tools[@]}"; do
            tool_cmd "$tool"
            home=$(home_of "$tool")
            ctr_measure ctr.rss.run "$tool" "$run" "$home" "${CMD[@]}" run --rm --network none "$CTR_IMAGE" true
            ctr_measure ctr.rss.run_d "$tool" "$run" "$home" "${CMD[@]}" run -d --network none \
                --name "rss-$run" "$CTR_IMAGE" sleep 1000
            ctr_measure ctr.rss.rm "$tool" "$run" "$home" "${CMD[@]}" rm -f -t0 "rss-$run"
        done
    done

    # CTR_TOTAL containers in each store, CTR_RUNNING of them running `sleep 1000`.
    local -A ready=()
    for tool in "${tools[@]}"; do
        tool_cmd "$tool"
        home=$(home_of "$tool")
        say "containers: $tool: $CTR_RUNNING running and $((CTR_TOTAL - CTR_RUNNING)) created containers (not timed)"
        ready[$tool]=1
        for ((i = 1; i <= CTR_TOTAL; i++)); do
            if ((i <= CTR_RUNNING)); then
                as_user "$home" "${CMD[@]}" run -d --network none --name "up-$i" "$CTR_IMAGE" sleep 1000
            else
                as_user "$home" "${CMD[@]}" create --network none --name "ctr-$i" "$CTR_IMAGE" true
            fi >>"$LOGS/containers-$tool.log" 2>&1 </dev/null || {
                say "containers: $tool could not make container $i; see $LOGS/containers-$tool.log"
                ready[$tool]=
                break
            }
        done
        if [[ -n ${ready[$tool]} ]]; then
            say "containers: $tool ps -a lists $(as_user "$home" "${CMD[@]}" ps -a -q 2>/dev/null | wc -l) containers"
        else
            echo "ctr.ps $tool rc=1" >>"$RESULTS"
            echo "ctr.exec $tool rc=1" >>"$RESULTS"
        fi
    done
    for tool in "${tools[@]}"; do
        [[ -n ${ready[$tool]} ]] || continue
        tool_cmd "$tool"
        ctr_repeat ctr.ps "$tool" "$(home_of "$tool")" "${CMD[@]}" ps -a
    done
    for tool in "${tools[@]}"; do
        [[ -n ${ready[$tool]} ]] || continue
        [[ $tool == nook && -z $have_exec ]] && continue
        tool_cmd "$tool"
        ctr_repeat ctr.exec "$tool" "$(home_of "$tool")" "${CMD[@]}" exec up-1 true
    done
    for ((run = 1; run <= RUNS; run++)); do
        for tool in "${tools[@]}"; do
            [[ -n ${ready[$tool]} ]] || continue
            tool_cmd "$tool"
            home=$(home_of "$tool")
            ctr_measure ctr.rss.ps "$tool" "$run" "$home" "${CMD[@]}" ps -a
            [[ $tool == nook && -z $have_exec ]] && continue
            ctr_measure ctr.rss.exec "$tool" "$run" "$home" "${CMD[@]}" exec up-1 true
        done
    done
    for tool in "${tools[@]}"; do
        [[ -n ${ready[$tool]} ]] || continue
        for ((i = 1; i <= CTR_RUNNING; i++)); do
            monitor_memory "$tool" "$(home_of "$tool")" "up-$i"
        done
    done

    say "containers: removing the containers"
    stop_containers
    for tool in "${tools[@]}"; do
        drop_home "$(home_of "$tool")"
    done
    [[ -n $crun_home ]] && drop_home "$crun_home"
    rm -rf --one-file-system "$CTR_WORK"
    CTR_WORK=
    return 0
}

# --- network -------------------------------------------------------------------------------------
# Published ports and container start with networking, nook beside podman. In every container
# busybox httpd serves /tmp/www (in the container's own file system) with a 100 MB file of zeros,
# `f`, and a 6-byte page, `i.html`, both made before httpd starts, so that any answer means both
# are there. The clients run on the host as the test user and connect to 127.0.0.1 only.
NET_REQUESTS=${BENCH_REQUESTS:-2000} # requests of each ab run
NET_FILE_MB=100
# shellcheck disable=SC2016 # run by the container's sh
NET_HTTPD="mkdir -p /tmp/www && dd if=/dev/zero of=/tmp/www/f bs=1M count=$NET_FILE_MB 2>/dev/null &&
echo hello >/tmp/www/i.html && exec httpd -f -p 80 -h /tmp/www"

# free_port: a TCP port of 127.0.0.1 free right now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# net_wait HOME PORT: waits (up to 60 s) until http://127.0.0.1:PORT/i.html answers.
net_wait() {
    local i
    for i in $(seq 1 300); do
        as_user "$1" curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$2/i.html" && return 0
        sleep 0.2
    done
    return 1
}

# helper_cpu HOME: CPU milliseconds used so far by the processes of the tool's HOME (netcpu.py:
# monitor, forwarder, conmon, rootlessport, slirp4netns; not the container's processes).
helper_cpu() {
    python3 "$BIN/netcpu.py" "$1/run" | sed -n 's/^cpu_ms=\([0-9.]*\) .*/\1/p'
}

# net_bulk BENCH TOOL RUN CLIENT_HOME TOOL_HOME PORT: one download of the big file with curl as
# the test user; records "BENCH TOOL RUN mb_s=MB/S cpu_ms=MS" (MB = 10^6 bytes; cpu_ms: what the
# tool's helper processes used meanwhile) or "BENCH TOOL RUN rc=1".
net_bulk() {
    local bench=$1 tool=$2 run=$3 client=$4 home=$5 port=$6 out speed size code cpu0 cpu1
    cpu0=$(helper_cpu "$home")
    out=$(as_user "$client" curl -s --max-time 120 -o /dev/null \
        -w '%{speed_download} %{size_download} %{http_code}' "http://127.0.0.1:$port/f" 2>&1) || true
    cpu1=$(helper_cpu "$home")
    read -r speed size code <<<"$out"
    if [[ $code == 200 && $size == $((NET_FILE_MB * 1048576)) ]]; then
        record "$bench" "$tool" "$run" "$(awk -v s="$speed" -v a="$cpu0" -v b="$cpu1" \
            'BEGIN {printf "mb_s=%.1f cpu_ms=%.1f", s / 1e6, b - a}')"
    else
        say "network: $bench $tool run $run FAILED: curl http://127.0.0.1:$port/f said '$out'"
        echo "$bench $tool $run: curl http://127.0.0.1:$port/f: $out" >>"$LOGS/network-$tool.log"
        record "$bench" "$tool" "$run" "rc=1"
    fi
}

# net_rate BENCH TOOL RUN CLIENT_HOME TOOL_HOME PORT CONCURRENCY: NET_REQUESTS requests of i.html
# with ab as the test user, each on a new connection (HTTP/1.0, no keep-alive); records
# "BENCH TOOL RUN rps=R failed=N cpu_us=US" (N: ab's failed requests, non-2xx answers included;
# cpu_us: what the tool's helper processes used per request) or "BENCH TOOL RUN rc=1".
net_rate() {
    local bench=$1 tool=$2 run=$3 client=$4 home=$5 port=$6 conc=$7 out rps failed non2xx cpu0 cpu1
    cpu0=$(helper_cpu "$home")
    if out=$(as_user "$client" timeout 300 ab -q -s 10 -n "$NET_REQUESTS" -c "$conc" \
        "http://127.0.0.1:$port/i.html" 2>&1); then
        cpu1=$(helper_cpu "$home")
        rps=$(sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' <<<"$out")
        failed=$(sed -n 's/^Failed requests: *\([0-9]*\).*/\1/p' <<<"$out")
        non2xx=$(sed -n 's/^Non-2xx responses: *\([0-9]*\).*/\1/p' <<<"$out")
        failed=$((${failed:-0} + ${non2xx:-0}))
        if [[ -n $rps ]]; then
            record "$bench" "$tool" "$run" "rps=$rps failed=$failed $(awk -v a="$cpu0" -v b="$cpu1" \
                -v n="$NET_REQUESTS" 'BEGIN {printf "cpu_us=%.1f", (b - a) * 1000 / n}')"
            ((failed == 0)) || say "network: $bench $tool run $run: $failed of $NET_REQUESTS requests failed"
            return
        fi
    fi
    say "network: $bench $tool run $run FAILED: ab -n $NET_REQUESTS -c $conc said: $(tail -1 <<<"$out")"
    printf '%s %s %s: ab -n %s -c %s http://127.0.0.1:%s/i.html:\n%s\n' "$bench" "$tool" "$run" \
        "$NET_REQUESTS" "$conc" "$port" "$out" >>"$LOGS/network-$tool.log"
    record "$bench" "$tool" "$run" "rc=1"
}

# net_list_helpers TOOL...: logs which processes helper_cpu counts for each TOOL (its home in
# homes[TOOL]), with the CPU time each has used so far.
net_list_helpers() {
    local tool
    for tool; do
        {
            echo "+ netcpu.py ${homes[$tool]}/run --list"
            python3 "$BIN/netcpu.py" "${homes[$tool]}/run" --list
        } >>"$LOGS/network-$tool.log" 2>&1
    done
}

# net_failed TOOL HANDLER: records every throughput row of TOOL's HANDLER (default, slirp) as failed.
net_failed() {
    local suffix='' bench
    [[ $2 == slirp ]] && suffix=_slirp
    for bench in "net.bulk$suffix" "net.rate${suffix}_c1" "net.rate${suffix}_c8"; do
        record "$bench" "$1" 1 "rc=1"
    done
}

bench_network() {
    CTR_IMAGE=$REGISTRY/busybox:latest
    SECTION=network
    local tool home client cfg name handler port i j run conc tools=() cfgs=() up=()
    local help
    help=$("$NOOK_BIN" run --help 2>&1 || true)
    if [[ $help != *--publish* ]]; then
        echo "skipped net.bulk nook pending: this nook has no run --publish" >>"$RESULTS"
        return
    fi
    for tool in nook podman; do
        install -m 0644 -o "$NOOK_TEST_UID" -g "$NOOK_TEST_GID" /dev/null "$LOGS/network-$tool.log"
    done
    # Shorter still than the containers' homes: podman's slirp4netns API socket is
    # XDG_RUNTIME_DIR/libpod/tmp/<64 hex digits>.net, and slirp4netns refuses a socket path of 108
    # characters or more ("the specified API socket path is too long"), as it would be under
    # /var/tmp/nbc.XXXXXX/podman/run (110); under /tmp/nbn.XXXXXX/podman/run it is 106, under a
    # user's /run/user/UID 94.
    CTR_WORK=$(mktemp -d /tmp/nbn.XXXXXX)
    chown "$NOOK_TEST_UID:$NOOK_TEST_GID" "$CTR_WORK"
    chmod 0755 "$CTR_WORK"
    say "network: preparing the stores in $CTR_WORK (busybox pulled, not timed)"
    local -A homes=()
    for tool in nook podman; do
        if home=$(ctr_home "$tool"); then
            homes[$tool]=$home
            tools+=("$tool")
            CTR_HOMES+=("$tool $home")
        else
            net_failed "$tool" default
            net_failed "$tool" slirp
        fi
    done
    client=$(new_home client "$CTR_WORK")

    # One web server per configuration: TOOL, port handler (default: nook's forwarder, podman's
    # rootlessport; or slirp4netns), host port. All four run during the measurements, which are
    # interleaved, the order rotating from run to run, as the pulls are.
    for tool in "${tools[@]}"; do
        for handler in default slirp; do
            cfgs+=("$tool $handler $(free_port)")
        done
    done
    for cfg in "${cfgs[@]}"; do
        read -r tool handler port <<<"$cfg"
        tool_cmd "$tool"
        name=web-$handler
        local net_args=()
        [[ $handler == slirp ]] && net_args=(--network slirp4netns:port_handler=slirp4netns)
        echo "+ ${CMD[*]} run -d --name $name ${net_args[*]} -p 127.0.0.1:$port:80 IMG sh -c ..." \
            >>"$LOGS/network-$tool.log"
        if ! as_user "${homes[$tool]}" "${CMD[@]}" run -d --name "$name" "${net_args[@]}" \
            -p "127.0.0.1:$port:80" "$CTR_IMAGE" sh -c "$NET_HTTPD" \
            >>"$LOGS/network-$tool.log" 2>&1 </dev/null; then
            say "network: $tool run -d ${net_args[*]} -p 127.0.0.1:$port:80 failed; see $LOGS/network-$tool.log"
            net_failed "$tool" "$handler"
            continue
        fi
        if ! net_wait "$client" "$port"; then
            say "network: $tool ${net_args[*]} -p 127.0.0.1:$port:80: no answer from http://127.0.0.1:$port/i.html in 60 s"
            as_user "${homes[$tool]}" "${CMD[@]}" logs "$name" >>"$LOGS/network-$tool.log" 2>&1 </dev/null || true
            net_failed "$tool" "$handler"
            continue
        fi
        up+=("$cfg")
        # One untimed download: the file into the page cache, the connection paths warm.
        as_user "$client" curl -s --max-time 120 -o /dev/null "http://127.0.0.1:$port/f" || true
    done
    say "network: ${#up[@]} web servers answer: ${up[*]}"
    net_list_helpers "${tools[@]}"

    local suffix
    for ((run = 1; run <= RUNS; run++)); do
        for ((j = 0; j < ${#up[@]}; j++)); do
            read -r tool handler port <<<"${up[(run - 1 + j) % ${#up[@]}]}"
            suffix=
            [[ $handler == slirp ]] && suffix=_slirp
            sync
            net_bulk "net.bulk$suffix" "$tool" "$run" "$client" "${homes[$tool]}" "$port"
        done
        say "network: downloads, run $run of $RUNS done"
    done
    for conc in 1 8; do
        for ((run = 1; run <= RUNS; run++)); do
            for ((j = 0; j < ${#up[@]}; j++)); do
                read -r tool handler port <<<"${up[(run - 1 + j) % ${#up[@]}]}"
                suffix=
                [[ $handler == slirp ]] && suffix=_slirp
                net_rate "net.rate${suffix}_c$conc" "$tool" "$run" "$client" "${homes[$tool]}" "$port" "$conc"
            done
        done
        say "network: requests at concurrency $conc done"
    done
    net_list_helpers "${tools[@]}"
    for tool in "${tools[@]}"; do
        tool_cmd "$tool"
        as_user "${homes[$tool]}" "${CMD[@]}" rm -f -t0 web-default web-slirp \
            >>"$LOGS/network-$tool.log" 2>&1 </dev/null || true
    done

    # Container start: --network none, the default (slirp4netns), the default with a published
    # port (nook's forwarder, podman's rootlessport).
    port=$(free_port)
    for tool in "${tools[@]}"; do
        tool_cmd "$tool"
        home=${homes[$tool]}
        ctr_repeat net.start.none "$tool" "$home" "${CMD[@]}" run --rm --network none "$CTR_IMAGE" true
        ctr_repeat net.start.slirp "$tool" "$home" "${CMD[@]}" run --rm "$CTR_IMAGE" true
        ctr_repeat net.start.port "$tool" "$home" "${CMD[@]}" run --rm -p "127.0.0.1:$port:80" \
            "$CTR_IMAGE" true
    done

    say "network: removing the containers"
    stop_containers
    for tool in "${tools[@]}"; do
        drop_home "${homes[$tool]}"
    done
    drop_home "$client"
    rm -rf --one-file-system "$CTR_WORK"
    CTR_WORK=
    SECTION=containers
    return 0
}

# --- main ----------------------------------------------------------------------------------------
FACTS=$(describe_machine)
case $WHAT in
    pull) bench_pull ;;
    list) bench_list ;;
    containers) bench_containers ;;
    network) bench_network ;;
    all)
        bench_pull
        bench_list
        bench_containers
        bench_network
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
