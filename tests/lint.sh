#!/bin/bash
# The code base's rules that a grep can check (STYLE.md 3.3, 3.5, 3.7, 3.10). Prints every
# violation and exits 1 if there is any.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
status=0
# Drops grep -n hits whose line is a comment.
code_only() { grep -vE '^[^:]+:[0-9]+:\s*(//|\*)' || true; }
violation() { echo "lint: $*"; status=1; }

# cmd/ includes only the engine header, lib/util and cmd/ itself; cmd/internal/ (the hidden verbs
# the engine execs: monitor, runtime) may also include the runtime's and the monitor's header.
while IFS= read -r line; do
  violation "cmd/ may include only lib/engine/engine.h, lib/util/* and cmd/*: $line"
done < <(grep -rn '#include "lib/' cmd/ | grep -v -e '"lib/engine/engine.h"' -e '"lib/util/' |
         grep -v -E '^cmd/internal/[^:]+:[0-9]+:#include "lib/(runtime/runtime|monitor/monitor)\.h"' || true)

# Exceptions only in the adapters that call throwing libraries.
while IFS= read -r line; do
  violation "throw/try outside an adapter file (*_adapter.cc): $line"
done < <(grep -rnE '^\s*(throw\b|try\s*\{)|\}\s*catch\s*\(' lib/ rootless/ --include='*.cc' --include='*.h' |
         grep -v '_adapter\.\(cc\|h\):' | code_only)

# syscall(2) and __NR_* only in lib/sys/syscall.cc.
while IFS= read -r line; do
  violation "syscall()/__NR_ outside lib/sys/syscall.cc: $line"
done < <(grep -rnE '\bsyscall\s*\(|__NR_' lib/ rootless/ cmd/ --include='*.cc' --include='*.h' |
         grep -v '^lib/sys/syscall\.\(cc\|h\):' | code_only)

# lib/ never writes to stdout and never calls exit().
while IFS= read -r line; do
  violation "lib/ must not print to stdout or exit(): $line"
done < <(grep -rnE 'std::cout|\bprintf\s*\(|\bputs\s*\(|fmt::print\s*\((stdout,\s*)?"|[^_]\bexit\s*\(' lib/ rootless/ \
           --include='*.cc' --include='*.h' | grep -v '_exit\s*(' | code_only)

# Environment variables are read in lib/config/environment.cc and cmd/ only (and by spawn's
# execvp-like PATH search in lib/sys/proc.cc).
while IFS= read -r line; do
  violation "getenv outside lib/config/environment.cc and cmd/: $line"
done < <(grep -rn 'getenv\s*(' lib/ rootless/ --include='*.cc' --include='*.h' |
         grep -v -e '^lib/config/environment\.cc:' -e '^lib/sys/proc\.cc:' | code_only)

# Every lib/ and rootless/ source has a unit test, unless tests/untested.txt says why not.
for src in $(find lib rootless -name '*.cc' | sort); do
  dir=$(dirname "$src"); module=${dir#lib/}; base=$(basename "$src" .cc)
  [ -f "tests/unit/$module/${base}_test.cc" ] && continue
  grep -q "^$src " tests/untested.txt 2>/dev/null && continue
  violation "$src has no tests/unit/$module/${base}_test.cc (or an entry with a reason in tests/untested.txt)"
done

exit $status
