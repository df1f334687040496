#!/usr/bin/env bats
# nook info as root (in its own network and mount namespaces, see run-bats.sh): not rootless, no
# id mappings, the root store layout when --root/--runroot are not given.

load helpers

@test "info as root reports root mode" {
  [ "$(id -u)" = 0 ] || die "this file runs as root"
  run_nook 0 --root "$BATS_TEST_TMPDIR/root" --runroot "$BATS_TEST_TMPDIR/run" info --format json
  local json=$stdout_only
  is "$(jq -r .host.security.rootless <<<"$json")" "false" "not rootless"
  is "$(jq -r .host.idMappings.uidmap <<<"$json")" "null" "root maps no ids"
  is "$(jq -r .store.graphRoot <<<"$json")" "$BATS_TEST_TMPDIR/root"
  [[ $(jq -r .store.graphDriverName <<<"$json") =~ ^(overlay|fuse-overlayfs|vfs)$ ]] || die "driver"
  [ -z "$(ls -A "$BATS_TEST_TMPDIR/root")" ] || die "the driver probe must clean up: $(ls -A "$BATS_TEST_TMPDIR/root")"
}

@test "root defaults are /var/lib/nook and /run/nook" {
  # info creates the store directories (as podman's does): keep them off the host by covering
  # /var/lib and /run with tmpfs in this test's private mount namespace.
  mount -t tmpfs nook-test /var/lib
  mount -t tmpfs nook-test /run
  run_nook 0 info --format '{{.Store.GraphRoot}} {{.Store.RunRoot}}'
  is "$output" "/var/lib/nook /run/nook"
  [ -d /run/nook ] || die "run root not created"
  umount /run /var/lib
}
