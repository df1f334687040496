#include "lib/runtime/sync.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace nook::runtime {

std::string_view sync_step_name(SyncStep step) {
  switch (step) {
    case SyncStep::NeedIdMaps: return "need-id-maps";
    case SyncStep::IdMapsWritten: return "id-maps-written";
    case SyncStep::Ready: return "ready";
    case SyncStep::Error: return "error";
    case SyncStep::Log: return "log";
    case SyncStep::ExecPid: return "exec-pid";
    case SyncStep::NamespacesReady: return "namespaces-ready";
    case SyncStep::Go: return "go";
  }
  return "unknown";
}

int send_record(int fd, const SyncRecord& record) noexcept {
  for (;;) {
    ssize_t n = ::send(fd, &record, sizeof record, MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(sizeof record)) return 0;
    if (n < 0 && errno == EINTR) continue;
    return n < 0 ? -errno : -EIO;
  }
}

int recv_record(int fd, SyncRecord& record) noexcept {
  for (;;) {
    ssize_t n = ::recv(fd, &record, sizeof record, 0);
    if (n == 0) return 0;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (n != static_cast<ssize_t>(sizeof record)) return -EPROTO;
    record.message[sizeof record.message - 1] = '\0';
    return 1;
  }
}

void set_error(SyncRecord& record, ErrorKind kind, int err, const char* format, ...) noexcept {
  record.step = SyncStep::Error;
  record.err = err;
  record.kind = static_cast<int32_t>(kind);
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(record.message, sizeof record.message, format, args);
  va_end(args);
  if (n < 0) n = 0;
  size_t used = static_cast<size_t>(n) < sizeof record.message ? static_cast<size_t>(n) : sizeof record.message - 1;
  if (err != 0 && used < sizeof record.message - 1) {
    // strerrordesc_np: no locale, no allocation (glibc 2.32).
    const char* text = strerrordesc_np(err);
    std::snprintf(record.message + used, sizeof record.message - used, ": %s", text != nullptr ? text : "unknown error");
  }
}

Error to_error(const SyncRecord& record) {
  return Error(static_cast<ErrorKind>(record.kind), std::string(record.message), record.err);
}

}  // namespace nook::runtime
