#include <sys/utsname.h>

#include <fmt/format.h>

#include "lib/engine/engine.h"

#ifndef NOOK_VERSION
#define NOOK_VERSION "0.1.0"
#endif

namespace nook::engine {

namespace {

std::string machine_arch() {
  struct utsname u {};
  if (uname(&u) != 0) return "unknown";
  std::string m = u.machine;
  // GOARCH names, as podman reports them.
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m == "armv7l" || m == "armv6l") return "arm";
  if (m == "i686" || m == "i386") return "386";
  return m;
}

}  // namespace

std::string go_arch() { return machine_arch(); }

nlohmann::json version_report() {
  std::string compiler = fmt::format("g++ {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
  nlohmann::json client = {
      {"APIVersion", NOOK_VERSION},
      {"Version", NOOK_VERSION},
      {"CompilerVersion", compiler},
      {"GitCommit", ""},
      {"BuiltTime", "Thu Jan  1 00:00:00 1970"},  // reproducible builds carry no timestamp
      {"Built", 0},
      {"OsArch", "linux/" + machine_arch()},
      {"Os", "linux"},
  };
  return {{"Client", client}};
}

}  // namespace nook::engine
