// Shared libraries loaded on first use (dlopen), so that commands which never need a heavy
// library (libcurl, libarchive and the dozens of libraries they pull in) do not pay for loading it.
#pragma once

#include <dlfcn.h>

#include "lib/util/error.h"

namespace nook::sys {

// dlopen(name, RTLD_NOW | RTLD_LOCAL): the library's symbols, and those of the libraries it pulls
// in, stay out of the global scope. Unsupported "loading NAME: <dlerror>" when it cannot be loaded.
[[nodiscard]] Result<void*> open_library(const char* name);

// The error for a library that lacks a symbol (or failed otherwise), from dlerror().
Error library_error(const char* name);

// dlclose(); for a library that turned out incomplete (a complete one stays loaded for good).
void close_library(void* handle);

// Resolves `symbol` into the typed function pointer `out`; false when the library lacks it.
template <class Fn>
bool resolve_symbol(void* handle, const char* symbol, Fn& out) {
  out = reinterpret_cast<Fn>(::dlsym(handle, symbol));
  return out != nullptr;
}

// Opens `library` and fills a table of its functions: `resolve_all(handle, api)` resolves every
// member and says whether all were found. The handle of a complete library is never closed; an
// incomplete one is closed again and its error names the library and the missing symbol.
template <class Api, class ResolveAll>
[[nodiscard]] Result<Api> load_library_api(const char* library, ResolveAll resolve_all) {
  void* handle = NOOK_TRY(open_library(library));
  Api api;
  if (!resolve_all(handle, api)) {
    Error error = library_error(library);
    close_library(handle);
    return fail(std::move(error));
  }
  return api;
}

}  // namespace nook::sys
