#!/usr/bin/env bats
# The command line itself: help, version, unknown commands and flags, exit codes, completions.

load helpers

@test "nook --help lists the commands and the global options" {
  run_nook 0 --help
  [[ $output == *"Available Commands:"* ]] || die "no command list: $output"
  [[ $output == *"  info "*"Display nook system information"* ]] || die "info missing: $output"
  [[ $output == *"--log-level string"* ]] || die "global option missing: $output"
  [[ $output == *"--cgroup-manager string"* ]] || die "global option missing: $output"
}

@test "every command has --help with its options" {
  for cmd in "info" "system info" "version" "completion"; do
    run_nook 0 $cmd --help
    [[ $output == *"Usage:"*"nook $cmd"* ]] || die "no usage for '$cmd': $output"
    [[ $output == *"-h, --help"* ]] || die "no -h for '$cmd': $output"
  done
  # The image verbs, each with one of its own flags.
  local verb_flag
  for verb_flag in "pull|--tls-verify" "push|--digestfile" "login|--password-stdin" "logout|--all" \
      "images|--digests" "image ls|--no-trunc" "image inspect|--format" "inspect|--type" "history|--human" \
      "image tree|--whatrequires" "image exists|" "tag|" "untag|" "rmi|--force" "image rm|--force" \
      "image prune|--all" "save|--multi-image-archive" "load|--input"; do
    local cmd=${verb_flag%%|*} flag=${verb_flag#*|}
    run_nook 0 $cmd --help
    [[ $output == *"Usage:"*"nook $cmd"* ]] || die "no usage for '$cmd': $output"
    [[ $output == *"-h, --help"* ]] || die "no -h for '$cmd': $output"
    [[ -z $flag || $output == *"$flag"* ]] || die "'$cmd --help' does not show $flag: $output"
  done
  run_nook 0 info --help
  [[ $output == *"-f, --format string"*"Change the output format to JSON or a Go template"* ]] || die "$output"
}

@test "every container, volume and system verb has --help with one of its flags" {
  # Each container verb also under "container"; run and create keep -h for --hostname.
  local verb_flag
  for verb_flag in "run|--volumes-from" "create|--mount" "start|--attach" "stop|--time" "kill|--signal" \
      "rm|--depend" "ps|--size" "logs|--follow" "wait|--condition" "exec|--detach-keys" "attach|--no-stdin" \
      "restart|--running" "rename|" "pause|--all" "unpause|--all" "top|" "port|--all" "init|--all" \
      "cp|--archive" "diff|--format" "commit|--change" "export|--output" "mount|" "unmount|--all" \
      "umount|--all"; do
    local verb=${verb_flag%%|*} flag=${verb_flag#*|} cmd
    for cmd in "$verb" "container $verb"; do
      run_nook 0 $cmd --help
      [[ $output == *"Usage:"*"nook $cmd"* ]] || die "no usage for '$cmd': $output"
      [[ $output == *"--help"* ]] || die "no --help for '$cmd': $output"
      [[ -z $flag || $output == *"$flag"* ]] || die "'$cmd --help' does not show $flag: $output"
    done
  done
  for verb_flag in "container prune|--filter" "container inspect|--size" "container exists|" "import|--change" \
      "volume create|--opt" "volume ls|--filter" "volume inspect|--all" "volume rm|--force" \
      "volume prune|--filter" "volume exists|" "volume export|--output" "volume import|" \
      "system df|--verbose" "system prune|--volumes" "system reset|--force"; do
    local cmd=${verb_flag%%|*} flag=${verb_flag#*|}
    run_nook 0 $cmd --help
    [[ $output == *"Usage:"*"nook $cmd"* ]] || die "no usage for '$cmd': $output"
    [[ $output == *"-h, --help"* ]] || die "no -h for '$cmd': $output"
    [[ -z $flag || $output == *"$flag"* ]] || die "'$cmd --help' does not show $flag: $output"
  done
  run_nook 0 run --help
  [[ $output == *"-v, --volume"*"--volumes-from"* ]] || die "run --help: $output"
  [[ $output == *"-h, --hostname"* ]] || die "run --help: $output"
  # The run flags of the last slices, in all four spellings of run and create.
  for cmd in run create "container run" "container create"; do
    run_nook 0 $cmd --help
    for flag in "-a, --attach" --init --init-path --tz --userns --blkio-weight --cgroup-parent --cgroupns \
        --cgroups --cpu-period --cpu-quota "-c, --cpu-shares" --cpus --cpuset-cpus --cpuset-mems \
        "-m, --memory" --memory-reservation --memory-swap --memory-swappiness --oom-kill-disable \
        --oom-score-adj --pids-limit; do
      [[ $output == *"$flag"* ]] || die "'$cmd --help' does not show $flag"
    done
  done
}

@test "nook help COMMAND is COMMAND --help" {
  run_nook 0 info --help
  local direct=$output
  run_nook 0 help info
  is "$output" "$direct" "help info"
  run_nook 0 help system info
  [[ $output == *"nook system info [options]"* ]] || die "$output"
  run_nook 0 help
  [[ $output == *"Available Commands:"*"help "*"Help about any command"* ]] || die "$output"
  run_nook 125 help nosuchcommand
  [[ $stderr_only == *"unrecognized command \`nook nosuchcommand\`"* ]] || die "$stderr_only"
}

@test "nook with no command prints help and fails like podman" {
  run_nook 125
  [[ $output == *"Available Commands:"* ]] || die "$output"
  [[ $output == *"Error: missing command 'nook COMMAND'"* ]] || die "$output"
  run_nook 125 system
  [[ $output == *"Error: missing command 'nook system COMMAND'"* ]] || die "$output"
}

@test "an unknown command suggests the close one and exits 125" {
  run_nook 125 inof
  is "$stderr_only" "Error: unrecognized command \`nook inof\`

Did you mean this?
	info
	init

Try 'nook --help' for more information." "podman's message with suggestions (podman lists the same two)"
  [ -z "$stdout_only" ] || die "stdout must stay empty on error: $stdout_only"
  run_nook 125 frobnicate
  is "$stderr_only" "Error: unrecognized command \`nook frobnicate\`
Try 'nook --help' for more information." "no suggestion when nothing is close"
  run_nook 125 system infx
  [[ $stderr_only == *"unrecognized command \`nook system infx\`"*"info"* ]] || die "$stderr_only"
}

@test "an unknown flag names it, suggests, and exits 125" {
  run_nook 125 info --formt json
  [[ $stderr_only == "Error: unknown flag: --formt"* ]] || die "$stderr_only"
  [[ $stderr_only == *"Did you mean this?"*"--format"* ]] || die "$stderr_only"
  [[ $stderr_only == *"See 'nook info --help'"* ]] || die "$stderr_only"
  run_nook 125 --bogus info
  [[ $stderr_only == "Error: unknown flag: --bogus"* ]] || die "$stderr_only"
  run_nook 125 info -x
  [[ $stderr_only == "Error: unknown shorthand flag: 'x' in -x"* ]] || die "$stderr_only"
}

@test "a flag without its value and extra arguments are errors" {
  run_nook 125 info --format
  [[ $stderr_only == *"flag needs an argument: --format"* ]] || die "$stderr_only"
  run_nook 125 info extra
  is "$stderr_only" "Error: \`nook info\` takes no arguments"
  run_nook 125 completion
  is "$stderr_only" "Error: accepts 1 arg(s), received 0"
  run_nook 125 completion tcsh
  [[ $stderr_only == *"unsupported shell \"tcsh\""* ]] || die "$stderr_only"
}

@test "a bad --log-level is refused, a good one is accepted anywhere" {
  run_nook 125 --log-level loud info
  [[ $stderr_only == *"log level \"loud\" not supported"* ]] || die "$stderr_only"
  run_nook 0 --log-level error version
  run_nook 0 version --log-level=error
  run_nook 0 version --format json --format '{{.Client.Os}}'
  is "$output" "linux" "a repeated flag: the last one wins, as pflag"
}

@test "nook version prints podman's layout, JSON and templates" {
  run_nook 0 --version
  [[ $output =~ ^nook\ version\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || die "$output"
  run_nook 0 version
  [[ $output == *"Version:"*"API Version:"*"OS/Arch:"*"linux/"* ]] || die "$output"
  run_nook 0 version --format json
  echo "$output" | jq -e '.Client.Version and .Client.OsArch and .Client.APIVersion' >/dev/null || die "$output"
  run_nook 0 version --format '{{.Client.Os}}'
  is "$output" "linux"
  run_nook 0 version --format '{{.Version}}'
  [[ $output =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "old flat template should fall back to the client: $output"
}

@test "completion scripts match the packaged ones and complete in bash" {
  for shell in bash zsh fish; do
    run_nook 0 completion $shell
  done
  run_nook 0 completion bash
  local file=$BATS_TEST_TMPDIR/nook.bash
  printf '%s\n' "$output" > "$file"
  result=$(bash --norc --noprofile -c "source '$file'; COMP_WORDS=(nook inf); COMP_CWORD=1; _nook; echo \"\${COMPREPLY[*]}\"")
  is "$result" "info" "bash completes the command"
  result=$(bash --norc --noprofile -c "source '$file'; COMP_WORDS=(nook info --format ''); COMP_CWORD=3; _nook; echo \"\${COMPREPLY[*]}\"")
  is "$result" "json" "bash completes a flag value"
  result=$(bash --norc --noprofile -c "source '$file'; COMP_WORDS=(nook pull --tls-v); COMP_CWORD=2; _nook; echo \"\${COMPREPLY[*]}\"")
  [[ $result == *--tls-verify* ]] || die "bash did not complete pull's --tls-verify: $result"
  result=$(bash --norc --noprofile -c "source '$file'; COMP_WORDS=(nook image ''); COMP_CWORD=2; _nook; echo \"\${COMPREPLY[*]}\"")
  for sub in exists history inspect prune rm tag tree untag; do
    [[ " $result " == *" $sub "* ]] || die "bash did not offer 'image $sub': $result"
  done
  if command -v fish >/dev/null; then
    run_nook 0 completion fish
    printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/nook.fish"
    result=$(fish --no-config -c "source $BATS_TEST_TMPDIR/nook.fish; complete -C'nook sys'")
    [[ $result == *system* ]] || die "fish did not complete: $result"
  fi
  if command -v zsh >/dev/null; then
    run_nook 0 completion zsh
    printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/_nook"
    zsh -n "$BATS_TEST_TMPDIR/_nook" || die "zsh syntax error"
  fi
}

@test "--log-level debug and NOOK_DEBUG categories log to stderr, never stdout" {
  run_nook 0 --log-level debug info --format '{{.Host.Kernel}}'
  is "$stdout_only" "$(uname -r)" "stdout carries only the data"
  [[ $stderr_only == *"nook: debug: graph root "* ]] || die "no config debug line: $stderr_only"
  [[ $stderr_only == *"kernel overlay probe"* ]] || die "no store debug line: $stderr_only"
  NOOK_DEBUG=store run_nook 0 info --format '{{.Host.Kernel}}'
  [[ $stderr_only == *"kernel overlay probe"* ]] || die "store category not enabled: $stderr_only"
  [[ $stderr_only != *"graph root"* ]] || die "config category should stay quiet: $stderr_only"
  run_nook 0 info --format '{{.Host.Kernel}}'
  is "$stderr_only" "" "quiet by default"
  NOOK_DEBUG=bogus run_nook 125 version
  is "$stderr_only" "Error: unknown debug category \"bogus\""
}
