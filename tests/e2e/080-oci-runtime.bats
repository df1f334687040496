#!/usr/bin/env bats
# nook oci create|start|state|kill|delete|run: nook's built-in OCI runtime on a podman-like bundle
# (a busybox-static rootfs), as the unprivileged test user; and the same bundle under Debian's
# crun, whose output must match.

load helpers

# The probe every "what does the container see" test runs: one fact per line.
PROBE='id -u; id -g
grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status
hostname; env | sort; pwd; ulimit -n
mkdir /tmp/denied 2>&1
cat /etc/hostname
awk "{print \"mount\", \$2, \$3, \$4}" /proc/self/mounts | sed -E "s/,(size|nr_inodes|uid|gid|mode|resuid|resgid)=[^, ]*//g"
ls -l /dev | awk "NR > 1 {print \"dev\", \$1, \$NF}"'

setup() {
    nook_setup
    BUNDLE=$BATS_TEST_TMPDIR/bundle
    local rootfs=$BUNDLE/rootfs applet
    mkdir -p "$rootfs"/{bin,proc,sys,dev,tmp,etc,root}
    cp /bin/busybox "$rootfs/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [[ -e $rootfs/bin/$applet ]] || ln -s busybox "$rootfs/bin/$applet"
    done
    RUNTIME_DIR=$("$NOOK" info --format '{{.Store.RunRoot}}')/runtime
    # Container ids are unique per test: the run root is shared (XDG_RUNTIME_DIR is unset).
    CID=t$$-${BATS_TEST_NUMBER}
}

teardown() {
    "$NOOK" oci delete -f "$CID" >/dev/null 2>&1 || true
    nook_teardown
}

# write_config ARGS_JSON [JQ_FILTER]: a config.json as podman writes it for a rootless container
# (default capabilities, mounts, masked and read-only paths, a seccomp profile with a few rules),
# running ARGS; JQ_FILTER edits it further.
write_config() {
    local args=$1 filter=${2:-.}
    local caps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SETFCAP","CAP_SETGID","CAP_SETPCAP","CAP_SETUID","CAP_SYS_CHROOT"]'
    echo "nookbox" >"$BUNDLE/hostname"
    jq -n --argjson args "$args" --argjson caps "$caps" '{
  ociVersion: "1.0.2-dev",
  process: {
    terminal: false,
    user: {uid: 0, gid: 0},
    args: $args,
    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", "HOME=/root", "FOO=bar baz"],
    cwd: "/tmp",
    capabilities: {bounding: $caps, effective: $caps, permitted: $caps, inheritable: [], ambient: []},
    rlimits: [{type: "RLIMIT_NOFILE", hard: 512, soft: 512}],
    noNewPrivileges: true,
    oomScoreAdj: 0
  },
  root: {path: "rootfs", readonly: false},
  hostname: "nookbox",
  mounts: [
    {destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]},
    {destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]},
    {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]},
    {destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {destination: "/etc/hostname", type: "bind", source: "hostname", options: ["bind", "rprivate", "ro", "nosuid", "nodev"]}
  ],
  annotations: {"org.example.test": "yes"},
  linux: {
    namespaces: [{type: "pid"}, {type: "network"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}],
    seccomp: {
      defaultAction: "SCMP_ACT_ALLOW",
      architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      syscalls: [
        {names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1},
        {names: ["swapon", "swapoff", "reboot"], action: "SCMP_ACT_ERRNO"},
        {names: ["personality"], action: "SCMP_ACT_ERRNO", errnoRet: 22, args: [{index: 0, value: 4294967295, op: "SCMP_CMP_EQ"}]}
      ]
    },
    maskedPaths: ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/dev/block"],
    readonlyPaths: ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
} | '"$filter" >"$BUNDLE/config.json"
}

# probe_args: the PROBE as a JSON args array.
probe_args() {
    jq -cn --arg script "$PROBE" '["sh", "-c", $script]'
}

# Waits until `nook oci state ID` reports STATUS.
wait_for_status() {
    local id=$1 want=$2 i
    for ((i = 0; i < 100; i++)); do
        [[ $("$NOOK" oci state "$id" 2>/dev/null | jq -r .status) == "$want" ]] && return 0
        sleep 0.1
    done
    die "container $id never reached status $want: $("$NOOK" oci state "$id" 2>&1)"
}

@test "oci run: user, capabilities, seccomp, hostname, env, cwd, rlimits, fds" {
    [ "$(id -u)" != 0 ] || die "this file must run as the unprivileged test user"
    write_config "$(probe_args)"
    run_nook 0 oci run --bundle "$BUNDLE" "$CID"
    is "${lines[0]}" "0" "uid"
    is "${lines[1]}" "0" "gid"
    # podman's 11 default capabilities; nothing inheritable or ambient.
    assert_line "CapEff:	00000000800405fb"
    assert_line "CapPrm:	00000000800405fb"
    assert_line "CapBnd:	00000000800405fb"
    assert_line "CapInh:	0000000000000000"
    assert_line "CapAmb:	0000000000000000"
    assert_line "NoNewPrivs:	1"
    assert_line "Seccomp:	2"
    assert_line "nookbox"
    assert_line "FOO=bar baz"
    assert_line "HOME=/root"
    assert_line "PWD=/tmp"
    assert_line "512"
    # The seccomp rule on mkdir answers EPERM.
    assert_line "mkdir: can't create directory '/tmp/denied': Operation not permitted"

    # Nothing leaks into the container: stdin, stdout, stderr and (3) the directory ls reads
    # (closed again by the time ls reads the links, so it shows no target).
    write_config '["ls", "-l", "/proc/self/fd"]'
    run_nook 0 oci run --bundle "$BUNDLE" "$CID"
    is "$(awk 'NR > 1 {print $9}' <<<"$stdout_only" | tr '\n' ' ')" "0 1 2 3 " "fds in the container"
}

@test "oci run: mounts, devices, masked and read-only paths" {
    write_config "$(probe_args)"
    run_nook 0 oci run --bundle "$BUNDLE" "$CID"
    assert_line "mount /proc proc rw,nosuid,nodev,noexec,relatime"
    assert_line "mount /dev tmpfs rw,nosuid"
    assert_line "mount /dev/pts devpts rw,nosuid,noexec,relatime,ptmxmode=666"
    assert_line "mount /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime"
    assert_line "mount /dev/mqueue mqueue rw,nosuid,nodev,noexec,relatime"
    assert_line "mount /sys sysfs ro,nosuid,nodev,noexec,relatime"
    assert_line --regexp "^mount /etc/hostname [a-z0-9]+ ro,nosuid,nodev"
    assert_line "mount /proc/sys proc ro,nosuid,nodev,noexec,relatime"
    assert_line "mount /proc/acpi tmpfs ro,relatime"
    assert_line "mount /sys/firmware tmpfs ro,relatime"
    assert_line "dev crw-rw-rw- null"
    assert_line "dev crw-rw-rw- tty"
    assert_line "dev lrwxrwxrwx pts/ptmx"
    assert_line "dev lrwxrwxrwx /proc/self/fd"
    assert_line "nookbox"

    write_config '["sh", "-c", "exec 2>&1; echo x > /proc/sys/kernel/hostname; cat /proc/keys | wc -c; ls /sys/firmware | wc -l; echo data > /dev/null && echo null-ok"]'
    run_nook 0 oci run --bundle "$BUNDLE" "$CID"
    assert_line --index 0 --regexp "/proc/sys/kernel/hostname: (Read-only file system|Permission denied)"
    is "${lines[1]}" "0" "/proc/keys is masked by /dev/null"
    is "${lines[2]}" "0" "/sys/firmware is masked by an empty tmpfs"
    is "${lines[3]}" "null-ok" "/dev/null works"
}

@test "oci run: new namespaces differ from the host's" {
    write_config '["sh", "-c", "for n in pid mnt net uts ipc; do echo $n $(readlink /proc/self/ns/$n); done"]'
    run_nook 0 oci run --bundle "$BUNDLE" "$CID"
    local n inside
    for n in pid mnt net uts ipc; do
        inside=$(grep "^$n " <<<"$stdout_only" | cut -d' ' -f2)
        [[ $inside == "$n:["* ]] || die "no $n namespace link inside: $stdout_only"
        [[ $inside != "$(readlink /proc/self/ns/$n)" ]] || die "$n namespace is the host's: $inside"
    done
}

@test "oci run: exit codes 0, 3, 127, 126" {
    write_config '["true"]'
    run_nook 0 oci run --bundle "$BUNDLE" "$CID"
    write_config '["sh", "-c", "exit 3"]'
    run_nook 3 oci run --bundle "$BUNDLE" "$CID"
    write_config '["no-such-command-xyz"]'
    run_nook 127 oci run --bundle "$BUNDLE" "$CID"
    is "$stderr_only" 'Error: executable file `no-such-command-xyz` not found in $PATH: No such file or directory' "stderr"
    cp /bin/busybox "$BUNDLE/rootfs/not-executable"
    chmod 0644 "$BUNDLE/rootfs/not-executable"
    write_config '["/not-executable"]'
    run_nook 126 oci run --bundle "$BUNDLE" "$CID"
    is "$stderr_only" 'Error: cannot execute `/not-executable`: Permission denied' "stderr"
    # Nothing is left behind by a run, successful or not.
    run_nook 125 oci state "$CID"
    is "$stderr_only" "Error: container \"$CID\" does not exist"
}

@test "oci run: a container killed by SIGKILL exits 137" {
    write_config '["sleep", "100"]'
    "$NOOK" oci run --bundle "$BUNDLE" "$CID" </dev/null >"$BATS_TEST_TMPDIR/run.out" 2>&1 &
    local pid=$!
    wait_for_status "$CID" running
    run_nook 0 oci kill "$CID" KILL
    local rc=0
    wait "$pid" || rc=$?
    is "$rc" "137" "exit code of oci run"
}

@test "oci create, state, start, kill, delete" {
    write_config '["sh", "-c", "echo started; exec sleep 100"]'
    local out=$BATS_TEST_TMPDIR/create.out
    # The container keeps the stdio it was created with: give it a file, not run_nook's pipes.
    "$NOOK" oci create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$CID" </dev/null >"$out" 2>&1 ||
        die "create failed: $(cat "$out")"
    run_nook 0 oci state "$CID"
    is "$(jq -r .status <<<"$stdout_only")" "created" "status after create"
    is "$(jq -r .id <<<"$stdout_only")" "$CID" "id"
    is "$(jq -r .bundle <<<"$stdout_only")" "$BUNDLE" "bundle"
    is "$(jq -r '.annotations["org.example.test"]' <<<"$stdout_only")" "yes" "annotations"
    is "$(jq -r .pid <<<"$stdout_only")" "$(cat "$BATS_TEST_TMPDIR/pid")" "pid = --pid-file"
    [[ ! -s $out ]] || die "the process ran before start: $(cat "$out")"

    run_nook 0 oci start "$CID"
    wait_for_status "$CID" running
    is "$(cat "$out")" "started" "output after start"
    run_nook 125 oci start "$CID"
    run_nook 125 oci delete "$CID"
    is "$stderr_only" "Error: container \"$CID\" is running: stop it first or force the removal"

    # The init of a pid namespace only gets the signals it handles, and SIGKILL.
    run_nook 0 oci kill "$CID" KILL
    wait_for_status "$CID" stopped
    run_nook 125 oci kill "$CID" KILL
    is "$stderr_only" "Error: container \"$CID\" is not running"
    run_nook 0 oci delete "$CID"
    run_nook 125 oci state "$CID"
    [[ ! -e $RUNTIME_DIR/$CID ]] || die "state directory left behind"
}

@test "oci delete -f kills a running container; kill takes signal numbers" {
    write_config '["sleep", "100"]'
    "$NOOK" oci create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 || die "create failed"
    run_nook 0 oci start "$CID"
    wait_for_status "$CID" running
    run_nook 0 oci kill "$CID" 0
    run_nook 125 oci kill "$CID" NOSUCHSIG
    is "$stderr_only" 'Error: unknown signal "NOSUCHSIG"'
    run_nook 0 oci delete -f "$CID"
    run_nook 125 oci state "$CID"
}

@test "oci run: a bad config.json is an error and leaves nothing behind" {
    echo '{"ociVersion": "1.0.2", "process": {"args": "sh", "cwd": "/"}, "root": {"path": "rootfs"}}' >"$BUNDLE/config.json"
    run_nook 125 oci run --bundle "$BUNDLE" "$CID"
    is "$stderr_only" "Error: parsing \"$BUNDLE/config.json\": process.args: expected an array of strings"
    [[ ! -e $RUNTIME_DIR/$CID ]] || die "state directory left behind"

    # Failures inside the container process come back with their context.
    write_config '["true"]' '.process.cwd = "/no/such/dir"'
    run_nook 125 oci run --bundle "$BUNDLE" "$CID"
    is "$stderr_only" 'Error: chdir to cwd `/no/such/dir` set in config.json: No such file or directory'
    [[ ! -e $RUNTIME_DIR/$CID ]] || die "state directory left behind"

    write_config '["true"]' '.mounts += [{destination: "/data", type: "bind", source: "/no/such/source", options: ["rbind"]}]'
    run_nook 125 oci run --bundle "$BUNDLE" "$CID"
    assert_line --regexp '^Error: mount source for "/data": .*No such file or directory'
    [[ ! -e $RUNTIME_DIR/$CID ]] || die "state directory left behind"
    run_nook 125 oci state "$CID"
}

@test "the same bundle under crun prints the same" {
    command -v crun >/dev/null || skip "crun is not installed"
    write_config "$(probe_args)"
    run_nook 0 oci run --bundle "$BUNDLE" "$CID"
    local ours=$stdout_only
    # Debian's crun refuses this hybrid host's cgroup2 mount unless an empty tmpfs hides it, in
    # a private mount namespace (nook unshare gives one).
    local root=$BATS_TEST_TMPDIR/crun-root
    mkdir -p "$root"
    run_nook 0 unshare sh -c "mount -t tmpfs none /sys/fs/cgroup/unified && crun --root '$root' run --bundle '$BUNDLE' '$CID-crun'"
    local theirs=$stdout_only
    # Normalize what legitimately differs: pids, namespace inode numbers, and the read-only paths,
    # which nook remounts keeping nosuid,nodev,noexec (as runc) where crun drops them.
    local normalize='s/[0-9]+ (pid|PID)/N \1/g; s/:\[[0-9]+\]/:[N]/g; /^mount \/proc\/(bus|fs|irq|sys) /s/nosuid,nodev,noexec,//'
    diff <(sed -E "$normalize" <<<"$theirs") <(sed -E "$normalize" <<<"$ours") ||
        die "nook's output differs from crun's (< crun, > nook)"
}
