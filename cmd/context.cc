#include "cmd/context.h"

namespace nook::cli {

Result<const engine::Settings*> Context::settings() {
  if (!settings_) {
    settings_ = std::make_unique<engine::Settings>(NOOK_TRY(engine::load_settings(global_)));
  }
  return settings_.get();
}

}  // namespace nook::cli
