#!/bin/bash
# The newcomer's first command: install the Debian packages, build nook, install it under
# /usr/local, build a first image locally from Debian's busybox-static (no registry, no network)
# and run a first container from it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/contrib/install-deps.sh" "$here/contrib/debian-packages.txt"
cmake -S "$here" -B "$here/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNOOK_BUILD_TESTS=OFF >/dev/null
cmake --build "$here/build" --target nook
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
$sudo cmake --install "$here/build" --prefix /usr/local >/dev/null
echo "installed $(command -v nook)"
"$here/contrib/first-image.sh" nook
nook run --rm localhost/busybox echo "hello from a nook container"
