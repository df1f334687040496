#include "lib/engine/engine.h"

namespace nook::engine {

Result<Settings> load_settings(const GlobalFlags& flags) {
  Settings settings;
  settings.env = config::Environment::from_process();
  config::ConfigOverrides overrides{flags.root, flags.runroot, flags.storage_driver, flags.log_level};
  settings.config = NOOK_TRY(config::load_config(settings.env, overrides));
  return settings;
}

}  // namespace nook::engine
