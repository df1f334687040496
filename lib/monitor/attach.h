// Attaching to a running container: the detach keys, the messages of the monitor's attach socket
// and the socket itself (conmon's attach socket).
//
// The monitor listens on <userdata>/attach, a SOCK_SEQPACKET unix socket; every packet is one
// message: a type byte, then its payload.
//   client -> monitor   Stdin (bytes for the container's stdin or pty), StdinClose,
//                       Resize (rows and columns, 16-bit little endian each),
//                       Signal (a signal number in decimal, for the monitor to send to the
//                       container: a nook command in a user namespace of its own may not signal a
//                       container that has its own, `--userns=auto` or keep-id; the monitor may)
//   monitor -> client   Stdout, Stderr (the container's output as it is produced), Exit (the
//                       container's exit code in decimal; the monitor closes the socket next)
// Detach keys are the client's business: `nook attach` stops at the sequence and closes the
// socket; the container goes on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lib/sys/fd.h"
#include "lib/util/error.h"

namespace nook::monitor {

inline constexpr std::string_view kDefaultDetachKeys = "ctrl-p,ctrl-q";

// podman's detach-key syntax (docker's term.ToBytes): comma-separated keys, each one character or
// "ctrl-X" with X one of a-z @ [ \ ] ^ _. "" gives "" (detaching disabled). InvalidArgument
// "invalid detach keys: Unknown character: 'foo'".
[[nodiscard]] Result<std::string> parse_detach_keys(std::string_view keys);

// Finds the detach sequence in a stream of input. Bytes that may start the sequence are held back
// until the next byte shows whether it goes on; a mismatch releases them in order.
class DetachMatcher {
 public:
  explicit DetachMatcher(std::string keys) : keys_(std::move(keys)) {}
  // Appends to `out` what must be forwarded. True once the whole sequence was typed: the bytes of
  // `data` after it are dropped.
  bool feed(std::string_view data, std::string& out);
  bool enabled() const { return !keys_.empty(); }

 private:
  std::string keys_;
  size_t matched_ = 0;
};

enum class AttachType : uint8_t { Stdin = 0, StdinClose = 1, Resize = 2, Stdout = 3, Stderr = 4, Exit = 5, Signal = 6 };

struct WindowSize {
  uint16_t rows = 0;
  uint16_t cols = 0;
  friend bool operator==(const WindowSize&, const WindowSize&) = default;
};

// One packet: the type byte followed by the payload.
std::string encode_attach(AttachType type, std::string_view payload = {});
std::string encode_resize(WindowSize size);
std::string encode_exit(int code);
std::string encode_signal(int sig);

struct AttachMessage {
  AttachType type = AttachType::Stdin;
  std::string_view payload;
};
// A packet -> its type and payload (a view into `packet`). Corrupt for an empty packet or an
// unknown type.
[[nodiscard]] Result<AttachMessage> decode_attach(std::string_view packet);
[[nodiscard]] Result<WindowSize> decode_resize(std::string_view payload);
[[nodiscard]] Result<int> decode_exit(std::string_view payload);
// A signal number from 1 to 64; Corrupt otherwise.
[[nodiscard]] Result<int> decode_signal(std::string_view payload);

// <dir>/attach, reached through /proc/self/fd/N of `dir` so that a long storage path does not hit
// the 108-byte limit of sun_path.
[[nodiscard]] Result<sys::UniqueFd> listen_attach_socket(const std::string& dir);
[[nodiscard]] Result<sys::UniqueFd> connect_attach_socket(const std::string& dir);

}  // namespace nook::monitor
