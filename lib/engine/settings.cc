#include "lib/engine/engine.h"
#include "lib/util/log.h"

namespace nook::engine {

Result<Settings> load_settings(const GlobalFlags& flags) {
  Settings settings;
  settings.env = config::Environment::from_process();
  settings.config = NOOK_TRY(config::load_config(settings.env, flags));
  const config::Config& c = settings.config;
  for (const std::string& file : c.files_read) NOOK_DEBUG(Config, "read {}", file);
  NOOK_DEBUG(Config, "graph root {} (from {}), run root {} (from {})", c.graph_root, c.graph_root_source,
             c.run_root, c.run_root_source);
  NOOK_DEBUG(Config, "storage driver {} (from {})", c.storage_driver, c.storage_driver_source);
  return settings;
}

}  // namespace nook::engine
