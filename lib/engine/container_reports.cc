// ps, inspect, container exists and logs: read-only views of container records, in podman's
// shapes. They never enter the user namespace and never write: a record whose monitor is gone
// is shown as exited (reconcile_view) and fixed by the next writing command.
#include <fmt/format.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "lib/container/container.h"
#include "lib/engine/container_cgroups.h"
#include "lib/engine/container_internal.h"
#include "lib/engine/container_run_flags.h"
#include "lib/engine/image_reports.h"
#include "lib/engine/store_access.h"
#include "lib/engine/volume_internal.h"
#include "lib/monitor/log_file.h"
#include "lib/monitor/monitor.h"
#include "lib/network/ports.h"
#include "lib/oci/spec.h"
#include "lib/sys/file.h"
#include "lib/util/strings.h"

namespace nook::engine {

namespace {

using nlohmann::json;
using container::Status;

Timestamp parse_time(const std::string& text) { return parse_rfc3339(text).value_or(Timestamp{}); }

// podman's ps STATUS column.
std::string status_text(const container::Container& c) {
  switch (c.state.status) {
    case Status::Running: return "Up " + human_duration(seconds_since(parse_time(c.state.started_at)));
    case Status::Paused: return "Paused";
    case Status::Exited:
    case Status::Stopped:
      return fmt::format("Exited ({}) {} ago", c.state.exit_code,
                         human_duration(seconds_since(parse_time(c.state.finished_at))));
    case Status::Configured:
    case Status::Created: return "Created";
    default: {
      std::string name(container::status_name(c.state.status));
      name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
      return name;
    }
  }
}

// One filter of ps --filter KEY=VALUE.
Result<bool> matches(const container::Container& c, const std::string& filter) {
  size_t eq = filter.find('=');
  if (eq == std::string::npos) return fail(ErrorKind::InvalidArgument, fmt::format("invalid filter {:?}", filter));
  std::string key = filter.substr(0, eq);
  std::string value = filter.substr(eq + 1);
  if (key == "id") return c.id.starts_with(value);
  if (key == "name") return c.name.find(value) != std::string::npos;
  if (key == "status") {
    if (!container::parse_status(value)) {
      return fail(ErrorKind::InvalidArgument, fmt::format("{} is not a valid status", value));
    }
    return container::status_name(c.state.status) == value;
  }
  if (key == "exited") return c.state.status == Status::Exited && std::to_string(c.state.exit_code) == value;
  if (key == "ancestor") {
    return c.image_id.starts_with(value) || c.image_name == value || c.image_name.starts_with(value + ":") ||
           c.image_name.ends_with("/" + value) || c.image_name.find("/" + value + ":") != std::string::npos;
  }
  if (key == "label") {
    size_t leq = value.find('=');
    auto it = c.labels.find(value.substr(0, leq));
    if (it == c.labels.end()) return false;
    return leq == std::string::npos || it->second == value.substr(leq + 1);
  }
  return fail(ErrorKind::InvalidArgument, fmt::format("{} is an invalid filter", key));
}

Result<bool> matches_all(const container::Container& c, const std::vector<std::string>& filters,
                         const std::vector<container::Container>& all) {
  for (const std::string& filter : filters) {
    std::string key = filter.substr(0, filter.find('='));
    if (key == "before" || key == "since") {
      std::string ref = filter.substr(key.size() + 1);
      auto other = std::find_if(all.begin(), all.end(),
                                [&](const container::Container& o) { return o.name == ref || o.id.starts_with(ref); });
      if (other == all.end()) return fail(ErrorKind::NotFound, fmt::format("no such container {:?}", ref));
      bool ok = key == "before" ? c.created < other->created : c.created > other->created;
      if (!ok) return false;
      continue;
    }
    if (!NOOK_TRY(matches(c, filter))) return false;
  }
  return true;
}

// The keys of podman's ListContainer that --format json and the template rows give alike. Filled
// key by key: nlohmann's initializer-list constructor checks and copies every pair, and cost more
// than reading the record.
json ps_common(const container::Container& c) {
  json j = json::object();
  j["AutoRemove"] = c.auto_remove;
  j["Exited"] = c.state.status == Status::Exited;
  j["ExitedAt"] = c.state.finished_at.empty() ? -62135596800 : parse_time(c.state.finished_at).seconds;
  j["ExitCode"] = c.state.exit_code;
  j["Id"] = c.id;
  j["Image"] = c.image_name;
  j["ImageID"] = c.image_id;
  j["IsInfra"] = false;
  j["Namespaces"] = json::object();
  j["Pid"] = c.state.pid;
  j["Pod"] = "";
  j["PodName"] = "";
  j["Restarts"] = c.state.restart_count;
  j["StartedAt"] = c.state.started_at.empty() ? -62135596800 : parse_time(c.state.started_at).seconds;
  j["State"] = container::status_name(c.state.status);
  return j;
}

json ps_json(const container::Container& c) {
  Timestamp created = parse_time(c.created);
  json j = ps_common(c);
  j["Command"] = c.command;
  j["Created"] = format_rfc3339_nano(created);
  j["CreatedAt"] = human_duration(seconds_since(created)) + " ago";
  j["Labels"] = c.labels.empty() ? json(nullptr) : json(c.labels);
  j["Mounts"] = user_volume_destinations(c);
  j["Names"] = json::array({c.name});
  j["Networks"] = json::array();
  j["Ports"] = c.ports.empty() ? json(nullptr) : network::to_json(c.ports);
  j["Size"] = nullptr;
  j["Status"] = "";
  return j;
}

// The template fields of one row: the common keys, and the others in their table form.
json ps_row(const container::Container& c, bool no_trunc) {
  std::string command = strings::join(c.command, " ");
  if (!no_trunc && command.size() > 17) command = command.substr(0, 17) + "...";
  Timestamp created = parse_time(c.created);
  std::string created_human = human_duration(seconds_since(created)) + " ago";
  std::vector<std::string> labels;
  for (const auto& [k, v] : c.labels) labels.push_back(k + "=" + v);
  json row = ps_common(c);
  row["Command"] = std::move(command);
  row["Created"] = created_human;
  row["CreatedAt"] = go_time_string(created);
  row["CreatedHuman"] = std::move(created_human);
  row["ID"] = no_trunc ? c.id : c.id.substr(0, 12);
  row["Labels"] = strings::join(labels, ",");
  row["Mounts"] = "[" + strings::join(user_volume_destinations(c), " ") + "]";  // Go's %v of a []string
  row["Names"] = c.name;
  row["Networks"] = "";
  row["Ports"] = network::format_ports(c.ports);
  row["RunningFor"] = human_duration(seconds_since(created));
  row["Size"] = "";
  row["Status"] = status_text(c);
  return row;
}

}  // namespace

std::map<std::string, std::string> ps_headers() {
  return {{"ID", "CONTAINER ID"}, {"CreatedHuman", "CREATED"}, {"Names", "NAMES"}, {"RunningFor", "CREATED"}};
}

Result<PsReport> list_containers(const Settings& settings, const PsOptions& options) {
  static const std::vector<std::string> kSorts = {"command", "created", "id",  "image",
                                                  "names",   "runningfor", "size", "status"};
  if (std::find(kSorts.begin(), kSorts.end(), options.sort) == kSorts.end()) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("invalid option for --sort, options are: command, created, id, image, names, runningfor, "
                            "size, or status"));
  }
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, true));
  std::vector<container::Container> all = NOOK_TRY(store.list());
  for (container::Container& c : all) reconcile_view(store, c);
  std::vector<container::Container> shown;
  bool everything = options.all || options.latest || options.last >= 0 || !options.filters.empty();
  for (const container::Container& c : all) {
    if (!everything && (!has_process(c) || c.state.status == Status::Initialized)) continue;
    if (!NOOK_TRY(matches_all(c, options.filters, all))) continue;
    shown.push_back(c);
  }
  // Newest first, as podman lists them; --last/--latest keep the newest.
  std::stable_sort(shown.begin(), shown.end(),
                   [](const container::Container& a, const container::Container& b) { return a.created > b.created; });
  if (options.latest && shown.size() > 1) shown.resize(1);
  if (options.last >= 0 && shown.size() > static_cast<size_t>(options.last)) shown.resize(static_cast<size_t>(options.last));
  auto key = [&](const container::Container& c) -> std::string {
    if (options.sort == "command") return strings::join(c.command, " ");
    if (options.sort == "id") return c.id;
    if (options.sort == "image") return c.image_name;
    if (options.sort == "names") return c.name;
    if (options.sort == "status") return std::string(container::status_name(c.state.status));
    return "";
  };
  if (options.sort != "created" && options.sort != "runningfor") {
    std::stable_sort(shown.begin(), shown.end(),
                     [&](const container::Container& a, const container::Container& b) { return key(a) < key(b); });
  }
  using Output = PsOptions::Output;
  bool rows = options.output == Output::All || options.output == Output::Rows;
  bool json_out = options.output == Output::All || options.output == Output::Json;
  PsReport report;
  for (const container::Container& c : shown) {
    std::optional<ContainerSize> size;
    if (options.size && (rows || json_out)) size = container_size(settings, store, c);
    if (rows) {
      report.rows.push_back(ps_row(c, options.no_trunc));
      if (size) report.rows.back()["Size"] = size_column(*size);
    }
    if (json_out) {
      report.json.push_back(ps_json(c));
      if (size) report.json.back()["Size"] = json{{"rootFsSize", size->root_fs}, {"rwSize", size->rw}};
    }
    report.ids.push_back(options.no_trunc ? c.id : c.id.substr(0, 12));
  }
  return report;
}

Result<bool> container_exists(const Settings& settings, std::string_view key) {
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, true));
  auto found = store.find(key);
  if (found) return true;
  if (found.error().kind() == ErrorKind::NotFound) return false;
  return fail(found.error());
}

Result<ContainerInspectReport> inspect_containers(const Settings& settings, const std::vector<std::string>& keys,
                                                  const ContainerInspectOptions& inspect_options) {
  using ojson = nlohmann::ordered_json;
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, true));
  ContainerInspectReport report;
  std::vector<std::string> wanted = keys;
  if (inspect_options.latest) {
    std::vector<container::Container> all = NOOK_TRY(store.list());
    auto newest = std::max_element(all.begin(), all.end(), [](const container::Container& a, const container::Container& b) {
      return a.created < b.created;
    });
    if (newest == all.end()) return fail(ErrorKind::NotFound, "no containers to inspect: no such container");
    wanted = {newest->id};
  }
  std::optional<storage::Store> images;
  for (const std::string& key : wanted) {
    auto found = store.find(key);
    if (!found) {
      // podman inspect's wording for a missing container.
      bool missing = found.error().kind() == ErrorKind::NotFound;
      report.errors.push_back(missing ? Error(ErrorKind::NotFound, fmt::format("no such container {}", key)) : found.error());
      continue;
    }
    container::Container& c = *found;
    reconcile_view(store, c);
    container::ContainerPaths paths = store.paths(c.id);
    auto spec = oci::load_spec(paths.userdata);
    const oci::Process* process = spec ? &spec->process : nullptr;
    std::vector<std::string> args = process ? process->args : c.command;
    std::string image_digest;
    if (!images) {
      if (auto opened = open_store_read_only(settings)) images.emplace(std::move(*opened));
    }
    if (images) {
      if (auto image = images->find_image(c.image_id); image && !image->digests.empty()) image_digest = image->digests.front();
    }
    ojson state = ojson::object();
    state["OciVersion"] = std::string(oci::kSpecVersion);
    state["Status"] = container::status_name(c.state.status);
    state["Running"] = c.state.status == Status::Running;
    state["Paused"] = c.state.status == Status::Paused;
    state["Restarting"] = false;
    state["OOMKilled"] = c.state.oom_killed;
    state["Dead"] = false;
    state["Pid"] = c.state.pid;
    state["ConmonPid"] = c.state.monitor_pid;
    state["ExitCode"] = c.state.exit_code;
    state["Error"] = c.state.error;
    if (has_process(c)) {
      // The monitor's word that the network's backend died (lib/monitor/network.h).
      if (auto note = sys::read_file(fmt::format("{}/{}", paths.userdata, monitor::kNetworkErrorFile))) {
        state["Error"] = std::string(strings::trim(*note));
      }
    }
    state["StartedAt"] = go_time_string(parse_time(c.state.started_at));
    state["FinishedAt"] = go_time_string(parse_time(c.state.finished_at));
    state["Health"] = ojson{{"Status", ""}, {"FailingStreak", 0}, {"Log", nullptr}};
    state["CheckpointedAt"] = "0001-01-01T00:00:00Z";
    state["RestoredAt"] = "0001-01-01T00:00:00Z";

    std::map<std::string, std::string> annotations = spec ? spec->annotations : std::map<std::string, std::string>{};
    ojson config = ojson::object();
    config["Hostname"] = spec ? spec->hostname : "";
    config["Domainname"] = "";
    config["User"] = c.user;
    config["AttachStdin"] = false;
    config["AttachStdout"] = false;
    config["AttachStderr"] = false;
    config["Tty"] = c.tty;
    config["OpenStdin"] = c.interactive;
    config["StdinOnce"] = false;
    config["Env"] = process ? ojson(process->env) : ojson::array();
    config["Cmd"] = args;
    config["Image"] = c.image_name;
    config["Volumes"] = nullptr;
    config["WorkingDir"] = process ? process->cwd : "/";
    config["Entrypoint"] = "";
    config["OnBuild"] = nullptr;
    config["Labels"] = c.labels.empty() ? ojson(nullptr) : ojson(c.labels);
    config["Annotations"] = annotations;
    config["StopSignal"] = parse_signal(c.stop_signal).value_or(15);
    config["HealthcheckOnFailureAction"] = "none";
    config["Umask"] = process && process->user.umask ? fmt::format("{:04o}", *process->user.umask) : "0022";
    config["Timeout"] = 0;
    config["StopTimeout"] = c.stop_timeout;
    config["Passwd"] = true;
    config["sdNotifyMode"] = "container";

    ojson caps = ojson::array();
    ojson bounding = ojson::array();
    if (process && process->capabilities) {
      caps = process->capabilities->effective;
      bounding = process->capabilities->bounding;
    }
    ojson graph{{"Name", c.driver},
                {"Data", c.driver == "vfs" ? ojson(nullptr)
                                           : ojson{{"LowerDir", ""}, {"MergedDir", paths.merged},
                                                   {"UpperDir", paths.upper}, {"WorkDir", paths.work}}}};
    ojson network{{"EndpointID", ""},        {"Gateway", ""},         {"IPAddress", ""},
                  {"IPPrefixLen", 0},        {"IPv6Gateway", ""},     {"GlobalIPv6Address", ""},
                  {"GlobalIPv6PrefixLen", 0}, {"MacAddress", ""},     {"Bridge", ""},
                  {"SandboxID", ""},         {"HairpinMode", false},  {"LinkLocalIPv6Address", ""},
                  {"LinkLocalIPv6PrefixLen", 0}, {"Ports", network::inspect_ports(c.ports, c.exposed, true)},
                  {"SandboxKey", ""}};
    ojson ulimits = ojson::array();
    if (process) {
      for (const oci::Rlimit& r : process->rlimits) ulimits.push_back(ojson{{"Name", r.type}, {"Soft", r.soft}, {"Hard", r.hard}});
    }
    auto ns_mode = [&](std::string_view type, std::string_view private_name) -> std::string {
      if (!spec) return "host";
      for (const oci::Namespace& ns : spec->linux_.namespaces) {
        if (ns.type == type) return ns.path.empty() ? std::string(private_name) : "ns:" + ns.path;
      }
      return "host";
    };
    ojson host = ojson::object();
    host["Binds"] = ojson::array();
    host["CgroupManager"] = "cgroupfs";
    host["CgroupMode"] = ns_mode("cgroup", "private");
    host["ContainerIDFile"] = "";
    host["LogConfig"] = ojson{{"Type", c.log_driver}, {"Config", nullptr}, {"Path", paths.log}, {"Tag", ""},
                              {"Size", c.log_max_size > 0 ? human_size(static_cast<double>(c.log_max_size), 3) : "0B"}};
    bool whole = c.network_mode.starts_with("ns:") || c.network_mode.starts_with("container:");
    host["NetworkMode"] = c.network_mode.substr(0, whole ? std::string::npos : c.network_mode.find(':'));
    host["PortBindings"] = network::inspect_ports(c.ports, {}, false);
    host["RestartPolicy"] = ojson{{"Name", c.restart_policy == "no" ? "" : c.restart_policy},
                                  {"MaximumRetryCount", c.restart_max_retries}};
    host["AutoRemove"] = c.auto_remove;
    host["VolumeDriver"] = "";
    host["VolumesFrom"] = nullptr;
    host["CapAdd"] = ojson::array();
    host["CapDrop"] = ojson::array();
    host["Dns"] = c.dns_servers.empty() ? ojson::array() : ojson(c.dns_servers);
    host["DnsOptions"] = c.dns_options.empty() ? ojson::array() : ojson(c.dns_options);
    host["DnsSearch"] = c.dns_search.empty() ? ojson::array() : ojson(c.dns_search);
    host["ExtraHosts"] = c.add_hosts.empty() ? ojson::array() : ojson(c.add_hosts);
    host["GroupAdd"] = c.group_add;
    host["IpcMode"] = ns_mode("ipc", "shareable");
    host["Cgroup"] = "";
    host["Cgroups"] = "default";
    host["Links"] = nullptr;
    host["OomScoreAdj"] = process && process->oom_score_adj ? *process->oom_score_adj : 0;
    host["PidMode"] = ns_mode("pid", "private");
    host["Privileged"] = annotations.contains("io.podman.annotations.privileged") &&
                         annotations["io.podman.annotations.privileged"] == "TRUE";
    host["PublishAllPorts"] = c.publish_all;
    host["ReadonlyRootfs"] = spec && spec->root.readonly;
    host["SecurityOpt"] = ojson::array();
    host["Tmpfs"] = ojson::object();
    host["UTSMode"] = ns_mode("uts", "private");
    host["UsernsMode"] = "";
    host["ShmSize"] = 65536000;
    host["Runtime"] = "oci";
    host["ConsoleSize"] = ojson::array({0, 0});
    host["Isolation"] = "";
    for (const char* zero : {"CpuShares", "Memory", "NanoCpus"}) host[zero] = 0;
    host["CgroupParent"] = "";
    host["BlkioWeight"] = 0;
    for (const char* null : {"BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps",
                             "BlkioDeviceWriteIOps"}) {
      host[null] = nullptr;
    }
    for (const char* zero : {"CpuPeriod", "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime"}) host[zero] = 0;
    host["CpusetCpus"] = "";
    host["CpusetMems"] = "";
    host["Devices"] = ojson::array();
    for (const char* zero : {"DiskQuota", "KernelMemory", "MemoryReservation", "MemorySwap", "MemorySwappiness"}) {
      host[zero] = 0;
    }
    host["OomKillDisable"] = false;
    host["PidsLimit"] = 0;
    host["Ulimits"] = ulimits;
    host["CpuCount"] = 0;
    host["CpuPercent"] = 0;
    host["IOMaximumIOps"] = 0;
    host["IOMaximumBandwidth"] = 0;
    host["CgroupConf"] = nullptr;
    add_cgroup_inspect(paths.userdata, spec ? &*spec : nullptr, host);  // limits (container_cgroups.h)

    ojson item = ojson::object();
    item["Id"] = c.id;
    item["Created"] = format_rfc3339_nano(parse_time(c.created));
    item["Path"] = args.empty() ? "" : args.front();
    item["Args"] = args.size() > 1 ? ojson(std::vector<std::string>(args.begin() + 1, args.end())) : ojson::array();
    item["State"] = state;
    item["Image"] = c.image_id;
    item["ImageDigest"] = image_digest;
    item["ImageName"] = c.image_name;
    item["Rootfs"] = "";
    item["Pod"] = "";
    item["ResolvConfPath"] = c.dns_none ? "" : paths.userdata + "/resolv.conf";  // --dns none: the image's
    item["HostnamePath"] = paths.userdata + "/hostname";
    item["HostsPath"] = c.no_hosts ? "" : paths.userdata + "/hosts";  // --no-hosts: the image's
    item["StaticDir"] = paths.userdata;
    item["OCIConfigPath"] = paths.userdata + "/config.json";
    item["OCIRuntime"] = c.runtime.empty() ? "nook" : c.runtime;
    item["ConmonPidFile"] = "";
    item["PidFile"] = "";
    item["Name"] = c.name;
    item["RestartCount"] = c.state.restart_count;
    item["Driver"] = c.driver;
    item["MountLabel"] = "";
    item["ProcessLabel"] = "";
    item["AppArmorProfile"] = "";
    item["EffectiveCaps"] = caps;
    item["BoundingCaps"] = bounding;
    item["ExecIDs"] = ojson::array();
    item["GraphDriver"] = graph;
    item["Mounts"] = inspect_mounts(c);
    item["Dependencies"] = ojson::array();
    item["NetworkSettings"] = network;
    item["Namespace"] = "";
    item["IsInfra"] = false;
    item["IsService"] = false;
    if (inspect_options.size) {
      ContainerSize size = container_size(settings, store, c);
      item["SizeRw"] = size.rw;
      item["SizeRootFs"] = size.root_fs;
    }
    item["Config"] = config;
    item["HostConfig"] = host;
    add_run_flags_inspect(c, item);  // --init, --tz, --userns (container_run_flags.h)
    report.data.push_back(std::move(item));
  }
  return report;
}

namespace {

// --since/--until: RFC 3339, a date, or a duration before now ("10m", "1h30m", "5s").
Result<int64_t> parse_log_time(const std::string& text) {
  if (auto t = parse_rfc3339(text)) return t->seconds * 1000000000 + t->nanos;
  if (auto t = parse_rfc3339(text + "T00:00:00Z")) return t->seconds * 1000000000 + t->nanos;
  int64_t total_ns = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = pos;
    while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) ++end;
    if (end == pos) break;
    double value = std::stod(text.substr(pos, end - pos));
    size_t unit_end = end;
    while (unit_end < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_end]))) ++unit_end;
    std::string unit = text.substr(end, unit_end - end);
    double scale = unit == "h" ? 3600e9 : unit == "m" ? 60e9 : unit == "s" ? 1e9 : unit == "ms" ? 1e6 : -1;
    if (scale < 0) break;
    total_ns += static_cast<int64_t>(value * scale);
    pos = unit_end;
  }
  if (pos != text.size() || text.empty()) {
    return fail(ErrorKind::InvalidArgument, fmt::format("invalid time {:?}: use RFC 3339, a date or a duration", text));
  }
  Timestamp n = now();
  return n.seconds * 1000000000 + n.nanos - total_ns;
}

}  // namespace

Result<void> container_logs(const Settings& settings, const std::vector<std::string>& keys, const LogsOptions& options,
                            const std::function<void(std::string_view)>& on_stdout,
                            const std::function<void(std::string_view)>& on_stderr) {
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, true));
  monitor::LogReadOptions read;
  if (options.since) read.since_ns = NOOK_TRY(parse_log_time(*options.since));
  if (options.until) read.until_ns = NOOK_TRY(parse_log_time(*options.until));
  if (options.tail) read.tail = *options.tail;
  std::vector<container::Container> records;
  for (const std::string& key : keys) records.push_back(NOOK_TRY(store.find(key)));
  for (const container::Container& c : records) {
    if (c.log_driver != "k8s-file") {
      return fail(ErrorKind::InvalidArgument,
                  fmt::format("this container is using the {:?} log driver, cannot read logs: this container is not "
                              "using the k8s-file log driver", c.log_driver));
    }
  }
  for (const container::Container& c : records) {
    std::string prefix = options.names ? c.id.substr(0, 12) + " " : "";
    auto emit = [&](const monitor::LogEntry& entry) {
      std::string text = prefix + monitor::format_log_entry(entry, options.timestamps);
      (entry.stream == monitor::LogStream::Stdout ? on_stdout : on_stderr)(text);
    };
    auto reader = monitor::LogReader::open(store.paths(c.id).log, read);
    if (!reader) {
      if (reader.error().kind() == ErrorKind::NotFound) continue;  // never started: no output yet
      return fail(reader.error());
    }
    NOOK_TRY_VOID(reader->read_available(emit));
    if (options.follow) {
      for (;;) {
        auto fresh = store.find(c.id);
        if (!fresh) break;
        reconcile_view(store, *fresh);
        bool alive = has_process(*fresh);
        NOOK_TRY_VOID(reader->read_available(emit));
        if (!alive) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    reader->flush_partial(emit);
  }
  return {};
}

}  // namespace nook::engine
