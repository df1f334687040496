#!/usr/bin/env bats
# registries.conf and credentials as the unprivileged test user: mirrors, blocked registries,
# short-name modes and aliases, credential helpers, the ~/.docker/config.json fallback, and push's
# cross-repository mounts. Every registry named is on loopback; a registry that is "down" is
# 127.0.0.1:1 (refused at once).

load helpers

REG=$NOOK_TEST_REGISTRY
TLS=$NOOK_TEST_REGISTRY_TLS
DOWN=127.0.0.1:1

setup() {
    nook_setup
    mkdir -p "$XDG_CONFIG_HOME/containers"
}

teardown() {
    if [[ -n ${PROXY_PID:-} ]]; then
        kill "$PROXY_PID" 2>/dev/null || true
        wait "$PROXY_PID" 2>/dev/null || true
    fi
    nook_teardown
}

registries_conf() {
    cat >"$XDG_CONFIG_HOME/containers/registries.conf"
}

@test "mirrors: tried first, in order; the registry itself when they fail" {
    registries_conf <<CONF
[[registry]]
location = "$DOWN"
insecure = true
[[registry.mirror]]
location = "$REG"
insecure = true
CONF
    run_nook 0 pull "$DOWN/busybox:latest"
    assert_match "Trying to pull $DOWN/busybox:latest\.\.\." "$stderr_only"
    run_nook 0 images --format '{{.Repository}}:{{.Tag}}'
    is "$stdout_only" "$DOWN/busybox:latest" "the image keeps the name asked for"
    # A mirror that is down: the registry itself serves the image.
    run_nook 0 rmi -a
    registries_conf <<CONF
[[registry]]
location = "$REG"
insecure = true
[[registry.mirror]]
location = "$DOWN"
insecure = true
CONF
    run_nook 0 pull -q "$REG/busybox:latest"
    # Both down: the error names the registry.
    registries_conf <<CONF
[[registry]]
location = "$DOWN"
[[registry.mirror]]
location = "127.0.0.1:2"
CONF
    run_nook 125 pull -q "$DOWN/busybox:latest"
    assert_match "^Error: .*$DOWN" "$stderr_only"
}

@test "blocked registries refuse pulls and pushes" {
    registries_conf <<CONF
[[registry]]
location = "$REG"
blocked = true
CONF
    run_nook 125 pull -q --tls-verify=false "$REG/busybox:latest"
    assert_match "^Error: .*$REG.* blocked" "$stderr_only"
    run_nook 0 images -q
    is "$stdout_only" "" "nothing pulled"
}

@test "short names: enforcing mode without a terminal, aliases, permissive search" {
    registries_conf <<CONF
unqualified-search-registries = ["$REG", "$DOWN"]
short-name-mode = "enforcing"
[[registry]]
location = "$REG"
insecure = true
CONF
    run_nook 125 pull busybox </dev/null
    is "$stderr_only" "Error: short-name resolution enforced but cannot prompt without a TTY"
    # An alias resolves the name without asking.
    cat >>"$XDG_CONFIG_HOME/containers/registries.conf" <<CONF
[aliases]
"busybox" = "$REG/busybox"
CONF
    run_nook 0 pull busybox </dev/null
    assert_match "^Resolved \"busybox\" as an alias \($XDG_CONFIG_HOME/containers/registries.conf\)" "$stderr_only"
    # Permissive: the search registries are tried in order.
    registries_conf <<CONF
unqualified-search-registries = ["$DOWN", "$REG"]
short-name-mode = "permissive"
[[registry]]
location = "$REG"
insecure = true
CONF
    run_nook 0 pull nested/deeper/busybox </dev/null
    assert_match "Trying to pull $DOWN/nested/deeper/busybox:latest" "$stderr_only"
    assert_match "Trying to pull $REG/nested/deeper/busybox:latest" "$stderr_only"
}

@test "credential helpers: credHelpers in auth.json run docker-credential-NAME get" {
    local bin=$BATS_TEST_TMPDIR/bin calls=$BATS_TEST_TMPDIR/helper-calls
    mkdir -p "$bin"
    cat >"$bin/docker-credential-nooktest" <<EOF
#!/bin/sh
read -r server
echo "\$1 \$server" >>"$calls"
[ "\$1" = get ] || exit 1
printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\n' "\$server" "$NOOK_TEST_REGISTRY_USER" "$NOOK_TEST_REGISTRY_PASSWORD"
EOF
    chmod +x "$bin/docker-credential-nooktest"
    local auth=$BATS_TEST_TMPDIR/auth.json
    printf '{"credHelpers": {"%s": "nooktest"}}\n' "$TLS" >"$auth"
    PATH=$bin:$PATH run_nook 0 pull -q --cert-dir "$NOOK_TEST_CERTS_D/$TLS" --authfile "$auth" "$TLS/busybox:latest"
    grep -q "^get $TLS" "$calls" || die "the helper was not asked: $(cat "$calls" 2>/dev/null)"
    # A helper that is not installed: a clear error.
    printf '{"credHelpers": {"%s": "nook-missing"}}\n' "$TLS" >"$auth"
    run_nook 125 pull -q --cert-dir "$NOOK_TEST_CERTS_D/$TLS" --authfile "$auth" "$TLS/multilayer:latest"
    assert_match "docker-credential-nook-missing" "$stderr_only"
}

@test "~/.docker/config.json is read when there is no auth.json" {
    local home=$BATS_TEST_TMPDIR/home
    mkdir -p "$home/.docker"
    local token
    token=$(printf '%s:%s' "$NOOK_TEST_REGISTRY_USER" "$NOOK_TEST_REGISTRY_PASSWORD" | base64 -w0)
    printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$TLS" "$token" >"$home/.docker/config.json"
    HOME=$home run_nook 0 pull -q --cert-dir "$NOOK_TEST_CERTS_D/$TLS" "$TLS/busybox:latest"
    # Without it, the registry refuses.
    rm "$home/.docker/config.json"
    HOME=$home run_nook 125 pull -q --cert-dir "$NOOK_TEST_CERTS_D/$TLS" "$TLS/multilayer:latest"
    assert_match "(authentication required|unauthorized)" "$stderr_only"
}

@test "push mounts blobs the registry has in another repository instead of uploading them" {
    start_proxy
    local proxy=$PROXY repo=copy-$RANDOM
    run_nook 0 pull -q --tls-verify=false "$proxy/busybox:latest"
    run_nook 0 push --tls-verify=false "$proxy/busybox:latest" "$proxy/$repo:latest"
    # Both blobs, the layer and the config, are mounted; nothing is uploaded.
    local mounts
    mounts=$(grep -c "^POST /v2/$repo/blobs/uploads/?mount=sha256\(:\|%3A\)[0-9a-f]*&from=busybox .*-> 201" "$PROXY_LOG")
    [[ $mounts == 2 ]] || die "expected 2 cross-repository mounts: $(grep " /v2/$repo/" "$PROXY_LOG")"
    if grep -q "^POST /v2/$repo/blobs/uploads/ " "$PROXY_LOG"; then
        die "a blob was uploaded although the registry had it: $(grep " /v2/$repo/" "$PROXY_LOG")"
    fi
    # The copy is whole: skopeo reads it back.
    skopeo inspect --tls-verify=false "docker://$REG/$repo:latest" >/dev/null || die "skopeo cannot read the pushed image"
}
