#include "lib/container/container.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <memory>

#include "lib/image/json_adapter.h"
#include "lib/sys/file.h"
#include "lib/sys/random.h"
#include "lib/util/json_fields.h"
#include "lib/util/log.h"

namespace nook::container {

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 9> kStatusNames = {"configured", "created", "initialized", "running", "paused",
                                                         "stopping",   "stopped", "exited",      "removing"};

// Words for random names (docker's adjective_surname scheme; our own lists).
constexpr std::array<std::string_view, 40> kAdjectives = {
    "agile",   "bold",    "brave",   "bright",  "busy",    "calm",    "clever",  "cool",    "crisp",   "curious",
    "daring",  "eager",   "fair",    "fancy",   "fervent", "gentle",  "happy",   "hopeful", "jolly",   "keen",
    "kind",    "lively",  "loving",  "lucid",   "merry",   "modest",  "nice",    "patient", "proud",   "quick",
    "quiet",   "relaxed", "sharp",   "smart",   "steady",  "sweet",   "tender",  "upbeat",  "vivid",   "witty"};
constexpr std::array<std::string_view, 48> kSurnames = {
    "agnesi",   "allen",    "babbage",  "bell",      "bohr",     "borg",     "brown",    "cerf",
    "curie",    "darwin",   "dijkstra", "einstein",  "euler",    "fermat",   "feynman",  "franklin",
    "galileo",  "gauss",    "hamilton", "hopper",    "hypatia",  "johnson",  "kepler",   "knuth",
    "lamport",  "leakey",   "lovelace", "mccarthy",  "meitner",  "mendel",   "newton",   "noether",
    "pascal",   "pike",     "planck",   "poincare",  "ritchie",  "shannon",  "sinoussi", "tesla",
    "thompson", "torvalds", "turing",   "volhard",   "wilson",   "wozniak",  "yalow",    "zhukovsky"};

std::unexpected<Error> not_found(std::string_view key) {
  return fail(ErrorKind::NotFound, fmt::format("no container with name or ID {:?} found: no such container", key));
}

json state_to_json(const State& s) {
  return json{{"status", status_name(s.status)},
              {"pid", s.pid},
              {"monitor_pid", s.monitor_pid},
              {"monitor_start_time", s.monitor_start_time},
              {"pid_start_time", s.pid_start_time},
              {"started_at", s.started_at},
              {"finished_at", s.finished_at},
              {"exit_code", s.exit_code},
              {"oom_killed", s.oom_killed},
              {"restart_count", s.restart_count},
              {"stopped_by_user", s.stopped_by_user},
              {"error", s.error}};
}

std::vector<std::string> exposed_keys(const std::vector<network::ExposedPort>& exposed) {
  std::vector<std::string> keys;
  for (const network::ExposedPort& port : exposed) keys.push_back(fmt::format("{}/{}", port.port, port.protocol));
  return keys;
}

}  // namespace

std::string_view status_name(Status status) { return kStatusNames[static_cast<size_t>(status)]; }

Result<Status> parse_status(std::string_view name) {
  for (size_t i = 0; i < kStatusNames.size(); ++i) {
    if (kStatusNames[i] == name) return static_cast<Status>(i);
  }
  return fail(ErrorKind::InvalidArgument, fmt::format("unknown container state {:?}", name));
}

json to_json(const Container& c) {
  return json{{"version", kRecordVersion},
              {"id", c.id},
              {"name", c.name},
              {"image_id", c.image_id},
              {"image_name", c.image_name},
              {"created", c.created},
              {"command", c.command},
              {"layers", c.layers},
              {"driver", c.driver},
              {"labels", c.labels},
              {"interactive", c.interactive},
              {"tty", c.tty},
              {"auto_remove", c.auto_remove},
              {"log_driver", c.log_driver},
              {"log_max_size", c.log_max_size},
              {"restart_policy", c.restart_policy},
              {"restart_max_retries", c.restart_max_retries},
              {"stop_signal", c.stop_signal},
              {"stop_timeout", c.stop_timeout},
              {"network_mode", c.network_mode},
              {"ports", network::to_json(c.ports)},
              {"exposed", exposed_keys(c.exposed)},
              {"dns_servers", c.dns_servers},
              {"dns_search", c.dns_search},
              {"dns_options", c.dns_options},
              {"add_hosts", c.add_hosts},
              {"no_hosts", c.no_hosts},
              {"publish_all", c.publish_all},
              {"dns_none", c.dns_none},
              {"runtime", c.runtime},
              {"user", c.user},
              {"group_add", c.group_add},
              {"volumes", c.volumes},
              {"mounts", c.mounts},
              {"init", c.init},
              {"timezone", c.timezone},
              {"userns", c.userns},
              {"uid_map", c.uid_map},
              {"gid_map", c.gid_map},
              {"state", state_to_json(c.state)}};
}

Result<Container> parse_container(const json& doc) {
  if (!doc.is_object()) return fail(ErrorKind::Corrupt, "container record is not a JSON object");
  JsonFields fields(doc, "container record");
  int64_t version = fields.integer("version", 0);
  if (version != kRecordVersion) {
    return fail(ErrorKind::Unsupported,
                fmt::format("container record format version {} is not supported (this nook reads version {})", version,
                            kRecordVersion));
  }
  Container c;
  c.id = fields.str("id");
  c.name = fields.str("name");
  c.image_id = fields.str("image_id");
  c.image_name = fields.str("image_name");
  c.created = fields.str("created");
  c.command = fields.strings("command");
  c.layers = fields.strings("layers");
  c.driver = fields.str("driver");
  c.labels = fields.string_map("labels");
  c.interactive = fields.boolean("interactive");
  c.tty = fields.boolean("tty");
  c.auto_remove = fields.boolean("auto_remove");
  c.log_driver = fields.str("log_driver");
  c.log_max_size = fields.integer("log_max_size", -1);
  c.restart_policy = fields.str("restart_policy");
  c.restart_max_retries = static_cast<int>(fields.integer("restart_max_retries"));
  c.stop_signal = fields.str("stop_signal");
  c.stop_timeout = static_cast<unsigned>(fields.unsigned_integer("stop_timeout", 10));
  c.network_mode = fields.str("network_mode");
  if (const json* ports = fields.find("ports"); ports != nullptr) {
    auto parsed = network::parse_port_mappings(*ports);
    if (!parsed) return fail(parsed.error().context("container record"));
    c.ports = std::move(*parsed);
  }
  for (const std::string& key : fields.strings("exposed")) {
    auto parsed = network::parse_expose(key);
    if (!parsed) return fail(ErrorKind::Corrupt, fmt::format("container record: exposed port {:?}", key));
    c.exposed.insert(c.exposed.end(), parsed->begin(), parsed->end());
  }
  c.dns_servers = fields.strings("dns_servers");
  c.dns_search = fields.strings("dns_search");
  c.dns_options = fields.strings("dns_options");
  c.add_hosts = fields.strings("add_hosts");
  c.no_hosts = fields.boolean("no_hosts");
  c.publish_all = fields.boolean("publish_all");
  c.dns_none = fields.boolean("dns_none");
  c.runtime = fields.str("runtime");
  c.user = fields.str("user");
  c.group_add = fields.strings("group_add");
  c.volumes = fields.strings("volumes");
  if (const json* mounts = fields.find("mounts"); mounts != nullptr && mounts->is_array()) c.mounts = *mounts;
  c.init = fields.boolean("init");
  c.timezone = fields.str("timezone");
  c.userns = fields.str("userns");
  c.uid_map = fields.strings("uid_map");
  c.gid_map = fields.strings("gid_map");
  if (fields.error()) return fail(*fields.error());
  const json* state = fields.find("state");
  if (state == nullptr || !state->is_object()) return fail(ErrorKind::Corrupt, "container record has no state");
  JsonFields sf(*state, "container state");
  std::string status = sf.str("status");
  c.state.pid = static_cast<pid_t>(sf.integer("pid"));
  c.state.monitor_pid = static_cast<pid_t>(sf.integer("monitor_pid"));
  c.state.monitor_start_time = sf.unsigned_integer("monitor_start_time");
  c.state.pid_start_time = sf.unsigned_integer("pid_start_time");
  c.state.started_at = sf.str("started_at");
  c.state.finished_at = sf.str("finished_at");
  c.state.exit_code = static_cast<int>(sf.integer("exit_code"));
  c.state.oom_killed = sf.boolean("oom_killed");
  c.state.restart_count = static_cast<int>(sf.integer("restart_count"));
  if (const json* stopped = sf.find("stopped_by_user"); stopped != nullptr && stopped->is_boolean()) {
    c.state.stopped_by_user = stopped->get<bool>();
  }
  c.state.error = sf.str("error");
  if (sf.error()) return fail(*sf.error());
  auto parsed = parse_status(status);
  if (!parsed) return fail(ErrorKind::Corrupt, parsed.error().message());
  c.state.status = *parsed;
  if (c.id.size() != 64 || c.name.empty()) return fail(ErrorKind::Corrupt, "container record has no id or name");
  return c;
}

Result<std::string> random_name() {
  std::string hex = NOOK_TRY(sys::random_hex(4));
  uint32_t bits = static_cast<uint32_t>(std::stoul(hex, nullptr, 16));
  return fmt::format("{}_{}", kAdjectives[bits % kAdjectives.size()], kSurnames[(bits >> 8) % kSurnames.size()]);
}

bool valid_name(std::string_view name) {
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '-';
  });
}

Result<ContainerStore> ContainerStore::open(std::string graph_root, bool read_only) {
  std::string root = graph_root + "/containers";
  if (!read_only) NOOK_TRY_VOID(sys::make_dirs(root, 0700));
  return ContainerStore(std::move(root), read_only);
}

ContainerPaths ContainerStore::paths(std::string_view id) const {
  ContainerPaths p;
  p.dir = fmt::format("{}/{}", root_, id);
  p.userdata = p.dir + "/userdata";
  p.upper = p.dir + "/upper";
  p.work = p.dir + "/work";
  p.merged = p.dir + "/merged";
  p.rootfs = p.dir + "/rootfs";
  p.log = p.userdata + "/ctr.log";
  p.exit_file = p.userdata + "/exit.json";
  p.lock = p.dir + "/lock";
  return p;
}

namespace {

Result<Container> read_record(const std::string& path) {
  std::string text = NOOK_TRY(sys::read_file(path));
  // The record's name goes into the message only on failure: `ps` reads every record.
  auto doc = image::parse_json(text, "container record");
  if (!doc) return fail(doc.error().context(fmt::format("reading {:?}", path)));
  auto parsed = parse_container(*doc);
  if (!parsed) return fail(parsed.error().context(fmt::format("reading {:?}", path)));
  return parsed;
}

// The name index: <root>/names/<name> is a symlink to the container's id, so that a name is found,
// and checked for being free, without reading every record (`nook rm NAME` with 50 containers read
// 50 records). Changed only under containers.lock; a link whose record is missing or carries
// another name (a crash half-way through add or rename) counts as absent. A store made before the
// index gets it, built whole and renamed into place, the first time a container is added or
// renamed; until then lookups read every record as before.
std::string names_dir(const std::string& root) { return root + "/names"; }

bool has_name_index(const std::string& root) { return ::access(names_dir(root).c_str(), F_OK) == 0; }

// The id a name's link points at, "" when there is no link.
std::string linked_id(const std::string& root, std::string_view name) {
  std::string link = fmt::format("{}/{}", names_dir(root), name);
  char target[80];
  ssize_t n = ::readlink(link.c_str(), target, sizeof target);
  if (n != 64) return "";
  return std::string(target, static_cast<size_t>(n));
}

Result<void> link_name(const std::string& root, std::string_view name, std::string_view id) {
  std::string link = fmt::format("{}/{}", names_dir(root), name);
  if (::symlink(std::string(id).c_str(), link.c_str()) == 0) return {};
  if (errno != EEXIST) return fail(Error::from_errno("symlink", fmt::format("{:?}", link)));
  // A stale link (checked by the caller): replaced.
  if (::unlink(link.c_str()) != 0 && errno != ENOENT) return fail(Error::from_errno("unlink", fmt::format("{:?}", link)));
  if (::symlink(std::string(id).c_str(), link.c_str()) != 0) {
    return fail(Error::from_errno("symlink", fmt::format("{:?}", link)));
  }
  return {};
}

void unlink_name(const std::string& root, std::string_view name, std::string_view id) {
  if (name.empty() || linked_id(root, name) != id) return;
  std::string link = fmt::format("{}/{}", names_dir(root), name);
  if (::unlink(link.c_str()) != 0 && errno != ENOENT) NOOK_DEBUG(Store, "unlink {:?}: {}", link, std::strerror(errno));
}

}  // namespace

Result<std::vector<Container>> ContainerStore::list() const {
  std::vector<Container> out;
  for (const std::string& id : NOOK_TRY(sys::list_dir(root_))) {
    if (id.size() != 64) continue;  // containers.lock
    auto record = read_record(paths(id).dir + "/container.json");
    if (!record) {
      NOOK_DEBUG(Store, "skipping container {}: {}", id, record.error().message());
      continue;
    }
    out.push_back(std::move(*record));
  }
  std::sort(out.begin(), out.end(), [](const Container& a, const Container& b) { return a.created < b.created; });
  return out;
}

Result<Container> ContainerStore::find(std::string_view key) const {
  if (key.empty()) return not_found(key);
  bool hex = key.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  if (hex && key.size() == 64) {
    auto record = read_record(paths(key).dir + "/container.json");
    if (record) return record;
    if (record.error().kind() != ErrorKind::NotFound) return record;
  }
  std::vector<Container> all;
  if (has_name_index(root_)) {
    // A name first, then an id prefix: only the records that match are read.
    if (std::string id = linked_id(root_, key); !id.empty()) {
      auto record = read_record(paths(id).dir + "/container.json");
      if (record && record->name == key) return record;
    }
    if (!hex) return not_found(key);
    for (const std::string& id : NOOK_TRY(sys::list_dir(root_))) {
      if (id.size() != 64 || !id.starts_with(key)) continue;
      if (auto record = read_record(paths(id).dir + "/container.json")) all.push_back(std::move(*record));
    }
  } else {
    all = NOOK_TRY(list());
    for (Container& c : all) {
      if (c.name == key) return std::move(c);
    }
    if (!hex) return not_found(key);
  }
  const Container* match = nullptr;
  for (const Container& c : all) {
    if (c.id.starts_with(key)) {
      if (match != nullptr) {
        return fail(ErrorKind::InvalidArgument,
                    fmt::format("more than one result for container {:?}: container already exists", key));
      }
      match = &c;
    }
  }
  if (match == nullptr) return not_found(key);
  return *match;
}

Result<void> ContainerStore::ensure_name_index() const {
  std::string dir = names_dir(root_);
  if (::access(dir.c_str(), F_OK) == 0) return {};
  std::string fresh = dir + ".new";
  NOOK_TRY_VOID(sys::remove_all(fresh));  // a build interrupted before
  if (::mkdir(fresh.c_str(), 0700) != 0) return fail(Error::from_errno("mkdir", fmt::format("{:?}", fresh)));
  for (const Container& c : NOOK_TRY(list())) {
    std::string link = fmt::format("{}/{}", fresh, c.name);
    if (::symlink(c.id.c_str(), link.c_str()) != 0 && errno != EEXIST) {
      return fail(Error::from_errno("symlink", fmt::format("{:?}", link)));
    }
  }
  if (::rename(fresh.c_str(), dir.c_str()) != 0) return fail(Error::from_errno("rename", fmt::format("{:?}", fresh)));
  return {};
}

// The id of the container that holds `name`, "" when it is free (a stale link does not hold it).
std::string ContainerStore::holder_of(std::string_view name) const {
  std::string id = linked_id(root_, name);
  if (id.empty()) return "";
  auto record = read_record(paths(id).dir + "/container.json");
  return record && record->name == name ? id : "";
}

Result<Container> ContainerStore::add(Container container) {
  if (read_only_) return fail(ErrorKind::Internal, "container store opened read-only");
  sys::FileLock lock = NOOK_TRY(sys::FileLock::exclusive(root_ + "/containers.lock"));
  NOOK_TRY_VOID(ensure_name_index());
  if (container.name.empty()) {
    for (int attempt = 0; attempt < 100 && container.name.empty(); ++attempt) {
      std::string name = NOOK_TRY(random_name());
      if (holder_of(name).empty()) container.name = std::move(name);
    }
    if (container.name.empty()) return fail(ErrorKind::Internal, "could not find a free random container name");
  } else if (!valid_name(container.name)) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("container name {:?}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument",
                            container.name));
  }
  if (std::string holder = holder_of(container.name); !holder.empty()) {
    return fail(ErrorKind::Exists,
                fmt::format("the container name {:?} is already in use by {}. You have to remove that container to "
                            "be able to reuse that name: that name is already in use",
                            container.name, holder));
  }
  container.id = NOOK_TRY(sys::random_hex(32));
  ContainerPaths p = paths(container.id);
  sys::TempPath guard(p.dir);
  if (::mkdir(p.dir.c_str(), 0700) != 0) return fail(Error::from_errno("mkdir", fmt::format("{:?}", p.dir)));
  NOOK_TRY_VOID(sys::make_dirs(p.userdata, 0700));
  // The link first: a crash before the record leaves a stale link, never a record without its name.
  NOOK_TRY_VOID(link_name(root_, container.name, container.id));
  if (auto written = update(container); !written) {
    unlink_name(root_, container.name, container.id);
    return fail(written.error());
  }
  guard.commit();
  return container;
}

Result<void> ContainerStore::update(const Container& container) {
  std::string text = to_json(container).dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  return sys::write_file_atomic(paths(container.id).dir + "/container.json", text, 0600, sys::Durability::AtomicOnly);
}

Result<void> ContainerStore::rename(std::string_view id, std::string_view new_name) {
  if (!valid_name(new_name)) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("container name {:?}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument",
                            new_name));
  }
  sys::FileLock lock = NOOK_TRY(sys::FileLock::exclusive(root_ + "/containers.lock"));
  NOOK_TRY_VOID(ensure_name_index());
  if (std::string holder = holder_of(new_name); !holder.empty() && holder != id) {
    return fail(ErrorKind::Exists,
                fmt::format("the container name {:?} is already in use by {}. You have to remove that container to "
                            "be able to reuse that name: that name is already in use",
                            new_name, holder));
  }
  auto target = read_record(paths(id).dir + "/container.json");
  if (!target) return target.error().kind() == ErrorKind::NotFound ? not_found(id) : fail(target.error());
  // New link, record, then the old link goes: a crash in between leaves a stale link, never a name
  // that points nowhere.
  std::string old_name = target->name;
  NOOK_TRY_VOID(link_name(root_, new_name, id));
  target->name = std::string(new_name);
  NOOK_TRY_VOID(update(*target));
  if (old_name != new_name) unlink_name(root_, old_name, id);
  return {};
}

Result<void> ContainerStore::remove(std::string_view id) {
  sys::FileLock lock = NOOK_TRY(sys::FileLock::exclusive(root_ + "/containers.lock"));
  ContainerPaths p = paths(id);
  // The record goes first, so a crash half-way leaves no record pointing at missing files.
  std::string record = p.dir + "/container.json";
  auto existing = read_record(record);
  if (::unlink(record.c_str()) != 0 && errno != ENOENT) {
    return fail(Error::from_errno("unlink", fmt::format("{:?}", record)));
  }
  if (existing) unlink_name(root_, existing->name, id);
  return sys::remove_all(p.dir);
}

Result<sys::FileLock> ContainerStore::lock(std::string_view id) const {
  return sys::FileLock::exclusive(paths(id).lock);
}

}  // namespace nook::container
