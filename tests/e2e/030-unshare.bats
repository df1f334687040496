#!/usr/bin/env bats
# nook unshare as the unprivileged test user: the user namespace every writing command enters
# (container 0 = the user, 1.. = the subordinate ranges), exit codes, and argument passing.

load helpers

# Prints a map file's lines with runs of blanks squeezed and leading blanks removed.
normalize_map() {
    sed -E 's/[[:space:]]+/ /g; s/^ //; s/ $//' <<<"$1"
}

@test "unshare runs the command as uid 0" {
  [ "$(id -u)" != 0 ] || die "this file must run as the unprivileged test user"
  run_nook 0 unshare id -u
  is "$stdout_only" "0" "uid inside"
  run_nook 0 unshare id -g
  is "$stdout_only" "0" "gid inside"
}

@test "unshare maps the user and the subordinate uid range" {
  run_nook 0 unshare cat /proc/self/uid_map
  is "$(normalize_map "$stdout_only")" "0 $(id -u) 1
1 $NOOK_TEST_SUBUID_START $NOOK_TEST_SUBUID_COUNT" "uid_map"
}

@test "unshare maps the group and the subordinate gid range" {
  run_nook 0 unshare cat /proc/self/gid_map
  is "$(normalize_map "$stdout_only")" "0 $(id -g) 1
1 $NOOK_TEST_SUBGID_START $NOOK_TEST_SUBGID_COUNT" "gid_map"
}

@test "a file chowned to 1:1 inside belongs to the first subordinate ids outside" {
  local f=$BATS_TEST_TMPDIR/owned
  touch "$f"
  run_nook 0 unshare chown 1:1 "$f"
  is "$(stat -c %u "$f")" "$NOOK_TEST_SUBUID_START" "owner outside"
  is "$(stat -c %g "$f")" "$NOOK_TEST_SUBGID_START" "group outside"
  run_nook 0 unshare stat -c %u:%g "$f"
  is "$stdout_only" "1:1" "owner inside"
}

@test "unshare passes the command's exit code through" {
  run_nook 7 unshare sh -c 'exit 7'
  run_nook 0 unshare true
  run_nook 1 unshare false
}

@test "unshare sets podman's storage variables" {
  run_nook 0 unshare sh -c 'echo "$CONTAINERS_GRAPHROOT"'
  is "$stdout_only" "$XDG_DATA_HOME/nook" "CONTAINERS_GRAPHROOT"
  run_nook 0 unshare sh -c 'echo "$CONTAINERS_RUNROOT"'
  [ -n "$stdout_only" ] || die "CONTAINERS_RUNROOT is empty"
}

@test "unshare with a missing command exits 127" {
  run_nook 127 unshare no-such-command-xyz
  is "$stderr_only" 'Error: exec: "no-such-command-xyz": executable file not found in \$PATH' "stderr"
  [ -z "$stdout_only" ] || die "nothing on stdout: $stdout_only"
}

@test "unshare --help describes the command" {
  run_nook 0 unshare --help
  [[ $output == *"Usage:"*"nook unshare [options] [COMMAND [ARG...]]"* ]] || die "$output"
  [[ $output == *"Run a command in a modified user namespace"* || $output == *"modified user namespace"* ]] || die "$output"
}

@test "flags after the command belong to the command" {
  run_nook 0 unshare ls -d /
  is "$stdout_only" "/" "ls -d /"
  run_nook 0 unshare sh -c 'echo "$0 $1"' --help -x
  is "$stdout_only" "--help -x" "flags passed verbatim"
}

@test "without a command unshare starts the shell" {
  run_nook 3 unshare <<<'id -u; exit 3'
  is "$stdout_only" "0" "the shell ran inside"
}
