// What the container verbs that act on several containers print (start, stop, kill, rm, wait,
// restart, pause, unpause, init): podman's OutputErrors rules.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <vector>

#include "lib/engine/engine.h"
#include "lib/util/error.h"

namespace nook::cli {

// Prints each success's key (its id with --all, or its exit code for wait) and the errors:
// podman prints every error but the last to stderr and returns the last as the command's error.
// `exit_code_for` gives a verb's own exit code for that last error (rm: 1 missing, 2 running);
// without it, or when it says 125, the error goes through main's usual path.
enum class Print { Key, Id, ExitCode };
[[nodiscard]] Result<int> report(const std::vector<engine::ContainerResult>& results, Print print,
                                 int (*exit_code_for)(const Error&) = nullptr);

// `-t, --time SECONDS` of stop and restart; `timeout` stays -1 when the flag is not given.
void add_stop_time_flag(CLI::App& app, const std::shared_ptr<int>& timeout);

}  // namespace nook::cli
