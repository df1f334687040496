#include "lib/runtime/terminal.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace nook::runtime {

int send_fd(int socket, int fd) noexcept {
  char byte = 0;
  struct iovec iov {&byte, 1};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  std::memset(control, 0, sizeof control);
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  for (;;) {
    if (::sendmsg(socket, &msg, MSG_NOSIGNAL) == 1) return 0;
    if (errno != EINTR) return -errno;
  }
}

Result<sys::UniqueFd> receive_fd(int socket) {
  char byte = 0;
  struct iovec iov {&byte, 1};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return fail(Error::from_errno("recvmsg", "console socket"));
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      return sys::UniqueFd(fd);
    }
  }
  return fail(ErrorKind::System, "the runtime sent no terminal on the console socket");
}

bool setup_terminal(int console_fd, uid_t uid, const std::optional<oci::ConsoleSize>& size,
                    SyncRecord& error) noexcept {
  if (::getsid(0) != ::getpid() && ::setsid() < 0) {
    set_error(error, ErrorKind::System, errno, "setsid");
    return false;
  }
  int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) {
    set_error(error, ErrorKind::System, errno, "opening /dev/ptmx in the container");
    return false;
  }
  int unlock = 0;
  if (::ioctl(master, TIOCSPTLCK, &unlock) < 0) {
    set_error(error, ErrorKind::System, errno, "unlocking the pty");
    return false;
  }
  int slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) {  // before Linux 4.13: by name
    unsigned number = 0;
    char path[32];
    if (::ioctl(master, TIOCGPTN, &number) < 0) {
      set_error(error, ErrorKind::System, errno, "getting the pty number");
      return false;
    }
    std::snprintf(path, sizeof path, "/dev/pts/%u", number);
    slave = ::open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
      set_error(error, ErrorKind::System, errno, "opening %s", path);
      return false;
    }
  }
  if (size && size->height > 0 && size->width > 0) {
    struct winsize ws {};
    ws.ws_row = static_cast<unsigned short>(size->height);
    ws.ws_col = static_cast<unsigned short>(size->width);
    ::ioctl(slave, TIOCSWINSZ, &ws);
  }
  // The process owns its terminal as runc arranges it; a user namespace without that uid refuses.
  if (uid != 0) (void)::fchown(slave, uid, static_cast<gid_t>(-1));
  if (::ioctl(slave, TIOCSCTTY, 0) < 0) {
    set_error(error, ErrorKind::System, errno, "making the pty the controlling terminal");
    return false;
  }
  for (int fd = 0; fd <= 2; ++fd) {
    if (::dup2(slave, fd) < 0) {
      set_error(error, ErrorKind::System, errno, "dup2 of the pty to fd %d", fd);
      return false;
    }
  }
  if (slave > 2) ::close(slave);
  int sent = send_fd(console_fd, master);
  ::close(master);
  if (sent < 0) {
    set_error(error, ErrorKind::System, -sent, "sending the pty master on the console socket");
    return false;
  }
  ::close(console_fd);
  return true;
}

std::optional<oci::ConsoleSize> window_size(int fd) {
  struct winsize ws {};
  if (::ioctl(fd, TIOCGWINSZ, &ws) < 0) return std::nullopt;
  return oci::ConsoleSize{.height = ws.ws_row, .width = ws.ws_col};
}

Result<void> set_window_size(int fd, const oci::ConsoleSize& size) {
  struct winsize ws {};
  ws.ws_row = static_cast<unsigned short>(size.height);
  ws.ws_col = static_cast<unsigned short>(size.width);
  if (::ioctl(fd, TIOCSWINSZ, &ws) < 0) return fail(Error::from_errno("ioctl(TIOCSWINSZ)"));
  return {};
}

}  // namespace nook::runtime
