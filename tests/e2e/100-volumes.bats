#!/usr/bin/env bats
# Mounts and volumes as the unprivileged test user: -v (host paths, named and anonymous volumes,
# ro, U, O, z/Z, nocopy), --mount type=bind|volume|tmpfs|image, --tmpfs, the image's VOLUMEs,
# --volumes-from, rm -v, and the volume verbs (create, ls, inspect, exists, rm, prune, export,
# import); bad inputs with podman's messages and exit codes, and nothing left behind.

load helpers

setup() {
    nook_setup
    run_nook 0 pull -q --tls-verify=false "$IMAGE"
    HOSTDIR=$BATS_TEST_TMPDIR/host
    mkdir -p "$HOSTDIR"
    echo "from host" >"$HOSTDIR/file"
}

teardown() {
    "$NOOK" rm -fa >/dev/null 2>&1 || true
    nook_teardown
}

# No container, no volume left.
assert_nothing_left() {
    run_nook 0 ps -a -q
    is "$stdout_only" "" "no container left"
    run_nook 0 volume ls -q
    is "$stdout_only" "" "no volume left"
}

# No mount of this test's store is left in this (the host's) mount namespace.
assert_nothing_mounted() {
    local left
    left=$(grep -c -F "$BATS_TEST_TMPDIR" /proc/self/mountinfo || true)
    is "$left" "0" "nothing under the test's directory is mounted"
}

# An image with VOLUME /data and /empty whose /data holds a file owned by 1000:1000 (mode 0750
# on the directory), pulled as localhost/volimage:latest from an OCI layout.
make_volume_image() {
    local dir=$BATS_TEST_TMPDIR/volimage
    skopeo copy -q --src-tls-verify=false "docker://$IMAGE" "oci:$dir:vol" || die "skopeo copy"
    /usr/bin/python3 - "$dir" <<'EOF' || die "editing the image"
import hashlib, io, json, sys, tarfile
d = sys.argv[1]
def path(digest): return f"{d}/blobs/sha256/{digest.split(':')[1]}"
def put(data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    open(path(digest), "wb").write(data)
    return digest, len(data)
index = json.load(open(f"{d}/index.json"))
manifest = json.load(open(path(index["manifests"][0]["digest"])))
config = json.load(open(path(manifest["config"]["digest"])))
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
    info = tarfile.TarInfo("data"); info.type = tarfile.DIRTYPE; info.mode = 0o750; info.uid = info.gid = 1000
    tar.addfile(info)
    body = b"from image\n"
    info = tarfile.TarInfo("data/hello"); info.size = len(body); info.mode = 0o644; info.uid = info.gid = 1000
    tar.addfile(info, io.BytesIO(body))
layer, size = put(buf.getvalue())
manifest["layers"].append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": size})
config["rootfs"]["diff_ids"].append(layer)
config.setdefault("config", {})["Volumes"] = {"/data": {}, "/empty": {}}
manifest["config"]["digest"], manifest["config"]["size"] = put(json.dumps(config).encode())
digest, size = put(json.dumps(manifest).encode())
index["manifests"][0].update(digest=digest, size=size)
json.dump(index, open(f"{d}/index.json", "w"))
EOF
    run_nook 0 pull -q "oci:$dir:vol"
    VOLIMAGE=$(printf '%s' "$stdout_only" | tail -n1)
    [[ -n $VOLIMAGE ]] || die "no image id from the pull"
}

@test "-v host path: content appears, writes reach the host, ro is read-only, relative paths" {
    run_nook 0 run --rm -v "$HOSTDIR:/h" "$IMAGE" sh -c 'cat /h/file; echo new >/h/written'
    is "$stdout_only" "from host" "host content inside"
    is "$(cat "$HOSTDIR/written")" "new" "the container's write is on the host"
    is "$(stat -c %u "$HOSTDIR/written")" "$(id -u)" "root in the container is the user on the host"

    run_nook 1 run --rm -v "$HOSTDIR:/h:ro" "$IMAGE" touch /h/nope
    assert_match "Read-only file system" "$stderr_only"
    [[ ! -e $HOSTDIR/nope ]] || die "ro mount was written"

    run_nook 1 run --rm --mount "type=bind,src=$HOSTDIR,dst=/h,ro=true" "$IMAGE" touch /h/nope
    assert_match "Read-only file system" "$stderr_only"
    run_nook 0 run --rm --mount "type=bind,source=$HOSTDIR,target=/h,bind-propagation=rslave" "$IMAGE" cat /h/file
    is "$stdout_only" "from host"

    cd "$BATS_TEST_TMPDIR"
    run_nook 0 run --rm -v ./host:/h:z "$IMAGE" cat /h/file
    is "$stdout_only" "from host" "relative source, z accepted"
    run_nook 0 run --rm -v "$HOSTDIR/file:/etc/motd:Z" "$IMAGE" cat /etc/motd
    is "$stdout_only" "from host" "a file bind, Z accepted"
    assert_nothing_left
    assert_nothing_mounted
}

@test "-v and --mount: a missing host path is an error, nothing is created" {
    run_nook 125 run --rm -v "$BATS_TEST_TMPDIR/nosuch:/x" "$IMAGE" true
    is "$stderr_only" "Error: statfs $BATS_TEST_TMPDIR/nosuch: no such file or directory"
    run_nook 125 create --mount "type=bind,src=$BATS_TEST_TMPDIR/nosuch,dst=/x" "$IMAGE" true
    is "$stderr_only" "Error: statfs $BATS_TEST_TMPDIR/nosuch: no such file or directory"
    [[ ! -e $BATS_TEST_TMPDIR/nosuch ]] || die "the missing host path was created"
    assert_nothing_left
}

@test "named volume: created on first use, persists across containers, inspect shows it" {
    run_nook 0 run --name writer -v myvol:/data "$IMAGE" sh -c 'echo persisted >/data/f'
    run_nook 0 run --rm -v myvol:/data:ro "$IMAGE" cat /data/f
    is "$stdout_only" "persisted" "content seen by a second container"
    run_nook 1 run --rm -v myvol:/data:ro "$IMAGE" touch /data/g
    assert_match "Read-only file system" "$stderr_only"

    run_nook 0 volume ls
    is "$stdout_only" "DRIVER      VOLUME NAME
local       myvol" "volume ls"
    run_nook 0 container inspect --format '{{json .Mounts}}' writer
    local mp=$XDG_DATA_HOME/nook/storage/volumes/myvol/_data
    run_nook 0 volume inspect --format '{{.Mountpoint}}' myvol
    mp=$stdout_only
    run_nook 0 container inspect --format '{{json .Mounts}}' writer
    is "$stdout_only" "[{\"Destination\":\"/data\",\"Driver\":\"local\",\"Mode\":\"\",\"Name\":\"myvol\",\"Options\":[\"nosuid\",\"nodev\",\"rbind\"],\"Propagation\":\"rprivate\",\"RW\":true,\"Source\":\"$mp\",\"Type\":\"volume\"}]" "inspect Mounts"
    [[ $mp == "$XDG_DATA_HOME"/nook/* ]] || die "mountpoint $mp is not under \$XDG_DATA_HOME/nook"

    run_nook 0 run --rm --mount type=volume,src=myvol,dst=/v "$IMAGE" cat /v/f
    is "$stdout_only" "persisted" "--mount type=volume"
    run_nook 0 rm -v writer
    run_nook 0 volume exists myvol
    run_nook 0 volume rm myvol
    assert_nothing_left
    assert_nothing_mounted
}

@test "anonymous volumes: -v /dst, --mount type=volume without source; rm -v and --rm remove them" {
    run_nook 0 create --name anon -v /scratch --mount type=volume,dst=/other "$IMAGE" sh -c 'echo x >/scratch/f; ls /other'
    run_nook 0 volume ls -q
    local names=$stdout_only
    is "$(wc -l <<<"$names")" "2" "two anonymous volumes"
    [[ $(head -n1 <<<"$names") =~ ^[0-9a-f]{64}$ ]] || die "anonymous volume name: $names"
    run_nook 0 start -a anon
    run_nook 0 volume inspect --format '{{.Anonymous}}' $(head -n1 <<<"$names")
    is "$stdout_only" "true"
    run_nook 0 rm -v anon
    run_nook 0 volume ls -q
    is "$stdout_only" "" "rm -v removed the anonymous volumes"

    run_nook 0 run --rm -v /scratch "$IMAGE" touch /scratch/f
    run_nook 0 volume ls -q
    is "$stdout_only" "" "--rm removed the anonymous volume"

    # rm without -v keeps them; named volumes always stay.
    run_nook 0 run --name keep -v /scratch -v named:/n "$IMAGE" true
    run_nook 0 rm keep
    run_nook 0 volume ls -q
    is "$(wc -l <<<"$stdout_only")" "2" "rm without -v keeps the volumes"
    run_nook 0 run --name keep2 -v named:/n "$IMAGE" true
    run_nook 0 rm -v keep2
    run_nook 0 volume exists named
    run_nook 0 volume prune -f
    assert_nothing_left
}

@test "image VOLUMEs become anonymous volumes with the image's content, owner and mode" {
    make_volume_image
    run_nook 0 run --name img "$VOLIMAGE" sh -c 'cat /data/hello; stat -c "%u:%g %a" /data; ls -A /empty; echo more >/data/more'
    is "$stdout_only" "from image
1000:1000 750" "copied up with the image's owner and mode"
    run_nook 0 container inspect --format '{{range .Mounts}}{{.Destination}} {{.Type}}|{{end}}' img
    is "$stdout_only" "/data volume|/empty volume|" "two anonymous volumes"
    run_nook 0 volume ls -q
    is "$(wc -l <<<"$stdout_only")" "2"
    run_nook 0 volume inspect --format '{{.NeedsCopyUp}} {{.NeedsChown}}' $(head -n1 <<<"$stdout_only")
    is "$stdout_only" "false false" "copied once"

    # A named volume over an image VOLUME takes the image's content on first use, once.
    run_nook 0 run --rm -v cv:/data "$VOLIMAGE" sh -c 'cat /data/hello; rm /data/hello'
    is "$stdout_only" "from image"
    run_nook 0 run --rm -v cv:/data "$VOLIMAGE" ls -A /data
    is "$stdout_only" "" "no second copy-up"
    run_nook 0 run --rm -v nc:/data:nocopy "$VOLIMAGE" ls -A /data
    is "$stdout_only" "" "nocopy"
    run_nook 0 run --rm --mount type=volume,src=nc2,dst=/data,volume-nocopy "$VOLIMAGE" ls -A /data
    is "$stdout_only" "" "volume-nocopy"
    # A user mount on the VOLUME's path replaces the anonymous volume.
    run_nook 0 run --rm -v "$HOSTDIR:/data" "$VOLIMAGE" cat /data/file
    is "$stdout_only" "from host"

    run_nook 0 rm -v img
    run_nook 0 volume rm cv nc nc2
    assert_nothing_left
}

@test "--tmpfs and --mount type=tmpfs: size, mode, read-only, gone with the container" {
    run_nook 0 run --rm --tmpfs /t:size=1m,mode=700 "$IMAGE" sh -c 'grep " /t " /proc/mounts; stat -c %a /t; echo x >/t/f'
    assert_match "^tmpfs /t tmpfs rw,nosuid,nodev,.*size=1024k,mode=700" "$(head -n1 <<<"$stdout_only")"
    is "$(tail -n1 <<<"$stdout_only")" "700" "mode"
    run_nook 0 run --rm --mount type=tmpfs,dst=/t,tmpfs-size=2m,tmpfs-mode=1777 "$IMAGE" sh -c 'grep " /t " /proc/mounts; stat -c %a /t'
    assert_match "size=2048k" "$stdout_only"
    is "$(tail -n1 <<<"$stdout_only")" "1777" "tmpfs-mode"
    run_nook 1 run --rm --tmpfs /t:ro "$IMAGE" touch /t/f
    assert_match "Read-only file system" "$stderr_only"
    run_nook 1 run --rm --tmpfs /t:size=64k "$IMAGE" dd if=/dev/zero of=/t/big bs=1k count=100
    assert_match "No space left on device" "$stderr_only"
    assert_nothing_left
    assert_nothing_mounted
}

@test "ps shows the user's mounts: binds and tmpfs, then volumes" {
    mkdir -p "$BATS_TEST_TMPDIR/h"
    run_nook 0 run -d --name m1 -v psvol:/v --tmpfs /t -v "$BATS_TEST_TMPDIR/h:/h" "$IMAGE" sleep 100
    run_nook 0 run -d --name m2 "$IMAGE" sleep 100
    run_nook 0 ps --sort names --format '{{.Names}} {{.Mounts}}'
    is "$stdout_only" "m1 [/h /t /v]
m2 []"
    run_nook 0 ps --filter name=m1 --format json
    is "$(jq -c '.[0].Mounts' <<<"$stdout_only")" '["/h","/t","/v"]'
    run_nook 0 rm -f -t 0 m1 m2
    run_nook 0 volume rm psvol
}

@test "tmpcopyup: a tmpfs starts with the image's content there, unless notmpcopyup" {
    # podman's default for --tmpfs, --mount type=tmpfs and --read-only-tmpfs.
    run_nook 0 run --rm --tmpfs /etc "$IMAGE" sh -c 'grep " /etc " /proc/mounts | cut -d" " -f3; head -n1 /etc/passwd; echo new > /etc/added; cat /etc/added'
    is "$stdout_only" "tmpfs
root:x:0:0:root:/root:/bin/sh
new"
    run_nook 0 run --rm --mount type=tmpfs,dst=/bin,tmpfs-mode=755 "$IMAGE" sh -c 'ls -l /bin/sh | cut -c1; /bin/busybox true && echo runs; stat -c %a /bin'
    is "$stdout_only" "l
runs
755" "links copied, the binary runs from the tmpfs, the mode is the option's"
    run_nook 0 run --rm --tmpfs /etc:notmpcopyup "$IMAGE" sh -c 'test -e /etc/passwd && echo copied || echo empty'
    is "$stdout_only" "empty"
    run_nook 0 run --rm --mount type=tmpfs,dst=/etc,notmpcopyup "$IMAGE" sh -c 'test -e /etc/passwd && echo copied || echo empty'
    is "$stdout_only" "empty"
    run_nook 0 run --rm --tmpfs /nothing-here "$IMAGE" ls -A /nothing-here
    is "$stdout_only" "" "a destination the image lacks starts empty"
    assert_nothing_left
    assert_nothing_mounted
}

@test "--mount type=image: another image's root, read-only unless rw=true" {
    run_nook 0 run --rm --mount "type=image,src=$IMAGE,dst=/img" "$IMAGE" sh -c 'ls /img/bin/busybox; cat /img/etc/group | head -n1'
    is "$stdout_only" "/img/bin/busybox
root:x:0:" "the image's files"
    run_nook 1 run --rm --mount "type=image,src=$IMAGE,dst=/img" "$IMAGE" touch /img/x
    assert_match "Read-only file system" "$stderr_only"
    run_nook 0 run --rm --mount "type=image,src=$IMAGE,dst=/img,rw=true" "$IMAGE" sh -c 'touch /img/x && echo ok'
    is "$stdout_only" "ok" "rw=true"
    run_nook 1 run --rm --mount "type=image,src=$IMAGE,dst=/img" "$IMAGE" ls /img/x
    assert_match "No such file" "$stderr_only" "rw=true writes stay with that container"
    run_nook 125 run --rm --mount type=image,src=nosuchimage,dst=/img "$IMAGE" true
    assert_match "^Error: creating image volume \"nosuchimage\":\"/img\": .*nosuchimage.*image not known" "$stderr_only"
    assert_nothing_left
    assert_nothing_mounted
}

@test ":U chowns the source to the container's user, :O keeps the host unchanged" {
    mkdir -p "$HOSTDIR/u/sub"
    run_nook 0 run --rm --user 100:101 -v "$HOSTDIR/u:/u:U" "$IMAGE" sh -c 'stat -c %u:%g /u /u/sub; touch /u/mine'
    is "$stdout_only" "100:101
100:101" "owner inside"
    run_nook 0 unshare stat -c %u:%g "$HOSTDIR/u/sub" "$HOSTDIR/u/mine"
    is "$stdout_only" "100:101
100:101" "owner in the user namespace"
    run_nook 0 run --rm --user 7:7 -v uvol:/v:U "$IMAGE" stat -c %u:%g /v
    is "$stdout_only" "7:7" ":U on a named volume"

    run_nook 0 run --rm -v "$HOSTDIR:/o:O" "$IMAGE" sh -c 'cat /o/file; echo changed >/o/file; echo new >/o/added; cat /o/file'
    is "$stdout_only" "from host
changed" "overlay: host content, writable"
    is "$(cat "$HOSTDIR/file")" "from host" "the host file is unchanged"
    [[ ! -e $HOSTDIR/added ]] || die ":O wrote through to the host"
    run_nook 0 volume rm uvol
    run_nook 0 unshare rm -rf "$HOSTDIR/u"
    assert_nothing_left
    assert_nothing_mounted
}

@test "--volumes-from: the other container's volumes and binds, ro override" {
    run_nook 0 create --name src -v shared:/shared -v "$HOSTDIR:/h" -v /anon "$IMAGE" true
    run_nook 0 run --rm --volumes-from src "$IMAGE" sh -c 'echo hi >/shared/f; cat /h/file; ls -d /anon'
    is "$stdout_only" "from host
/anon"
    run_nook 0 run --rm --volumes-from src:ro "$IMAGE" sh -c 'cat /shared/f; touch /shared/g 2>&1; true'
    assert_match "^hi" "$stdout_only"
    assert_match "Read-only file system" "$stdout_only"
    run_nook 125 run --rm --volumes-from nosuch "$IMAGE" true
    is "$stderr_only" 'Error: no container with name or ID "nosuch" found: no such container'
    run_nook 125 run --rm --volumes-from src:bogus "$IMAGE" true
    assert_match "^Error: invalid options" "$stderr_only"
    # The anonymous volume is shared: rm -v of the source keeps it while another user exists.
    run_nook 0 create --name user2 --volumes-from src "$IMAGE" true
    run_nook 0 rm -v src
    run_nook 0 volume ls -q
    is "$(wc -l <<<"$stdout_only")" "2" "shared and the anonymous one still used by user2"
    run_nook 0 rm -v user2
    run_nook 0 volume ls -q
    is "$stdout_only" "shared"
    run_nook 0 volume rm shared
    assert_nothing_left
}

@test "volume create, ls, inspect, exists: labels, options, filters, formats" {
    run_nook 0 volume create --label a=b --label c myvol
    is "$stdout_only" "myvol"
    run_nook 125 volume create myvol
    is "$stderr_only" "Error: volume with name myvol already exists: volume already exists"
    run_nook 0 volume create --ignore myvol
    is "$stdout_only" "myvol"
    run_nook 0 volume create
    local anon=$stdout_only
    [[ $anon =~ ^[0-9a-f]{64}$ ]] || die "generated name: $anon"
    run_nook 0 volume create -o type=tmpfs -o device=tmpfs -o o=size=1m tmpvol
    run_nook 0 volume create -o o=bind -o device="$HOSTDIR" bindvol

    run_nook 0 volume ls -q
    is "$stdout_only" "$(printf '%s\n' "$anon" bindvol myvol tmpvol | sort)" "sorted by name"
    run_nook 0 volume ls -q --filter label=a=b
    is "$stdout_only" "myvol"
    run_nook 0 volume ls -q --filter label=c
    is "$stdout_only" "myvol"
    run_nook 0 volume ls -q --filter name=vol --filter label=a
    is "$stdout_only" "myvol"
    run_nook 0 volume ls -q --filter opt=type=tmpfs
    is "$stdout_only" "tmpvol"
    run_nook 0 volume ls -q --filter driver=local --filter name=^bind
    is "$stdout_only" "bindvol"
    run_nook 0 volume ls --noheading --format '{{.Name}} {{.Driver}} {{.Scope}}' --filter name=myvol
    is "$stdout_only" "myvol local local"
    run_nook 0 volume ls --format json --filter name=myvol
    assert_match '"Name": "myvol"' "$stdout_only"
    run_nook 125 volume ls --filter foo=bar
    is "$stderr_only" 'Error: "foo" is an invalid volume filter'

    run_nook 0 volume inspect myvol
    local keys
    keys=$(grep -o '^          "[A-Za-z]*"' <<<"$stdout_only" | tr -d ' "' | paste -sd,)
    is "$keys" "Name,Driver,Mountpoint,CreatedAt,Labels,Scope,Options,MountCount,NeedsCopyUp,NeedsChown" "podman's keys in order"
    assert_match '"a": "b"' "$stdout_only"
    run_nook 0 volume inspect --format '{{.Options.type}} {{.Options.o}}' tmpvol
    is "$stdout_only" "tmpfs size=1m"
    run_nook 0 volume inspect --all --format '{{.Name}}'
    is "$(wc -l <<<"$stdout_only")" "4"
    run_nook 125 volume inspect myvol nosuch
    assert_match '"Name": "myvol"' "$stdout_only"
    is "$stderr_only" "Error: inspecting object: no such volume nosuch"
    run_nook 125 volume inspect nosuch
    is "$stdout_only" "[]"

    run_nook 0 volume exists myvol
    run_nook 1 volume exists nosuch
    is "$output" ""

    # tmpfs- and bind-backed volumes are mounted when a container uses them.
    run_nook 0 run --rm -v tmpvol:/t "$IMAGE" sh -c 'grep " /t " /proc/mounts'
    assert_match "^tmpfs /t tmpfs .*size=1024k" "$stdout_only"
    run_nook 0 run --rm -v bindvol:/b "$IMAGE" sh -c 'cat /b/file; echo via-volume >/b/v'
    is "$stdout_only" "from host"
    is "$(cat "$HOSTDIR/v")" "via-volume" "the bind-backed volume writes to its device"
    run_nook 0 volume rm -a
    assert_nothing_left
    assert_nothing_mounted
}

@test "volume create: bad names, options and drivers" {
    run_nook 125 volume create 'bad/name'
    is "$stderr_only" "Error: running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument"
    run_nook 125 volume create -o foo=bar v
    is "$stderr_only" "Error: invalid mount option foo for driver 'local': invalid argument"
    run_nook 125 volume create --driver foo v
    is "$stderr_only" "Error: volume v uses volume plugin foo but it could not be retrieved: no volume plugin with name foo available: required plugin missing"
    run_nook 125 volume create -o o=bind -o device=relative v
    assert_match "^Error: invalid mount option" "$stderr_only"
    run_nook 125 volume create -o size=1m v
    assert_match "^Error: volume options size and inodes not supported" "$stderr_only"
    assert_nothing_left
}

@test "volume rm and prune: in use refused (exit 2), -f removes the users, missing exits 1" {
    run_nook 0 create --name user -v busy:/b "$IMAGE" true
    local cid=$stdout_only
    run_nook 2 volume rm busy
    is "$stderr_only" "Error: volume busy is being used by the following container(s): $cid: volume is being used"
    run_nook 1 volume rm nosuch
    is "$stderr_only" 'Error: no volume with name "nosuch" found: no such volume'
    run_nook 0 volume create free
    run_nook 2 volume rm nosuch free busy
    is "$stdout_only" "free"
    is "$stderr_only" "Error: no volume with name \"nosuch\" found: no such volume
Error: volume busy is being used by the following container(s): $cid: volume is being used"
    run_nook 125 volume rm
    run_nook 125 volume rm -t 3 busy
    assert_match "force" "$stderr_only"

    run_nook 0 volume create --label keep=yes kept
    run_nook 0 volume create gone
    run_nook 0 volume prune -f --filter label!=keep
    is "$stdout_only" "gone" "prune with a filter; busy is in use"
    run_nook 0 volume prune <<<"n"
    assert_match "WARNING! This will remove all volumes not used by at least one container" "$stdout_only"
    run_nook 0 volume exists kept
    run_nook 0 volume prune <<<"y"
    assert_match "kept" "$stdout_only"
    run_nook 1 volume exists kept

    run_nook 0 volume rm -f busy
    is "$stdout_only" "busy"
    run_nook 0 ps -a -q
    is "$stdout_only" "" "volume rm -f removed the container using it"
    assert_nothing_left
}

@test "volume export and import: a tar round trip through a file and stdin" {
    run_nook 0 run --rm -v src:/v "$IMAGE" sh -c 'mkdir -p /v/d; echo one >/v/d/f; chown 5:6 /v/d/f'
    run_nook 0 volume export src -o "$BATS_TEST_TMPDIR/v.tar"
    tar -tf "$BATS_TEST_TMPDIR/v.tar" | grep -q 'd/f' || die "the tar lacks d/f"
    run_nook 0 volume create dst
    run_nook 0 volume import dst "$BATS_TEST_TMPDIR/v.tar"
    run_nook 0 run --rm -v dst:/v "$IMAGE" sh -c 'cat /v/d/f; stat -c %u:%g /v/d/f'
    is "$stdout_only" "one
5:6" "content and owner"
    run_nook 0 volume create piped
    "$NOOK" volume export src | "$NOOK" volume import piped - || die "export | import -"
    run_nook 0 run --rm -v piped:/v "$IMAGE" cat /v/d/f
    is "$stdout_only" "one"
    run_nook 125 volume export nosuch -o "$BATS_TEST_TMPDIR/x.tar"
    is "$stderr_only" "Error: no such volume nosuch"
    run_nook 125 volume import dst "$BATS_TEST_TMPDIR/nosuch.tar"
    is "$stderr_only" "Error: open $BATS_TEST_TMPDIR/nosuch.tar: no such file or directory"
    run_nook 125 volume import nosuch "$BATS_TEST_TMPDIR/v.tar"
    is "$stderr_only" "Error: no such volume nosuch"
    run_nook 0 volume rm src dst piped
    assert_nothing_left
}

@test "bad mount specs: podman's messages, exit 125, nothing left" {
    run_nook 125 run --rm -v a:b:c:d "$IMAGE" true
    is "$stderr_only" 'Error: "a:b:c:d": incorrect volume format, should be [host-dir:]ctr-dir[:option]'
    run_nook 125 run --rm -v "$HOSTDIR:rel" "$IMAGE" true
    is "$stderr_only" 'Error: invalid container path "rel", must be an absolute path'
    run_nook 125 run --rm -v "$HOSTDIR:/x:foo" "$IMAGE" true
    is "$stderr_only" 'Error: invalid option type "foo"'
    run_nook 125 run --rm -v "$HOSTDIR:/x:ro,rw" "$IMAGE" true
    assert_match "can only specify 1 'rw' or 'ro' option" "$stderr_only"
    run_nook 125 run --rm -v "$HOSTDIR:/x" --tmpfs /x "$IMAGE" true
    is "$stderr_only" "Error: /x: duplicate mount destination"
    run_nook 125 run --rm -v vol:/x -v vol:/x "$IMAGE" true
    is "$stderr_only" "Error: /x: duplicate mount destination"
    run_nook 125 run --rm --mount src=/tmp,dst=/x "$IMAGE" true
    is "$stderr_only" "Error: invalid mount option: must have a type"
    run_nook 125 run --rm --mount type=foo,dst=/x "$IMAGE" true
    is "$stderr_only" 'Error: invalid filesystem type "foo"'
    run_nook 125 run --rm --mount type=bind,dst=/x "$IMAGE" true
    is "$stderr_only" "Error: must set source volume"
    run_nook 125 run --rm --tmpfs /t:bogus "$IMAGE" true
    assert_match "invalid mount option" "$stderr_only"
    run_nook 125 run --rm -v 'bad!name:/x' "$IMAGE" true
    assert_match "names must match" "$stderr_only"
    run_nook 125 run --rm -v "vol:/x:idmap" "$IMAGE" true
    assert_match "^Error: /x: idmapped mounts .* are not supported" "$stderr_only"
    run_nook 125 run --rm -v "$HOSTDIR:/x:O,ro" "$IMAGE" true
    assert_match "^Error: " "$stderr_only"
    assert_nothing_left
    assert_nothing_mounted
}

@test "a detached container's mounts go away with it" {
    run_nook 0 run -d --name bg -v "$HOSTDIR:/h" -v bgvol:/v --tmpfs /t "$IMAGE" sleep 100
    run_nook 0 stop -t 0 bg
    assert_nothing_mounted
    run_nook 0 rm bg
    run_nook 0 volume rm bgvol
    assert_nothing_left
}
