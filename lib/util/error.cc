#include "lib/util/error.h"

#include <cerrno>
#include <cstring>

namespace nook {

std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::NotFound: return "not found";
    case ErrorKind::Exists: return "exists";
    case ErrorKind::InvalidArgument: return "invalid argument";
    case ErrorKind::InvalidState: return "invalid state";
    case ErrorKind::Permission: return "permission denied";
    case ErrorKind::Unsupported: return "unsupported";
    case ErrorKind::Network: return "network";
    case ErrorKind::Corrupt: return "corrupt";
    case ErrorKind::System: return "system";
    case ErrorKind::Internal: return "internal";
    case ErrorKind::NotExecutable: return "not executable";
    case ErrorKind::CommandNotFound: return "command not found";
  }
  return "unknown";
}

ErrorKind error_kind_from_name(std::string_view name) {
  for (ErrorKind kind : {ErrorKind::NotFound, ErrorKind::Exists, ErrorKind::InvalidArgument, ErrorKind::InvalidState,
                         ErrorKind::Permission, ErrorKind::Unsupported, ErrorKind::Network, ErrorKind::Corrupt,
                         ErrorKind::System, ErrorKind::Internal, ErrorKind::NotExecutable, ErrorKind::CommandNotFound}) {
    if (error_kind_name(kind) == name) return kind;
  }
  return ErrorKind::Internal;
}

namespace {

ErrorKind kind_for_errno(int err) {
  switch (err) {
    case ENOENT: return ErrorKind::NotFound;
    case EEXIST: return ErrorKind::Exists;
    case EPERM:
    case EACCES: return ErrorKind::Permission;
    case ENOSYS:
    case EOPNOTSUPP: return ErrorKind::Unsupported;
    case EINVAL: return ErrorKind::InvalidArgument;
    default: return ErrorKind::System;
  }
}

}  // namespace

Error Error::from_errno(std::string_view call, std::string_view what) {
  return from_errno_value(errno, call, what);
}

Error Error::from_errno_value(int err, std::string_view call, std::string_view what) {
  std::string message(call);
  if (!what.empty()) {
    message += ' ';
    message += what;
  }
  message += ": ";
  message += std::strerror(err);
  return Error(kind_for_errno(err), std::move(message), err);
}

Error Error::context(std::string_view prefix) const& {
  Error copy = *this;
  return std::move(copy).context(prefix);
}

Error Error::context(std::string_view prefix) && {
  std::string message(prefix);
  message += ": ";
  message += message_;
  message_ = std::move(message);
  return std::move(*this);
}

int exit_code_for(const Error& error) {
  switch (error.kind()) {
    case ErrorKind::NotExecutable: return 126;
    case ErrorKind::CommandNotFound: return 127;
    default: return 125;
  }
}

}  // namespace nook
