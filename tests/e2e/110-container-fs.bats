#!/usr/bin/env bats
# A container's file system as the unprivileged test user: cp (both directions, tar streams,
# running and stopped containers, podman's path rules), diff, commit, export/import,
# mount/unmount (inside nook unshare), system df/prune/reset, and rmi of an image in use.

load helpers

setup() {
    nook_setup
    run_nook 0 pull -q --tls-verify=false "$IMAGE"
}

teardown() {
    "$NOOK" rm -fa >/dev/null 2>&1 || true
    nook_teardown
}

# A stopped container whose upper layer has an added, a changed and a deleted file.
make_changed() {
    run_nook 0 run --name "$1" "$IMAGE" sh -c 'echo hi > /tmp/x; echo more >> /etc/passwd; rm /etc/group; mkdir -p /new/d; touch /new/d/f'
}

@test "cp: host to a stopped container and back, podman's path rules" {
    run_nook 0 create --name c1 "$IMAGE" true
    local h=$BATS_TEST_TMPDIR/h
    mkdir -p "$h/dir/sub"
    echo one >"$h/file"
    echo two >"$h/dir/sub/inner"

    run_nook 0 cp "$h/file" c1:/tmp/renamed
    run_nook 0 cp "$h/file" c1:/tmp
    run_nook 0 cp "$h/dir" c1:/tmp
    run_nook 0 cp "$h/dir/." c1:/root
    run_nook 0 cp c1:/tmp/renamed "$h/back"
    is "$(cat "$h/back")" "one" "file copied in under a new name and out again"
    run_nook 0 cp c1:/tmp/file "$h/back2"
    is "$(cat "$h/back2")" "one" "file copied into an existing directory keeps its name"
    mkdir "$h/out"
    run_nook 0 cp c1:/tmp/dir "$h/out"
    is "$(cat "$h/out/dir/sub/inner")" "two" "directory copied into an existing directory"
    run_nook 0 cp c1:/root/. "$h/out2"
    is "$(cat "$h/out2/sub/inner")" "two" "dir/. copied the content to a new directory"
    run_nook 0 start -a c1
    run_nook 0 run --rm "$IMAGE" true

    # Errors: podman's messages, exit 125, nothing created.
    run_nook 125 cp c1:/nosuch "$h/y"
    is "$stderr_only" "Error: \"/nosuch\" could not be found on container c1: no such file or directory"
    run_nook 125 cp "$h/nosuch" c1:/tmp
    is "$stderr_only" "Error: \"$h/nosuch\" could not be found on the host: no such file or directory"
    run_nook 125 cp c1:/tmp/renamed "$h/nodir/y"
    is "$stderr_only" "Error: \"$h/nodir/y\" could not be found on the host: no such file or directory"
    run_nook 125 cp "$h/file" c1:/nodir/y
    is "$stderr_only" "Error: \"/nodir/y\" could not be found on container c1: no such file or directory"
    run_nook 125 cp "$h/dir" c1:/etc/passwd
    is "$stderr_only" "Error: destination must be a directory when copying a directory"
    run_nook 125 cp c1:/tmp/renamed "$h/notexist/"
    run_nook 125 cp nosuchctr:/etc/passwd "$h/z"
    is "$stderr_only" 'Error: no container with name or ID "nosuchctr" found: no such container'
    run_nook 125 cp c1:/tmp/x
    is "$stderr_only" "Error: accepts 2 arg(s), received 1"
    [[ ! -e $h/y && ! -e $h/nodir && ! -e $h/z ]] || die "a failed cp created files"
}

@test "cp: tar streams, a running container, --overwrite, ownership" {
    run_nook 0 run -d --name r1 "$IMAGE" sleep 1000
    local h=$BATS_TEST_TMPDIR/h
    mkdir -p "$h"
    echo streamed >"$h/s"
    tar -C "$h" -cf "$h/in.tar" s
    run_nook 0 cp - r1:/tmp <"$h/in.tar"
    run_nook 0 cp "$h/s" r1:/tmp/direct
    "$NOOK" cp r1:/tmp - >"$h/out.tar" || die "cp to stdout failed"
    run tar -tf "$h/out.tar"
    assert_line "tmp/s"
    assert_line "tmp/direct"
    # The running container sees what was copied in (through its own mount namespace).
    run_nook 0 logs r1
    "$NOOK" stop -t 0 r1 >/dev/null
    run_nook 0 start r1
    run_nook 0 cp r1:/tmp/direct "$h/direct"
    is "$(cat "$h/direct")" "streamed"
    # A directory onto a file and back needs --overwrite.
    mkdir -p "$h/d/direct"
    run_nook 125 cp "$h/d/direct" r1:/tmp
    assert_match "cannot overwrite non-directory" "$stderr_only"
    run_nook 0 cp --overwrite "$h/d/direct" r1:/tmp
    run_nook 0 cp r1:/tmp/direct "$h/check"
    [[ -d $h/check ]] || die "--overwrite did not replace the file by the directory"
    "$NOOK" rm -f -t 0 r1 >/dev/null
}

@test "cp into a running container of a non-root user: --archive chowns to that user, =false keeps ours" {
    run_nook 0 run -d --name r2 -u 1000:1001 "$IMAGE" sleep 1000
    local h=$BATS_TEST_TMPDIR/h
    mkdir -p "$h/d/sub"
    echo one >"$h/f"
    echo two >"$h/d/sub/x"
    run_nook 0 cp "$h/f" r2:/tmp/
    run_nook 0 cp "$h/d" r2:/tmp/
    run_nook 0 cp --archive=false "$h/f" r2:/tmp/mine
    run_nook 0 exec r2 stat -c '%n %u:%g' /tmp/f /tmp/d /tmp/d/sub/x /tmp/mine
    is "$stdout_only" "/tmp/f 1000:1001
/tmp/d 1000:1001
/tmp/d/sub/x 1000:1001
/tmp/mine 0:0"
    run_nook 0 exec r2 sh -c 'echo more >> /tmp/f && cat /tmp/f'
    is "$stdout_only" "one
more" "the container's user owns what was copied"
    "$NOOK" rm -f -t 0 r2 >/dev/null
}

@test "diff: A, C and D lines, JSON, an image, errors" {
    make_changed d1
    run_nook 0 diff d1
    assert_line "A /tmp/x"
    assert_line "C /etc/passwd"
    assert_line "D /etc/group"
    assert_line "A /new/d/f"
    assert_line "C /etc"
    run_nook 0 container diff --format json d1
    run jq -r '.added | join(",")' <<<"$stdout_only"
    is "$output" "/new,/new/d,/new/d/f,/tmp/x"
    run jq -r '.deleted[0]' <<<"$stdout_only"
    is "$output" "/etc/group"
    run_nook 0 diff "$IMAGE"
    assert_line "A /bin"
    run_nook 125 diff nosuch
    is "$stderr_only" "Error: nosuch not found: layer not known"
}

@test "commit: a new image with the changes, --change, options and errors" {
    make_changed k1
    run_nook 0 commit -q k1 committed
    local id=$stdout_only
    [[ $id =~ ^[0-9a-f]{64}$ ]] || die "commit -q printed $id"
    run_nook 0 run --rm committed sh -c 'cat /tmp/x; test -e /etc/group && echo group || echo nogroup; ls /new/d'
    is "$stdout_only" "hi
nogroup
f"
    run_nook 0 commit -f docker -a me -m msg -c 'CMD ["echo","hello"]' -c 'ENV A=b' -c 'LABEL k=v' -c 'EXPOSE 80' -c 'WORKDIR /tmp' k1 k2
    assert_match "Copying config sha256:" "$stderr_only"
    run_nook 0 run --rm k2
    is "$stdout_only" "hello" "CMD from --change"
    run_nook 0 run --rm k2 sh -c 'echo $A; pwd'
    is "$stdout_only" "b
/tmp"
    run_nook 0 image inspect k2 --format '{{.Author}}|{{.Comment}}|{{.Config.Labels.k}}'
    is "$stdout_only" "me|msg|v"
    run_nook 0 images --format '{{.Repository}}' localhost/k2
    is "$stdout_only" "localhost/k2"
    run_nook 125 commit -c 'BADX foo' k1
    is "$stderr_only" 'Error: invalid change "BADX foo" - invalid instruction BADX'
    run_nook 125 commit -c 'CMD' k1
    is "$stderr_only" 'Error: invalid change "CMD" - must be formatted as KEY VALUE'
    run_nook 125 commit -m msg k1
    is "$stderr_only" "Error: messages are only compatible with the docker image format (-f docker)"
    run_nook 125 commit -f bad k1
    is "$stderr_only" 'Error: unrecognized image format "bad"'
    run_nook 125 commit nosuch
    is "$stderr_only" 'Error: no container with name or ID "nosuch" found: no such container'
    # The committed image saves and loads back (its layer has a tar-split record).
    run_nook 0 save -o "$BATS_TEST_TMPDIR/k2.tar" k2
}

@test "export and import: a round trip, --change, errors" {
    make_changed e1
    run_nook 0 export -o "$BATS_TEST_TMPDIR/e1.tar" e1
    run tar -tf "$BATS_TEST_TMPDIR/e1.tar"
    assert_line "tmp/x"
    assert_line "bin/busybox"
    if grep -q '^etc/group$' <<<"$output"; then die "a deleted file was exported"; fi
    "$NOOK" export e1 >"$BATS_TEST_TMPDIR/e1b.tar" || die "export to stdout failed"
    cmp "$BATS_TEST_TMPDIR/e1.tar" "$BATS_TEST_TMPDIR/e1b.tar" || die "export to stdout differs from -o"
    run_nook 125 export nosuch -o "$BATS_TEST_TMPDIR/no.tar"
    [[ ! -e $BATS_TEST_TMPDIR/no.tar ]] || die "a failed export left a file"
    # The read-only views export and cp mount are gone again.
    run find "$XDG_DATA_HOME/nook/containers" -maxdepth 2 -name 'view-*'
    is "$output" "" "no view directory left"
    run grep -c " $XDG_DATA_HOME/" /proc/self/mountinfo
    is "$output" "0" "no mount left in our namespace"

    run_nook 0 import -c 'CMD ["cat","/tmp/x"]' -m imported "$BATS_TEST_TMPDIR/e1.tar" flat:v1
    [[ $stdout_only =~ ^sha256:[0-9a-f]{64}$ ]] || die "import printed $stdout_only"
    assert_match "Copying blob sha256:" "$stderr_only"
    run_nook 0 run --rm flat:v1
    is "$stdout_only" "hi"
    gzip -c "$BATS_TEST_TMPDIR/e1.tar" >"$BATS_TEST_TMPDIR/e1.tgz"
    run_nook 0 import -q - <"$BATS_TEST_TMPDIR/e1.tgz"
    run_nook 125 import "$BATS_TEST_TMPDIR/nosuch.tar"
    assert_match "nosuch.tar.*no such file or directory" "$stderr_only"
    run_nook 125 import http://127.0.0.1:1/x.tar
    assert_match "not supported" "$stderr_only"
    run_nook 125 import
    is "$stderr_only" "Error: accepts between 1 and 2 arg(s), received 0"
}

@test "mount: refused outside nook unshare, counted and listed inside" {
    run_nook 0 create --name m1 "$IMAGE" true
    run_nook 125 mount m1
    is "$stderr_only" 'Error: cannot run command "nook mount" in rootless mode, must execute `nook unshare` first'
    run_nook 0 unshare sh -c '
        p=$("$0" mount m1) || exit 1
        test -x "$p/bin/busybox" || exit 2
        echo inside > "$p/tmp/written"
        "$0" mount m1 >/dev/null || exit 3
        "$0" mount | grep -q "$p" || exit 4
        "$0" unmount m1 >/dev/null
        test -x "$p/bin/busybox" || exit 5
        "$0" umount m1 >/dev/null
        test -e "$p/bin/busybox" && exit 6
        "$0" unmount m1
    ' "$NOOK"
    is "$stdout_only" "m1"
    run_nook 0 start -a m1
    run_nook 0 diff m1
    assert_line "A /tmp/written"
}

@test "system df, prune and reset" {
    make_changed s1
    run_nook 0 commit -q s1
    run_nook 0 system df
    assert_line --index 0 "TYPE           TOTAL       ACTIVE      SIZE        RECLAIMABLE"
    assert_match "Images +2 +1 " "$stdout_only"
    assert_match "Containers +1 +0 " "$stdout_only"
    run_nook 0 system df -v
    assert_line "Images space usage:"
    assert_line "Containers space usage:"
    run_nook 0 system df --format '{{.Type}} {{.Total}}'
    assert_line "Containers 1"

    run_nook 0 system prune -f
    assert_line "Deleted Containers"
    assert_line "Deleted Images"
    assert_match "Total reclaimed space: [0-9.]+[kM]?B" "$stdout_only"
    run_nook 0 ps -aq
    is "$stdout_only" ""
    run_nook 0 images -q
    [[ -n $stdout_only ]] || die "prune without -a removed the tagged image"
    run_nook 0 system prune -a -f
    run_nook 0 images -q
    is "$stdout_only" ""

    run_nook 0 pull -q --tls-verify=false "$IMAGE"
    run_nook 0 run -d --name s2 "$IMAGE" sleep 1000
    run_nook 0 system reset <<<"n"
    run_nook 0 ps -aq
    [[ -n $stdout_only ]] || die "reset without confirmation removed containers"
    run_nook 0 system reset -f
    run_nook 0 ps -aq
    is "$stdout_only" ""
    run_nook 0 images -q
    is "$stdout_only" ""
}

@test "rmi: an image a container uses is refused (exit 2), removed with its containers by -f" {
    run_nook 0 create --name u1 "$IMAGE" true
    local cid=$stdout_only
    run_nook 2 rmi "$IMAGE"
    is "$stderr_only" "Error: image used by $cid: image is in use by a container: consider listing external containers and force-removing image"
    run_nook 2 image rm "$IMAGE"
    run_nook 0 start -a u1
    run_nook 0 image prune -a -f
    run_nook 0 image exists "$IMAGE"
    run_nook 0 rmi -f "$IMAGE"
    run_nook 0 ps -aq
    is "$stdout_only" "" "rmi -f removed the container"
    run_nook 1 image exists "$IMAGE"
}
