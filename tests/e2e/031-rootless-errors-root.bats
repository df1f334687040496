#!/usr/bin/env bats
# The rootless user-namespace entry's bad cases, for the unprivileged test user. The file runs as
# root in a private mount namespace (run-bats.sh), so each test can cover /etc/subuid,
# /etc/subgid, newuidmap or a sysctl with a bind mount that nothing outside sees, and then runs
# nook as the test user with runuser.

load helpers

setup() {
    [ "$(id -u)" = 0 ] || die "this file runs as root"
    REAL_NOOK=$NOOK
    USER_DIR=$(mktemp -d /tmp/nook-rootless-errors.XXXXXX)
    chmod 0755 "$USER_DIR"
    install -d -o "$NOOK_TEST_UID" -g "$NOOK_TEST_GID" "$USER_DIR/data" "$USER_DIR/config" "$USER_DIR/cache"
    # run_nook runs $NOOK: here, nook as the test user with its own store.
    NOOK=$USER_DIR/nook-as-user
    cat >"$NOOK" <<EOF
#!/bin/sh
exec runuser -u "$NOOK_TEST_USER" -- env -i HOME=/tmp PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    XDG_DATA_HOME=$USER_DIR/data XDG_CONFIG_HOME=$USER_DIR/config XDG_CACHE_HOME=$USER_DIR/cache \
    "$REAL_NOOK" "\$@"
EOF
    chmod 0755 "$NOOK"
}

teardown() {
    # The bind mounts die with this file's mount namespace; undo them for the next test anyway.
    for path in /etc/subuid /etc/subgid /etc/nsswitch.conf /usr/bin/newuidmap /proc/sys/user/max_user_namespaces; do
        while mountpoint -q "$path" 2>/dev/null; do umount "$path" || break; done
    done
    # Files of subordinate ids are root's to remove here.
    rm -rf "$USER_DIR"
}

# cover PATH CONTENT: bind-mounts a file holding CONTENT over PATH.
cover() {
    local file
    file=$(mktemp "$USER_DIR/cover.XXXXXX")
    printf '%b' "$2" >"$file"
    chmod 0644 "$file"
    mount --bind "$file" "$1"
}

@test "the baseline: the test user's real ranges give the full mapping" {
    run_nook 0 unshare cat /proc/self/uid_map
    [[ ${#lines[@]} -ge 2 ]] || die "expected the user and its range: $output"
}

@test "no range for the user: a single-uid mapping and advice on stderr" {
    cover /etc/subuid "someoneelse:100000:65536\n"
    cover /etc/subgid "someoneelse:100000:65536\n"
    run_nook 0 unshare cat /proc/self/uid_map
    is "$(awk '{print $1, $2, $3}' <<<"$stdout_only")" "0 $NOOK_TEST_UID 1" "only the user is mapped"
    is "$stderr_only" "nook: warning: no subordinate uid range for $NOOK_TEST_USER in /etc/subuid: running with a single-uid mapping; add a line such as '$NOOK_TEST_USER:100000:65536' to /etc/subuid and /etc/subgid"
    run_nook 0 unshare id -u
    is "$stdout_only" "0"
}

@test "overlapping ranges, and a range holding the user's own uid, are refused with exit 125" {
    cover /etc/subuid "$NOOK_TEST_USER:200000:65536\n$NOOK_TEST_USER:230000:65536\n"
    run_nook 125 unshare true
    assert_match "subordinate ranges 200000:65536 and 230000:65536 overlap" "$stderr_only"
    assert_match "/etc/subuid" "$stderr_only"
    umount /etc/subuid
    cover /etc/subuid "$NOOK_TEST_USER:$((NOOK_TEST_UID - 10)):100\n"
    run_nook 125 unshare true
    assert_match "contains the user's own id $NOOK_TEST_UID" "$stderr_only"
    [[ -z $(ls -A "$USER_DIR/data") ]] || die "nothing may be written: $(ls -A "$USER_DIR/data")"
}

@test "newuidmap without its setuid bit: what to run as root" {
    cp /usr/bin/newuidmap "$USER_DIR/newuidmap.plain"
    chmod 0755 "$USER_DIR/newuidmap.plain"
    mount --bind "$USER_DIR/newuidmap.plain" /usr/bin/newuidmap
    run_nook 125 unshare true
    is "$stderr_only" "Error: newuidmap is not setuid root and lacks the cap_setuid file capability: run chmod u+s /usr/bin/newuidmap as root (or setcap cap_setuid+ep /usr/bin/newuidmap), or reinstall the uidmap package"
    run_nook 125 pull --tls-verify=false "$NOOK_TEST_REGISTRY/busybox:latest"
    assert_match "newuidmap is not setuid root" "$stderr_only"
}

@test "user namespaces disabled by sysctl: the sysctl to set" {
    cover /proc/sys/user/max_user_namespaces "0\n"
    run_nook 125 unshare true
    is "$stderr_only" "Error: user namespaces are disabled (user.max_user_namespaces = 0): as root, run sysctl -w user.max_user_namespaces=15000 and set it in /etc/sysctl.d/ to keep it"
    # AppArmor's kernel.apparmor_restrict_unprivileged_userns and Debian's
    # kernel.unprivileged_userns_clone do not exist on this kernel, so there is nothing to cover:
    # tests/unit/rootless/subid_test.cc checks them on a fake /proc.
    [[ ! -e /proc/sys/kernel/apparmor_restrict_unprivileged_userns ]] ||
        skip "this kernel has the AppArmor knob: extend the test to cover it"
}

@test "ranges from an nsswitch subid service come through libsubid, as newuidmap gets them" {
    # A service libsubid cannot load: it says so and falls back to the files, and so does nook,
    # because it asked libsubid instead of reading /etc/subuid itself.
    cover /etc/nsswitch.conf "passwd: files\ngroup: files\nsubid: nook-no-such-service\n"
    run_nook 0 unshare cat /proc/self/uid_map
    [[ $(wc -l <<<"$stdout_only") -ge 2 ]] || die "expected the user and its range: $stdout_only"
    assert_match "libsubid_nook-no-such-service.so" "$stderr_only"
    # With "files" alone nook reads the files itself: libsubid is not even loaded.
    umount /etc/nsswitch.conf
    cover /etc/nsswitch.conf "passwd: files\ngroup: files\nsubid: files\n"
    run_nook 0 unshare cat /proc/self/uid_map
    is "$stderr_only" ""
}
