// ISA-L's igzip inflater, loaded on first use.
//
// Decompressing gzip layers was most of a pull's user time with zlib; igzip decodes the same
// streams about three times as fast. libisal.so.2 (Debian's libisal2) is optional at run time:
// without it the pull decodes with zlib as before. <isa-l/igzip_lib.h> supplies the types.
#pragma once

#include <isa-l/igzip_lib.h>

#include "lib/util/error.h"

namespace nook::archive {

struct IsalApi {
  void (*inflate_init)(struct inflate_state*) = nullptr;
  void (*inflate_reset)(struct inflate_state*) = nullptr;
  int (*inflate)(struct inflate_state*) = nullptr;
};

inline constexpr const char* kIsalLibrary = "libisal.so.2";

// Loads `library` and resolves the three functions; Unsupported "loading NAME: <dlerror>".
[[nodiscard]] Result<IsalApi> load_isal_api(const char* library);

// The process's igzip, loaded once (thread-safe); nullptr when kIsalLibrary cannot be loaded.
const IsalApi* isal_api();

// isal_inflate()'s error codes in words ("invalid block", "incorrect checksum", ...).
const char* isal_error_text(int code);

}  // namespace nook::archive
