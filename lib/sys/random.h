// Random identifiers from getrandom(2).
#pragma once

#include <cstddef>
#include <string>

#include "lib/util/error.h"

namespace nook::sys {

// `bytes` random bytes from the kernel's pool as lower-case hex (2 * bytes characters). Blocks
// only before the pool is initialized at boot; EINTR is retried.
[[nodiscard]] Result<std::string> random_hex(size_t bytes);

}  // namespace nook::sys
