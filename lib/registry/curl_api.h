// libcurl, loaded on first use.
//
// libcurl drags some 35 shared libraries into a process (TLS, Kerberos, LDAP, IDN, ICU ...): linked
// normally, every nook command, `nook version` and the container monitor included, paid ~5 ms in
// the dynamic loader for them. nook instead dlopen()s libcurl.so.4 the first time a registry
// client is made, so commands that never talk to a registry never map it.
//
// <curl/curl.h> still supplies the types and constants; the functions are called through the
// table: `const CurlApi& curl = *NOOK_TRY(curl_api()); curl.easy_setopt(h, CURLOPT_URL, url);`.
// The variadic setopt/getinfo calls go through plain function pointers, so curl's compile-time
// option type checks (typecheck-gcc.h) do not apply to them.
#pragma once

#include <curl/curl.h>

#include "lib/util/error.h"

namespace nook::registry {

// Every libcurl function nook calls, without its "curl_" prefix.
#define NOOK_CURL_FUNCTIONS(X) \
  X(global_init)               \
  X(version_info)              \
  X(getdate)                   \
  X(easy_init)                 \
  X(easy_cleanup)              \
  X(easy_setopt)               \
  X(easy_getinfo)              \
  X(easy_perform)              \
  X(easy_strerror)             \
  X(slist_append)              \
  X(slist_free_all)            \
  X(share_init)                \
  X(share_setopt)              \
  X(share_cleanup)

struct CurlApi {
#define NOOK_CURL_MEMBER(name) decltype(&::curl_##name) name = nullptr;
  NOOK_CURL_FUNCTIONS(NOOK_CURL_MEMBER)
#undef NOOK_CURL_MEMBER
};

inline constexpr const char* kCurlLibrary = "libcurl.so.4";

// The process's libcurl: dlopen()s kCurlLibrary and resolves every function on the first call
// (thread-safe, done once); later calls return the same table, or the same error. The error is
// Unsupported: "loading libcurl.so.4: <dlerror>" (dlerror names the missing function when the
// library lacks one). The library stays loaded until the process exits.
[[nodiscard]] Result<const CurlApi*> curl_api();

// Loads `library` (a soname or a path) into a fresh table without caching it; curl_api() uses it.
// For tests.
[[nodiscard]] Result<CurlApi> load_curl_api(const char* library);

// How many times curl_api() has loaded the library: 0 before the first call, 1 after. For tests.
int curl_api_loads();

}  // namespace nook::registry
