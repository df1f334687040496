#include "lib/runtime/process_attrs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "lib/runtime/mounts.h"

namespace nook::runtime {
namespace {

struct RlimitName {
  std::string_view name;
  int resource;
};

constexpr std::array kRlimits = {
    RlimitName{"RLIMIT_CPU", RLIMIT_CPU},         RlimitName{"RLIMIT_FSIZE", RLIMIT_FSIZE},
    RlimitName{"RLIMIT_DATA", RLIMIT_DATA},       RlimitName{"RLIMIT_STACK", RLIMIT_STACK},
    RlimitName{"RLIMIT_CORE", RLIMIT_CORE},       RlimitName{"RLIMIT_RSS", RLIMIT_RSS},
    RlimitName{"RLIMIT_NPROC", RLIMIT_NPROC},     RlimitName{"RLIMIT_NOFILE", RLIMIT_NOFILE},
    RlimitName{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, RlimitName{"RLIMIT_AS", RLIMIT_AS},
    RlimitName{"RLIMIT_LOCKS", RLIMIT_LOCKS},     RlimitName{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    RlimitName{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, RlimitName{"RLIMIT_NICE", RLIMIT_NICE},
    RlimitName{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   RlimitName{"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

bool write_text(int dirfd, const char* path, const char* text, int& err) {
  int fd = ::openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_TRUNC);
  if (fd < 0) {
    err = errno;
    return false;
  }
  size_t len = std::strlen(text);
  ssize_t n = ::write(fd, text, len);
  err = n < 0 ? errno : 0;
  ::close(fd);
  return n == static_cast<ssize_t>(len);
}

}  // namespace

Result<int> rlimit_resource(std::string_view name) {
  for (const RlimitName& r : kRlimits) {
    if (r.name == name) return r.resource;
  }
  return fail(ErrorKind::InvalidArgument, fmt::format("process.rlimits: unknown rlimit {:?}", name));
}

Result<std::string> sysctl_path(std::string_view name) {
  std::string path = "/proc/sys/";
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    std::string_view part = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty() || part == ".." || part.find('/') != std::string_view::npos) {
      return fail(ErrorKind::InvalidArgument, fmt::format("linux.sysctl: invalid name {:?}", name));
    }
    path += part;
    if (dot == std::string_view::npos) break;
    path += '/';
    start = dot + 1;
  }
  return path;
}

bool apply_host_attrs(const Plan& plan, int rootfd, SyncRecord& error) noexcept {
  if (!plan.hostname.empty() && ::sethostname(plan.hostname.c_str(), plan.hostname.size()) < 0) {
    set_error(error, ErrorKind::System, errno, "sethostname %s", plan.hostname.c_str());
    return false;
  }
  if (!plan.domainname.empty() && ::setdomainname(plan.domainname.c_str(), plan.domainname.size()) < 0) {
    set_error(error, ErrorKind::System, errno, "setdomainname %s", plan.domainname.c_str());
    return false;
  }
  int err = 0;
  if (plan.oom_score_adj) {
    char text[32];
    std::snprintf(text, sizeof text, "%d", *plan.oom_score_adj);
    if (!write_text(AT_FDCWD, "/proc/self/oom_score_adj", text, err)) {
      set_error(error, ErrorKind::System, err, "setting oom_score_adj to %s", text);
      return false;
    }
  }
  for (const auto& [path, value] : plan.sysctls) {
    int fd = open_in_root(rootfd, path.c_str(), Create::Nothing);
    char target[64];
    std::snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
    bool ok = fd >= 0 && write_text(AT_FDCWD, target, value.c_str(), err);
    if (fd < 0) err = -fd;
    if (fd >= 0) ::close(fd);
    if (!ok) {
      set_error(error, ErrorKind::System, err, "writing sysctl %s", path.c_str());
      return false;
    }
  }
  return true;
}

bool apply_rlimits(const Plan& plan, SyncRecord& error) noexcept {
  for (const RlimitStep& r : plan.rlimits) {
    struct rlimit limit{r.soft, r.hard};
    if (::setrlimit(static_cast<__rlimit_resource>(r.resource), &limit) < 0) {
      set_error(error, ErrorKind::System, errno, "setting rlimit %d to %llu/%llu", r.resource,
                static_cast<unsigned long long>(r.soft), static_cast<unsigned long long>(r.hard));
      return false;
    }
  }
  return true;
}

}  // namespace nook::runtime
