#!/bin/bash
# The newcomer's first command: install the Debian packages, build nook, install it under
# /usr/local, and show what it found on this machine (`nook info`).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/contrib/install-deps.sh" "$here/contrib/debian-packages.txt"
cmake -S "$here" -B "$here/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNOOK_BUILD_TESTS=OFF >/dev/null
cmake --build "$here/build" --target nook
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
$sudo cmake --install "$here/build" --prefix /usr/local >/dev/null
echo "installed $(command -v nook)"
nook info
