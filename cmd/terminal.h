// The local terminal of a command attached to a container's pty (run -it, start -ai, exec -it,
// attach): raw mode while attached, the old settings back on every way out (the destructor runs
// on return and on error; SIGTERM and friends are forwarded to the container, so the command
// still returns through here).
#pragma once

#include <termios.h>

namespace nook::cli {

class RawTerminal {
 public:
  RawTerminal() = default;
  ~RawTerminal() { restore(); }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

  // Puts fd 0 in raw mode (cfmakeraw, output processing kept off as podman's term.MakeRaw) when it
  // is a terminal; a no-op otherwise or when already raw.
  void enable();
  void restore();

 private:
  bool raw_ = false;
  struct termios saved_ {};
};

}  // namespace nook::cli
