// nook internal monitor ARGS...: the per-container monitor (lib/monitor/monitor.h), started by the
// engine as `/proc/self/exe --root GRAPHROOT internal monitor ...` from inside nook's user
// namespace. Hidden: not for users. Its flags are lib/monitor's own (monitor::to_args/from_args),
// passed through untouched; --root tells the exit handler where the container's record is.
#include <fmt/format.h>

#include <cstdio>

#include "cmd/command.h"
#include "lib/engine/engine.h"
#include "lib/monitor/monitor.h"
#include "lib/runtime/runtime.h"

namespace nook::cli {

Runner setup_internal_monitor(CLI::App& app) {
  // Everything after the verb is the monitor's argv.
  app.prefix_command();
  return [](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    monitor::Options options = NOOK_TRY(monitor::from_args(args));
    std::optional<std::string> graph_root = ctx.global().root;
    std::function<void(const monitor::ExitInfo&)> on_exit = [options, graph_root](const monitor::ExitInfo& info) {
      // The runtime's state of a container that has exited is not needed any more: a later
      // start creates it afresh.
      if (options.runtime.empty()) (void)runtime::remove(options.runtime_state_root, options.id, true);
      if (!graph_root) return;
      // Nobody reads the monitor's stderr (it is /dev/null when detached); a failure here shows
      // up as a record still "running", which the next command reconciles from the exit file.
      (void)engine::finish_container(*graph_root, options.id, info.exit_code, info.exited_at_ns, info.oom_killed,
                                     options.runtime_state_root);
    };
    return monitor::run(options, on_exit);
  };
}

}  // namespace nook::cli
