#include "lib/storage/driver.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace nook::storage {

Result<std::string> canonical_driver(std::string_view name) {
  if (name == "overlay" || name == "overlay2") return std::string("overlay");
  if (name == "fuse-overlayfs" || name == "vfs") return std::string(name);
  return fail(ErrorKind::InvalidArgument,
              fmt::format("unknown storage driver \"{}\": choose overlay, fuse-overlayfs or vfs", name));
}

Result<DriverChoice> choose_driver(const DriverFacts& facts) {
  if (facts.configured && !facts.configured->empty()) {
    std::string driver = NOOK_TRY(canonical_driver(*facts.configured));
    return DriverChoice{driver, fmt::format("set by {}", facts.configured_by)};
  }
  if (facts.kernel_overlay_works) {
    return DriverChoice{"overlay", facts.rootless ? "the kernel mounts overlayfs in a user namespace (userxattr)"
                                                  : "the kernel supports overlayfs"};
  }
  std::string why_not = facts.kernel_overlay_error.empty() ? "kernel overlayfs is not usable"
                                                           : "kernel overlayfs failed: " + facts.kernel_overlay_error;
  if (!facts.fuse_overlayfs.empty() && facts.dev_fuse_usable) {
    return DriverChoice{"fuse-overlayfs", fmt::format("{}; using {}", why_not, facts.fuse_overlayfs)};
  }
  std::string fuse_missing = facts.fuse_overlayfs.empty() ? "fuse-overlayfs is not installed"
                                                           : "/dev/fuse is not usable";
  return DriverChoice{"vfs", fmt::format("{}; {}; layers are copied", why_not, fuse_missing)};
}

namespace {

// Runs in the forked child: only async-signal-safe calls, all strings prepared by the parent.
[[noreturn]] void probe_child(bool rootless, const char* uid_map, const char* gid_map, const char* merged,
                              const char* options) {
  int flags = CLONE_NEWNS | (rootless ? CLONE_NEWUSER : 0);
  if (unshare(flags) != 0) _exit(10);
  if (rootless) {
    auto write_to = [](const char* path, const char* text) {
      int fd = open(path, O_WRONLY | O_CLOEXEC);
      if (fd < 0) return false;
      ssize_t len = static_cast<ssize_t>(strlen(text));
      bool ok = write(fd, text, static_cast<size_t>(len)) == len;
      close(fd);
      return ok;
    };
    if (!write_to("/proc/self/setgroups", "deny") || !write_to("/proc/self/uid_map", uid_map) ||
        !write_to("/proc/self/gid_map", gid_map)) {
      _exit(11);
    }
  }
  if (mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(12);
  if (mount("overlay", merged, "overlay", 0, options) != 0) _exit(errno == 0 ? 13 : 100 + (errno & 0x7f));
  _exit(0);
}

}  // namespace

Result<void> probe_kernel_overlay(std::string_view scratch_dir, bool rootless) {
  std::string base(scratch_dir);
  for (const char* sub : {"/lower", "/upper", "/work", "/merged"}) {
    std::string path = base + sub;
    if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return fail(Error::from_errno("mkdir", path));
  }
  std::string uid_map = fmt::format("0 {} 1", getuid());
  std::string gid_map = fmt::format("0 {} 1", getgid());
  std::string merged = base + "/merged";
  std::string options = fmt::format("lowerdir={0}/lower,upperdir={0}/upper,workdir={0}/work{1}", base,
                                    rootless ? ",userxattr" : "");
  pid_t pid = fork();
  if (pid < 0) return fail(Error::from_errno("fork"));
  if (pid == 0) probe_child(rootless, uid_map.c_str(), gid_map.c_str(), merged.c_str(), options.c_str());
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return fail(Error::from_errno("waitpid"));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::string why;
  switch (code) {
    case 10: why = rootless ? "cannot create a user namespace" : "cannot create a mount namespace"; break;
    case 11: why = "cannot write the user namespace id maps"; break;
    case 12: why = "cannot make the mount namespace private"; break;
    default:
      why = code >= 100 && code < 228 ? fmt::format("mount: {}", std::strerror(code - 100))
                                      : fmt::format("probe exited with status {}", code);
  }
  return fail(ErrorKind::Unsupported, why);
}

}  // namespace nook::storage
