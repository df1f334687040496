#!/usr/bin/env bats
# cgroups as root (run-bats.sh runs *-root.bats as root, in its own network and mount
# namespaces): the limit flags land in the container's v1 cgroups on this hybrid host (and a
# child of the cgroup2 mount), the limits hold (OOM kill, pids), pause/unpause freeze, and no
# cgroup is left behind after exit, rm, or kill -9 of the monitor. The rootless side is
# 097-cgroups.bats.
#
# The host's registries are not reachable from this network namespace: the image is imported
# from a busybox root file system built here. Every test has its own store (--root/--runroot
# under the test's temp dir; /var/lib/nook is never used) and removes it.

load helpers

# nook as root with this test's private store.
run_root() {
    local rc=$1
    shift
    run_nook "$rc" --root "$BATS_TEST_TMPDIR/root" --runroot "$BATS_TEST_TMPDIR/run" "$@"
}

setup_file() {
    [ "$(id -u)" = 0 ] || skip "this file runs as root"
    local rootfs=$BATS_FILE_TMPDIR/rootfs
    mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
    cp /bin/busybox "$rootfs/bin/busybox"
    local cmd
    for cmd in sh cat sleep tail echo seq head ls true grep; do ln -s busybox "$rootfs/bin/$cmd"; done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
    echo 'root:x:0:' >"$rootfs/etc/group"
    tar -C "$rootfs" -cf "$BATS_FILE_TMPDIR/bb.tar" .
}

setup() {
    nook_setup
    [ "$(id -u)" = 0 ] || skip "this file runs as root"
    [[ -d /sys/fs/cgroup/memory && -d /sys/fs/cgroup/freezer ]] || skip "needs the v1 memory and freezer controllers"
    run_root 0 import "$BATS_FILE_TMPDIR/bb.tar" localhost/bb
    BB=localhost/bb
}

# Nothing of nook's may be left in any hierarchy.
assert_no_cgroups() {
    local left
    left=$(ls -d /sys/fs/cgroup/*/nook_parent /sys/fs/cgroup/*/nook_parent/* 2>/dev/null || true)
    [[ -z $left ]] || die "cgroups left behind: $left"
}

teardown() {
    if [[ -d $BATS_TEST_TMPDIR/root ]]; then
        run_root '?' rm -af -t 0
        run_root '?' rmi -af
    fi
    rm -rf "$BATS_TEST_TMPDIR/root" "$BATS_TEST_TMPDIR/run"
    nook_teardown
    assert_no_cgroups
}

cgroup_of() {  # CONTROLLER ID
    echo "/sys/fs/cgroup/$1/nook_parent/nook-$2"
}

@test "-m: a memory hog is OOM-killed with 137 and OOMKilled, and its cgroup goes" {
    run_root 137 run --name hog -m 32m $BB sh -c 'tail /dev/zero'
    run_root 0 inspect hog --format '{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}'
    is "$output" "true 137 33554432 67108864" "OOMKilled, exit code, memory and podman's default swap (2x)"
    assert_no_cgroups
    run_root 0 rm hog
    # A container that exits normally is not OOMKilled.
    run_root 0 run --name fine -m 32m $BB true
    run_root 0 inspect fine --format '{{.State.OOMKilled}} {{.State.ExitCode}}'
    is "$output" "false 0"
}

@test "limits land in the v1 cgroup files, the cgroup2 mount and inspect" {
    run_root 0 run -d --name lim -m 64m --memory-reservation 32m --memory-swap 128m --memory-swappiness 10 \
        --oom-kill-disable --cpus 1.5 --cpu-shares 512 --cpuset-cpus 0 --cpuset-mems 0 --pids-limit 50 \
        --oom-score-adj 100 $BB sleep 100
    local id=$stdout_only pid
    run_root 0 inspect lim --format '{{.State.Pid}}'
    pid=$output
    is "$(cat "$(cgroup_of memory "$id")/memory.limit_in_bytes")" 67108864 "memory.limit_in_bytes"
    is "$(cat "$(cgroup_of memory "$id")/memory.soft_limit_in_bytes")" 33554432 "memory.soft_limit_in_bytes"
    is "$(cat "$(cgroup_of memory "$id")/memory.memsw.limit_in_bytes")" 134217728 "memory.memsw.limit_in_bytes"
    is "$(cat "$(cgroup_of memory "$id")/memory.swappiness")" 10 "memory.swappiness"
    grep -qx 'oom_kill_disable 1' "$(cgroup_of memory "$id")/memory.oom_control" || die "oom_kill_disable"
    is "$(cat "$(cgroup_of cpu "$id")/cpu.cfs_quota_us") $(cat "$(cgroup_of cpu "$id")/cpu.cfs_period_us")" "150000 100000" "--cpus 1.5"
    is "$(cat "$(cgroup_of cpu "$id")/cpu.shares")" 512 "cpu.shares"
    is "$(cat "$(cgroup_of cpuset "$id")/cpuset.cpus")" 0 "cpuset.cpus"
    is "$(cat "$(cgroup_of pids "$id")/pids.max")" 50 "pids.max"
    is "$(cat /proc/"$pid"/oom_score_adj)" 100 "oom_score_adj"
    # The init itself is in every hierarchy, the controller-less cgroup2 one included.
    local c
    for c in memory pids cpu cpuacct cpuset blkio freezer; do
        grep -qE "^[0-9]+:$c:/nook_parent/nook-$id\$" /proc/"$pid"/cgroup || die "$c: $(cat /proc/"$pid"/cgroup)"
    done
    grep -qx "0::/nook_parent/nook-$id" /proc/"$pid"/cgroup || die "cgroup2: $(cat /proc/"$pid"/cgroup)"
    # inspect: podman's HostConfig keys.
    run_root 0 inspect lim --format '{{.HostConfig.Memory}} {{.HostConfig.MemoryReservation}} {{.HostConfig.MemorySwap}} {{.HostConfig.MemorySwappiness}} {{.HostConfig.OomKillDisable}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpuPeriod}} {{.HostConfig.CpuShares}} {{.HostConfig.CpusetCpus}} {{.HostConfig.CpusetMems}} {{.HostConfig.PidsLimit}} {{.HostConfig.OomScoreAdj}} {{.HostConfig.CgroupManager}} {{.HostConfig.Cgroups}} {{.HostConfig.CgroupParent}} {{.HostConfig.CgroupMode}}'
    is "$output" "67108864 33554432 134217728 10 true 1500000000 150000 100000 512 0 0 50 100 cgroupfs default  host"
    # The bundle carries them for an external runtime too.
    local config=$BATS_TEST_TMPDIR/root/containers/$id/userdata/config.json
    is "$(jq -c '.linux.resources' "$config")" \
        '{"cpu":{"cpus":"0","mems":"0","period":100000,"quota":150000,"shares":512},"memory":{"disableOOMKiller":true,"limit":67108864,"reservation":33554432,"swap":134217728,"swappiness":10},"pids":{"limit":50}}'
    is "$(jq -r '.linux.cgroupsPath' "$config")" "/nook_parent/nook-$id"
    run_root 0 rm -f -t 0 lim
    assert_no_cgroups
}

@test "--pids-limit 10 makes fork fail; the containers.conf default applies otherwise" {
    run_root 2 run --rm --pids-limit 10 $BB sh -c 'for i in $(seq 1 20); do sleep 5 & done; echo forked'
    assert_line --regexp "can't fork"
    assert_no_cgroups
    run_root 0 run -d --name dflt $BB sleep 100
    local id=$stdout_only
    run_root 0 inspect dflt --format '{{.HostConfig.PidsLimit}}'
    [[ $output -gt 0 ]] || die "the default pids limit: $output"
    is "$(cat "$(cgroup_of pids "$id")/pids.max")" "$output" "pids.max is the default"
    run_root 0 rm -f -t 0 dflt
    run_root 0 run --rm --pids-limit -1 $BB sh -c 'cat /proc/self/cgroup' # -1: unlimited, still a cgroup
    assert_line --regexp '^[0-9]+:pids:/nook_parent/nook-'
}

@test "exec: the process joins the container's cgroups and counts against its limits" {
    run_root 0 run -d --name ex --pids-limit 5 $BB sleep 1000
    run_root 0 exec ex sh -c 'cat /proc/1/cgroup > /tmp/init; cat /proc/self/cgroup > /tmp/self; cmp /tmp/init /tmp/self && echo same'
    is "$stdout_only" "same" "exec's cgroups are the init's"
    run_root 0 exec ex cat /proc/self/cgroup
    assert_line --regexp '^[0-9]+:memory:/nook_parent/nook-'
    assert_line --regexp '^0::/nook_parent/nook-'
    # sleep and the exec'd sh are two of the five: five more children cannot all be forked.
    run_root 2 exec ex sh -c 'for i in 1 2 3 4 5; do sleep 5 & done; wait'
    assert_line --regexp "can't fork"
    run_root 0 rm -f -t 0 ex
    assert_no_cgroups
}

# The counter a container writes to /tmp/c, read from the host.
counter() {
    cat "/proc/$1/root/tmp/c"
}

@test "pause freezes the container, unpause resumes it" {
    run_root 0 run -d --name cnt $BB sh -c 'i=0; while true; do i=$((i+1)); echo $i >/tmp/c; sleep 0.02; done'
    local id=$stdout_only pid
    run_root 0 inspect cnt --format '{{.State.Pid}}'
    pid=$output
    sleep 0.3
    run_root 0 pause cnt
    is "$output" "cnt"
    is "$(cat "$(cgroup_of freezer "$id")/freezer.state")" FROZEN
    run_root 0 ps -a --format '{{.Names}} {{.Status}}'
    is "$output" "cnt Paused"
    run_root 0 inspect cnt --format '{{.State.Status}} {{.State.Paused}} {{.State.Running}}'
    is "$output" "paused true false"
    local a b
    a=$(counter "$pid")
    sleep 0.5
    b=$(counter "$pid")
    is "$b" "$a" "the counter does not advance while paused"
    run_root 125 pause cnt
    is "$stderr_only" "Error: \"$id\" is already paused: container state improper"
    run_root 255 exec cnt true
    is "$stderr_only" "Error: can only create exec sessions on running containers: container state improper"
    run_root 0 unpause cnt
    is "$output" "cnt"
    sleep 0.3
    b=$(counter "$pid")
    [[ $b -gt $a ]] || die "the counter did not resume: $a -> $b"
    run_root 125 unpause cnt
    is "$stderr_only" "Error: \"$id\" is not paused, can't unpause: container state improper"
    run_root 0 exec cnt true
    # --all picks the running containers to pause, then the paused ones to unpause.
    run_root 0 pause --all
    is "$output" "$id"
    run_root 0 inspect cnt --format '{{.State.Status}}'
    is "$output" "paused"
    run_root 0 unpause --all
    is "$output" "$id"
    run_root 0 inspect cnt --format '{{.State.Status}}'
    is "$output" "running"
    # kill of a paused container thaws it first: the signal is acted on.
    run_root 0 pause cnt
    run_root 0 kill cnt
    run_root 0 wait cnt
    is "$output" "137"
    run_root 125 pause cnt
    is "$stderr_only" "Error: \"exited\" is not running, can't pause: container state improper"
    run_root 0 rm cnt
    assert_no_cgroups
}

@test "stop and rm -f of a paused container work" {
    run_root 0 run -d --name p1 $BB sleep 100
    run_root 0 pause p1
    run_root 0 stop -t 1 p1
    run_root 0 inspect p1 --format '{{.State.Status}} {{.State.ExitCode}}'
    is "$output" "exited 137"
    run_root 0 run -d --name p2 $BB sleep 100
    run_root 0 pause p2
    run_root 2 rm p2
    assert_line --regexp "cannot remove container .* as it is paused"
    run_root 0 rm -f -t 0 p2
    run_root 0 ps -a --format '{{.Names}}'
    is "$output" "p1" "p2 is gone"
    run_root 0 rm p1
    assert_no_cgroups
}

@test "kill -9 of the monitor: the cgroup goes on reconciliation" {
    run_root 0 run -d --name orphan -m 64m $BB sleep 100
    local id=$stdout_only monitor
    run_root 0 inspect orphan --format '{{.State.ConmonPid}}'
    monitor=$output
    [[ -d $(cgroup_of memory "$id") ]] || die "no cgroup while running"
    kill -9 "$monitor"
    local i
    for i in $(seq 50); do kill -0 "$monitor" 2>/dev/null || break; sleep 0.1; done
    [[ -d $(cgroup_of memory "$id") ]] || die "the cgroup went without reconciliation"
    run_root 0 rm orphan
    assert_no_cgroups
}

@test "--cgroups=disabled: no cgroup; --cgroup-parent: the parent given" {
    run_root 0 run --rm --cgroups disabled $BB cat /proc/self/cgroup
    local ours
    ours=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
    assert_line --regexp "^[0-9]+:memory:${ours}\$"
    assert_line --regexp "^[0-9]+:pids:/\$"
    run_root 0 create --name off --cgroups disabled $BB true
    run_root 0 inspect off --format '{{.HostConfig.Cgroups}}'
    is "$output" "disabled"
    run_root 0 rm off

    local parent=nooktest-parent-$$
    run_root 0 run -d --name par --cgroup-parent "/$parent" -m 64m $BB sleep 100
    local id=$stdout_only
    [[ -d /sys/fs/cgroup/memory/$parent/nook-$id ]] || die "not under the parent given"
    run_root 0 inspect par --format '{{.HostConfig.CgroupParent}}'
    is "$output" "/$parent"
    run_root 0 rm -f -t 0 par
    [[ ! -e /sys/fs/cgroup/memory/$parent/nook-$id ]] || die "the container's cgroup is left"
    # The parent is the user's: it stays, as with podman; this test removes it.
    rmdir /sys/fs/cgroup/*/"$parent"
}

@test "--cgroup-manager=systemd without systemd falls back to cgroupfs" {
    [[ ! -d /run/systemd/system ]] || skip "systemd is running here"
    run_root 0 --cgroup-manager systemd create --name sd $BB true
    assert_line "Falling back to --cgroup-manager=cgroupfs"
    run_root 0 inspect sd --format '{{.HostConfig.CgroupManager}}'
    is "$output" "cgroupfs"
    run_root 125 --cgroup-manager foo ps
    is "$stderr_only" "Error: configuring runtime: cgroup manager must be one of cgroupfs and systemd: invalid argument"
}

@test "bad limits: podman's messages, exit 125, nothing created" {
    run_root 125 create -m foo $BB true
    is "$stderr_only" "Error: invalid value for memory: invalid size: 'foo'"
    run_root 125 create --memory-swap 10m $BB true
    is "$stderr_only" "Error: you should always set a memory limit when using a memoryswap limit, see usage"
    run_root 125 create -m 5m --memory-swap 1m $BB true
    is "$stderr_only" "Error: minimum memoryswap limit should be larger than memory limit, see usage"
    run_root 125 create -m 5m --memory-reservation 10m $BB true
    is "$stderr_only" "Error: minimum memory limit cannot be less than memory reservation limit, see usage"
    run_root 125 create --memory-swappiness 200 $BB true
    is "$stderr_only" "Error: invalid value: 200, valid memory swappiness range is 0-100"
    run_root 125 create --cpu-period 100 $BB true
    is "$stderr_only" "Error: CPU cfs period cannot be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)"
    run_root 125 create --cpu-quota 100 $BB true
    is "$stderr_only" "Error: CPU cfs quota cannot be less than 1ms (i.e. 1000)"
    run_root 125 create --cpus 1 --cpu-quota 1000 $BB true
    is "$stderr_only" "Error: --cpu-quota and --cpus cannot be set together"
    run_root 125 create --cpus abc $BB true
    is "$stderr_only" "Error: invalid argument \"abc\" for \"--cpus\" flag: strconv.ParseFloat: parsing \"abc\": invalid syntax"
    run_root 125 create -c x $BB true
    is "$stderr_only" "Error: invalid argument \"x\" for \"-c, --cpu-shares\" flag: strconv.ParseUint: parsing \"x\": invalid syntax"
    run_root 125 create --pids-limit x $BB true
    is "$stderr_only" "Error: invalid argument \"x\" for \"--pids-limit\" flag: strconv.ParseInt: parsing \"x\": invalid syntax"
    run_root 125 create --cpuset-cpus abc $BB true
    is "$stderr_only" "Error: invalid value abc for cpuset cpus"
    run_root 125 create --blkio-weight x $BB true
    is "$stderr_only" "Error: invalid value for blkio-weight: strconv.ParseUint: parsing \"x\": invalid syntax"
    run_root 125 create --cgroups foo $BB true
    is "$stderr_only" "Error: running container create option: invalid cgroup mode \"foo\": invalid argument"
    run_root 125 create --cgroupns foo $BB true
    is "$stderr_only" "Error: unrecognized namespace mode foo passed"
    run_root 125 create --cgroup-parent foo.slice $BB true
    is "$stderr_only" "Error: systemd slice received as cgroup parent when using cgroupfs: invalid argument"
    run_root 0 ps -a -q
    is "$output" "" "no container was created"
    # A limit the kernel refuses at start: the start fails, nothing is left in the cgroups.
    run_root 125 run --name bad --cpuset-cpus 4095 $BB true
    run_root 0 rm bad
    assert_no_cgroups
}

@test "--blkio-weight where the kernel has no weight: podman's warning, discarded" {
    [[ ! -e /sys/fs/cgroup/blkio/blkio.weight ]] || skip "this kernel has blkio.weight"
    run_root 0 create --name bw --blkio-weight 500 $BB true
    assert_line "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded."
    run_root 0 inspect bw --format '{{.HostConfig.BlkioWeight}}'
    is "$output" "0"
}

@test "the bundle with resources runs under Debian's crun" {
    command -v crun >/dev/null || skip "crun is not installed"
    run_root 0 run -d --name src -m 48m --pids-limit 20 $BB sleep 100
    local id=$stdout_only
    local bundle=$BATS_TEST_TMPDIR/crun-bundle root=$BATS_TEST_TMPDIR/crun-root
    mkdir -p "$bundle" "$root"
    # The same config.json (resources, cgroupsPath) with its own cgroup path and a probe.
    jq --arg path "/nook_parent/crun-$id" \
        '.linux.cgroupsPath = $path | .process.args = ["sh", "-c", "cat /proc/self/cgroup"] | .process.terminal = false' \
        "$BATS_TEST_TMPDIR/root/containers/$id/userdata/config.json" >"$bundle/config.json"
    # crun refuses this hybrid host while the cgroup2 mount is visible (DESIGN.md): hide it with an
    # empty tmpfs in this file's private mount namespace, as 080-oci-runtime does.
    mount -t tmpfs none /sys/fs/cgroup/unified
    run crun --root "$root" run --bundle "$bundle" "crun-$id"
    umount /sys/fs/cgroup/unified
    [[ $status -eq 0 ]] || die "crun failed ($status): $output"
    assert_line --regexp "^[0-9]+:memory:/nook_parent/crun-$id\$"
    assert_line --regexp "^[0-9]+:pids:/nook_parent/crun-$id\$"
    run_root 0 rm -f -t 0 src
    # crun made the path in every hierarchy (devices and name=systemd too): remove what it left.
    rmdir /sys/fs/cgroup/*/nook_parent/crun-"$id" 2>/dev/null || true
    rmdir /sys/fs/cgroup/*/nook_parent 2>/dev/null || true
}
