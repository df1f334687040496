// The engine: what cmd/ calls. One function per verb, plain option structs in, reports out.
// cmd/ includes only this header (plus lib/util/*), so everything a verb decides lives below it.
//
// Reports for `info` and `version` are JSON values whose keys are podman's, so --format
// templates and scripts written for podman work unchanged.
#pragma once

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/config/config.h"
#include "lib/config/environment.h"
#include "lib/engine/container_fs.h"
#include "lib/engine/container_exec.h"
#include "lib/engine/container_verbs.h"
#include "lib/engine/containers.h"
#include "lib/engine/images.h"
#include "lib/engine/login.h"
#include "lib/engine/pull.h"
#include "lib/engine/transfer.h"
#include "lib/engine/volumes.h"
#include "lib/util/error.h"

namespace nook::engine {

// The global flags, as given (unset when the user did not pass them): the overrides that sit on
// top of the configuration files and NOOK_* variables.
using GlobalFlags = config::ConfigOverrides;

// Everything a command needs to know about its surroundings, loaded once per invocation.
struct Settings {
  config::Environment env;
  config::Config config;
};

// Takes the process environment snapshot and loads the configuration with podman's file
// precedence, then nook.conf, NOOK_* variables and the global flags.
[[nodiscard]] Result<Settings> load_settings(const GlobalFlags& flags);

// `nook version`: {"Client": {"APIVersion", "Version", "CompilerVersion", "GitCommit", "BuiltTime",
// "Built", "OsArch", "Os"}}.
nlohmann::json version_report();

// `nook info`: podman's keys (host, store, registries, plugins, version) plus nook's own where
// podman has none (host.helpers, store.graphDriverReason, host.subordinateRanges ...).
[[nodiscard]] Result<nlohmann::json> system_info(const Settings& settings);

// Entering the rootless user namespace, as every command that writes layer content does (a no-op
// as root). Must be called before any thread exists (rootless/userns.h). The single-id warning,
// if any, goes to `on_warning`. With `share_with` (a running container's init, from
// userns_to_share()) the command joins that container's user namespace instead of making one.
[[nodiscard]] Result<void> enter_userns(const Settings& settings,
                                        const std::function<void(const std::string&)>& on_warning,
                                        pid_t share_with = 0);

// The running container whose user namespace a command must enter to start its containers, 0
// for a new one: rootless, a container can only join the network namespace of another
// (`--network container:NAME`) from inside that container's user namespace. `network_flags` are
// run's --network values, `containers` the containers start and restart name. A dependency that
// does not exist or does not run is left to the command itself to report (or start).
[[nodiscard]] Result<pid_t> userns_to_share(const Settings& settings, const std::vector<std::string>& network_flags,
                                            const std::vector<std::string>& containers);

// `nook unshare`: as a non-root user, enters the user namespace every writing command uses
// (rootless/userns.h; must be called before any thread exists), then runs `command` (empty: the
// user's $SHELL, else /bin/sh) with inherited stdio and CONTAINERS_GRAPHROOT/CONTAINERS_RUNROOT
// set, and returns its exit code (128 + N when killed by signal N). A warning (single-id mapping)
// goes to `on_warning` before the command starts. A missing command fails with kind
// CommandNotFound, one that cannot be executed with NotExecutable.
[[nodiscard]] Result<int> unshare_run(const Settings& settings, const std::vector<std::string>& command,
                                      const std::function<void(const std::string&)>& on_warning);

// --format handling shared by every verb (see lib/format/template.h for the semantics).
bool is_json_format(std::string_view format);
// A user template over one object, normalized as podman does (\t, \n escapes, trailing newline),
// output aligned through podman's tabwriter.
[[nodiscard]] Result<std::string> render_template(std::string_view format, const nlohmann::json& data);
// A built-in template (nook's own default output) over one object, through the tabwriter.
[[nodiscard]] Result<std::string> render_table_text(std::string_view format, const nlohmann::json& data);
// YAML as podman prints `info` by default.
std::string render_yaml(const nlohmann::json& data);

}  // namespace nook::engine
