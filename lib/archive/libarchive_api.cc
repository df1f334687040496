#include "lib/archive/libarchive_api.h"

#include <fmt/format.h>

#include <atomic>
#include <mutex>

#include "lib/sys/dynlib.h"
#include "lib/util/log.h"

namespace nook::archive {

namespace {

std::once_flag g_once;
std::atomic<int> g_loads{0};
// Written once under g_once, read-only afterwards.
Result<LibarchiveApi> g_api = fail(ErrorKind::Internal, "libarchive not loaded");

}  // namespace

Result<LibarchiveApi> load_libarchive_api(const char* library) {
  // RTLD_LOCAL keeps libarchive's symbols, and those of the libraries it pulls in, out of the
  // global scope.
  return sys::load_library_api<LibarchiveApi>(library, [](void* handle, LibarchiveApi& api) {
    bool complete = true;
#define NOOK_LIBARCHIVE_RESOLVE(name) complete = complete && sys::resolve_symbol(handle, "archive_" #name, api.name);
    NOOK_LIBARCHIVE_FUNCTIONS(NOOK_LIBARCHIVE_RESOLVE)
#undef NOOK_LIBARCHIVE_RESOLVE
    return complete;
  });
}

Result<const LibarchiveApi*> libarchive_api() {
  std::call_once(g_once, [] {
    g_loads.fetch_add(1);
    g_api = load_libarchive_api(kLibarchiveLibrary);
    if (g_api) {
      NOOK_DEBUG(Store, "loaded {}", kLibarchiveLibrary);
    } else {
      NOOK_DEBUG(Store, "{}", g_api.error().message());
    }
  });
  if (!g_api) return fail(g_api.error());
  return &*g_api;
}

int libarchive_api_loads() { return g_loads.load(); }

}  // namespace nook::archive
