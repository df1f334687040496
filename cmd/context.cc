#include "cmd/context.h"

namespace nook::cli {

Result<const engine::Settings*> Context::settings() {
  if (!settings_) {
    engine::GlobalFlags flags{global_.root, global_.runroot, global_.storage_driver, global_.log_level};
    settings_ = std::make_unique<engine::Settings>(NOOK_TRY(engine::load_settings(flags)));
  }
  return settings_.get();
}

}  // namespace nook::cli
