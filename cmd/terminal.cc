#include "cmd/terminal.h"

#include <unistd.h>

namespace nook::cli {

void RawTerminal::enable() {
  if (raw_ || ::isatty(0) != 1 || ::tcgetattr(0, &saved_) != 0) return;
  struct termios raw = saved_;
  ::cfmakeraw(&raw);
  if (::tcsetattr(0, TCSADRAIN, &raw) == 0) raw_ = true;
}

void RawTerminal::restore() {
  if (!raw_) return;
  ::tcsetattr(0, TCSADRAIN, &saved_);
  raw_ = false;
}

}  // namespace nook::cli
