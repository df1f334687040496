#!/usr/bin/env bats
# run/create flags as the unprivileged test user, as podman 4.3 does them: --init (catatonit at
# /run/podman-init), --tz, --userns=host|keep-id|auto, -a/--attach, --group-add and
# --read-only-tmpfs; podman's messages and exit codes for the bad inputs, and nothing left behind.

load helpers

setup() {
    nook_setup
    run_nook 0 pull -q --tls-verify=false "$IMAGE"
}

teardown() {
    "$NOOK" rm -fa -t 0 >/dev/null 2>&1 || true
    nook_teardown
}

catatonit_path() {
    command -v catatonit || { [[ -x /usr/libexec/podman/catatonit ]] && echo /usr/libexec/podman/catatonit; }
}

@test "--init: catatonit is PID 1, the command its child, zombies reaped, exit code kept" {
    [[ -n $(catatonit_path) ]] || skip "catatonit is not installed"
    run_nook 0 run --rm --init "$IMAGE" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; echo $$ $PPID'
    is "${lines[0]}" "/run/podman-init -- sh -c cat /proc/1/cmdline | tr \"\\0\" \" \"; echo; echo \$\$ \$PPID " "PID 1"
    is "${lines[1]}" "2 1" "the command is PID 2, a child of catatonit"
    run_nook 0 run --rm --init "$IMAGE" sh -c 'grep " /run/podman-init " /proc/self/mountinfo | cut -d" " -f6'
    assert_match "^ro," "$stdout_only"
    run_nook 7 run --rm --init "$IMAGE" sh -c 'exit 7'
    # An orphan's zombie is reaped by catatonit: sh exits leaving `sleep` to be reparented.
    run_nook 0 run -d --init --name zombie "$IMAGE" sh -c '(sleep 0.2 &) ; sleep 100'
    sleep 1
    run_nook 0 exec zombie sh -c 'grep -l "^State:.*Z" /proc/[0-9]*/status 2>/dev/null | wc -l'
    is "$stdout_only" "0" "no zombie left"
    run_nook 0 ps --no-trunc --filter name=zombie --format '{{.Command}}'
    is "$stdout_only" "sh -c (sleep 0.2 &) ; sleep 100" "ps shows the command, not catatonit's prefix"
    # stop's SIGTERM reaches the command through catatonit (sleep alone would ignore it as PID 1).
    local start=$SECONDS
    run_nook 0 stop -t 20 zombie
    (( SECONDS - start < 10 )) || die "stop took $((SECONDS - start)) s: SIGTERM did not reach the command"
    run_nook 0 container inspect --format '{{.State.ExitCode}}' zombie
    is "$stdout_only" "143" "killed by SIGTERM"
}

@test "--init-path" {
    [[ -n $(catatonit_path) ]] || skip "catatonit is not installed"
    run_nook 0 create --init --name i1 "$IMAGE" sleep 10
    run_nook 0 run --rm --init --init-path "$(catatonit_path)" "$IMAGE" true
    run_nook 125 create --init --init-path /nonexistent "$IMAGE" true
    is "$stderr_only" "Error: container-init binary not found on the host: stat /nonexistent: no such file or directory"
    # --init-path alone does nothing, as in podman.
    run_nook 0 run --rm --init-path /nonexistent "$IMAGE" true
    run_nook 0 ps -a --format '{{.Names}}'
    is "$stdout_only" "i1" "the failed create left nothing"
}

@test "--tz: zone names, local, and podman's errors" {
    [[ -f /usr/share/zoneinfo/Asia/Tokyo ]] || skip "tzdata is not installed"
    run_nook 0 run --rm --tz Asia/Tokyo "$IMAGE" date +%Z
    is "$stdout_only" "JST"
    run_nook 0 run --rm -i --tz Asia/Tokyo "$IMAGE" sh -c 'cmp /etc/localtime - && echo same' </usr/share/zoneinfo/Asia/Tokyo
    is "$stdout_only" "same"
    run_nook 0 run --rm --tz local "$IMAGE" date +%Z
    is "$stdout_only" "$(date +%Z)"
    run_nook 125 run --rm --tz Bogus/Zone "$IMAGE" true
    is "$stderr_only" "Error: running container create option: stat /usr/share/zoneinfo/Bogus/Zone: no such file or directory"
    run_nook 125 run --rm --tz Asia "$IMAGE" true
    is "$stderr_only" "Error: running container create option: invalid timezone: is a directory"
    run_nook 125 run --rm --tz ../../../etc/passwd "$IMAGE" true
    run_nook 0 ps -a -q
    is "$stdout_only" "" "the failed runs left nothing"
    # containers.conf tz is the default.
    mkdir -p "$XDG_CONFIG_HOME/containers"
    printf '[containers]\ntz = "Asia/Tokyo"\n' >"$XDG_CONFIG_HOME/containers/containers.conf"
    run_nook 0 run --rm "$IMAGE" date +%Z
    is "$stdout_only" "JST" "containers.conf tz"
}

@test "--userns=keep-id: the user's ids inside, its passwd entry, files as in the image" {
    is_rootless || skip "keep-id is rootless only"
    local uid gid name
    uid=$(id -u) gid=$(id -g) name=$(id -un)
    run_nook 0 run --rm --userns=keep-id "$IMAGE" sh -c 'id -u; id -g; id -un; grep "^'"$name"':" /etc/passwd; stat -c "%u:%g" / /bin/busybox'
    is "$stdout_only" "$uid
$gid
$name
$name:*:$uid:$gid::/:/bin/sh
0:0
0:0"
    run_nook 0 run --rm --userns=keep-id "$IMAGE" sh -c 'head -2 /proc/self/uid_map | tr -s " "'
    is "$stdout_only" " 0 1 $uid
 $uid 0 1" "podman's keep-id map"
    run_nook 0 run --rm --userns=keep-id:uid=200,gid=300 "$IMAGE" sh -c 'id -u; id -g'
    is "$stdout_only" "200
300"
    run_nook 0 run --rm --userns=keep-id -u 0 "$IMAGE" sh -c 'id -u; touch /root/x && echo root-can-write'
    is "$stdout_only" "0
root-can-write"
}

@test "inspect: podman's keys for --init, --tz and --userns" {
    [[ -n $(catatonit_path) ]] || skip "catatonit is not installed"
    is_rootless || skip "keep-id is rootless only"
    run_nook 0 create --init --tz Asia/Tokyo --userns=keep-id --name i1 "$IMAGE" sleep 10
    run_nook 0 container inspect --format '{{.Path}} {{json .Args}} {{.HostConfig.Init}} {{json .Config.Cmd}}' i1
    is "$stdout_only" '/run/podman-init ["--","sleep","10"] true ["sleep","10"]'
    run_nook 0 container inspect --format '{{index .Config.Annotations "io.podman.annotations.init"}} {{.Config.Timezone}}' i1
    is "$stdout_only" "TRUE Asia/Tokyo"
    local uid gid
    uid=$(id -u) gid=$(id -g)
    run_nook 0 container inspect --format '{{.HostConfig.UsernsMode}} {{.Config.User}} {{json .HostConfig.IDMappings.UidMap}}' i1
    assert_match "^private $uid:$gid \\[\"0:1:$uid\",\"$uid:0:1\"" "$stdout_only"
    run_nook 0 create --name h1 --userns=host "$IMAGE" true
    run_nook 0 container inspect --format '[{{.HostConfig.UsernsMode}}] {{json .HostConfig}}' h1
    [[ $stdout_only == "[] {"* ]] || die "UsernsMode of --userns=host: $stdout_only"
    # podman leaves both out of the JSON when they are unset (omitempty).
    [[ $stdout_only != *'"IDMappings"'* && $stdout_only != *'"Init"'* ]] || die "IDMappings or Init shown: $stdout_only"
    run_nook 0 create --name a2 --userns=auto:size=500 "$IMAGE" true
    run_nook 0 container inspect --format '{{.HostConfig.UsernsMode}} {{json .HostConfig.IDMappings.GidMap}}' a2
    is "$stdout_only" 'private ["0:1:500","500:0:1"]'
}

@test "--userns: exec joins the container's user namespace" {
    is_rootless || skip "keep-id is rootless only"
    run_nook 0 run -d --name kx --userns=keep-id "$IMAGE" sleep 100
    run_nook 0 exec kx id -u
    is "$stdout_only" "$(id -u)"
    run_nook 0 exec kx sh -c 'readlink /proc/self/ns/user; readlink /proc/1/ns/user'
    is "${lines[0]}" "${lines[1]}" "same user namespace as the container"
}

@test "--userns=auto: separate ranges, freed on removal, too large refused" {
    is_rootless || skip "auto uses the subordinate range of the rootless user"
    run_nook 0 run -d --name a1 --userns=auto "$IMAGE" sleep 4
    run_nook 0 run -d --name a2 --userns=auto:size=500 "$IMAGE" sleep 4
    run_nook 0 exec a1 sh -c 'id -u; cat /proc/self/uid_map | tr -s " "'
    is "$stdout_only" "0
 0 1 1024
 1024 0 1" "a1: the first 1024 ids (and the user, for the runtime)"
    run_nook 0 exec a2 sh -c 'head -1 /proc/self/uid_map | tr -s " "'
    is "$stdout_only" " 0 1025 500" "a2: the next range"
    run_nook 0 exec a1 sh -c 'touch /etc/newfile && stat -c %u:%g /etc/passwd /etc/newfile'
    is "$stdout_only" "0:0
0:0" "the image's files belong to the container's root"
    run_nook 0 wait a1 a2
    run_nook 0 rm a1
    run_nook 0 run --rm --userns=auto:size=100 "$IMAGE" sh -c 'head -1 /proc/self/uid_map | tr -s " "'
    is "$stdout_only" " 0 1 100" "a1's range is free again"
    run_nook 125 run --rm --userns=auto:size=1000000 "$IMAGE" true
    is "$stderr_only" "Error: creating container storage: could not find enough available IDs"
    run_nook 0 ps -a --format '{{.Names}}'
    is "$stdout_only" "a2" "the failed run left nothing"
}

@test "--userns=auto and keep-id: rm -f, stop and restart of a running container" {
    is_rootless || skip "auto uses the subordinate range of the rootless user"
    # Each nook command enters a user namespace of its own, which may not signal a container with
    # its own user namespace (EPERM); the monitor sends the signal for it.
    run_nook 0 run -d --name a3 --userns=auto "$IMAGE" sleep 1000
    run_nook 0 inspect --format '{{.State.Pid}}' a3
    pid=$stdout_only
    run_nook 0 restart -t 0 a3
    run_nook 0 inspect --format '{{.State.Status}} {{.State.Pid}}' a3
    [[ $stdout_only == "running "* && $stdout_only != "running $pid" ]] || die "restart did not replace $pid: $stdout_only"
    run_nook 0 stop -t 0 a3
    run_nook 0 inspect --format '{{.State.Status}}' a3
    is "$stdout_only" "exited"
    run_nook 0 start a3
    run_nook 0 run -d --name k3 --userns=keep-id -u 0 "$IMAGE" sleep 1000
    run_nook 0 rm -f a3 k3
    run_nook 0 ps -a --format '{{.Names}}'
    is "$stdout_only" "" "both removed"
    kill -0 "$pid" 2>/dev/null && die "the first process $pid is still alive"
    true
}

@test "--userns: bad modes" {
    run_nook 125 run --rm --userns=bogus "$IMAGE" true
    is "$stderr_only" "Error: unrecognized namespace mode bogus passed"
    run_nook 125 run --rm --userns=keep-id:foo=1 "$IMAGE" true
    is "$stderr_only" 'Error: unknown option specified: "foo=1"'
    run_nook 125 run --rm --userns=keep-id:uid=abc "$IMAGE" true
    is "$stderr_only" 'Error: strconv.ParseUint: parsing "abc": invalid syntax'
    run_nook 125 run --rm --userns=auto:size=abc "$IMAGE" true
    is "$stderr_only" 'Error: strconv.ParseUint: parsing "abc": invalid syntax'
    run_nook 0 ps -a -q
    is "$stdout_only" "" "nothing left behind"
}

@test "--userns=keep-id: the bundle runs under crun too" {
    is_rootless || skip "keep-id is rootless only"
    command -v crun >/dev/null || skip "crun is not installed"
    run_nook 0 create --name kc --userns=keep-id "$IMAGE" sh -c 'id -u; cat /proc/self/uid_map | wc -l'
    local bundle root=$BATS_TEST_TMPDIR/crun-root
    bundle=$("$NOOK" container inspect --format '{{.StaticDir}}' kc)
    mkdir -p "$root"
    # crun needs the root file system mounted (nook mount, inside nook unshare) and the hybrid
    # cgroup2 mount hidden (080-oci-runtime.bats).
    run_nook 0 unshare sh -c "if grep -q ' /sys/fs/cgroup/unified cgroup2 ' /proc/self/mounts; then mount -t tmpfs none /sys/fs/cgroup/unified; fi; \
        '$NOOK' mount kc >/dev/null && crun --root '$root' run --bundle '$bundle' kc-crun"
    is "$stdout_only" "$(id -u)
3" "crun: the user's uid inside, three map lines"
}

@test "-a/--attach: only the named streams" {
    run_nook 0 run --rm -a stdout "$IMAGE" sh -c 'echo out; echo err >&2'
    is "$stdout_only" "out"
    is "$stderr_only" ""
    run_nook 0 run --rm -a STDERR "$IMAGE" sh -c 'echo out; echo err >&2'
    is "$stdout_only" ""
    is "$stderr_only" "err"
    run_nook 0 run --rm -a stdout -a stderr "$IMAGE" sh -c 'echo out; echo err >&2'
    is "$stdout_only" "out"
    is "$stderr_only" "err"
    # stdin only: the id is printed, the exit code still comes back.
    run_nook 3 run -a stdin --name s1 "$IMAGE" sh -c 'echo out; exit 3'
    is "$stdout_only" "$("$NOOK" container inspect --format '{{.Id}}' s1)"
    # -i relays stdin whatever -a says.
    run_nook 0 run --rm -i -a stdout "$IMAGE" cat <<<"data"
    is "$stdout_only" "data"
    # -d wins over -a, as in podman.
    run_nook 0 run -d -a stdout --name d1 "$IMAGE" true
    is "$stdout_only" "$("$NOOK" container inspect --format '{{.Id}}' d1)"
    run_nook 125 run --rm -a foo "$IMAGE" true
    is "$stderr_only" 'Error: invalid stream "foo" for --attach - must be one of stdin, stdout, or stderr: invalid argument'
    run_nook 125 run --rm -a stdout --log-driver passthrough "$IMAGE" true
    is "$stderr_only" "Error: cannot specify --attach with --log-driver=passthrough: invalid argument"
    run_nook 0 create -a stdout --name c1 "$IMAGE" true
}

@test "--group-add: numeric, names from the image's /etc/group, keep-groups" {
    run_nook 0 run --rm --group-add 1234 --group-add nobody "$IMAGE" id -G
    is "$stdout_only" "0 1234 65534"
    run_nook 0 run --rm -u nobody --group-add 5 "$IMAGE" id -G
    is "$stdout_only" "65534 5"
    run_nook 125 run --rm --group-add nosuchgroup "$IMAGE" true
    is "$stderr_only" "Error: unable to find group nosuchgroup: no matching entries in group file"
    run_nook 125 run --rm --group-add keep-groups "$IMAGE" true
    is "$stderr_only" "Error: the --group-add keep-groups option is not supported"
    run_nook 0 ps -a -q
    is "$stdout_only" "" "nothing left behind"
}

@test "--read-only-tmpfs: writable /tmp, /var/tmp and /run with --read-only; not with =false" {
    run_nook 0 run --rm --read-only "$IMAGE" sh -c 'for d in /tmp /var/tmp /run; do touch $d/x && echo $d ok; done; grep -E " (/tmp|/var/tmp|/run) " /proc/self/mounts | cut -d" " -f2,3 | sort; touch /etc/x 2>/dev/null || echo etc read-only'
    is "$stdout_only" "/tmp ok
/var/tmp ok
/run ok
/run tmpfs
/tmp tmpfs
/var/tmp tmpfs
etc read-only"
    run_nook 0 run --rm --read-only --read-only-tmpfs=false "$IMAGE" sh -c 'touch /tmp/x 2>/dev/null || echo tmp read-only; grep -cE " (/tmp|/var/tmp|/run) " /proc/self/mounts || true'
    is "$stdout_only" "tmp read-only
0"
    run_nook 0 run --rm --read-only-tmpfs=false "$IMAGE" sh -c 'touch /tmp/x && echo writable without --read-only'
    is "$stdout_only" "writable without --read-only"
}

@test "--user is resolved in the image's top layers: added users, a deleted group file, a symlinked passwd" {
    # Each commit adds a layer; create reads /etc/passwd and /etc/group straight from the layers
    # (lib/storage/layer_file.h) and falls back to a mount for what only overlayfs can resolve.
    run_nook 0 run --name u1 "$IMAGE" sh -c 'echo "app:x:1234:4321:app:/home/app:/bin/sh" >> /etc/passwd; echo "apps:x:4321:app" >> /etc/group; echo "extra:x:555:app" >> /etc/group'
    run_nook 0 commit -q u1 users-added
    run_nook 0 run --rm -u app users-added sh -c 'id -u; id -g; id -G'
    is "$stdout_only" "1234
4321
4321 555" "the user and its groups from the committed layer"
    run_nook 0 run --name u2 users-added rm /etc/group
    run_nook 0 commit -q u2 no-group
    run_nook 0 run --rm -u app no-group sh -c 'id -u; id -G'
    is "$stdout_only" "1234
4321" "a whited-out /etc/group gives no supplementary groups"
    run_nook 125 run --rm -u app:apps no-group true
    is "$stderr_only" "Error: unable to find group apps: no matching entries in group file"
    run_nook 0 run --name u3 users-added sh -c 'mv /etc/passwd /etc/passwd.real; ln -s passwd.real /etc/passwd'
    run_nook 0 commit -q u3 linked-passwd
    run_nook 0 run --rm -u app linked-passwd id -u
    is "$stdout_only" "1234" "a symlinked /etc/passwd is read through a mount"
    run_nook 125 run --rm -u nosuch linked-passwd true
    is "$stderr_only" "Error: unable to find user nosuch: no matching entries in passwd file"
    run_nook 0 rm u1 u2 u3
    run_nook 0 rmi linked-passwd no-group users-added
}
