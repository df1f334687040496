// Signal names as users type them (podman's pkg/signal): "SIGTERM", "TERM", "term", "15",
// "RTMIN+3", "SIGRTMAX-2".
#pragma once

#include <string>
#include <string_view>

#include "lib/util/error.h"

namespace nook {

// The signal number; InvalidArgument "invalid signal: X" for anything else (0 and numbers above
// SIGRTMAX included).
[[nodiscard]] Result<int> parse_signal(std::string_view text);

// "SIGTERM" for 15; "SIGRTMIN+3" for real-time signals; "SIG<number>" for unknown numbers.
std::string signal_name(int number);

}  // namespace nook
