#!/usr/bin/env bats
# The lifecycle verbs beyond run/stop/rm, as the unprivileged test user: restart, rename,
# pause/unpause (no freezer rootless on cgroup v1), top, port, container prune, init,
# wait --condition, rm --depend, ps --size, inspect (containers and images) and --restart
# policies; podman 4.3's messages and exit codes for the bad inputs.

load helpers

setup() {
    nook_setup
    run_nook 0 pull -q --tls-verify=false "$IMAGE"
}

teardown() {
    "$NOOK" rm -fa -t 0 >/dev/null 2>&1 || true
    nook_teardown
}

# Waits up to 10 s for a Go template of inspect to print $2.
wait_for_inspect() {
    local ctr=$1 want=$2 template=$3 got
    for _ in $(seq 1 100); do
        got=$("$NOOK" container inspect --format "$template" "$ctr" 2>/dev/null) || true
        [[ "$got" == "$want" ]] && return 0
        sleep 0.1
    done
    die "$ctr: $template is '$got', wanted '$want'"
}

@test "restart: a running container gets a new process, an exited one starts" {
    run_nook 0 run -d --name r1 "$IMAGE" sleep 100
    local pid1 pid2
    pid1=$("$NOOK" container inspect --format '{{.State.Pid}}' r1)
    run_nook 0 restart -t 0 r1
    is "$stdout_only" "r1" "restart prints the name given"
    pid2=$("$NOOK" container inspect --format '{{.State.Pid}}' r1)
    [[ "$pid1" != "$pid2" ]] || die "the pid did not change ($pid1)"
    run_nook 0 container inspect --format '{{.State.Status}}' r1
    is "$stdout_only" "running"

    run_nook 0 run --name r2 "$IMAGE" true
    run_nook 0 restart r2
    run_nook 0 wait r2
    run_nook 0 restart --all --running -t 0
    is "$stdout_only" "$("$NOOK" container inspect --format '{{.Id}}' r1)" "--all --running: only r1, by id"

    run_nook 125 restart
    is "$stderr_only" "Error: you must provide at least one name or id"
    run_nook 125 restart nosuch
    is "$stderr_only" 'Error: no container with name or ID "nosuch" found: no such container'
}

@test "rename: new name, names in use and bad names refused" {
    run_nook 0 create --name old "$IMAGE" true
    run_nook 0 create --name other "$IMAGE" true
    run_nook 0 rename old new
    is "$stdout_only" "" "rename prints nothing"
    run_nook 0 ps -a --format '{{.Names}}' --sort names
    is "$stdout_only" "new
other"
    id=$("$NOOK" container inspect --format '{{.Id}}' new)
    run_nook 125 rename new other
    is "$stderr_only" "Error: renaming container $id: name other already in use, cannot rename container $id: container already exists"
    run_nook 125 rename new "bad name"
    is "$stderr_only" "Error: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument"
    run_nook 125 rename nosuch x
    is "$stderr_only" 'Error: no container with name or ID "nosuch" found: no such container'
    run_nook 0 container exists new
    run_nook 1 container exists old
}

@test "pause/unpause: rootless on cgroup v1 there is no freezer, as podman says" {
    is_rootless || skip "rootless messages"
    [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] && skip "a cgroup v2 host"
    run_nook 0 run -d --name p1 "$IMAGE" sleep 100
    run_nook 125 pause p1
    is "$stderr_only" "Error: can not pause containers on rootless containers with cgroup V1: this container does not have a cgroup"
    run_nook 125 unpause p1
    is "$stderr_only" "Error: unpause is not supported for cgroupv1 rootless containers"
    run_nook 0 create --name p2 "$IMAGE" true
    run_nook 125 pause p2
    is "$stderr_only" 'Error: "created" is not running, can'"'"'t pause: container state improper'
    run_nook 125 pause
    is "$stderr_only" "Error: you must provide at least one container name or id"
    run_nook 0 container inspect --format '{{.State.Status}} {{.State.Paused}}' p1
    is "$stdout_only" "running false" "still running"
}

@test "top: podman's default descriptors, chosen ones, and errors" {
    run_nook 0 run -d --name t1 "$IMAGE" sh -c 'sleep 100 & exec sleep 200'
    sleep 0.3
    run_nook 0 top t1
    # Go's tabwriter: cells padded to 12 or the widest value plus 2.
    assert_match "^USER        PID         PPID        %CPU        ELAPSED +TTY         TIME        COMMAND$" "${lines[0]}"
    assert_match "^(root|0) +1 +0 +[0-9]+\.[0-9]{3} +[0-9.]+(ns|µs|ms|s) +\? +0s +sleep 200 $" "${lines[1]}"
    assert_match "^(root|0) +2 +1 +.* sleep 100 $" "${lines[2]}"
    is "${#lines[@]}" "3" "two processes"
    run_nook 0 top t1 pid,comm user
    assert_line --index 0 "PID         COMMAND     USER"
    assert_match "^1 +sleep +(root|0)$" "${lines[1]}"
    run_nook 125 top t1 bogus
    is "$stderr_only" "Error: 'bogus': unknown descriptor"
    run_nook 0 create --name t2 "$IMAGE" true
    run_nook 125 top t2
    is "$stderr_only" "Error: top can only be used on running containers"
    run_nook 125 top nosuch
    is "$stderr_only" 'Error: no container with name or ID "nosuch" found: no such container'
}

@test "port: nothing is published yet" {
    run_nook 0 run -d --name w1 "$IMAGE" sleep 100
    run_nook 0 port w1
    is "$output" "" "no ports"
    run_nook 0 port --all
    is "$output" ""
    run_nook 125 port w1 80/tcp
    is "$stderr_only" 'Error: failed to find published port "80/tcp"'
    run_nook 125 port nosuch
    is "$stderr_only" 'Error: no container with name or ID "nosuch" found: no such container'
    run_nook 125 port
    is "$stderr_only" "Error: you must supply a running container name or id"
}

@test "container prune: removes what does not run, filters, prompt" {
    run_nook 0 run -d --name keep "$IMAGE" sleep 100
    run_nook 0 create --name c1 --label a=b "$IMAGE" true
    run_nook 0 run --name c2 "$IMAGE" true
    c1=$("$NOOK" container inspect --format '{{.Id}}' c1)
    c2=$("$NOOK" container inspect --format '{{.Id}}' c2)
    run_nook 0 container prune -f --filter label=a=b
    is "$stdout_only" "$c1" "only the labelled one"
    run_nook 0 container prune --filter label!=a <<<"n"
    is "$stdout_only" "WARNING! This will remove all non running containers.
Are you sure you want to continue? [y/N] " "declined"
    run_nook 0 container exists c2
    run_nook 0 container prune -f
    is "$stdout_only" "$c2"
    run_nook 0 ps -a --format '{{.Names}}'
    is "$stdout_only" "keep" "the running one stays"
    run_nook 125 container prune -f --filter bogus=1
    is "$stderr_only" "Error: bogus is an invalid filter"
    run_nook 0 container prune -f --filter until=1h
    is "$stdout_only" ""
}

@test "init: the process is created, start runs it" {
    run_nook 0 create --name i1 "$IMAGE" sh -c 'echo started; sleep 100'
    run_nook 0 init i1
    is "$stdout_only" "i1"
    run_nook 0 container inspect --format '{{.State.Status}}' i1
    is "$stdout_only" "initialized"
    run_nook 0 ps --format '{{.Names}}'
    is "$stdout_only" "" "ps without -a lists running containers only"
    run_nook 0 ps -a --format '{{.Names}} {{.Status}}'
    is "$stdout_only" "i1 Initialized"
    id=$("$NOOK" container inspect --format '{{.Id}}' i1)
    run_nook 125 init i1
    is "$stderr_only" "Error: container $id has already been created in runtime: container state improper"
    run_nook 0 logs i1
    is "$stdout_only" "" "the program has not run yet"
    run_nook 0 start i1
    wait_for_inspect i1 running '{{.State.Status}}'
    for _ in $(seq 1 50); do [[ $("$NOOK" logs i1) == started ]] && break; sleep 0.1; done
    run_nook 0 logs i1
    is "$stdout_only" "started"
    run_nook 0 stop -t 0 i1
    run_nook 0 create --name i2 "$IMAGE" sleep 100
    run_nook 0 init i2
    run_nook 0 rm -f i2
    run_nook 1 container exists i2
}

@test "wait --condition and rm --depend" {
    run_nook 0 run -d --name w1 "$IMAGE" sleep 100
    run_nook 0 wait --condition running w1
    is "$stdout_only" "-1" "podman reports -1 for a running condition"
    run_nook 125 wait --condition bogus w1
    is "$stderr_only" "Error: unknown container state: bogus: invalid argument"
    run_nook 0 create --name w2 "$IMAGE" true
    run_nook 0 wait --condition created w2
    run_nook 0 rm --depend w2
    is "$stdout_only" "w2"
    run_nook 0 rm -f -t 0 w1
    is "$stdout_only" "w1"
}

@test "--restart: on-failure caps the retries, always restarts until the user stops it" {
    run_nook 0 run -d --name f1 --restart on-failure:2 "$IMAGE" sh -c 'sleep 0.2; exit 3'
    wait_for_inspect f1 "exited 2 3" '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}'
    run_nook 0 container inspect --format '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' f1
    is "$stdout_only" "on-failure:2"

    run_nook 0 run -d --name f2 --restart on-failure "$IMAGE" true
    wait_for_inspect f2 "exited 0" '{{.State.Status}} {{.RestartCount}}'

    run_nook 0 run -d --name a1 --restart always "$IMAGE" sh -c 'sleep 0.3'
    wait_for_inspect a1 "running 2" '{{.State.Status}} {{.RestartCount}}'
    run_nook 0 stop -t 0 a1
    run_nook 0 container inspect --format '{{.State.Status}}' a1
    is "$stdout_only" "exited"
    sleep 1
    run_nook 0 container inspect --format '{{.State.Status}}' a1
    is "$stdout_only" "exited" "a user stop is not restarted"
    count=$("$NOOK" container inspect --format '{{.RestartCount}}' a1)

    run_nook 0 run -d --name a2 --restart unless-stopped "$IMAGE" sleep 100
    run_nook 0 kill a2
    run_nook 0 wait a2
    sleep 0.5
    run_nook 0 container inspect --format '{{.State.Status}} {{.RestartCount}}' a2
    is "$stdout_only" "exited 0" "a user kill is not restarted"

    run_nook 125 run --rm --restart always "$IMAGE" true
    is "$stderr_only" 'Error: the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"'
    run_nook 125 run --restart sometimes "$IMAGE" true
    run_nook 0 ps -a --format '{{.Names}}' --sort names
    is "$stdout_only" "a1
a2
f1
f2" "nothing left by the refused runs"
}

@test "ps --size and inspect: podman's shapes" {
    run_nook 0 run --name s1 "$IMAGE" sh -c 'echo hello > /data'
    run_nook 0 ps -a --size --format '{{.Size}}'
    assert_match "^6B \(virtual [0-9.]+[kM]B\)$" "$stdout_only"
    run_nook 0 ps -a --size
    assert_match "SIZE$" "${lines[0]}"
    run_nook 0 ps -a --size --format json
    assert_match '"rwSize": 6' "$stdout_only"

    run_nook 0 container inspect s1
    local keys
    keys=$(jq -r '.[0] | keys_unsorted | join(",")' <<<"$stdout_only")
    is "$keys" "Id,Created,Path,Args,State,Image,ImageDigest,ImageName,Rootfs,Pod,ResolvConfPath,HostnamePath,HostsPath,StaticDir,OCIConfigPath,OCIRuntime,ConmonPidFile,PidFile,Name,RestartCount,Driver,MountLabel,ProcessLabel,AppArmorProfile,EffectiveCaps,BoundingCaps,ExecIDs,GraphDriver,Mounts,Dependencies,NetworkSettings,Namespace,IsInfra,IsService,Config,HostConfig" "top-level keys in podman's order"
    keys=$(jq -r '.[0].State | keys_unsorted | join(",")' <<<"$stdout_only")
    is "$keys" "OciVersion,Status,Running,Paused,Restarting,OOMKilled,Dead,Pid,ConmonPid,ExitCode,Error,StartedAt,FinishedAt,Health,CheckpointedAt,RestoredAt" "State keys"
    run_nook 0 container inspect --size --format '{{.SizeRw}}' s1
    is "$stdout_only" "6"
    run_nook 0 container inspect -l --format '{{.Name}} {{.ID}}'
    is "$stdout_only" "s1 $(jq -r '.[0].Id' <<<"$("$NOOK" container inspect s1)")"

    # Top-level inspect: a container first, then an image.
    run_nook 0 inspect --format '{{.Name}}' s1
    is "$stdout_only" "s1"
    run_nook 0 inspect --format '{{.Id}}' "$IMAGE"
    assert_match "^[0-9a-f]{64}$" "$stdout_only"
    run_nook 0 inspect --type container --format '{{.State.Status}}' s1
    is "$stdout_only" "exited"
    run_nook 125 inspect --type container "$IMAGE"
    assert_match "no such container" "$stderr_only"
    run_nook 125 inspect --type image s1
    run_nook 125 inspect --type bogus s1
    run_nook 0 inspect s1 "$IMAGE"
    is "$(jq length <<<"$stdout_only")" "2" "both objects in one array"
    run_nook 125 inspect nosuch
    assert_match 'nosuch' "$stderr_only"
}
