#!/bin/bash
# The whole test suite, as CI runs it (.ci/run calls exactly this): installs the packages, builds
# with warnings as errors (unit tests against ASan+UBSan copies of the libraries), then ctest runs
# the unit tests, the lint checks and the end-to-end tests (as the unprivileged user `nooktest`,
# against loopback registries). Needs root for the test bed (user, /etc/subuid, registries), so it
# re-runs itself under sudo when started as a normal user.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then
  exec sudo --preserve-env=NOOK_E2E_DIR,CTEST_ARGS "$0" "$@"
fi
"$here/contrib/install-deps.sh" "$here/contrib/debian-packages.txt" "$here/tests/packages.txt"
build=${NOOK_TEST_BUILD_DIR:-$here/build-tests}
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNOOK_WERROR=ON \
  -DNOOK_E2E_DIR="${NOOK_E2E_DIR:-/var/tmp/nook-e2e}" >/dev/null
cmake --build "$build"
cd "$build"
# shellcheck disable=SC2086
ctest --output-on-failure -j2 ${CTEST_ARGS:-} "$@"
