#include "lib/registry/curl_api.h"

#include <fmt/format.h>

#include <atomic>
#include <mutex>

#include "lib/sys/dynlib.h"
#include "lib/util/log.h"

namespace nook::registry {

namespace {

std::once_flag g_once;
std::atomic<int> g_loads{0};
// Written once under g_once, read-only afterwards.
Result<CurlApi> g_api = fail(ErrorKind::Internal, "libcurl not loaded");

}  // namespace

Result<CurlApi> load_curl_api(const char* library) {
  // RTLD_LOCAL keeps curl's symbols, and those of the libraries it pulls in, out of the global
  // scope.
  return sys::load_library_api<CurlApi>(library, [](void* handle, CurlApi& api) {
    bool complete = true;
#define NOOK_CURL_RESOLVE(name) complete = complete && sys::resolve_symbol(handle, "curl_" #name, api.name);
    NOOK_CURL_FUNCTIONS(NOOK_CURL_RESOLVE)
#undef NOOK_CURL_RESOLVE
    return complete;
  });
}

Result<const CurlApi*> curl_api() {
  std::call_once(g_once, [] {
    g_loads.fetch_add(1);
    g_api = load_curl_api(kCurlLibrary);
    if (g_api) {
      NOOK_DEBUG(Registry, "loaded {}", kCurlLibrary);
    } else {
      NOOK_DEBUG(Registry, "{}", g_api.error().message());
    }
  });
  if (!g_api) return fail(g_api.error());
  return &*g_api;
}

int curl_api_loads() { return g_loads.load(); }

}  // namespace nook::registry
