#!/usr/bin/env bats
# The test bed itself: the user, the devices, both registries and every fixture image, checked
# with independent tools (curl, skopeo, zstd, GNU tar) before any nook test relies on them.

load helpers

SKOPEO_POLICY=(--policy "$NOOK_TEST_POLICY")

# skopeo against the TLS registry, verified against the test CA, with the test credentials
tls_skopeo() {
    local cmd=$1
    shift
    skopeo "$cmd" --cert-dir "$NOOK_TEST_CERTS_D/$NOOK_TEST_REGISTRY_TLS" \
        --creds "$NOOK_TEST_REGISTRY_USER:$NOOK_TEST_REGISTRY_PASSWORD" "$@"
}

# media type of REPO:TAG's manifest on the plain registry
media_type_of() {
    skopeo inspect --raw --tls-verify=false "docker://$NOOK_TEST_REGISTRY/$1" | jq -r .mediaType
}

@test "the tests run as the unprivileged test user, without XDG_RUNTIME_DIR" {
    is "$(id -un)" "$NOOK_TEST_USER" "user name"
    is "$(id -u)" "$NOOK_TEST_UID" "uid"
    [[ $(id -u) -ne 0 ]] || die "running as root"
    is "$HOME" "/home/$NOOK_TEST_USER" "HOME"
    is "${XDG_RUNTIME_DIR-unset}" "unset" "XDG_RUNTIME_DIR"
    # nook_setup gave this test its own store and config
    is "$XDG_DATA_HOME" "$BATS_TEST_TMPDIR/data" "XDG_DATA_HOME"
    is "$XDG_CONFIG_HOME" "$BATS_TEST_TMPDIR/config" "XDG_CONFIG_HOME"
    is "$XDG_CACHE_HOME" "$BATS_TEST_TMPDIR/cache" "XDG_CACHE_HOME"
    [[ -d $XDG_DATA_HOME && -w $XDG_DATA_HOME ]] || die "XDG_DATA_HOME is not a writable directory"
}

@test "the env file defines every key" {
    local key
    for key in NOOK NOOK_TEST_USER NOOK_TEST_UID NOOK_TEST_SUBUID_START NOOK_TEST_SUBUID_COUNT \
        NOOK_TEST_SUBGID_START NOOK_TEST_SUBGID_COUNT NOOK_TEST_REGISTRY NOOK_TEST_REGISTRY_TLS \
        NOOK_TEST_REGISTRY_USER NOOK_TEST_REGISTRY_PASSWORD NOOK_TEST_CA NOOK_TEST_CERTS_D \
        NOOK_TEST_FIXTURES NOOK_TEST_IMAGES NOOK_TEST_IMAGES_TLS NOOK_TEST_AUTHFILE \
        NOOK_TEST_POLICY NOOK_TEST_OCI_LAYOUT NOOK_TEST_BUSYBOX; do
        [[ -n ${!key:-} ]] || die "$key is not set in $NOOK_E2E_DIR/env"
    done
    [[ -x $NOOK ]] || die "\$NOOK=$NOOK is not executable"
    is "$NOOK" "$NOOK_E2E_DIR/bin/nook" "NOOK"
    is "$NOOK_TEST_REGISTRY" "127\.0\.0\.1:[0-9]+" "plain registry address"
    is "$NOOK_TEST_REGISTRY_TLS" "127\.0\.0\.1:[0-9]+" "TLS registry address"
    [[ $NOOK_TEST_REGISTRY != "$NOOK_TEST_REGISTRY_TLS" ]] || die "both registries on one port"
    [[ -f $NOOK_TEST_CERTS_D/$NOOK_TEST_REGISTRY_TLS/ca.crt ]] || die "no certs.d entry for the TLS registry"
    cmp "$NOOK_TEST_CA" "$NOOK_TEST_CERTS_D/$NOOK_TEST_REGISTRY_TLS/ca.crt" || die "certs.d/ca.crt is not the CA"
    [[ -f $NOOK_TEST_OCI_LAYOUT/index.json ]] || die "no OCI layout at $NOOK_TEST_OCI_LAYOUT"
}

@test "the test user has subordinate id ranges and newuidmap can use them" {
    grep -qFx "$NOOK_TEST_USER:$NOOK_TEST_SUBUID_START:$NOOK_TEST_SUBUID_COUNT" /etc/subuid ||
        die "no line $NOOK_TEST_USER:$NOOK_TEST_SUBUID_START:$NOOK_TEST_SUBUID_COUNT in /etc/subuid" "$(cat /etc/subuid)"
    grep -qFx "$NOOK_TEST_USER:$NOOK_TEST_SUBGID_START:$NOOK_TEST_SUBGID_COUNT" /etc/subgid ||
        die "no line $NOOK_TEST_USER:$NOOK_TEST_SUBGID_START:$NOOK_TEST_SUBGID_COUNT in /etc/subgid" "$(cat /etc/subgid)"
    is "$(grep -c "^$NOOK_TEST_USER:" /etc/subuid)" "1" "lines for $NOOK_TEST_USER in /etc/subuid"
    [[ $NOOK_TEST_SUBUID_COUNT -ge 65536 ]] || die "subuid range too small: $NOOK_TEST_SUBUID_COUNT"
    # the ranges work: util-linux maps them through the setuid newuidmap/newgidmap
    run unshare --map-auto --map-root-user cat /proc/self/uid_map /proc/self/gid_map
    is "$status" 0 "unshare --map-auto exit code ($output)"
    assert_line --regexp "^ +0 +$NOOK_TEST_UID +1$"
    assert_line --regexp "^ +1 +$NOOK_TEST_SUBUID_START +[0-9]+$"
    assert_line --regexp "^ +1 +$NOOK_TEST_SUBGID_START +[0-9]+$"
}

@test "/dev/net/tun and /dev/fuse are character devices with mode 0666" {
    is "$(stat -c '%a %F %t:%T' /dev/net/tun)" "666 character special file a:c8" "/dev/net/tun"
    is "$(stat -c '%a %F %t:%T' /dev/fuse)" "666 character special file a:e5" "/dev/fuse"
    [[ -r /dev/net/tun && -w /dev/net/tun && -r /dev/fuse && -w /dev/fuse ]] || die "not accessible"
}

@test "plain registry: GET /v2/ is 200 with Docker-Distribution-API-Version" {
    run curl -sS -D - -o /dev/null "http://$NOOK_TEST_REGISTRY/v2/"
    is "$status" 0 "curl exit code"
    assert_line --regexp "^HTTP/[0-9.]+ 200"
    assert_line --regexp "^[Dd]ocker-[Dd]istribution-[Aa]pi-[Vv]ersion: registry/2\.0"
    # and it is plain HTTP only
    run curl -sS --max-time 5 -o /dev/null "https://$NOOK_TEST_REGISTRY/v2/"
    [[ $status -ne 0 ]] || die "the plain registry answered HTTPS"
}

@test "TLS registry: HTTPS verified against the test CA, 401 without credentials, 200 with" {
    run curl -sS -D - -o /dev/null --cacert "$NOOK_TEST_CA" "https://$NOOK_TEST_REGISTRY_TLS/v2/"
    is "$status" 0 "curl exit code"
    assert_line --regexp "^HTTP/[0-9.]+ 401"
    assert_line --regexp '^[Ww]ww-[Aa]uthenticate: Basic realm="nook-e2e"'
    is "$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$NOOK_TEST_CA" \
        -u "$NOOK_TEST_REGISTRY_USER:$NOOK_TEST_REGISTRY_PASSWORD" "https://$NOOK_TEST_REGISTRY_TLS/v2/")" \
        "200" "status with credentials"
    is "$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$NOOK_TEST_CA" \
        -u "$NOOK_TEST_REGISTRY_USER:wrong" "https://$NOOK_TEST_REGISTRY_TLS/v2/")" \
        "401" "status with a wrong password"
    # the name localhost is in the certificate too
    local port=${NOOK_TEST_REGISTRY_TLS##*:}
    is "$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$NOOK_TEST_CA" "https://localhost:$port/v2/")" \
        "401" "status through https://localhost"
    # without the CA the certificate does not verify (curl: 60, SSL certificate problem)
    run curl -sS -o /dev/null "https://$NOOK_TEST_REGISTRY_TLS/v2/"
    is "$status" 60 "curl exit code without the CA ($output)"
}

@test "plain registry: skopeo lists and inspects every fixture image" {
    local image repo tag mt
    run curl -sS "http://$NOOK_TEST_REGISTRY/v2/_catalog"
    is "$status" 0 "catalog"
    for image in $NOOK_TEST_IMAGES; do
        repo=${image%:*} tag=${image##*:}
        jq -e --arg r "$repo" '.repositories | index($r)' <<<"$output" >/dev/null ||
            die "$repo not in the catalog: $output"
        skopeo list-tags --tls-verify=false "docker://$NOOK_TEST_REGISTRY/$repo" |
            jq -e --arg t "$tag" '.Tags | index($t)' >/dev/null || die "$repo does not list tag $tag"
        mt=$(media_type_of "$image")
        case $image in
            multiarch:docker) is "$mt" "application/vnd.docker.distribution.manifest.list.v2+json" "$image" ;;
            multiarch:*) is "$mt" "application/vnd.oci.image.index.v1+json" "$image" ;;
            *:docker) is "$mt" "application/vnd.docker.distribution.manifest.v2+json" "$image" ;;
            *) is "$mt" "application/vnd.oci.image.manifest.v1+json" "$image" ;;
        esac
    done
    local want
    for want in busybox:latest busybox:docker busybox:zstd multilayer:latest multilayer:docker \
        multiarch:latest big:latest; do
        [[ " $NOOK_TEST_IMAGES " == *" $want "* ]] || die "$want is not in NOOK_TEST_IMAGES"
    done
    # one image under two names has one digest
    is "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$NOOK_TEST_REGISTRY/nested/deeper/busybox:latest")" \
        "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$NOOK_TEST_REGISTRY/busybox:latest")" \
        "digest of nested/deeper/busybox"
}

@test "TLS registry: skopeo lists and inspects every image with --creds and --cert-dir, and not without" {
    local image repo tag mt
    [[ -n $NOOK_TEST_IMAGES_TLS ]] || die "NOOK_TEST_IMAGES_TLS is empty"
    for image in $NOOK_TEST_IMAGES_TLS; do
        repo=${image%:*} tag=${image##*:}
        tls_skopeo list-tags "docker://$NOOK_TEST_REGISTRY_TLS/$repo" |
            jq -e --arg t "$tag" '.Tags | index($t)' >/dev/null || die "$repo does not list tag $tag"
        mt=$(tls_skopeo inspect --raw "docker://$NOOK_TEST_REGISTRY_TLS/$image" | jq -r .mediaType)
        case $tag in
            docker) is "$mt" "application/vnd.docker.distribution.manifest.v2+json" "$image" ;;
            *) is "$mt" "application/vnd.oci.image.manifest.v1+json" "$image" ;;
        esac
    done
    # the auth file written by setup works too
    run skopeo inspect --raw --authfile "$NOOK_TEST_AUTHFILE" --cert-dir "$NOOK_TEST_CERTS_D/$NOOK_TEST_REGISTRY_TLS" \
        "docker://$NOOK_TEST_REGISTRY_TLS/busybox:latest"
    is "$status" 0 "inspect with --authfile ($output)"
    # without credentials: refused
    run skopeo inspect --raw --cert-dir "$NOOK_TEST_CERTS_D/$NOOK_TEST_REGISTRY_TLS" \
        "docker://$NOOK_TEST_REGISTRY_TLS/busybox:latest"
    [[ $status -ne 0 ]] || die "inspect without credentials succeeded: $output"
    assert_match "(unauthorized|authentication required)"
    # with credentials but without the CA: refused
    run skopeo inspect --raw --creds "$NOOK_TEST_REGISTRY_USER:$NOOK_TEST_REGISTRY_PASSWORD" \
        "docker://$NOOK_TEST_REGISTRY_TLS/busybox:latest"
    [[ $status -ne 0 ]] || die "inspect without the CA succeeded: $output"
    assert_match "certificate"
}

@test "multiarch: the index has linux/amd64 and linux/arm64/v8, each with its own config" {
    local index arch
    index=$(skopeo inspect --raw --tls-verify=false "docker://$NOOK_TEST_REGISTRY/multiarch:latest")
    is "$(jq -r '[.manifests[] | .platform | "\(.os)/\(.architecture)\(if .variant then "/"+.variant else "" end)"] | sort | join(" ")' <<<"$index")" \
        "linux/amd64 linux/arm64/v8" "platforms in the OCI index"
    is "$(jq -r '[.manifests[].mediaType] | unique | join(" ")' <<<"$index")" \
        "application/vnd.oci.image.manifest.v1+json" "entry media types"
    for arch in amd64 arm64; do
        is "$(skopeo --override-arch "$arch" inspect --tls-verify=false --format '{{.Architecture}}' \
            "docker://$NOOK_TEST_REGISTRY/multiarch:latest")" "$arch" "architecture of the $arch entry"
        is "$(skopeo --override-arch "$arch" inspect --tls-verify=false --format '{{.Architecture}}' \
            "docker://$NOOK_TEST_REGISTRY/multiarch:docker")" "$arch" "architecture of the $arch entry (docker list)"
    done
    index=$(skopeo inspect --raw --tls-verify=false "docker://$NOOK_TEST_REGISTRY/multiarch:docker")
    is "$(jq -r '[.manifests[] | .platform.architecture] | sort | join(" ")' <<<"$index")" "amd64 arm64" \
        "platforms in the docker list"
    is "$(jq -r '[.manifests[].mediaType] | unique | join(" ")' <<<"$index")" \
        "application/vnd.docker.distribution.manifest.v2+json" "docker list entry media types"
}

# check_layers REPO:TAG: each layer blob has its digest and decompresses to its diff_id
check_layers() {
    local image=$1 manifest config i n digest mt diff_id got
    manifest=$(registry_curl "/v2/${image%:*}/manifests/${image##*:}" -H "Accept: $MANIFEST_ACCEPT")
    config=$(registry_curl "/v2/${image%:*}/blobs/$(jq -r .config.digest <<<"$manifest")")
    n=$(jq '.layers | length' <<<"$manifest")
    is "$n" "$(jq '.rootfs.diff_ids | length' <<<"$config")" "$image: layers vs diff_ids"
    for ((i = 0; i < n; i++)); do
        digest=$(jq -r ".layers[$i].digest" <<<"$manifest")
        mt=$(jq -r ".layers[$i].mediaType" <<<"$manifest")
        diff_id=$(jq -r ".rootfs.diff_ids[$i]" <<<"$config")
        registry_curl "/v2/${image%:*}/blobs/$digest" -o "$BATS_TEST_TMPDIR/blob"
        is "sha256:$(sha256sum <"$BATS_TEST_TMPDIR/blob" | cut -d' ' -f1)" "$digest" "$image layer $i digest"
        case $mt in
            *zstd) got=$(zstd -dc <"$BATS_TEST_TMPDIR/blob" | sha256sum | cut -d' ' -f1) ;;
            *gzip) got=$(gzip -dc <"$BATS_TEST_TMPDIR/blob" | sha256sum | cut -d' ' -f1) ;;
            *) die "$image layer $i: unexpected media type $mt" ;;
        esac
        is "sha256:$got" "$diff_id" "$image layer $i diff_id"
    done
}

@test "zstd variant: its layer is zstd and holds the same tar as the gzip one" {
    local manifest
    manifest=$(registry_curl "/v2/busybox/manifests/zstd" -H "Accept: $MANIFEST_ACCEPT")
    is "$(jq -r '.layers | length' <<<"$manifest")" "1" "layers"
    is "$(jq -r '.layers[0].mediaType' <<<"$manifest")" ".*\+zstd" "layer media type"
    is "$(jq -r '.layers[0].mediaType' <<<"$manifest")" "application/vnd.oci.image.layer.v1.tar+zstd" "layer media type"
    check_layers busybox:zstd
    # same config (so same diff_id) as the gzip image
    is "$(jq -r .config.digest <<<"$manifest")" \
        "$(registry_curl /v2/busybox/manifests/latest -H "Accept: $MANIFEST_ACCEPT" | jq -r .config.digest)" "config digest"
}

@test "layer blobs match their digests and diff_ids" {
    local image
    for image in busybox:latest busybox:docker multilayer:latest multilayer:docker; do
        check_layers "$image"
    done
    is "$(registry_curl /v2/multilayer/manifests/latest -H "Accept: $MANIFEST_ACCEPT" | jq '.layers | length')" \
        "6" "multilayer: busybox and five layers"
}

@test "the images in the registries unpack to the expected trees (GNU tar, whiteouts applied)" {
    local out=$BATS_TEST_TMPDIR/plain tls=$BATS_TEST_TMPDIR/tls
    mkdir -p "$out" "$tls"
    ln -s "$NOOK_TEST_FIXTURES/expected" "$out/expected"
    ln -s "$NOOK_TEST_FIXTURES/expected" "$tls/expected"
    local src ref
    for src in busybox:docker=busybox busybox:zstd=busybox-zstd multilayer:latest=multilayer \
        multiarch:latest=multiarch-amd64 multiarch:docker=multiarch-arm64; do
        ref=${src#*=} src=${src%=*}
        skopeo "${SKOPEO_POLICY[@]}" --override-arch "${ref#multiarch-}" copy -q --src-tls-verify=false \
            "docker://$NOOK_TEST_REGISTRY/$src" "oci:$out/oci:$ref" || die "skopeo copy $src"
    done
    for src in busybox:latest=busybox multilayer:docker=multilayer; do
        ref=${src#*=} src=${src%=*}
        skopeo "${SKOPEO_POLICY[@]}" copy -q --src-cert-dir "$NOOK_TEST_CERTS_D/$NOOK_TEST_REGISTRY_TLS" \
            --src-creds "$NOOK_TEST_REGISTRY_USER:$NOOK_TEST_REGISTRY_PASSWORD" \
            "docker://$NOOK_TEST_REGISTRY_TLS/$src" "oci:$tls/oci:$ref" || die "skopeo copy TLS $src"
    done
    # as root of a user namespace mapped onto the subordinate ids, so owners survive extraction
    run unshare --map-auto --map-root-user python3 "$NOOK_TEST_FIXTURES/verify-layout.py" "$out"
    is "$status" 0 "verify-layout plain: $output"
    assert_line --regexp "^verify-layout: multilayer: [0-9]+ entries as expected$"
    assert_line --regexp "^verify-layout: busybox-zstd: [0-9]+ entries as expected$"
    assert_line --regexp "^verify-layout: multiarch-arm64: [0-9]+ entries as expected$"
    is "${#lines[@]}" "5" "images verified from the plain registry"
    run unshare --map-auto --map-root-user python3 "$NOOK_TEST_FIXTURES/verify-layout.py" "$tls"
    is "$status" 0 "verify-layout TLS: $output"
    is "${#lines[@]}" "2" "images verified from the TLS registry"
}

@test "the expected trees exist, are consistent and describe the edge cases" {
    local name f
    for name in busybox multilayer multiarch-amd64 multiarch-arm64 big; do
        f=$NOOK_TEST_FIXTURES/expected/$name.tree
        [[ -s $f ]] || die "$f is missing or empty"
        is "$(head -n 1 "$f")" "# nook expected tree v1: .*" "$name.tree header"
        is "$(grep -c -v '^#' "$f")" "$(sed -n 's/^# entries: //p' "$f")" "$name.tree entry count"
        # sorted, unique paths, seven fields
        grep -v '^#' "$f" | cut -f1 | LC_ALL=C sort -c -u || die "$name.tree is not sorted"
        is "$(grep -v '^#' "$f" | awk -F'\t' 'NF != 7' | wc -l)" "0" "$name.tree lines without 7 fields"
    done
    is "$(expected_tree "$NOOK_TEST_REGISTRY/nested/deeper/busybox:latest")" "$NOOK_TEST_FIXTURES/expected/busybox.tree"
    is "$(expected_tree multiarch:latest arm64)" "$NOOK_TEST_FIXTURES/expected/multiarch-arm64.tree"

    f=$NOOK_TEST_FIXTURES/expected/busybox.tree
    run grep -P '^/bin/busybox\t' "$f"
    is "$output" "/bin/busybox	f	0755	0:0	$(stat -c %s /bin/busybox)	sha256:$(sha256sum /bin/busybox | cut -d' ' -f1)	-" "busybox binary"
    run grep -P '^/tmp\t' "$f"
    is "$output" "/tmp	d	1777	0:0	-	-	-" "/tmp"
    run grep -P '^/bin/sh\t' "$f"
    is "$output" "/bin/sh	l	0777	0:0	-	busybox	-" "/bin/sh"

    f=$NOOK_TEST_FIXTURES/expected/multilayer.tree
    local want
    for want in \
        "/xattr/file	f	0644	0:0	34	sha256:[0-9a-f]{64}	user.nook.test=hello" \
        "/hard/b-link	h	0644	0:0	23	/hard/a-original	-" \
        "/usr/local/bin/suid-prog	f	4755	0:0	.*" \
        "/home/user/owned.txt	f	0640	1000:1000	.*" \
        "/links/relative	l	0777	0:0	-	\.\./data/keep\.txt	-" \
        "/empty	d	0755	0:0	-	-	-" \
        "/données/café\.txt	f	0644	0:0	.*" \
        "/long/d{60}/e{60}/f{120}\.txt	f	.*" \
        "/opaque/new\.txt	f	.*" \
        "/data/keep\.txt	f	0600	0:0	.*"; do
        grep -qE "^$want$" "$f" || die "multilayer.tree has no line matching: $want"
    done
    for want in /data/deleteme.txt /opaque/old1.txt /opaque/sub /gone /recreated/old.txt; do
        ! grep -qP "^\Q$want\E\t" "$f" || die "multilayer.tree lists $want, which a whiteout removed"
    done
    is "$(grep -P '^/etc/nook-arch\t' "$NOOK_TEST_FIXTURES/expected/multiarch-arm64.tree" | cut -f5)" "6" "/etc/nook-arch size"
}

@test "big: several layers, tens of thousands of files, 200-300 MB" {
    local manifest f=$NOOK_TEST_FIXTURES/expected/big.tree
    manifest=$(registry_curl /v2/big/manifests/latest -H "Accept: $MANIFEST_ACCEPT")
    [[ $(jq '.layers | length' <<<"$manifest") -ge 4 ]] || die "big has fewer than 4 layers"
    local files bytes
    files=$(awk -F'\t' '$2 == "f"' "$f" | wc -l)
    bytes=$(awk -F'\t' '$2 == "f" { s += $5 } END { printf "%d", s }' "$f")
    [[ $files -ge 30000 ]] || die "big has only $files files"
    [[ $bytes -ge 200000000 && $bytes -le 310000000 ]] || die "big holds $bytes bytes"
    echo "# big: $files files, $bytes bytes, $(jq '[.layers[].size] | add' <<<"$manifest") bytes compressed" >&3
}

@test "recorded digests match the registries and the OCI layout" {
    local where image digest raw_digest
    local n=0
    while read -r where image digest; do
        if [[ $where == tls ]]; then
            raw_digest=$(tls_skopeo inspect --raw "docker://$NOOK_TEST_REGISTRY_TLS/$image" | sha256sum | cut -d' ' -f1)
        else
            raw_digest=$(skopeo inspect --raw --tls-verify=false "docker://$NOOK_TEST_REGISTRY/$image" | sha256sum | cut -d' ' -f1)
        fi
        is "sha256:$raw_digest" "$digest" "digest of $where $image"
        n=$((n + 1))
    done <"$NOOK_TEST_FIXTURES/digests"
    is "$n" "$(($(wc -w <<<"$NOOK_TEST_IMAGES") + $(wc -w <<<"$NOOK_TEST_IMAGES_TLS")))" "digest lines"
    is "$(skopeo inspect --raw "oci:$NOOK_TEST_OCI_LAYOUT:multilayer" | sha256sum | cut -d' ' -f1)" \
        "$(awk '$1 == "plain" && $2 == "multilayer:latest" { print substr($3, 8) }' "$NOOK_TEST_FIXTURES/digests")" \
        "the OCI layout's multilayer is the pushed one"
}
