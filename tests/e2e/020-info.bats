#!/usr/bin/env bats
# nook info as the unprivileged test user: rootless facts, subordinate ranges, formats, and bad
# configuration files.

load helpers

@test "info as the test user reports rootless and the subordinate ranges" {
  [ "$(id -u)" != 0 ] || die "this file must run as the unprivileged test user"
  run_nook 0 info --format json
  local json=$stdout_only
  is "$(jq -r .host.security.rootless <<<"$json")" "true" "rootless"
  is "$(jq -r '.host.idMappings.uidmap[0].host_id' <<<"$json")" "$(id -u)" "container 0 is the user"
  is "$(jq -r '.host.idMappings.uidmap[1].host_id' <<<"$json")" "$NOOK_TEST_SUBUID_START" "subuid start"
  is "$(jq -r '.host.idMappings.uidmap[1].size' <<<"$json")" "$NOOK_TEST_SUBUID_COUNT" "subuid count"
  is "$(jq -r '.host.idMappings.gidmap[1].host_id' <<<"$json")" "$NOOK_TEST_SUBGID_START" "subgid start"
  is "$(jq -r .host.kernel <<<"$json")" "$(uname -r)" "kernel"
  is "$(jq -r .host.distribution.distribution <<<"$json")" "$(. /etc/os-release; echo "$ID")" "distribution"
  [[ $(jq -r .host.cgroupVersion <<<"$json") =~ ^v[12]$ ]] || die "cgroupVersion"
  [[ $(jq -r .host.cgroupManager <<<"$json") =~ ^(systemd|cgroupfs)$ ]] || die "cgroupManager"
  [[ $(jq -r .store.graphDriverName <<<"$json") =~ ^(overlay|fuse-overlayfs|vfs)$ ]] || die "graph driver"
  [ -n "$(jq -r .store.graphDriverReason <<<"$json")" ] || die "the driver choice must say why"
  is "$(jq -r .store.graphRoot <<<"$json")" "$XDG_DATA_HOME/nook" "rootless graph root under XDG_DATA_HOME"
  [ "$(jq -r .host.slirp4netns.executable <<<"$json")" = "$(command -v slirp4netns)" ] || die "slirp4netns path"
  [[ $(jq -r .host.slirp4netns.version <<<"$json") =~ ^[0-9] ]] || die "slirp4netns version"
  [[ $(jq -r '.host.helpers."fuse-overlayfs".version' <<<"$json") =~ ^[0-9] ]] || die "fuse-overlayfs version"
  is "$(jq -r '.host.helpers.newuidmap.path' <<<"$json")" "$(command -v newuidmap)" "newuidmap"
}

@test "info's default output is YAML with podman's keys" {
  run_nook 0 info
  [[ $output == "host:"* ]] || die "$output"
  [[ $output == *"  security:"*"    rootless: true"* ]] || die "$output"
  [[ $output == *"store:"*"  graphRoot: "* ]] || die "$output"
  [[ $output == *"registries:"* ]] || die "$output"
}

@test "info --format templates over podman's field names" {
  run_nook 0 info --format '{{.Host.Kernel}}'
  is "$output" "$(uname -r)"
  run_nook 0 info --format '{{.Host.Security.Rootless}} {{.Store.GraphRoot}}'
  is "$output" "true $XDG_DATA_HOME/nook"
  run_nook 0 info --format '{{range .Host.IDMappings.UIDMap}}{{.HostID}}:{{.Size}} {{end}}'
  is "$output" "$(id -u):1 $NOOK_TEST_SUBUID_START:$NOOK_TEST_SUBUID_COUNT "
  run_nook 0 info --format '{{json .Host.Distribution}}'
  jq -e .distribution <<<"$output" >/dev/null || die "not JSON: $output"
  run_nook 0 info --format '{{if .Host.Security.Rootless}}rootless{{else}}root{{end}}{{"\n"}}'
  is "$output" "rootless"
  run_nook 0 info --format '{{.Host.Arch | upper}}'
  [[ $output =~ ^[A-Z0-9]+$ ]] || die "$output"
}

@test "a bad --format names the position and exits 125" {
  run_nook 125 info --format '{{.Host.Kernel'
  [[ $stderr_only == "Error: "*"template"* ]] || die "$stderr_only"
  run_nook 125 info --format '{{.Host.NoSuchField}}'
  [[ $stderr_only == "Error: "*"NoSuchField"* ]] || die "$stderr_only"
  run_nook 125 info --format '{{nosuchfunc .Host}}'
  [[ $stderr_only == *"\"nosuchfunc\" not defined"* ]] || die "$stderr_only"
  [ -z "$stdout_only" ] || die "nothing on stdout on error: $stdout_only"
}

@test "registries from registries.conf appear in info" {
  mkdir -p "$XDG_CONFIG_HOME/containers"
  cat > "$XDG_CONFIG_HOME/containers/registries.conf" <<CONF
unqualified-search-registries = ["$NOOK_TEST_REGISTRY", "docker.io"]

[[registry]]
prefix = "$NOOK_TEST_REGISTRY"
location = "$NOOK_TEST_REGISTRY"
insecure = true
CONF
  run_nook 0 info --format json
  is "$(jq -r '.registries.search | join(",")' <<<"$stdout_only")" "$NOOK_TEST_REGISTRY,docker.io"
  is "$(jq -r --arg r "$NOOK_TEST_REGISTRY" '.registries[$r].Insecure' <<<"$stdout_only")" "true"
}

@test "a malformed configuration file names the file and the line" {
  mkdir -p "$XDG_CONFIG_HOME/containers"
  printf '[containers]\nlog_driver = "k8s-file"\npids_limit = = 3\n' > "$XDG_CONFIG_HOME/containers/containers.conf"
  run_nook 125 info
  [[ $stderr_only == "Error: "*"$XDG_CONFIG_HOME/containers/containers.conf"* ]] || die "$stderr_only"
  [[ $stderr_only == *"line 3"* ]] || die "$stderr_only"
  rm "$XDG_CONFIG_HOME/containers/containers.conf"
  printf 'unqualified-search-registries = "not-a-list"\n' > "$XDG_CONFIG_HOME/containers/registries.conf"
  run_nook 125 info
  [[ $stderr_only == *"registries.conf"*"unqualified-search-registries"* ]] || die "$stderr_only"
  rm "$XDG_CONFIG_HOME/containers/registries.conf"
  run_nook 0 info --format '{{.Host.Kernel}}'
}

@test "global flags and NOOK_ variables set the store and the driver" {
  run_nook 0 --root "$BATS_TEST_TMPDIR/r" --runroot "$BATS_TEST_TMPDIR/rr" --storage-driver vfs info --format json
  is "$(jq -r .store.graphRoot <<<"$stdout_only")" "$BATS_TEST_TMPDIR/r"
  is "$(jq -r .store.runRoot <<<"$stdout_only")" "$BATS_TEST_TMPDIR/rr"
  is "$(jq -r .store.graphDriverName <<<"$stdout_only")" "vfs"
  [[ $(jq -r .store.graphDriverReason <<<"$stdout_only") == *"--storage-driver"* ]] || die "reason"
  NOOK_STORAGE_DRIVER=vfs run_nook 0 info --format '{{.Store.GraphDriverName}}'
  is "$output" "vfs"
  run_nook 125 --storage-driver btrfs info
  [[ $stderr_only == *"unsupported storage driver \"btrfs\""* ]] || die "$stderr_only"
}

@test "without XDG_RUNTIME_DIR the run root is a private per-user directory" {
  unset XDG_RUNTIME_DIR
  run_nook 0 info --format '{{.Store.RunRoot}}'
  local runroot=$output
  [ -d "$runroot" ] || die "run root $runroot not created"
  is "$(stat -c '%u %a' "$(dirname "$runroot")")" "$(id -u) 700" "owned by the user, mode 0700"
}
