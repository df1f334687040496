#!/usr/bin/env bats
# nook push as the unprivileged test user: to the plain and the TLS registry (skopeo reads back
# what we wrote), skipping blobs the registry has, and to the non-registry transports.

load helpers

REG=$NOOK_TEST_REGISTRY
TLS=$NOOK_TEST_REGISTRY_TLS

diff_ids() { python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["rootfs"]["diff_ids"]))'; }

# A repository name no other test uses.
fresh_repo() { echo "pushed/$(basename "$BATS_TEST_TMPDIR")-$RANDOM$RANDOM"; }

@test "push: to the plain registry; skopeo reads back the same config and diff ids" {
    run_nook 0 pull -q --tls-verify=false "$REG/multilayer:latest"
    local id=$stdout_only
    local dest
    dest=$REG/$(fresh_repo):v1
    run_nook 0 push --tls-verify=false --digestfile "$BATS_TEST_TMPDIR/digest" "$REG/multilayer:latest" "docker://$dest"
    is "$stdout_only" "" "push prints nothing on stdout"
    assert_line "Getting image source signatures"
    assert_line "Copying config sha256:$id"
    assert_line "Writing manifest to image destination"
    local raw
    raw=$(skopeo inspect --tls-verify=false --raw "docker://$dest")
    is "sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)" "$(cat "$BATS_TEST_TMPDIR/digest")" "--digestfile"
    is "$(registry_config "$dest" | sha256sum | cut -d' ' -f1)" "$id" "config digest on the registry"
    # An independent copy back verifies every blob against the manifest and the diff ids.
    skopeo copy -q --src-tls-verify=false "docker://$dest" "oci:$BATS_TEST_TMPDIR/peer:x" || die "skopeo copy failed"
    is "$(skopeo inspect --config --raw "oci:$BATS_TEST_TMPDIR/peer:x" | sha256sum | cut -d' ' -f1)" "$id"
    is "$(registry_config "$dest" | diff_ids)" "$(registry_config "$REG/multilayer:latest" | diff_ids)" "diff ids"
}

@test "push: the same image twice skips the blobs the second time" {
    run_nook 0 pull -q --tls-verify=false "$REG/busybox:latest"
    # Loaded images have no compressed blob on record: the layers are compressed afresh
    # (deterministically), so the second push finds them on the registry.
    run_nook 0 save -o "$BATS_TEST_TMPDIR/bb.tar" "$REG/busybox:latest"
    XDG_DATA_HOME=$XDG_DATA_HOME/store2 run_nook 0 load -q -i "$BATS_TEST_TMPDIR/bb.tar"
    local dest
    dest=$REG/$(fresh_repo):v1
    XDG_DATA_HOME=$XDG_DATA_HOME/store2 run_nook 0 push --tls-verify=false "$REG/busybox:latest" "$dest"
    assert_line --regexp "^Copying blob sha256:[0-9a-f]{64}$"
    XDG_DATA_HOME=$XDG_DATA_HOME/store2 run_nook 0 push --tls-verify=false "$REG/busybox:latest" "$dest"
    assert_line --regexp "^Copying blob sha256:[0-9a-f]{64} skipped: already exists$"
    # A pulled image reuses the blob it was pulled as: already on the registry.
    run_nook 0 push --tls-verify=false "$REG/busybox:latest" "$REG/busybox:latest"
    assert_line --regexp "^Copying blob sha256:[0-9a-f]{64} skipped: already exists$"
    is "$(registry_config "$dest" | sha256sum | cut -d' ' -f1)" "$(registry_config "$REG/busybox:latest" | sha256sum | cut -d' ' -f1)"
}

@test "push: to the TLS registry with --creds, --format v2s2" {
    run_nook 0 pull -q --tls-verify=false "$REG/multilayer:docker"
    local id=$stdout_only
    local dest
    dest=$TLS/$(fresh_repo):v2
    run_nook 125 push --cert-dir "$NOOK_TEST_CERTS_D/$TLS" --creds "$NOOK_TEST_REGISTRY_USER:wrong" "$REG/multilayer:docker" "$dest"
    run_nook 0 push -q --format v2s2 --cert-dir "$NOOK_TEST_CERTS_D/$TLS" \
        --creds "$NOOK_TEST_REGISTRY_USER:$NOOK_TEST_REGISTRY_PASSWORD" "$REG/multilayer:docker" "$dest"
    is "$output" "" "-q prints nothing"
    local creds=$NOOK_TEST_REGISTRY_USER:$NOOK_TEST_REGISTRY_PASSWORD
    local raw
    raw=$(skopeo inspect --cert-dir "$NOOK_TEST_CERTS_D/$TLS" --creds "$creds" --raw "docker://$dest")
    [[ $raw == *'"mediaType":"application/vnd.docker.distribution.manifest.v2+json"'* ]] || die "not a v2s2 manifest: $raw"
    is "$(skopeo inspect --cert-dir "$NOOK_TEST_CERTS_D/$TLS" --creds "$creds" --config --raw "docker://$dest" | sha256sum | cut -d' ' -f1)" "$id"
}

@test "push: to oci:, oci-archive:, docker-archive: and dir: destinations" {
    run_nook 0 pull -q --tls-verify=false "$REG/busybox:latest"
    local id=$stdout_only
    run_nook 0 push -q "$REG/busybox:latest" "oci:$BATS_TEST_TMPDIR/layout:mytag"
    is "$(skopeo inspect --config --raw "oci:$BATS_TEST_TMPDIR/layout:mytag" | sha256sum | cut -d' ' -f1)" "$id" "oci:"
    run_nook 0 push -q "$REG/busybox:latest" "oci-archive:$BATS_TEST_TMPDIR/o.tar:mytag"
    is "$(skopeo inspect --config --raw "oci-archive:$BATS_TEST_TMPDIR/o.tar:mytag" | sha256sum | cut -d' ' -f1)" "$id" "oci-archive:"
    run_nook 0 push -q "$REG/busybox:latest" "docker-archive:$BATS_TEST_TMPDIR/d.tar:foo/bar:1"
    is "$(skopeo inspect --config --raw "docker-archive:$BATS_TEST_TMPDIR/d.tar" | sha256sum | cut -d' ' -f1)" "$id" "docker-archive:"
    run_nook 0 push -q --compress "$REG/busybox:latest" "dir:$BATS_TEST_TMPDIR/dir"
    is "$(skopeo inspect --config --raw "dir:$BATS_TEST_TMPDIR/dir" | sha256sum | cut -d' ' -f1)" "$id" "dir:"
}

@test "push: bad input" {
    run_nook 125 push --tls-verify=false nosuchimage "$REG/x:y"
    is "$stderr_only" "Error: nosuchimage: image not known"
    run_nook 0 pull -q --tls-verify=false "$REG/busybox:latest"
    run_nook 125 push --tls-verify=false --format v2s2 --compression-format zstd "$REG/busybox:latest" "$REG/$(fresh_repo):z"
    assert_output --partial "zstd"
    run_nook 125 push --tls-verify=false --format bogus "$REG/busybox:latest" "$REG/x:y"
    assert_output --partial "unsupported manifest type"
}
