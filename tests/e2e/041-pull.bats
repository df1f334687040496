#!/usr/bin/env bats
# nook pull as the unprivileged test user, against the loopback registries: every fixture image,
# the unpacked trees, authentication, platforms, progress output, concurrency, interruption and
# bad input.

load helpers

REG=$NOOK_TEST_REGISTRY

# image_tree IMAGE OUT: writes the unpacked root filesystem of IMAGE, as seen inside the user
# namespace, in the expected-tree format to OUT. Overlay stores are mounted (userxattr) in a
# private mount namespace; vfs stores have the whole tree in the top layer.
image_tree() {
    local image=$1 out=$2
    run_nook 0 image inspect --format '{{json .GraphDriver}}' "$image"
    local driver upper lower
    driver=$(jq -r .Name <<<"$stdout_only")
    upper=$(jq -r .Data.UpperDir <<<"$stdout_only")
    lower=$(jq -r '.Data.LowerDir // ""' <<<"$stdout_only")
    local tree=$NOOK_TEST_FIXTURES/tree.py
    if [[ $driver == vfs || -z $lower ]]; then
        # vfs: the top layer holds the whole tree; overlay with one layer: that layer is the tree.
        "$NOOK" unshare python3 "$tree" scan "$upper" >"$out" || die "scan failed"
        return
    fi
    local merged=$BATS_TEST_TMPDIR/merged lowers=$upper
    [[ -n $lower ]] && lowers=$upper:$lower
    mkdir -p "$merged"
    "$NOOK" unshare sh -c 'mount -t overlay -o "lowerdir=$1,userxattr" overlay "$2" && python3 "$3" scan "$2"' \
        sh "$lowers" "$merged" "$tree" >"$out" || die "mounting or scanning the overlay failed"
}

assert_image_tree() {
    local image=$1 expected=$2
    image_tree "$image" "$BATS_TEST_TMPDIR/actual.tree"
    local diffs
    if ! diffs=$(python3 "$NOOK_TEST_FIXTURES/tree.py" diff "$expected" "$BATS_TEST_TMPDIR/actual.tree"); then
        die "tree of $image differs from $expected:" "$(head -n 40 <<<"$diffs")"
    fi
}

@test "pull: every fixture image from the plain registry, ids equal the config digests" {
    local ref
    for ref in $NOOK_TEST_IMAGES; do
        [[ $ref == big:* ]] && continue   # pulled in its own test
        run_nook 0 pull -q --tls-verify=false "$REG/$ref"
        is "$stdout_only" "$(config_id "$REG/$ref")" "id of $ref"
        is "$stderr_only" "" "-q prints nothing on stderr"
    done
    # The same config under several names (busybox in OCI, docker and zstd form) is one image
    # with several names.
    run_nook 0 images --format '{{.Repository}}:{{.Tag}}'
    for ref in $NOOK_TEST_IMAGES; do
        [[ $ref == big:* ]] || assert_line "$REG/$ref"
    done
}

@test "pull: multilayer's unpacked tree equals its expectation (overlay)" {
    run_nook 0 pull -q --tls-verify=false "$REG/multilayer:latest"
    run_nook 0 info --format '{{.Store.GraphDriverName}}'
    is "$stdout_only" "overlay" "driver"
    assert_image_tree "$REG/multilayer:latest" "$(expected_tree multilayer)"
    # The docker-format copy of the same image unpacks to the same tree.
    run_nook 0 pull -q --tls-verify=false "$REG/multilayer:docker"
    assert_image_tree "$REG/multilayer:docker" "$(expected_tree multilayer)"
}

@test "pull: vfs stores apply whiteouts by deletion and give the same tree" {
    run_nook 0 --storage-driver vfs pull -q --tls-verify=false "$REG/multilayer:latest"
    assert_image_tree "$REG/multilayer:latest" "$(expected_tree multilayer)"
    run_nook 0 --storage-driver vfs pull -q --tls-verify=false "$REG/busybox:zstd"
    assert_image_tree "$REG/busybox:zstd" "$(expected_tree busybox)"
}

@test "pull: the big image unpacks completely" {
    run_nook 0 pull -q --tls-verify=false "$REG/big:latest"
    is "$stdout_only" "$(config_id "$REG/big:latest")" "id"
    assert_image_tree "$REG/big:latest" "$NOOK_TEST_FIXTURES/expected/big.tree"
}

@test "pull: platforms of a multi-arch image" {
    run_nook 0 pull -q --tls-verify=false --platform linux/arm64 "$REG/multiarch:latest"
    local arm=$stdout_only
    run_nook 0 image inspect --format '{{.Architecture}}' "$arm"
    is "$stdout_only" "arm64" "architecture"
    run_nook 0 pull -q --tls-verify=false --arch amd64 "$REG/multiarch:docker"
    run_nook 0 image inspect --format '{{.Architecture}}' "$REG/multiarch:docker"
    is "$stdout_only" "amd64" "architecture"
    assert_image_tree "$REG/multiarch:docker" "$(expected_tree multiarch amd64)"
    run_nook 125 pull -q --tls-verify=false --platform linux/s390x "$REG/multiarch:latest"
    assert_match 'Error: .*no image found in image index for architecture "s390x"' "$stderr_only"
    run_nook 125 pull --tls-verify=false --platform linux/arm64 --arch amd64 "$REG/multiarch:latest"
    assert_match "Error: --platform option can not be specified with --arch or --os" "$stderr_only"
}

@test "pull: by digest, and short names through registries.conf" {
    local digest
    digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REG/busybox:latest")
    run_nook 0 pull -q --tls-verify=false "$REG/busybox@$digest"
    run_nook 0 image inspect --format '{{json .RepoDigests}}' "$stdout_only"
    assert_match "$REG/busybox@$digest" "$stdout_only"

    mkdir -p "$XDG_CONFIG_HOME/containers"
    cat >"$XDG_CONFIG_HOME/containers/registries.conf" <<CONF
unqualified-search-registries = ["$REG"]
[[registry]]
location = "$REG"
insecure = true
CONF
    run_nook 0 pull nested/deeper/busybox
    assert_match "Trying to pull $REG/nested/deeper/busybox:latest\.\.\." "$stderr_only"
    run_nook 0 images --format '{{.Repository}}:{{.Tag}}'
    assert_line "$REG/nested/deeper/busybox:latest"
}

@test "pull: --all-tags pulls every tag of the repository" {
    run_nook 0 pull -q --all-tags --tls-verify=false "$REG/multilayer"
    is "$(grep -c . <<<"$stdout_only")" "2" "one id per tag"
    run_nook 0 images --format '{{.Repository}}:{{.Tag}}'
    assert_line "$REG/multilayer:latest"
    assert_line "$REG/multilayer:docker"
    run_nook 125 pull --all-tags --tls-verify=false "$REG/multilayer:latest"
    assert_match "Error: tag can't be used with --all-tags/-a" "$stderr_only"
}

@test "pull: progress lines on stderr, the id alone on stdout, skipped blobs on a re-pull" {
    run_nook 0 pull --tls-verify=false "$REG/multilayer:latest"
    is "$(grep -c . <<<"$stdout_only")" "1" "one line on stdout"
    assert_match '^[0-9a-f]{64}$' "$stdout_only"
    assert_match "Trying to pull $REG/multilayer:latest\.\.\." "$stderr_only"
    assert_match "Getting image source signatures" "$stderr_only"
    assert_match "Copying blob sha256:[0-9a-f]{64}" "$stderr_only"
    assert_match "Copying config sha256:[0-9a-f]{64}" "$stderr_only"
    assert_match "Writing manifest to image destination" "$stderr_only"
    run_nook 0 pull --tls-verify=false "$REG/multilayer:latest"
    assert_match "Copying blob sha256:[0-9a-f]{64} skipped: already exists" "$stderr_only"
}

@test "pull: the TLS registry with credentials, and without" {
    local tls=$NOOK_TEST_REGISTRY_TLS
    run_nook 0 pull -q --cert-dir "$NOOK_TEST_CERTS_D/$tls" \
        --creds "$NOOK_TEST_REGISTRY_USER:$NOOK_TEST_REGISTRY_PASSWORD" "$tls/busybox:latest"
    is "$stdout_only" "$(config_id "$REG/busybox:latest")" "same image as on the plain registry"
    run_nook 0 pull -q --cert-dir "$NOOK_TEST_CERTS_D/$tls" --authfile "$NOOK_TEST_AUTHFILE" "$tls/multilayer:docker"
    run_nook 125 pull -q --cert-dir "$NOOK_TEST_CERTS_D/$tls" "$tls/multilayer:latest"
    assert_match "Error: initializing source docker://$tls/multilayer:latest: .*(authentication required|unauthorized)" "$stderr_only"
    run_nook 125 pull -q --cert-dir "$NOOK_TEST_CERTS_D/$tls" --creds "$NOOK_TEST_REGISTRY_USER:wrong" "$tls/multilayer:latest"
    assert_match "Error: .*(invalid username/password|unauthorized|authentication required)" "$stderr_only"
    # No CA: the certificate cannot be verified.
    run_nook 125 pull -q --creds "$NOOK_TEST_REGISTRY_USER:$NOOK_TEST_REGISTRY_PASSWORD" "$tls/busybox:latest"
    assert_match "Error: .*certificate" "$stderr_only"
}

@test "pull: bad references and missing images" {
    run_nook 125 pull "$REG/BAD::ref"
    assert_match "^Error: .*invalid reference format" "$stderr_only"
    run_nook 125 pull ""
    assert_match "^Error: " "$stderr_only"
    run_nook 125 pull -q --tls-verify=false "$REG/busybox:nosuchtag"
    assert_match "^Error: initializing source docker://$REG/busybox:nosuchtag: .*manifest unknown" "$stderr_only"
    run_nook 125 pull -q --tls-verify=false "$REG/nosuchrepo:latest"
    assert_match "^Error: initializing source docker://$REG/nosuchrepo:latest: " "$stderr_only"
    run_nook 125 pull -q --tls-verify=false "127.0.0.1:1/busybox:latest"
    assert_match "^Error: initializing source docker://127.0.0.1:1/busybox:latest: .*(refused|connect)" "$stderr_only"
    run_nook 0 images -q
    is "$stdout_only" "" "nothing was stored"
}

@test "pull: 20 concurrent pulls of overlapping images leave a consistent store" {
    local pids=() i refs=(busybox:latest multilayer:latest busybox:docker nested/deeper/busybox:latest multilayer:docker)
    for i in $(seq 0 19); do
        "$NOOK" pull -q --tls-verify=false "$REG/${refs[i % 5]}" >"$BATS_TEST_TMPDIR/pull.$i.out" 2>&1 &
        pids+=($!)
    done
    for i in "${!pids[@]}"; do
        wait "${pids[i]}" || die "pull $i failed:" "$(cat "$BATS_TEST_TMPDIR/pull.$i.out")"
    done
    local ref
    for ref in "${refs[@]}"; do
        run_nook 0 image exists "$REG/$ref"
    done
    assert_image_tree "$REG/multilayer:latest" "$(expected_tree multilayer)"
    assert_image_tree "$REG/busybox:docker" "$(expected_tree busybox)"
    run_nook 0 unshare sh -c 'ls -A "$CONTAINERS_GRAPHROOT/staging" 2>/dev/null | grep -v "\.lock$" || true'
    is "$stdout_only" "" "no staging leftovers"
}

@test "pull: an interrupted pull leaves nothing the next command does not clean" {
    "$NOOK" pull -q --tls-verify=false "$REG/big:latest" >/dev/null 2>&1 &
    local pid=$!
    sleep 0.7
    kill -9 "$pid"
    wait "$pid" || true
    run_nook 0 images -q
    is "$stdout_only" "" "no image recorded"
    run_nook 0 pull -q --tls-verify=false "$REG/busybox:latest"
    run_nook 0 unshare sh -c 'ls -A "$CONTAINERS_GRAPHROOT/staging" | grep -v "\.lock$" || true'
    is "$stdout_only" "" "staging cleaned by the next writing command"
}

@test "pull: a full disk fails cleanly and keeps the store consistent" {
    local small=$BATS_TEST_TMPDIR/small
    mkdir -p "$small"
    # A 40 MB tmpfs, mounted in the user's own mount namespace (nook unshare), holds the whole
    # store; after the failed pull, the same store lists no image and keeps no staging data.
    run_nook 125 unshare sh -c '
        mount -t tmpfs -o size=40m tmpfs "$1" || exit 99
        "$2" --root "$1/root" --runroot "$1/run" pull -q --tls-verify=false "$3"; rc=$?
        echo "images:$("$2" --root "$1/root" --runroot "$1/run" images -q)"
        echo "staging:$(ls -A "$1/root/staging" | grep -v "\.lock$")"
        exit $rc' sh "$small" "$NOOK" "$REG/big:latest"
    assert_match "Error: .*(No space left on device|no space left on device)" "$stderr_only"
    assert_line "images:"
    assert_line "staging:"
}
