#!/usr/bin/env bats
# cgroups rootless on this cgroup v1 / hybrid host: limits are ignored with podman's warning
# (once per command), nothing is put in a cgroup, the flags' syntax is still checked, and
# --cgroup-manager=systemd falls back with podman's warnings. The root side (real limits, OOM,
# pause) is 097-cgroups-root.bats.

load helpers

setup() {
    nook_setup
    run_nook 0 pull -q --tls-verify=false "$IMAGE"
}

rootless_v1() {
    [[ $(stat -f -c %T /sys/fs/cgroup) != cgroup2fs ]]
}

@test "limits are ignored with podman's warning, once, and the container runs" {
    rootless_v1 || skip "the host is cgroup v2"
    run_nook 0 run --rm -m 32m --cpus 1 --pids-limit 10 --memory-swappiness 200 --blkio-weight 5 "$IMAGE" \
        sh -c 'cat /proc/self/cgroup | grep -c nook || true'
    is "$stderr_only" "Resource limits are not supported and ignored on cgroups V1 rootless systems" "one warning for run"
    is "$stdout_only" "0" "no nook cgroup"
    run_nook 0 create --name lim -m 32m --oom-kill-disable "$IMAGE" true
    is "$stderr_only" "Resource limits are not supported and ignored on cgroups V1 rootless systems"
    local id=${stdout_only}
    local config=$XDG_DATA_HOME/nook/containers/$id/userdata/config.json
    is "$(jq -c '[.linux.resources, .linux.cgroupsPath]' "$config")" "[null,null]" "no limits and no cgroup in the bundle"
    run_nook 0 inspect lim --format '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.Cgroups}} {{.HostConfig.CgroupMode}}'
    is "$output" "0 0 default host"
    run_nook 0 start -a lim
    is "$stderr_only" "" "no warning at start"
}

@test "no limit flag: no warning; --oom-score-adj and --cgroups are not limits" {
    rootless_v1 || skip "the host is cgroup v2"
    run_nook 0 run --rm --oom-score-adj 100 --cgroups disabled --cgroupns host "$IMAGE" cat /proc/self/oom_score_adj
    is "$output" "100"
}

@test "bad limit flags are still errors rootless" {
    run_nook 125 create -m foo "$IMAGE" true
    is "$stderr_only" "Error: invalid value for memory: invalid size: 'foo'"
    run_nook 125 create --memory-reservation x "$IMAGE" true
    is "$stderr_only" "Error: invalid value for memory: invalid size: 'x'"
    run_nook 125 create --cpus abc "$IMAGE" true
    is "$stderr_only" "Error: invalid argument \"abc\" for \"--cpus\" flag: strconv.ParseFloat: parsing \"abc\": invalid syntax"
    run_nook 125 create --cpus 1 --cpu-period 1000 "$IMAGE" true
    is "$stderr_only" "Error: --cpu-period and --cpus cannot be set together"
    run_nook 125 create --oom-score-adj x "$IMAGE" true
    is "$stderr_only" "Error: invalid argument \"x\" for \"--oom-score-adj\" flag: strconv.ParseInt: parsing \"x\": invalid syntax"
    run_nook 125 create --memory-swappiness x "$IMAGE" true
    is "$stderr_only" "Error: invalid argument \"x\" for \"--memory-swappiness\" flag: strconv.ParseInt: parsing \"x\": invalid syntax"
    run_nook 125 create --cgroups foo "$IMAGE" true
    is "$stderr_only" "Error: running container create option: invalid cgroup mode \"foo\": invalid argument"
    run_nook 125 create --cgroupns foo "$IMAGE" true
    is "$stderr_only" "Error: unrecognized namespace mode foo passed"
    run_nook 125 create --cgroup-parent machine.slice "$IMAGE" true
    is "$stderr_only" "Error: systemd slice received as cgroup parent when using cgroupfs: invalid argument"
    run_nook 0 ps -a -q
    is "$output" "" "nothing was created"
}

@test "--cgroup-manager=systemd without a user session: podman's warnings, cgroupfs" {
    [[ -z ${DBUS_SESSION_BUS_ADDRESS:-} ]] || skip "a session bus is set"
    run_nook 0 --cgroup-manager=systemd create --name sd "$IMAGE" true
    assert_line "The cgroupv2 manager is set to systemd but there is no systemd user session available"
    assert_line "For using systemd, you may need to login using an user session"
    assert_line "Alternatively, you can enable lingering with: \`loginctl enable-linger $(id -u)\` (possibly as root)"
    assert_line "Falling back to --cgroup-manager=cgroupfs"
    run_nook 0 inspect sd --format '{{.HostConfig.CgroupManager}}'
    is "$output" "cgroupfs"
    run_nook 125 --cgroup-manager foo ps
    is "$stderr_only" "Error: configuring runtime: cgroup manager must be one of cgroupfs and systemd: invalid argument"
}

@test "pause and unpause keep the rootless cgroup v1 errors" {
    rootless_v1 || skip "the host is cgroup v2"
    run_nook 0 run -d --name pz "$IMAGE" sleep 100
    run_nook 125 pause pz
    is "$stderr_only" "Error: can not pause containers on rootless containers with cgroup V1: this container does not have a cgroup"
    run_nook 125 unpause pz
    is "$stderr_only" "Error: unpause is not supported for cgroupv1 rootless containers"
    run_nook 0 rm -f -t 0 pz
}
