#include "lib/archive/isal_api.h"

#include <mutex>

#include "lib/sys/dynlib.h"
#include "lib/util/log.h"

namespace nook::archive {

Result<IsalApi> load_isal_api(const char* library) {
  return sys::load_library_api<IsalApi>(library, [](void* handle, IsalApi& api) {
    return sys::resolve_symbol(handle, "isal_inflate_init", api.inflate_init) &&
           sys::resolve_symbol(handle, "isal_inflate_reset", api.inflate_reset) &&
           sys::resolve_symbol(handle, "isal_inflate", api.inflate);
  });
}

const IsalApi* isal_api() {
  static std::once_flag once;
  static const IsalApi* api = nullptr;
  std::call_once(once, [] {
    static Result<IsalApi> loaded = load_isal_api(kIsalLibrary);
    if (loaded) {
      api = &*loaded;
      NOOK_DEBUG(Store, "loaded {}", kIsalLibrary);
    } else {
      NOOK_DEBUG(Store, "{}: gzip layers are decoded with zlib", loaded.error().message());
    }
  });
  return api;
}

const char* isal_error_text(int code) {
  switch (code) {
    case ISAL_INVALID_BLOCK:
      return "invalid block";
    case ISAL_INVALID_SYMBOL:
      return "invalid symbol";
    case ISAL_INVALID_LOOKBACK:
      return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER:
      return "incorrect header";
    case ISAL_UNSUPPORTED_METHOD:
      return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM:
      return "incorrect data check";
    case ISAL_NEED_DICT:
      return "a preset dictionary is needed";
    default:
      return "invalid data";
  }
}

}  // namespace nook::archive
