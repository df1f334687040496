// What every verb gets: the global options and, loaded on first use, the configuration.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "lib/engine/engine.h"
#include "lib/util/error.h"

namespace nook::cli {

// podman's global (persistent) flags that nook has so far: --root, --runroot, --storage-driver,
// --log-level.
using GlobalOptions = engine::GlobalFlags;

class Context {
 public:
  explicit Context(GlobalOptions global) : global_(std::move(global)) {}

  const GlobalOptions& global() const { return global_; }

  // Loads the configuration on first call (files, NOOK_* environment, then the global flags);
  // a malformed file is an error naming the file and line.
  [[nodiscard]] Result<const engine::Settings*> settings();

 private:
  GlobalOptions global_;
  std::unique_ptr<engine::Settings> settings_;
};

}  // namespace nook::cli
