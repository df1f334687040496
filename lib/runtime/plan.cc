#include "lib/runtime/plan.h"

#include <fmt/format.h>
#include <sched.h>
#include <sys/mount.h>

#include "lib/runtime/capabilities.h"
#include "lib/runtime/devices.h"
#include "lib/runtime/mounts.h"
#include "lib/runtime/namespaces.h"
#include "lib/runtime/process_attrs.h"
#include "lib/util/strings.h"

namespace nook::runtime {
namespace {

constexpr std::string_view kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

Result<unsigned long> propagation_of(std::string_view name) {
  if (name == "private") return MS_PRIVATE;
  if (name == "rprivate") return MS_PRIVATE | MS_REC;
  if (name == "slave") return MS_SLAVE;
  if (name == "rslave") return MS_SLAVE | MS_REC;
  if (name == "shared") return MS_SHARED;
  if (name == "rshared") return MS_SHARED | MS_REC;
  if (name == "unbindable") return MS_UNBINDABLE;
  if (name == "runbindable") return MS_UNBINDABLE | MS_REC;
  return fail(ErrorKind::InvalidArgument, fmt::format("linux.rootfsPropagation: unknown value {:?}", name));
}

Result<void> plan_namespaces(const oci::Spec& spec, Plan& plan) {
  unsigned long seen = 0;
  std::vector<std::pair<int, std::string>> joins;
  for (const oci::Namespace& ns : spec.linux_.namespaces) {
    int flag = NOOK_TRY(namespace_flag(ns.type));
    if ((seen & static_cast<unsigned long>(flag)) != 0) {
      return fail(ErrorKind::InvalidArgument, fmt::format("linux.namespaces: {:?} is listed twice", ns.type));
    }
    seen |= static_cast<unsigned long>(flag);
    if (flag == CLONE_NEWTIME) {
      return fail(ErrorKind::Unsupported, "linux.namespaces: time namespaces are not supported");
    }
    if (!ns.path.empty()) {
      if (flag == CLONE_NEWPID) {
        plan.join_pid = ns.path;
      } else if (flag == CLONE_NEWUSER) {
        joins.insert(joins.begin(), {flag, ns.path});
      } else {
        joins.emplace_back(flag, ns.path);
      }
    } else if (flag == CLONE_NEWUSER || flag == CLONE_NEWPID) {
      plan.clone_flags |= static_cast<unsigned long>(flag);
    } else {
      plan.unshare_flags |= static_cast<unsigned long>(flag);
    }
  }
  plan.joins = std::move(joins);
  if ((seen & CLONE_NEWNS) == 0) {
    return fail(ErrorKind::InvalidArgument, "linux.namespaces: a mount namespace is required");
  }
  if ((seen & CLONE_NEWUTS) == 0 && (!spec.hostname.empty() || !spec.domainname.empty())) {
    return fail(ErrorKind::InvalidArgument, "hostname: setting the hostname needs a uts namespace");
  }
  bool new_user = (plan.clone_flags & CLONE_NEWUSER) != 0;
  if (new_user) {
    plan.uid_map = id_map_text(spec.linux_.uid_mappings);
    plan.gid_map = id_map_text(spec.linux_.gid_mappings);
  }
  return {};
}

Result<void> plan_process(const oci::Process& process, Plan& plan) {
  if (process.args.empty() || process.args[0].empty()) {
    return fail(ErrorKind::InvalidArgument, "process.args: no command given");
  }
  if (process.cwd.empty() || process.cwd[0] != '/') {
    return fail(ErrorKind::InvalidArgument, fmt::format("process.cwd: {:?} is not an absolute path", process.cwd));
  }
  plan.oom_score_adj = process.oom_score_adj;
  for (const oci::Rlimit& r : process.rlimits) {
    plan.rlimits.push_back({NOOK_TRY(rlimit_resource(r.type)), static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)});
  }
  plan.uid = process.user.uid;
  plan.gid = process.user.gid;
  plan.additional_gids = process.user.additional_gids;
  plan.umask = process.user.umask;
  plan.caps = NOOK_TRY(capability_sets(process.capabilities));
  plan.no_new_privs = process.no_new_privileges;
  plan.terminal = process.terminal;
  plan.console_size = process.console_size;
  plan.cwd = process.cwd;
  plan.args = process.args;
  plan.env = process.env;

  const std::string& program = process.args[0];
  if (program.find('/') != std::string::npos) {
    plan.exec_candidates.push_back(program);
  } else {
    std::string_view path = kDefaultPath;
    for (const std::string& entry : process.env) {
      if (entry.starts_with("PATH=")) path = std::string_view(entry).substr(5);
    }
    plan.searched_path = true;
    for (std::string_view dir : strings::split(path, ':')) {
      if (dir.empty()) dir = ".";
      plan.exec_candidates.push_back(fmt::format("{}/{}", dir, program));
    }
  }
  return {};
}

}  // namespace

std::string clean_path(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view part = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.emplace_back(part);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return "/" + strings::join(parts, "/");
}

Result<Plan> make_process_plan(const oci::Process& process) {
  Plan plan;
  NOOK_TRY_VOID(plan_process(process, plan));
  return plan;
}

Result<Plan> make_plan(const oci::Spec& spec, std::string_view bundle) {
  Plan plan;
  if (spec.process.args.empty() || spec.process.args[0].empty()) {
    return fail(ErrorKind::InvalidArgument, "process.args: no command given");
  }
  NOOK_TRY_VOID(plan_namespaces(spec, plan));

  std::string root = spec.root.path.empty() ? "rootfs" : spec.root.path;
  plan.rootfs = clean_path(root[0] == '/' ? root : fmt::format("{}/{}", bundle, root));
  if (!spec.linux_.rootfs_propagation.empty()) {
    plan.root_propagation = NOOK_TRY(propagation_of(spec.linux_.rootfs_propagation));
  }
  plan.readonly_root = spec.root.readonly;

  bool has_devpts = false;
  for (const oci::Mount& m : spec.mounts) {
    MountStep step = NOOK_TRY(parse_mount(m, bundle));
    if (step.destination == "/dev") plan.dev_is_tmpfs = true;
    if (step.destination == "/dev/pts") has_devpts = true;
    plan.mounts.push_back(std::move(step));
  }
  if (plan.dev_is_tmpfs) {
    plan.devices = default_devices();
    plan.symlinks = {{"/proc/self/fd", "/dev/fd"},
                     {"/proc/self/fd/0", "/dev/stdin"},
                     {"/proc/self/fd/1", "/dev/stdout"},
                     {"/proc/self/fd/2", "/dev/stderr"},
                     {"/proc/kcore", "/dev/core"}};
    if (has_devpts) plan.symlinks.emplace_back("pts/ptmx", "/dev/ptmx");
  }
  for (const oci::Device& d : spec.linux_.devices) {
    if (d.path.empty() || d.path[0] != '/') {
      return fail(ErrorKind::InvalidArgument, fmt::format("linux.devices: path {:?} is not absolute", d.path));
    }
    if (d.type != "c" && d.type != "b" && d.type != "u" && d.type != "p") {
      return fail(ErrorKind::InvalidArgument, fmt::format("linux.devices: unknown type {:?} for {:?}", d.type, d.path));
    }
    DeviceStep step{.path = clean_path(d.path),
                    .type = d.type == "u" ? 'c' : d.type[0],
                    .major = static_cast<unsigned>(d.major),
                    .minor = static_cast<unsigned>(d.minor),
                    .mode = d.file_mode.value_or(0666),
                    .uid = d.uid.value_or(0),
                    .gid = d.gid.value_or(0)};
    std::erase_if(plan.devices, [&](const DeviceStep& existing) { return existing.path == step.path; });
    plan.devices.push_back(std::move(step));
  }
  for (const std::string& p : spec.linux_.masked_paths) plan.masked_paths.push_back(clean_path(p));
  for (const std::string& p : spec.linux_.readonly_paths) plan.readonly_paths.push_back(clean_path(p));
  for (const auto& [name, value] : spec.linux_.sysctl) plan.sysctls.emplace_back(NOOK_TRY(sysctl_path(name)), value);

  plan.hostname = spec.hostname;
  plan.domainname = spec.domainname;
  NOOK_TRY_VOID(plan_process(spec.process, plan));
  return plan;
}

}  // namespace nook::runtime
