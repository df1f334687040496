#!/usr/bin/env bats
# nook login / nook logout against the test bed's TLS registry (basic auth, own CA), as podman's
# test/system/150-login.bats checks podman: messages, exit codes, the auth file's content.

load helpers

setup() {
    nook_setup
    AUTH=$BATS_TEST_TMPDIR/auth.json
    REG=$NOOK_TEST_REGISTRY_TLS
    # the CA where containers-certs.d(5) looks for a rootless user
    mkdir -p "$XDG_CONFIG_HOME/containers/certs.d/$REG"
    cp "$NOOK_TEST_CA" "$XDG_CONFIG_HOME/containers/certs.d/$REG/ca.crt"
}

# the auth.json entry nook must write for USER:PASSWORD
expected_auth() {
    printf '%s:%s' "$1" "$2" | base64 -w0
}

# a port on 127.0.0.1 with nothing listening
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

@test "login: good credentials are checked and stored; --get-login; logout" {
    run_nook login --authfile "$AUTH" -u "$NOOK_TEST_REGISTRY_USER" -p "$NOOK_TEST_REGISTRY_PASSWORD" "$REG"
    is "$stdout_only" "Login Succeeded!" "stdout of login"
    is "$stderr_only" "" "stderr of login"
    is "$(jq -r --arg r "$REG" '.auths[$r].auth' "$AUTH")" \
        "$(expected_auth "$NOOK_TEST_REGISTRY_USER" "$NOOK_TEST_REGISTRY_PASSWORD")" "auth entry"
    is "$(jq -r '.auths | keys | join(" ")' "$AUTH")" "$REG" "keys of auths"
    is "$(stat -c %a "$AUTH")" "600" "auth file mode"

    run_nook login --authfile "$AUTH" --get-login "$REG"
    is "$output" "$NOOK_TEST_REGISTRY_USER" "--get-login"

    # the stored credentials work for another tool (skopeo reads the same file)
    run skopeo inspect --raw --authfile "$AUTH" --cert-dir "$XDG_CONFIG_HOME/containers/certs.d/$REG" \
        "docker://$REG/busybox:latest"
    is "$status" 0 "skopeo with nook's auth file: $output"

    run_nook logout --authfile "$AUTH" "$REG"
    is "$output" "Removed login credentials for $REG"
    is "$(jq -r '.auths | length' "$AUTH")" "0" "auths after logout"

    run_nook 125 login --authfile "$AUTH" --get-login "$REG"
    is "$output" "Error: not logged into $REG"
    run_nook 125 logout --authfile "$AUTH" "$REG"
    is "$output" "Error: not logged into $REG"
}

@test "login --password-stdin, and its conflicts" {
    run_nook login --authfile "$AUTH" --username "$NOOK_TEST_REGISTRY_USER" --password-stdin "$REG" \
        <<<"$NOOK_TEST_REGISTRY_PASSWORD"
    is "$output" "Login Succeeded!"
    is "$(jq -r --arg r "$REG" '.auths[$r].auth' "$AUTH")" \
        "$(expected_auth "$NOOK_TEST_REGISTRY_USER" "$NOOK_TEST_REGISTRY_PASSWORD")" "auth entry (no newline in the password)"

    run_nook 125 login --authfile "$AUTH" --password-stdin "$REG" <<<"x"
    is "$output" "Error: must provide --username with --password-stdin"
    run_nook 125 login --authfile "$AUTH" -u a -p b --password-stdin "$REG" <<<"x"
    is "$output" "Error: can't specify both --password-stdin and --password"
}

@test "login with a wrong password: exit 125, podman's message, auth file unchanged" {
    run_nook login --authfile "$AUTH" -u "$NOOK_TEST_REGISTRY_USER" -p "$NOOK_TEST_REGISTRY_PASSWORD" "$REG"
    local before
    before=$(sha256sum <"$AUTH")
    run_nook 125 login --authfile "$AUTH" -u "$NOOK_TEST_REGISTRY_USER" -p "wrong-$RANDOM" "$REG"
    is "$output" "Error: logging into \"$REG\": invalid username/password"
    is "$(sha256sum <"$AUTH")" "$before" "auth file after a failed login"

    # a failed first login creates no file
    run_nook 125 login --authfile "$BATS_TEST_TMPDIR/new.json" -u nobody -p nothing "$REG"
    is "$output" "Error: logging into \"$REG\": invalid username/password"
    [[ ! -e $BATS_TEST_TMPDIR/new.json ]] || die "a failed login created the auth file"
}

@test "logout --all; logout from a registry never logged into" {
    run_nook login --authfile "$AUTH" -u "$NOOK_TEST_REGISTRY_USER" -p "$NOOK_TEST_REGISTRY_PASSWORD" "$REG"
    run_nook login --authfile "$AUTH" -u "$NOOK_TEST_REGISTRY_USER" -p "$NOOK_TEST_REGISTRY_PASSWORD" "$REG/busybox"
    is "$(jq -r '.auths | keys | sort | join(" ")' "$AUTH")" "$REG $REG/busybox" "a registry and a repository key"

    run_nook 125 logout --authfile "$AUTH" other.example:5000
    is "$output" "Error: not logged into other.example:5000"

    run_nook logout --authfile "$AUTH" --all
    is "$output" "Removed login credentials for all registries"
    is "$(jq -r '.auths | length' "$AUTH")" "0" "auths after logout --all"
    run_nook 125 logout --authfile "$AUTH" -a "$REG"
    is "$output" "Error: --all takes no arguments"

    run_nook 125 logout --authfile "$BATS_TEST_TMPDIR/missing.json" "$REG"
    assert_output --partial "checking authfile"
}

@test "REGISTRY_AUTH_FILE and the default auth file in the runtime directory" {
    REGISTRY_AUTH_FILE=$BATS_TEST_TMPDIR/env-auth.json run_nook login -u "$NOOK_TEST_REGISTRY_USER" \
        -p "$NOOK_TEST_REGISTRY_PASSWORD" "$REG"
    is "$output" "Login Succeeded!"
    is "$(jq -r --arg r "$REG" '.auths[$r].auth' "$BATS_TEST_TMPDIR/env-auth.json")" \
        "$(expected_auth "$NOOK_TEST_REGISTRY_USER" "$NOOK_TEST_REGISTRY_PASSWORD")" "REGISTRY_AUTH_FILE entry"

    # no XDG_RUNTIME_DIR here: the runtime directory is ${TMPDIR}/nook-run-UID
    export TMPDIR=$BATS_TEST_TMPDIR/tmp
    mkdir -p "$TMPDIR"
    run_nook login -u "$NOOK_TEST_REGISTRY_USER" -p "$NOOK_TEST_REGISTRY_PASSWORD" "$REG"
    local default=$TMPDIR/nook-run-$(id -u)/containers/auth.json
    [[ -f $default ]] || die "no auth file at $default"
    is "$(jq -r --arg r "$REG" '.auths[$r].auth' "$default")" \
        "$(expected_auth "$NOOK_TEST_REGISTRY_USER" "$NOOK_TEST_REGISTRY_PASSWORD")" "default auth file entry"
    run_nook login --get-login "$REG"
    is "$output" "$NOOK_TEST_REGISTRY_USER"
    run_nook logout "$REG"
    is "$output" "Removed login credentials for $REG"
}

@test "TLS: --cert-dir, --tls-verify=false without the CA, a clear error without it" {
    rm -rf "$XDG_CONFIG_HOME/containers/certs.d"
    run_nook 125 login --authfile "$AUTH" -u "$NOOK_TEST_REGISTRY_USER" -p "$NOOK_TEST_REGISTRY_PASSWORD" "$REG"
    assert_output --regexp "^Error: authenticating creds for \"$REG\": .*certificate"
    [[ ! -e $AUTH ]] || die "a failed login wrote the auth file"

    run_nook login --authfile "$AUTH" --tls-verify=false -u "$NOOK_TEST_REGISTRY_USER" \
        -p "$NOOK_TEST_REGISTRY_PASSWORD" "$REG"
    is "$output" "Login Succeeded!" "--tls-verify=false"

    run_nook login --authfile "$AUTH" --cert-dir "$NOOK_TEST_CERTS_D/$REG" -u "$NOOK_TEST_REGISTRY_USER" \
        -p "$NOOK_TEST_REGISTRY_PASSWORD" "$REG"
    is "$output" "Login Succeeded!" "--cert-dir"

    # --tls-verify=true overrides registries.conf's insecure = true
    cat >"$XDG_CONFIG_HOME/containers/registries.conf" <<EOF2
[[registry]]
location = "$REG"
insecure = true
EOF2
    run_nook login --authfile "$AUTH" -u "$NOOK_TEST_REGISTRY_USER" -p "$NOOK_TEST_REGISTRY_PASSWORD" "$REG"
    is "$output" "Login Succeeded!" "insecure registry in registries.conf"
    run_nook 125 login --authfile "$AUTH" --tls-verify=true -u "$NOOK_TEST_REGISTRY_USER" \
        -p "$NOOK_TEST_REGISTRY_PASSWORD" "$REG"
    assert_output --partial "certificate"
}

@test "a registry that is down: a clear error, exit 125" {
    local port
    port=$(free_port)
    run_nook 125 login --authfile "$AUTH" -u someone -p something "127.0.0.1:$port"
    assert_output --regexp "^Error: authenticating creds for \"127\.0\.0\.1:$port\": .*127\.0\.0\.1.*$port"
    assert_output --regexp "(Couldn't connect|Connection refused|Failed to connect)"
}

@test "argument errors: malformed registry, tag, missing flags without a terminal, unsupported flags" {
    run_nook 125 login --authfile "$AUTH" -u a -p b "not a registry"
    is "$output" "Error: parse reference from \"not a registry\": invalid reference format"
    run_nook 125 login --authfile "$AUTH" -u a -p b "$REG/busybox:latest"
    is "$output" "Error: reference \"$REG/busybox:latest\" contains tag or digest"
    run_nook 125 logout "Bad_Host!"
    assert_output --regexp "^Error: .*invalid reference format"
    run_nook 125 login --authfile "$AUTH" -u a -p b "$REG" extra
    is "$output" "Error: login accepts only one registry to log in to"

    # stdin is not a terminal: no prompt, the missing flag is named
    run_nook 125 login --authfile "$AUTH" "$REG" </dev/null
    assert_output --partial "--username"
    run_nook 125 login --authfile "$AUTH" -u "$NOOK_TEST_REGISTRY_USER" "$REG" </dev/null
    assert_output --partial "--password"

    run_nook 125 login --compat-auth-file "$BATS_TEST_TMPDIR/config.json" -u a -p b "$REG"
    assert_output --partial "--compat-auth-file"
}

@test "login with existing valid credentials needs no new ones" {
    run_nook login --authfile "$AUTH" -u "$NOOK_TEST_REGISTRY_USER" -p "$NOOK_TEST_REGISTRY_PASSWORD" "$REG"
    run_nook login --authfile "$AUTH" "$REG" </dev/null
    assert_line "Authenticating with existing credentials for $REG"
    assert_line "Existing credentials are valid. Already logged in to $REG"
}
