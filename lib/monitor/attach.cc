#include "lib/monitor/attach.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "lib/sys/file.h"
#include "lib/util/strings.h"

namespace nook::monitor {
namespace {

// Index = the control code: "ctrl-@" is 0, "ctrl-a" 1, ... "ctrl-_" 31.
constexpr std::array<std::string_view, 32> kControlNames = {
    "ctrl-@", "ctrl-a", "ctrl-b", "ctrl-c", "ctrl-d", "ctrl-e", "ctrl-f", "ctrl-g",  "ctrl-h", "ctrl-i", "ctrl-j",
    "ctrl-k", "ctrl-l", "ctrl-m", "ctrl-n", "ctrl-o", "ctrl-p", "ctrl-q", "ctrl-r",  "ctrl-s", "ctrl-t", "ctrl-u",
    "ctrl-v", "ctrl-w", "ctrl-x", "ctrl-y", "ctrl-z", "ctrl-[", "ctrl-\\", "ctrl-]", "ctrl-^", "ctrl-_"};

struct SocketAddress {
  struct sockaddr_un addr {};
  sys::UniqueFd dir;  // keeps /proc/self/fd/N valid
};

Result<SocketAddress> socket_address(const std::string& dir) {
  SocketAddress a;
  a.dir = NOOK_TRY(sys::open_file(dir, O_PATH | O_DIRECTORY));
  std::string path = fmt::format("/proc/self/fd/{}/attach", a.dir.get());
  a.addr.sun_family = AF_UNIX;
  std::memcpy(a.addr.sun_path, path.c_str(), path.size() + 1);
  return a;
}

}  // namespace

Result<std::string> parse_detach_keys(std::string_view keys) {
  std::string out;
  if (keys.empty()) return out;
  for (std::string_view key : strings::split(keys, ',')) {
    if (key.size() == 1) {
      out.push_back(key[0]);
      continue;
    }
    bool found = false;
    for (size_t code = 0; code < kControlNames.size(); ++code) {
      if (kControlNames[code] == key) {
        out.push_back(static_cast<char>(code));
        found = true;
        break;
      }
    }
    if (!found) return fail(ErrorKind::InvalidArgument, fmt::format("invalid detach keys: Unknown character: '{}'", key));
  }
  return out;
}

bool DetachMatcher::feed(std::string_view data, std::string& out) {
  for (char c : data) {
    if (keys_.empty()) {
      out.push_back(c);
      continue;
    }
    if (c == keys_[matched_]) {
      if (++matched_ == keys_.size()) {
        matched_ = 0;
        return true;
      }
      continue;
    }
    if (matched_ > 0) {
      out.append(keys_, 0, matched_);
      matched_ = 0;
    }
    if (c == keys_[0]) {
      matched_ = 1;
      if (keys_.size() == 1) {
        matched_ = 0;
        return true;
      }
    } else {
      out.push_back(c);
    }
  }
  return false;
}

std::string encode_attach(AttachType type, std::string_view payload) {
  std::string packet(1, static_cast<char>(type));
  packet.append(payload);
  return packet;
}

std::string encode_resize(WindowSize size) {
  char payload[4] = {static_cast<char>(size.rows & 0xff), static_cast<char>(size.rows >> 8),
                     static_cast<char>(size.cols & 0xff), static_cast<char>(size.cols >> 8)};
  return encode_attach(AttachType::Resize, std::string_view(payload, 4));
}

std::string encode_exit(int code) { return encode_attach(AttachType::Exit, std::to_string(code)); }
std::string encode_signal(int sig) { return encode_attach(AttachType::Signal, std::to_string(sig)); }

Result<AttachMessage> decode_attach(std::string_view packet) {
  if (packet.empty()) return fail(ErrorKind::Corrupt, "attach socket: empty message");
  auto type = static_cast<uint8_t>(packet[0]);
  if (type > static_cast<uint8_t>(AttachType::Signal)) {
    return fail(ErrorKind::Corrupt, fmt::format("attach socket: unknown message type {}", type));
  }
  return AttachMessage{static_cast<AttachType>(type), packet.substr(1)};
}

Result<WindowSize> decode_resize(std::string_view payload) {
  if (payload.size() != 4) return fail(ErrorKind::Corrupt, fmt::format("attach socket: resize of {} bytes", payload.size()));
  auto byte = [&](size_t i) { return static_cast<uint16_t>(static_cast<unsigned char>(payload[i])); };
  return WindowSize{static_cast<uint16_t>(byte(0) | (byte(1) << 8)), static_cast<uint16_t>(byte(2) | (byte(3) << 8))};
}

namespace {

std::optional<int> decimal(std::string_view payload) {
  int value = 0;
  auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), value);
  if (ec != std::errc() || end != payload.data() + payload.size() || payload.empty()) return std::nullopt;
  return value;
}

}  // namespace

Result<int> decode_exit(std::string_view payload) {
  std::optional<int> code = decimal(payload);
  if (!code) return fail(ErrorKind::Corrupt, fmt::format("attach socket: bad exit code {:?}", payload));
  return *code;
}

Result<int> decode_signal(std::string_view payload) {
  std::optional<int> sig = decimal(payload);
  if (!sig || *sig < 1 || *sig > 64) return fail(ErrorKind::Corrupt, fmt::format("attach socket: bad signal {:?}", payload));
  return *sig;
}

Result<sys::UniqueFd> listen_attach_socket(const std::string& dir) {
  SocketAddress a = NOOK_TRY(socket_address(dir));
  int raw = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (raw < 0) return fail(Error::from_errno("socket", "attach"));
  sys::UniqueFd fd(raw);
  ::unlinkat(a.dir.get(), "attach", 0);
  if (::bind(fd.get(), reinterpret_cast<const struct sockaddr*>(&a.addr), sizeof a.addr) < 0) {
    return fail(Error::from_errno("bind", fmt::format("{:?}", dir + "/attach")));
  }
  ::fchmodat(a.dir.get(), "attach", 0600, 0);
  if (::listen(fd.get(), 8) < 0) return fail(Error::from_errno("listen", "attach socket"));
  return fd;
}

Result<sys::UniqueFd> connect_attach_socket(const std::string& dir) {
  SocketAddress a = NOOK_TRY(socket_address(dir));
  int raw = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (raw < 0) return fail(Error::from_errno("socket", "attach"));
  sys::UniqueFd fd(raw);
  int rc;
  do {
    rc = ::connect(fd.get(), reinterpret_cast<const struct sockaddr*>(&a.addr), sizeof a.addr);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) return fail(Error::from_errno("connect", fmt::format("{:?}", dir + "/attach")));
  return fd;
}

}  // namespace nook::monitor
