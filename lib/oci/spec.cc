// config.json <-> oci::Spec. Parsing uses nlohmann's non-throwing API only: every value is
// type-checked with is_*() before get<>(), so nothing here can throw.
#include "lib/oci/spec.h"

#include <fmt/format.h>

#include <limits>
#include <type_traits>

#include "lib/sys/file.h"

namespace nook::oci {
namespace {

using nlohmann::json;

// The location of a value in the document, for messages: "process.user.uid", "mounts[2].type".
std::string join_key(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return fmt::format("{}.{}", parent, key);
}
std::string index_key(std::string_view parent, size_t index) { return fmt::format("{}[{}]", parent, index); }

std::unexpected<Error> type_error(std::string_view key, std::string_view expected) {
  return fail(ErrorKind::InvalidArgument, fmt::format("{}: expected {}", key, expected));
}

// Each reader takes the object holding the member and the member name; an absent (or null)
// member leaves `out` untouched.
const json* member(const json& object, std::string_view name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<void> read_string(const json& obj, std::string_view name, std::string_view where, std::string& out) {
  const json* v = member(obj, name);
  if (v == nullptr) return {};
  if (!v->is_string()) return type_error(join_key(where, name), "a string");
  out = v->get<std::string>();
  return {};
}

Result<void> read_bool(const json& obj, std::string_view name, std::string_view where, bool& out) {
  const json* v = member(obj, name);
  if (v == nullptr) return {};
  if (!v->is_boolean()) return type_error(join_key(where, name), "a boolean");
  out = v->get<bool>();
  return {};
}

// Integers of any width, range-checked.
template <class T>
Result<T> as_integer(const json& v, std::string_view key) {
  if (v.is_number_unsigned()) {
    uint64_t value = v.get<uint64_t>();
    if (value > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      return fail(ErrorKind::InvalidArgument, fmt::format("{}: {} is out of range", key, value));
    }
    return static_cast<T>(value);
  }
  if (v.is_number_integer()) {
    int64_t value = v.get<int64_t>();
    if constexpr (std::is_unsigned_v<T>) {
      if (value < 0) return fail(ErrorKind::InvalidArgument, fmt::format("{}: {} is out of range", key, value));
      if (static_cast<uint64_t>(value) > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
        return fail(ErrorKind::InvalidArgument, fmt::format("{}: {} is out of range", key, value));
      }
    } else {
      if (value < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
          value > static_cast<int64_t>(std::numeric_limits<T>::max())) {
        return fail(ErrorKind::InvalidArgument, fmt::format("{}: {} is out of range", key, value));
      }
    }
    return static_cast<T>(value);
  }
  return type_error(key, "an integer");
}

template <class T>
Result<void> read_int(const json& obj, std::string_view name, std::string_view where, T& out) {
  const json* v = member(obj, name);
  if (v == nullptr) return {};
  out = NOOK_TRY(as_integer<T>(*v, join_key(where, name)));
  return {};
}

template <class T>
Result<void> read_opt_int(const json& obj, std::string_view name, std::string_view where, std::optional<T>& out) {
  const json* v = member(obj, name);
  if (v == nullptr) return {};
  out = NOOK_TRY(as_integer<T>(*v, join_key(where, name)));
  return {};
}

Result<void> read_strings(const json& obj, std::string_view name, std::string_view where,
                          std::vector<std::string>& out) {
  const json* v = member(obj, name);
  if (v == nullptr) return {};
  std::string key = join_key(where, name);
  if (!v->is_array()) return type_error(key, "an array of strings");
  out.clear();
  for (const json& item : *v) {
    if (!item.is_string()) return type_error(key, "an array of strings");
    out.push_back(item.get<std::string>());
  }
  return {};
}

Result<void> read_string_map(const json& obj, std::string_view name, std::string_view where,
                             std::map<std::string, std::string>& out) {
  const json* v = member(obj, name);
  if (v == nullptr) return {};
  std::string key = join_key(where, name);
  if (!v->is_object()) return type_error(key, "an object of strings");
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it.value().is_string()) return type_error(join_key(key, it.key()), "a string");
    out[it.key()] = it.value().get<std::string>();
  }
  return {};
}

// Calls parse_item(item, key) for each element of the array member `name`.
template <class T, class F>
Result<void> read_array(const json& obj, std::string_view name, std::string_view where, std::vector<T>& out,
                        F parse_item) {
  const json* v = member(obj, name);
  if (v == nullptr) return {};
  std::string key = join_key(where, name);
  if (!v->is_array()) return type_error(key, "an array");
  out.clear();
  for (size_t i = 0; i < v->size(); ++i) {
    std::string item_key = index_key(key, i);
    const json& item = (*v)[i];
    if (!item.is_object()) return type_error(item_key, "an object");
    out.push_back(NOOK_TRY(parse_item(item, item_key)));
  }
  return {};
}

// The object member `name`, or nullptr when absent; an error when it is not an object.
Result<const json*> read_object(const json& obj, std::string_view name, std::string_view where) {
  const json* v = member(obj, name);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) return type_error(join_key(where, name), "an object");
  return v;
}

Result<User> parse_user(const json& j, std::string_view where) {
  User user;
  NOOK_TRY_VOID(read_int(j, "uid", where, user.uid));
  NOOK_TRY_VOID(read_int(j, "gid", where, user.gid));
  NOOK_TRY_VOID(read_opt_int(j, "umask", where, user.umask));
  if (const json* gids = member(j, "additionalGids")) {
    std::string key = join_key(where, "additionalGids");
    if (!gids->is_array()) return type_error(key, "an array of integers");
    for (size_t i = 0; i < gids->size(); ++i) {
      user.additional_gids.push_back(NOOK_TRY(as_integer<gid_t>((*gids)[i], index_key(key, i))));
    }
  }
  return user;
}

Result<Process> parse_process(const json& j, std::string_view where) {
  Process p;
  NOOK_TRY_VOID(read_bool(j, "terminal", where, p.terminal));
  if (const json* size = NOOK_TRY(read_object(j, "consoleSize", where))) {
    ConsoleSize cs;
    std::string key = join_key(where, "consoleSize");
    NOOK_TRY_VOID(read_int(*size, "height", key, cs.height));
    NOOK_TRY_VOID(read_int(*size, "width", key, cs.width));
    p.console_size = cs;
  }
  if (const json* user = NOOK_TRY(read_object(j, "user", where))) {
    p.user = NOOK_TRY(parse_user(*user, join_key(where, "user")));
  }
  NOOK_TRY_VOID(read_strings(j, "args", where, p.args));
  NOOK_TRY_VOID(read_strings(j, "env", where, p.env));
  NOOK_TRY_VOID(read_string(j, "cwd", where, p.cwd));
  if (const json* caps = NOOK_TRY(read_object(j, "capabilities", where))) {
    Capabilities c;
    std::string key = join_key(where, "capabilities");
    NOOK_TRY_VOID(read_strings(*caps, "bounding", key, c.bounding));
    NOOK_TRY_VOID(read_strings(*caps, "effective", key, c.effective));
    NOOK_TRY_VOID(read_strings(*caps, "inheritable", key, c.inheritable));
    NOOK_TRY_VOID(read_strings(*caps, "permitted", key, c.permitted));
    NOOK_TRY_VOID(read_strings(*caps, "ambient", key, c.ambient));
    p.capabilities = std::move(c);
  }
  NOOK_TRY_VOID(read_array(j, "rlimits", where, p.rlimits, [](const json& item, const std::string& key) -> Result<Rlimit> {
    Rlimit r;
    NOOK_TRY_VOID(read_string(item, "type", key, r.type));
    NOOK_TRY_VOID(read_int(item, "hard", key, r.hard));
    NOOK_TRY_VOID(read_int(item, "soft", key, r.soft));
    return r;
  }));
  NOOK_TRY_VOID(read_bool(j, "noNewPrivileges", where, p.no_new_privileges));
  NOOK_TRY_VOID(read_opt_int(j, "oomScoreAdj", where, p.oom_score_adj));
  NOOK_TRY_VOID(read_string(j, "apparmorProfile", where, p.apparmor_profile));
  NOOK_TRY_VOID(read_string(j, "selinuxLabel", where, p.selinux_label));
  return p;
}

Result<IdMapping> parse_id_mapping(const json& item, const std::string& key) {
  IdMapping m;
  NOOK_TRY_VOID(read_int(item, "containerID", key, m.container_id));
  NOOK_TRY_VOID(read_int(item, "hostID", key, m.host_id));
  NOOK_TRY_VOID(read_int(item, "size", key, m.size));
  return m;
}

Result<Seccomp> parse_seccomp(const json& j, std::string_view where) {
  Seccomp s;
  NOOK_TRY_VOID(read_string(j, "defaultAction", where, s.default_action));
  NOOK_TRY_VOID(read_opt_int(j, "defaultErrnoRet", where, s.default_errno_ret));
  NOOK_TRY_VOID(read_strings(j, "architectures", where, s.architectures));
  NOOK_TRY_VOID(read_strings(j, "flags", where, s.flags));
  NOOK_TRY_VOID(read_array(j, "syscalls", where, s.syscalls, [](const json& item, const std::string& key) -> Result<SeccompSyscall> {
    SeccompSyscall sc;
    NOOK_TRY_VOID(read_strings(item, "names", key, sc.names));
    NOOK_TRY_VOID(read_string(item, "action", key, sc.action));
    NOOK_TRY_VOID(read_opt_int(item, "errnoRet", key, sc.errno_ret));
    NOOK_TRY_VOID(read_array(item, "args", key, sc.args, [](const json& arg, const std::string& arg_key) -> Result<SeccompArg> {
      SeccompArg a;
      NOOK_TRY_VOID(read_int(arg, "index", arg_key, a.index));
      NOOK_TRY_VOID(read_int(arg, "value", arg_key, a.value));
      NOOK_TRY_VOID(read_int(arg, "valueTwo", arg_key, a.value_two));
      NOOK_TRY_VOID(read_string(arg, "op", arg_key, a.op));
      return a;
    }));
    return sc;
  }));
  return s;
}

Result<Linux> parse_linux(const json& j, std::string_view where) {
  Linux l;
  NOOK_TRY_VOID(read_array(j, "namespaces", where, l.namespaces, [](const json& item, const std::string& key) -> Result<Namespace> {
    Namespace ns;
    NOOK_TRY_VOID(read_string(item, "type", key, ns.type));
    NOOK_TRY_VOID(read_string(item, "path", key, ns.path));
    return ns;
  }));
  NOOK_TRY_VOID(read_array(j, "uidMappings", where, l.uid_mappings, parse_id_mapping));
  NOOK_TRY_VOID(read_array(j, "gidMappings", where, l.gid_mappings, parse_id_mapping));
  NOOK_TRY_VOID(read_array(j, "devices", where, l.devices, [](const json& item, const std::string& key) -> Result<Device> {
    Device d;
    NOOK_TRY_VOID(read_string(item, "type", key, d.type));
    NOOK_TRY_VOID(read_string(item, "path", key, d.path));
    NOOK_TRY_VOID(read_int(item, "major", key, d.major));
    NOOK_TRY_VOID(read_int(item, "minor", key, d.minor));
    NOOK_TRY_VOID(read_opt_int(item, "fileMode", key, d.file_mode));
    NOOK_TRY_VOID(read_opt_int(item, "uid", key, d.uid));
    NOOK_TRY_VOID(read_opt_int(item, "gid", key, d.gid));
    return d;
  }));
  if (const json* res = NOOK_TRY(read_object(j, "resources", where))) l.resources = Resources{*res};
  NOOK_TRY_VOID(read_string(j, "cgroupsPath", where, l.cgroups_path));
  NOOK_TRY_VOID(read_string_map(j, "sysctl", where, l.sysctl));
  NOOK_TRY_VOID(read_strings(j, "maskedPaths", where, l.masked_paths));
  NOOK_TRY_VOID(read_strings(j, "readonlyPaths", where, l.readonly_paths));
  if (const json* sec = NOOK_TRY(read_object(j, "seccomp", where))) {
    l.seccomp = NOOK_TRY(parse_seccomp(*sec, join_key(where, "seccomp")));
  }
  NOOK_TRY_VOID(read_string(j, "rootfsPropagation", where, l.rootfs_propagation));
  NOOK_TRY_VOID(read_string(j, "mountLabel", where, l.mount_label));
  return l;
}

Result<Hook> parse_hook(const json& item, const std::string& key) {
  Hook h;
  NOOK_TRY_VOID(read_string(item, "path", key, h.path));
  NOOK_TRY_VOID(read_strings(item, "args", key, h.args));
  NOOK_TRY_VOID(read_strings(item, "env", key, h.env));
  NOOK_TRY_VOID(read_opt_int(item, "timeout", key, h.timeout));
  return h;
}

Result<Hooks> parse_hooks(const json& j, std::string_view where) {
  Hooks h;
  NOOK_TRY_VOID(read_array(j, "prestart", where, h.prestart, parse_hook));
  NOOK_TRY_VOID(read_array(j, "createRuntime", where, h.create_runtime, parse_hook));
  NOOK_TRY_VOID(read_array(j, "createContainer", where, h.create_container, parse_hook));
  NOOK_TRY_VOID(read_array(j, "startContainer", where, h.start_container, parse_hook));
  NOOK_TRY_VOID(read_array(j, "poststart", where, h.poststart, parse_hook));
  NOOK_TRY_VOID(read_array(j, "poststop", where, h.poststop, parse_hook));
  return h;
}

// --- serialization ---

json strings_json(const std::vector<std::string>& values) {
  json out = json::array();
  for (const auto& v : values) out.push_back(v);
  return out;
}

json hooks_json(const std::vector<Hook>& hooks) {
  json out = json::array();
  for (const Hook& h : hooks) {
    json o = {{"path", h.path}};
    if (!h.args.empty()) o["args"] = strings_json(h.args);
    if (!h.env.empty()) o["env"] = strings_json(h.env);
    if (h.timeout) o["timeout"] = *h.timeout;
    out.push_back(std::move(o));
  }
  return out;
}

json id_mappings_json(const std::vector<IdMapping>& mappings) {
  json out = json::array();
  for (const IdMapping& m : mappings) {
    out.push_back({{"containerID", m.container_id}, {"hostID", m.host_id}, {"size", m.size}});
  }
  return out;
}

json process_json(const Process& p) {
  json o = json::object();
  if (p.terminal) o["terminal"] = true;
  if (p.console_size) o["consoleSize"] = {{"height", p.console_size->height}, {"width", p.console_size->width}};
  json user = {{"uid", p.user.uid}, {"gid", p.user.gid}};
  if (p.user.umask) user["umask"] = *p.user.umask;
  if (!p.user.additional_gids.empty()) user["additionalGids"] = p.user.additional_gids;
  o["user"] = std::move(user);
  o["args"] = strings_json(p.args);
  if (!p.env.empty()) o["env"] = strings_json(p.env);
  o["cwd"] = p.cwd;
  if (p.capabilities) {
    const Capabilities& c = *p.capabilities;
    o["capabilities"] = {{"bounding", strings_json(c.bounding)},
                         {"effective", strings_json(c.effective)},
                         {"inheritable", strings_json(c.inheritable)},
                         {"permitted", strings_json(c.permitted)},
                         {"ambient", strings_json(c.ambient)}};
  }
  if (!p.rlimits.empty()) {
    json limits = json::array();
    for (const Rlimit& r : p.rlimits) limits.push_back({{"type", r.type}, {"hard", r.hard}, {"soft", r.soft}});
    o["rlimits"] = std::move(limits);
  }
  if (p.no_new_privileges) o["noNewPrivileges"] = true;
  if (p.oom_score_adj) o["oomScoreAdj"] = *p.oom_score_adj;
  if (!p.apparmor_profile.empty()) o["apparmorProfile"] = p.apparmor_profile;
  if (!p.selinux_label.empty()) o["selinuxLabel"] = p.selinux_label;
  return o;
}

json seccomp_json(const Seccomp& s) {
  json o = {{"defaultAction", s.default_action}};
  if (s.default_errno_ret) o["defaultErrnoRet"] = *s.default_errno_ret;
  if (!s.architectures.empty()) o["architectures"] = strings_json(s.architectures);
  if (!s.flags.empty()) o["flags"] = strings_json(s.flags);
  if (!s.syscalls.empty()) {
    json calls = json::array();
    for (const SeccompSyscall& sc : s.syscalls) {
      json c = {{"names", strings_json(sc.names)}, {"action", sc.action}};
      if (sc.errno_ret) c["errnoRet"] = *sc.errno_ret;
      if (!sc.args.empty()) {
        json args = json::array();
        for (const SeccompArg& a : sc.args) {
          json arg = {{"index", a.index}, {"value", a.value}, {"op", a.op}};
          if (a.value_two != 0) arg["valueTwo"] = a.value_two;
          args.push_back(std::move(arg));
        }
        c["args"] = std::move(args);
      }
      calls.push_back(std::move(c));
    }
    o["syscalls"] = std::move(calls);
  }
  return o;
}

json linux_json(const Linux& l) {
  json o = json::object();
  if (!l.uid_mappings.empty()) o["uidMappings"] = id_mappings_json(l.uid_mappings);
  if (!l.gid_mappings.empty()) o["gidMappings"] = id_mappings_json(l.gid_mappings);
  if (!l.sysctl.empty()) o["sysctl"] = l.sysctl;
  if (l.resources) o["resources"] = l.resources->raw;
  if (!l.cgroups_path.empty()) o["cgroupsPath"] = l.cgroups_path;
  if (!l.namespaces.empty()) {
    json ns = json::array();
    for (const Namespace& n : l.namespaces) {
      json item = {{"type", n.type}};
      if (!n.path.empty()) item["path"] = n.path;
      ns.push_back(std::move(item));
    }
    o["namespaces"] = std::move(ns);
  }
  if (!l.devices.empty()) {
    json devs = json::array();
    for (const Device& d : l.devices) {
      json item = {{"path", d.path}, {"type", d.type}, {"major", d.major}, {"minor", d.minor}};
      if (d.file_mode) item["fileMode"] = *d.file_mode;
      if (d.uid) item["uid"] = *d.uid;
      if (d.gid) item["gid"] = *d.gid;
      devs.push_back(std::move(item));
    }
    o["devices"] = std::move(devs);
  }
  if (l.seccomp) o["seccomp"] = seccomp_json(*l.seccomp);
  if (!l.rootfs_propagation.empty()) o["rootfsPropagation"] = l.rootfs_propagation;
  if (!l.masked_paths.empty()) o["maskedPaths"] = strings_json(l.masked_paths);
  if (!l.readonly_paths.empty()) o["readonlyPaths"] = strings_json(l.readonly_paths);
  if (!l.mount_label.empty()) o["mountLabel"] = l.mount_label;
  return o;
}

}  // namespace

Result<Spec> parse_spec(const json& j) {
  if (!j.is_object()) return type_error("config", "a JSON object");
  Spec spec;
  const json* version = member(j, "ociVersion");
  if (version == nullptr) return fail(ErrorKind::InvalidArgument, "ociVersion: missing");
  NOOK_TRY_VOID(read_string(j, "ociVersion", "", spec.oci_version));

  const json* process = NOOK_TRY(read_object(j, "process", ""));
  if (process == nullptr) return fail(ErrorKind::InvalidArgument, "process: missing");
  spec.process = NOOK_TRY(parse_process(*process, "process"));

  const json* root = NOOK_TRY(read_object(j, "root", ""));
  if (root == nullptr) return fail(ErrorKind::InvalidArgument, "root: missing");
  NOOK_TRY_VOID(read_string(*root, "path", "root", spec.root.path));
  NOOK_TRY_VOID(read_bool(*root, "readonly", "root", spec.root.readonly));

  NOOK_TRY_VOID(read_string(j, "hostname", "", spec.hostname));
  NOOK_TRY_VOID(read_string(j, "domainname", "", spec.domainname));
  NOOK_TRY_VOID(read_array(j, "mounts", "", spec.mounts, [](const json& item, const std::string& key) -> Result<Mount> {
    Mount m;
    NOOK_TRY_VOID(read_string(item, "destination", key, m.destination));
    if (m.destination.empty()) return fail(ErrorKind::InvalidArgument, fmt::format("{}.destination: missing", key));
    NOOK_TRY_VOID(read_string(item, "type", key, m.type));
    NOOK_TRY_VOID(read_string(item, "source", key, m.source));
    NOOK_TRY_VOID(read_strings(item, "options", key, m.options));
    return m;
  }));
  if (const json* hooks = NOOK_TRY(read_object(j, "hooks", ""))) spec.hooks = NOOK_TRY(parse_hooks(*hooks, "hooks"));
  NOOK_TRY_VOID(read_string_map(j, "annotations", "", spec.annotations));
  if (const json* linux_obj = NOOK_TRY(read_object(j, "linux", ""))) {
    spec.linux_ = NOOK_TRY(parse_linux(*linux_obj, "linux"));
  }
  return spec;
}

Result<Spec> load_spec(std::string_view bundle_dir) {
  std::string path = fmt::format("{}/config.json", bundle_dir);
  auto text = sys::read_file(path);
  if (!text) return fail(text.error().context("loading the OCI spec"));
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return fail(ErrorKind::InvalidArgument, fmt::format("parsing {:?}: not valid JSON", path));
  }
  auto spec = parse_spec(j);
  if (!spec) return fail(spec.error().context(fmt::format("parsing {:?}", path)));
  return spec;
}

json to_json(const Spec& spec) {
  json o = json::object();
  o["ociVersion"] = spec.oci_version;
  o["process"] = process_json(spec.process);
  json root = {{"path", spec.root.path}};
  if (spec.root.readonly) root["readonly"] = true;
  o["root"] = std::move(root);
  if (!spec.hostname.empty()) o["hostname"] = spec.hostname;
  if (!spec.domainname.empty()) o["domainname"] = spec.domainname;
  if (!spec.mounts.empty()) {
    json mounts = json::array();
    for (const Mount& m : spec.mounts) {
      json item = {{"destination", m.destination}};
      if (!m.type.empty()) item["type"] = m.type;
      if (!m.source.empty()) item["source"] = m.source;
      if (!m.options.empty()) item["options"] = strings_json(m.options);
      mounts.push_back(std::move(item));
    }
    o["mounts"] = std::move(mounts);
  }
  if (spec.hooks) {
    const Hooks& h = *spec.hooks;
    json hooks = json::object();
    if (!h.prestart.empty()) hooks["prestart"] = hooks_json(h.prestart);
    if (!h.create_runtime.empty()) hooks["createRuntime"] = hooks_json(h.create_runtime);
    if (!h.create_container.empty()) hooks["createContainer"] = hooks_json(h.create_container);
    if (!h.start_container.empty()) hooks["startContainer"] = hooks_json(h.start_container);
    if (!h.poststart.empty()) hooks["poststart"] = hooks_json(h.poststart);
    if (!h.poststop.empty()) hooks["poststop"] = hooks_json(h.poststop);
    o["hooks"] = std::move(hooks);
  }
  if (!spec.annotations.empty()) o["annotations"] = spec.annotations;
  json linux_obj = linux_json(spec.linux_);
  if (!linux_obj.empty()) o["linux"] = std::move(linux_obj);
  return o;
}

}  // namespace nook::oci
