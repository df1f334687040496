#include "lib/sys/dynlib.h"

#include <fmt/format.h>

namespace nook::sys {

Error library_error(const char* name) {
  const char* msg = ::dlerror();
  return Error(ErrorKind::Unsupported, fmt::format("loading {}: {}", name, msg != nullptr ? msg : "unknown error"));
}

Result<void*> open_library(const char* name) {
  void* handle = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return fail(library_error(name));
  return handle;
}

void close_library(void* handle) {
  if (handle != nullptr) ::dlclose(handle);
}

}  // namespace nook::sys
