// Shared between container_fs.cc, container_commit.cc and system.cc; not part of the engine's API.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lib/container/container.h"
#include "lib/engine/engine.h"
#include "lib/sys/file.h"
#include "lib/sys/lock.h"
#include "lib/sys/mount.h"
#include "lib/util/error.h"

namespace nook::engine {

// A container found by the name or id the user gave, with its paths; its state reconciled (not
// written) with a dead monitor.
struct OpenedContainer {
  std::optional<container::ContainerStore> store;
  container::Container record;
  container::ContainerPaths paths;
};
[[nodiscard]] Result<OpenedContainer> open_container(const Settings& settings, std::string_view key, bool read_only);

// A directory holding the container's root file system for as long as the object lives
// (container_fs.h says how each kind is made). Members are destroyed in reverse order: the
// mount goes before its temporary directory, the lock last.
struct RootView {
  sys::FileLock lock;
  sys::TempPath dir;
  sys::ScopedMount mount;
  std::string root;
};
[[nodiscard]] Result<RootView> read_only_view(const Settings& settings, const OpenedContainer& c);
// For writing: /proc/PID/root of a running container; else its overlay mounted under its lock.
[[nodiscard]] Result<RootView> writable_root(const Settings& settings, OpenedContainer& c);

}  // namespace nook::engine
