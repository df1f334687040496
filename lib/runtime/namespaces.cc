#include "lib/runtime/namespaces.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>

#include <array>
#include <cerrno>

#include "lib/sys/file.h"

namespace nook::runtime {
namespace {

struct NamespaceName {
  std::string_view spec_name;
  std::string_view proc_name;
  int flag;
};

constexpr std::array kNamespaces = {
    NamespaceName{"user", "user", CLONE_NEWUSER},   NamespaceName{"pid", "pid", CLONE_NEWPID},
    NamespaceName{"mount", "mnt", CLONE_NEWNS},     NamespaceName{"network", "net", CLONE_NEWNET},
    NamespaceName{"net", "net", CLONE_NEWNET},      NamespaceName{"ipc", "ipc", CLONE_NEWIPC},
    NamespaceName{"uts", "uts", CLONE_NEWUTS},      NamespaceName{"cgroup", "cgroup", CLONE_NEWCGROUP},
    NamespaceName{"time", "time", CLONE_NEWTIME},
};

}  // namespace

Result<int> namespace_flag(std::string_view type) {
  for (const NamespaceName& ns : kNamespaces) {
    if (ns.spec_name == type) return ns.flag;
  }
  return fail(ErrorKind::InvalidArgument, fmt::format("unknown namespace type {:?}", type));
}

std::string_view namespace_proc_name(int flag) {
  for (const NamespaceName& ns : kNamespaces) {
    if (ns.flag == flag) return ns.proc_name;
  }
  return "";
}

std::string id_map_text(const std::vector<oci::IdMapping>& mappings) {
  std::string out;
  for (const oci::IdMapping& m : mappings) out += fmt::format("{} {} {}\n", m.container_id, m.host_id, m.size);
  return out;
}

Result<void> write_id_maps(pid_t pid, const Plan& plan) {
  for (auto [name, text] : {std::pair{"uid_map", &plan.uid_map}, std::pair{"gid_map", &plan.gid_map}}) {
    if (text->empty()) continue;
    std::string path = fmt::format("/proc/{}/{}", pid, name);
    auto fd = sys::open_file(path, O_WRONLY);
    if (!fd) return fail(fd.error().context("writing the id mappings"));
    auto written = sys::write_all(fd->get(), *text);
    if (!written) {
      return fail(written.error().context(fmt::format("writing {:?} to {:?}", *text, path)));
    }
  }
  return {};
}

bool enter_namespaces(const Plan& plan, const std::vector<int>& join_fds, SyncRecord& error) noexcept {
  for (size_t i = 0; i < plan.joins.size(); ++i) {
    if (::setns(join_fds[i], plan.joins[i].first) < 0) {
      set_error(error, ErrorKind::System, errno, "joining namespace %s", plan.joins[i].second.c_str());
      return false;
    }
  }
  if (plan.unshare_flags != 0 && ::unshare(static_cast<int>(plan.unshare_flags)) < 0) {
    set_error(error, ErrorKind::System, errno, "unshare of the container namespaces");
    return false;
  }
  return true;
}

}  // namespace nook::runtime
