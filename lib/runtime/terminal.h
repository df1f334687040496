// The container's terminal (process.terminal): a pty created INSIDE the container, from its own
// devpts (so the slave is /dev/pts/N there), made the process's controlling terminal and its
// stdio; the master goes to the caller over the console socket (SCM_RIGHTS), as runc's and crun's
// --console-socket. The child side runs after the rootfs is in place (create) or after the
// namespaces were joined (exec); the parent side receives the master.
#pragma once

#include <sys/types.h>

#include <optional>

#include "lib/oci/spec.h"
#include "lib/runtime/sync.h"
#include "lib/sys/fd.h"
#include "lib/util/error.h"

namespace nook::runtime {

// Child: becomes a session leader (unless it is one), opens /dev/ptmx, makes the slave its
// controlling terminal and fds 0, 1 and 2 (owned by `uid` when allowed), applies `size` when
// given, sends the master on `console_fd` and closes it. Async-signal-safe.
bool setup_terminal(int console_fd, uid_t uid, const std::optional<oci::ConsoleSize>& size,
                    SyncRecord& error) noexcept;

// Async-signal-safe: sends `fd` over the connected unix socket `socket` (one byte, SCM_RIGHTS).
// 0 or -errno.
int send_fd(int socket, int fd) noexcept;

// Parent: receives one descriptor sent with send_fd (blocking; CLOEXEC).
[[nodiscard]] Result<sys::UniqueFd> receive_fd(int socket);

// The window size of the terminal `fd`; nullopt when it is not a terminal.
std::optional<oci::ConsoleSize> window_size(int fd);
// Sets the window size of `fd` (a pty master or slave): the kernel signals SIGWINCH to the
// foreground process group of the slave.
[[nodiscard]] Result<void> set_window_size(int fd, const oci::ConsoleSize& size);

}  // namespace nook::runtime
