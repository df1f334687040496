#!/usr/bin/env bats
# nook save / load (and pulls from the oci: transport) as the unprivileged test user: round trips
# in every format, several images in one archive, stdin/stdout, skopeo as the independent reader
# of what we write, and bad input.

load helpers

REG=$NOOK_TEST_REGISTRY

# The diff ids of REF as skopeo sees them on the registry (registry_config, config_id: helpers.bash).
diff_ids() { registry_config "$1" | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["rootfs"]["diff_ids"]))'; }

# Runs nook with a second store (inside XDG_DATA_HOME, so nook_teardown removes it).
in_store2() { XDG_DATA_HOME=$XDG_DATA_HOME/store2 run_nook "$@"; }

pull() { run_nook 0 pull -q --tls-verify=false "$REG/$1"; }

@test "save/load: docker-archive round trip keeps the image id and the name" {
    pull multilayer:latest
    local id=$stdout_only
    run_nook 0 save -o "$BATS_TEST_TMPDIR/ml.tar" "$REG/multilayer:latest"
    is "$stdout_only" "" "save prints nothing on stdout"
    tar -tf "$BATS_TEST_TMPDIR/ml.tar" | grep -qx manifest.json || die "no manifest.json in the archive"
    in_store2 0 load -i "$BATS_TEST_TMPDIR/ml.tar"
    assert_line "Loaded image: $REG/multilayer:latest"
    assert_line --partial "Copying config sha256:$id"
    in_store2 0 images -q --no-trunc
    is "$stdout_only" "sha256:$id" "loaded image id"
    # The loaded image saves again to the same layer tars (tar-split records were written).
    in_store2 0 save -o "$BATS_TEST_TMPDIR/again.tar" "$REG/multilayer:latest"
    local a b
    a=$(tar -xOf "$BATS_TEST_TMPDIR/ml.tar" manifest.json)
    b=$(tar -xOf "$BATS_TEST_TMPDIR/again.tar" manifest.json)
    is "$b" "$a" "manifest.json of the second save"
    cmp <(tar -xOf "$BATS_TEST_TMPDIR/ml.tar" --wildcards '*.tar') <(tar -xOf "$BATS_TEST_TMPDIR/again.tar" --wildcards '*.tar') ||
        die "layer tars differ after load + save"
}

@test "save/load: docker-archive layers are the original diff ids" {
    pull multilayer:docker
    run_nook 0 save -o "$BATS_TEST_TMPDIR/ml.tar" "$REG/multilayer:docker"
    mkdir "$BATS_TEST_TMPDIR/x"
    tar -C "$BATS_TEST_TMPDIR/x" -xf "$BATS_TEST_TMPDIR/ml.tar"
    local want got=""
    want=$(diff_ids "$REG/multilayer:docker")
    local f
    for f in $(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))[0]["Layers"]))' "$BATS_TEST_TMPDIR/x/manifest.json"); do
        got+="sha256:$(sha256sum <"$BATS_TEST_TMPDIR/x/$f" | cut -d' ' -f1)"$'\n'
    done
    is "${got%$'\n'}" "$want" "sha256 of the saved layer tars"
    is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["RepoTags"][0])' "$BATS_TEST_TMPDIR/x/manifest.json")" \
        "$REG/multilayer:docker" "RepoTags"
}

@test "save/load: oci-archive through stdout and stdin" {
    pull busybox:latest
    local id=$stdout_only
    "$NOOK" save --format oci-archive "$REG/busybox:latest" >"$BATS_TEST_TMPDIR/bb.tar" || die "save to stdout failed"
    tar -tf "$BATS_TEST_TMPDIR/bb.tar" | grep -qx oci-layout || die "no oci-layout in the archive"
    in_store2 0 load <"$BATS_TEST_TMPDIR/bb.tar"
    assert_line "Loaded image: $REG/busybox:latest"
    in_store2 0 images -q --no-trunc
    is "$stdout_only" "sha256:$id"
}

@test "save/load: docker-archive through a pipe, -q" {
    pull busybox:latest
    local id=$stdout_only
    "$NOOK" save "$REG/busybox:latest" | XDG_DATA_HOME=$XDG_DATA_HOME/store2 "$NOOK" load -q >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" ||
        die "save | load failed: $(cat "$BATS_TEST_TMPDIR/err")"
    is "$(cat "$BATS_TEST_TMPDIR/out")" "Loaded image: $REG/busybox:latest"
    is "$(cat "$BATS_TEST_TMPDIR/err")" "" "load -q prints nothing on stderr"
}

@test "save/load: several images in one archive (-m), and extra tags without -m" {
    pull busybox:latest
    local bb=$stdout_only
    pull multilayer:latest
    local ml=$stdout_only
    run_nook 0 save -m -o "$BATS_TEST_TMPDIR/two.tar" "$REG/busybox:latest" "$REG/multilayer:latest"
    in_store2 0 load -i "$BATS_TEST_TMPDIR/two.tar"
    assert_line "Loaded image: $REG/busybox:latest"
    assert_line "Loaded image: $REG/multilayer:latest"
    in_store2 0 images -q --no-trunc
    is "$(sort <<<"$stdout_only")" "$(printf 'sha256:%s\n' "$bb" "$ml" | sort)"

    run_nook 0 save -o "$BATS_TEST_TMPDIR/tags.tar" "$REG/busybox:latest" extra/name:v1
    XDG_DATA_HOME=$XDG_DATA_HOME/store3 run_nook 0 load -i "$BATS_TEST_TMPDIR/tags.tar"
    assert_line "Loaded image: $REG/busybox:latest"
    assert_line "Loaded image: docker.io/extra/name:v1"
}

@test "save: oci-dir is read by skopeo with the same config and the diff ids as layers" {
    pull multilayer:latest
    local id=$stdout_only
    run_nook 0 save --format oci-dir -o "$BATS_TEST_TMPDIR/layout" "$REG/multilayer:latest"
    is "$(skopeo inspect --config --raw "oci:$BATS_TEST_TMPDIR/layout" | sha256sum | cut -d' ' -f1)" "$id" "config digest"
    local layers
    layers=$(skopeo inspect "oci:$BATS_TEST_TMPDIR/layout" | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["Layers"]))')
    is "$layers" "$(diff_ids "$REG/multilayer:latest")" "layer digests are the diff ids"
    # skopeo can copy it on (it verifies every blob).
    skopeo copy -q "oci:$BATS_TEST_TMPDIR/layout" "dir:$BATS_TEST_TMPDIR/copied" || die "skopeo copy of our layout failed"
}

@test "save: docker-dir and --compress" {
    pull busybox:latest
    local id=$stdout_only
    run_nook 0 save --format docker-dir --compress -o "$BATS_TEST_TMPDIR/d" "$REG/busybox:latest"
    [[ -f $BATS_TEST_TMPDIR/d/manifest.json && -f $BATS_TEST_TMPDIR/d/version ]] || die "not a dir: layout"
    is "$(skopeo inspect --config --raw "dir:$BATS_TEST_TMPDIR/d" | sha256sum | cut -d' ' -f1)" "$id"
    skopeo copy -q "dir:$BATS_TEST_TMPDIR/d" "oci:$BATS_TEST_TMPDIR/o:x" || die "skopeo could not read our dir: layout"
    run_nook 125 save --compress -o "$BATS_TEST_TMPDIR/x.tar" "$REG/busybox:latest"
    assert_output --partial "--compress can only be set when --format is"
}

@test "pull oci: from skopeo's layout of the fixtures, then save it back" {
    local want
    want=$(skopeo inspect --config --raw "oci:$NOOK_TEST_OCI_LAYOUT:busybox" | sha256sum | cut -d' ' -f1)
    run_nook 0 pull -q "oci:$NOOK_TEST_OCI_LAYOUT:busybox"
    is "$stdout_only" "$want" "id of the image pulled from the layout"
    run_nook 0 save --format oci-dir -o "$BATS_TEST_TMPDIR/back" "$want"
    is "$(skopeo inspect --config --raw "oci:$BATS_TEST_TMPDIR/back" | sha256sum | cut -d' ' -f1)" "$want"
}

@test "load: skopeo's oci-archive of the fixture layout; saved back, skopeo sees the same image" {
    local want
    want=$(skopeo inspect --config --raw "oci:$NOOK_TEST_OCI_LAYOUT:multilayer" | sha256sum | cut -d' ' -f1)
    skopeo copy -q "oci:$NOOK_TEST_OCI_LAYOUT:multilayer" "oci-archive:$BATS_TEST_TMPDIR/ml.tar:multilayer" ||
        die "skopeo copy failed"
    run_nook 0 load -i "$BATS_TEST_TMPDIR/ml.tar"
    assert_line "Loaded image: localhost/multilayer:latest"
    run_nook 0 images -q --no-trunc
    is "$stdout_only" "sha256:$want" "id of the loaded image"
    run_nook 0 save --format oci-dir -o "$BATS_TEST_TMPDIR/back" localhost/multilayer
    is "$(skopeo inspect --config --raw "oci:$BATS_TEST_TMPDIR/back" | sha256sum | cut -d' ' -f1)" "$want" "config digest"
    local layers want_layers
    layers=$(skopeo inspect "oci:$BATS_TEST_TMPDIR/back" | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["Layers"]))')
    want_layers=$(skopeo inspect --config --raw "oci:$NOOK_TEST_OCI_LAYOUT:multilayer" |
        python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["rootfs"]["diff_ids"]))')
    is "$layers" "$want_layers" "saved layers are the diff ids"
}

# evil_archive DIR KIND: writes DIR/evil.tar, a docker-archive whose one layer attacks the
# store: "dotdot" (../../escaped.txt), "symlink" (a link to DIR, then a file through it),
# "hardlink" (a hard link to DIR/secret) or "hardlink-up" (a hard link to ../../../../secret).
evil_archive() {
    python3 - "$1" "$2" <<'EOF'
import hashlib, io, json, sys, tarfile
d, kind = sys.argv[1], sys.argv[2]
buf = io.BytesIO()
data = b"owned\n"
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    if kind == "dotdot":
        info = tarfile.TarInfo("../../escaped.txt"); info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    elif kind == "symlink":
        link = tarfile.TarInfo("link"); link.type = tarfile.SYMTYPE; link.linkname = d
        t.addfile(link)
        info = tarfile.TarInfo("link/escaped.txt"); info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    elif kind == "hardlink":  # an absolute target names a path inside the layer
        info = tarfile.TarInfo("stolen"); info.type = tarfile.LNKTYPE; info.linkname = d + "/secret"
        t.addfile(info)
    elif kind == "hardlink-up":
        info = tarfile.TarInfo("stolen"); info.type = tarfile.LNKTYPE; info.linkname = "../../../../secret"
        t.addfile(info)
layer = buf.getvalue()
diff = "sha256:" + hashlib.sha256(layer).hexdigest()
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                     "rootfs": {"type": "layers", "diff_ids": [diff]}}).encode()
cid = hashlib.sha256(config).hexdigest()
with tarfile.open(d + "/evil.tar", "w") as t:
    for name, data in ((cid + ".json", config), ("layer.tar", layer),
                       ("manifest.json", json.dumps([{"Config": cid + ".json", "RepoTags": ["evil:latest"], "Layers": ["layer.tar"]}]).encode())):
        info = tarfile.TarInfo(name); info.size = len(data)
        t.addfile(info, io.BytesIO(data))
EOF
}

@test "load: hostile layers (../ paths, a symlinked parent, a hard link out) fail clearly and leave no image" {
    local d=$BATS_TEST_TMPDIR/evil kind
    mkdir -p "$d"
    echo "secret" >"$d/secret"
    for kind in dotdot symlink hardlink hardlink-up; do
        evil_archive "$d" "$kind"
        run_nook 125 load -i "$d/evil.tar"
        case $kind in
            dotdot) assert_output --partial "leaves the layer directory" ;;
            symlink) assert_output --partial "goes through a symlink" ;;
            hardlink) assert_output --partial "hard link target \"$d/secret\" was not extracted" ;;
            hardlink-up) assert_output --partial "leaves the layer directory" ;;
        esac
        [[ ! -e $BATS_TEST_TMPDIR/escaped.txt && ! -e $d/escaped.txt ]] || die "$kind: a file escaped"
        is "$(cat "$d/secret")" "secret" "$kind: the outside file is untouched"
        run_nook 0 images -q
        is "$stdout_only" "" "$kind: no image after a failed load"
        [[ -z $(ls -A "$XDG_DATA_HOME/nook/staging" 2>/dev/null) ]] || die "$kind: staging left behind"
    done
}

@test "load: a truncated archive fails cleanly" {
    pull busybox:latest
    run_nook 0 save -o "$BATS_TEST_TMPDIR/bb.tar" "$REG/busybox:latest"
    head -c 300000 "$BATS_TEST_TMPDIR/bb.tar" >"$BATS_TEST_TMPDIR/cut.tar"
    in_store2 125 load -i "$BATS_TEST_TMPDIR/cut.tar"
    assert_output --regexp "Error: .+"
    in_store2 0 images -q
    is "$stdout_only" "" "no image after a failed load"
    in_store2 125 load -i "$BATS_TEST_TMPDIR/nonexistent.tar"
}

@test "save: a missing image exits 125 with podman's message; a terminal is refused" {
    run_nook 125 save -o "$BATS_TEST_TMPDIR/x.tar" nosuchimage
    is "$stderr_only" "Error: nosuchimage: image not known"
    [[ ! -e $BATS_TEST_TMPDIR/x.tar ]] || die "save left a file behind"
    run_nook 125 save --format bogus -o "$BATS_TEST_TMPDIR/x.tar" nosuchimage
    assert_output --partial "unsupported format"
    if command -v script >/dev/null; then
        pull busybox:latest
        run script -qec "$NOOK save $REG/busybox:latest" /dev/null
        [[ $output == *"refusing to save to terminal. Use -o flag or redirect"* ]] || die "terminal not refused: $output"
    fi
}
