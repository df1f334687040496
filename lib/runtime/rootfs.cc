#include "lib/runtime/rootfs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>

#include "lib/runtime/mounts.h"
#include "lib/sys/syscall.h"

namespace nook::runtime {

int prepare_rootfs(const Plan& plan, SyncRecord& error) noexcept {
  // Nothing we mount may propagate back to the host (or the caller's namespace).
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) {
    set_error(error, ErrorKind::System, errno, "making / private");
    return -1;
  }
  const char* rootfs = plan.rootfs.c_str();
  if (::mount(rootfs, rootfs, nullptr, MS_BIND | MS_REC, nullptr) < 0) {
    set_error(error, ErrorKind::System, errno, "bind mounting the rootfs %s", rootfs);
    return -1;
  }
  int fd = ::open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) set_error(error, ErrorKind::System, errno, "opening the rootfs %s", rootfs);
  return fd;
}

bool pivot_to_rootfs(const Plan& plan, SyncRecord& error) noexcept {
  if (::chdir(plan.rootfs.c_str()) < 0) {
    set_error(error, ErrorKind::System, errno, "chdir to the rootfs %s", plan.rootfs.c_str());
    return false;
  }
  int rc = sys::raw::pivot_root(".", ".");
  if (rc < 0) {
    set_error(error, ErrorKind::System, -rc, "pivot_root to %s", plan.rootfs.c_str());
    return false;
  }
  // The old root is now stacked on "."; make it a slave so the detach cannot propagate, drop it.
  if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0 || ::umount2(".", MNT_DETACH) < 0) {
    set_error(error, ErrorKind::System, errno, "detaching the old root");
    return false;
  }
  if (::chdir("/") < 0) {
    set_error(error, ErrorKind::System, errno, "chdir to /");
    return false;
  }
  if (plan.readonly_root) {
    int fd = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    unsigned long locked = fd >= 0 ? locked_mount_flags(fd) : 0;
    if (fd >= 0) ::close(fd);
    if (::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | locked, nullptr) < 0) {
      set_error(error, ErrorKind::System, errno, "remounting the rootfs read-only");
      return false;
    }
  }
  if (plan.root_propagation != 0 && ::mount(nullptr, "/", nullptr, plan.root_propagation, nullptr) < 0) {
    set_error(error, ErrorKind::System, errno, "setting the rootfs propagation");
    return false;
  }
  return true;
}

}  // namespace nook::runtime
