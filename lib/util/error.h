// The one error type of nook, and Result<T>.
//
// Contract (see CONTRIBUTING.md, "Errors"): every fallible function in lib/ and rootless/ returns
// Result<T> = std::expected<T, Error>. An Error carries a kind (podman's sentinels as an enum), the
// errno that caused it (0 if none) and a message. Messages are lower case, without a full stop,
// user values quoted; context is prefixed on the way up with .context(), outermost first:
//   "loading \"/etc/containers/registries.conf\": line 3: expected '='"
// Only cmd/main.cc turns an Error into an exit code (exit_code_for()).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace nook {

enum class ErrorKind {
  NotFound,         // no such image, container, file the user named
  Exists,           // name already in use
  InvalidArgument,  // bad flag value, malformed reference, bad template
  InvalidState,     // container not running, image in use
  Permission,       // EPERM/EACCES the user can fix
  Unsupported,      // kernel or host lacks a feature (ENOSYS, EOPNOTSUPP)
  Network,          // registry unreachable, HTTP failure
  Corrupt,          // digest mismatch, malformed JSON/TOML in a file we read
  System,           // other syscall failures
  Internal,         // a bug in nook
  // Exit-code carriers for container processes (podman's 126/127).
  NotExecutable,  // the command exists but cannot be invoked (126)
  CommandNotFound,  // the command was not found (127)
};

// Name of a kind, for debug output and tests ("not found", "invalid argument", ...).
std::string_view error_kind_name(ErrorKind kind);
// The kind named by error_kind_name(), for errors that crossed a process boundary as text;
// Internal for a name it does not know.
ErrorKind error_kind_from_name(std::string_view name);

class Error {
 public:
  Error(ErrorKind kind, std::string message, int sys_errno = 0)
      : kind_(kind), sys_errno_(sys_errno), message_(std::move(message)) {}

  // An error from a failed system call: the message is "<call> <what>: <strerror>" and the kind is
  // derived from errno (ENOENT -> NotFound, EEXIST -> Exists, EPERM/EACCES -> Permission,
  // ENOSYS/EOPNOTSUPP -> Unsupported, else System). Reads errno, so call it right after the failure.
  static Error from_errno(std::string_view call, std::string_view what = {});
  static Error from_errno_value(int err, std::string_view call, std::string_view what = {});

  // Prefix context: Error("x").context("loading y") -> "loading y: x". Returns a copy so it can be
  // used in `return std::unexpected(e.context(...))`.
  [[nodiscard]] Error context(std::string_view prefix) const&;
  [[nodiscard]] Error context(std::string_view prefix) &&;

  ErrorKind kind() const { return kind_; }
  int sys_errno() const { return sys_errno_; }
  const std::string& message() const { return message_; }

 private:
  ErrorKind kind_;
  int sys_errno_;
  std::string message_;
};

template <class T>
using Result = std::expected<T, Error>;

// Shorthand for the error side: `return fail(ErrorKind::NotFound, "image \"x\" not known");`
inline std::unexpected<Error> fail(ErrorKind kind, std::string message, int sys_errno = 0) {
  return std::unexpected<Error>(Error(kind, std::move(message), sys_errno));
}
inline std::unexpected<Error> fail(Error error) { return std::unexpected<Error>(std::move(error)); }

// Podman's exit codes for engine errors: 125 for everything the engine reports, 126/127 for a
// command that cannot be invoked / is not found. Container exit statuses are passed through by
// the caller, never through an Error.
int exit_code_for(const Error& error);

}  // namespace nook

// Propagate an error: `auto fd = NOOK_TRY(sys::open_file(path));` inside a function returning
// Result<U>. Uses a GNU statement expression (GCC and Clang), as crun and systemd do.
#define NOOK_TRY(expr)                                                     \
  ({                                                                       \
    auto&& nook_try_result_ = (expr);                                      \
    if (!nook_try_result_) return std::unexpected(nook_try_result_.error()); \
    std::move(*nook_try_result_);                                          \
  })

// Like NOOK_TRY for Result<void>.
#define NOOK_TRY_VOID(expr)                                                \
  do {                                                                     \
    auto&& nook_try_result_ = (expr);                                      \
    if (!nook_try_result_) return std::unexpected(nook_try_result_.error()); \
  } while (0)
