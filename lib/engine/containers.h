// Containers: create, start, run, stop, kill, rm, wait, ps, logs, inspect (podman's verbs).
//
// Every verb that changes a container runs inside nook's user namespace (needs_userns) and takes
// the container's lock (lib/container/container.h) for its state change. A running container
// is its monitor's business (lib/monitor/monitor.h): the monitor records the exit when the
// container ends, through finish_container().
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/engine/container_resources.h"
#include "lib/engine/pull.h"
#include "lib/util/error.h"

namespace nook::engine {

struct Settings;

// The flags of `nook create` / `nook run` (podman-run(1)), as given.
struct ContainerCreateOptions {
  std::string image;
  std::vector<std::string> command;
  std::string name;
  std::optional<std::string> entrypoint;  // a JSON array or a plain string
  std::vector<std::string> env;           // -e NAME=value or NAME (taken from our environment)
  std::vector<std::string> env_files;
  bool env_host = false;
  std::string workdir;
  std::string user;
  std::string hostname;
  std::vector<std::string> labels;       // KEY=VALUE
  std::vector<std::string> annotations;  // KEY=VALUE
  bool interactive = false;
  bool tty = false;
  bool rm = false;
  std::string pull = "missing";
  std::string cidfile;
  std::optional<std::string> stop_signal;
  std::optional<unsigned> stop_timeout;
  std::vector<std::string> cap_add, cap_drop;
  bool privileged = false;
  std::vector<std::string> security_opt;
  bool read_only = false;
  bool read_only_tmpfs = true;
  std::vector<std::string> ulimits;
  std::string shm_size;
  std::vector<std::string> group_add;
  std::string network;  // --network; "" = the default (slirp4netns rootless, none as root)
  std::vector<std::string> publish;  // -p [[ip:][hostPort]:]containerPort[/protocol]
  bool publish_all = false;          // -P
  std::vector<std::string> expose;   // --expose PORT[-END][/protocol]
  // /etc/hosts and /etc/resolv.conf (lib/network/etc_files.h); each occurrence may be a comma list.
  std::vector<std::string> add_hosts;    // --add-host NAME:IP|host-gateway
  bool no_hosts = false;                 // --no-hosts (or containers.conf no_hosts)
  std::vector<std::string> dns_servers;  // --dns IP, or none
  std::vector<std::string> dns_search;   // --dns-search DOMAIN
  std::vector<std::string> dns_options;  // --dns-option OPT
  std::string log_driver;
  std::vector<std::string> log_opts;
  std::string restart = "no";
  std::string runtime;
  std::string umask;
  bool replace = false;
  std::vector<std::string> volumes;       // -v [SRC:]DST[:OPTS] (lib/oci/mount_spec.h)
  std::vector<std::string> mounts;        // --mount type=...,...
  std::vector<std::string> tmpfs;         // --tmpfs DST[:OPTS]
  std::vector<std::string> volumes_from;  // --volumes-from CTR[:ro|rw|z|Z]
  // --init, --init-path, --tz, --userns (lib/engine/container_run_flags.h); unset: containers.conf.
  bool init = false;
  std::string init_path;
  std::optional<std::string> tz;
  std::optional<std::string> userns;
  PullOptions pull_options;  // --tls-verify, --creds, ... for the pull
  ContainerResourceOptions resources;  // -m, --cpus, --pids-limit, --cgroups, ... (container_resources.h)
  // Warnings podman prints and goes on ("Resource limits are not supported and ignored on cgroups
  // V1 rootless systems"); each at most once per call.
  std::function<void(const std::string&)> on_warning;
};

// Creates the container (pulling the image per options.pull) and returns its id. Errors:
// NotFound for an unknown image with --pull never, Exists for a name in use (unless replace),
// InvalidArgument for a bad flag value.
[[nodiscard]] Result<std::string> create_container(const Settings& settings, const ContainerCreateOptions& options,
                                                   PullProgress* progress);

// How `run` / `start -a` connect the terminal: the container's output goes to our stdout and
// stderr, our stdin to the container when interactive; signals are forwarded (--sig-proxy).
struct AttachOptions {
  bool attach = false;       // foreground: wait for the exit and return its code
  bool interactive = false;  // relay stdin
  bool sig_proxy = true;
  bool init_only = false;  // `nook init`: the process is created, the program starts with a later start
  std::optional<std::string> detach_keys;  // --detach-keys (unset: ctrl-p,ctrl-q; from a terminal only)
  bool attach_stdout = true;  // run -a: the streams not named go nowhere
  bool attach_stderr = true;
  // A -t container attached to our terminal: called once it runs, to put our terminal in raw mode
  // (cmd/ owns the terminal). A detach returns 0 with the container still running.
  std::function<void()> on_terminal;
};

// run -a/--attach: podman's stream names (any case). InvalidArgument `invalid stream "X" for
// --attach - must be one of stdin, stdout, or stderr: invalid argument`.
struct AttachStreams {
  bool in = false, out = false, err = false;
};
[[nodiscard]] Result<AttachStreams> parse_attach_streams(const std::vector<std::string>& streams);

// Starts a created or exited container. With attach, returns the container's exit code after it
// ended (and, with --rm, after it was removed); otherwise 0 once it runs. Errors from starting
// the process keep their kind (CommandNotFound 127, NotExecutable 126).
[[nodiscard]] Result<int> start_container(const Settings& settings, std::string_view key, const AttachOptions& attach);

// `run`: create + start. on_created gets the id once the record exists (for --cidfile, -d).
[[nodiscard]] Result<int> run_container(const Settings& settings, const ContainerCreateOptions& options,
                                        const AttachOptions& attach, PullProgress* progress,
                                        const std::function<void(const std::string&)>& on_created);

// Called by the monitor (in its process, inside the user namespace) once the container exited:
// records the exit and, for --rm containers, removes the container. `graph_root` is all it knows.
// `runtime_state_root` (the monitor's) lets the restart policy start a new monitor.
[[nodiscard]] Result<void> finish_container(const std::string& graph_root, const std::string& id, int exit_code,
                                            int64_t exited_at_ns, bool oom_killed,
                                            const std::string& runtime_state_root = "");

// --- stop / kill / rm / wait: one result per container named, in order.
struct ContainerResult {
  std::string key;  // as the user gave it (printed on success)
  std::string id;
  std::optional<Error> error;
  int exit_code = 0;  // wait
};

struct StopOptions {
  std::optional<unsigned> timeout;  // -t; else the container's stop timeout
  bool all = false;
  bool ignore = false;  // -i: a missing container is not an error
};
[[nodiscard]] Result<std::vector<ContainerResult>> stop_containers(const Settings& settings,
                                                                   const std::vector<std::string>& keys,
                                                                   const StopOptions& options);

[[nodiscard]] Result<std::vector<ContainerResult>> kill_containers(const Settings& settings,
                                                                   const std::vector<std::string>& keys,
                                                                   std::string_view signal, bool all);

struct RemoveOptions {
  bool force = false;
  bool all = false;
  bool volumes = false;
  bool ignore = false;
  bool depend = false;  // the containers that share a named one's network go too, first
  std::optional<unsigned> timeout;
};
[[nodiscard]] Result<std::vector<ContainerResult>> remove_containers(const Settings& settings,
                                                                     const std::vector<std::string>& keys,
                                                                     const RemoveOptions& options);

// `wait`: blocks until each container reaches one of `conditions` (default "stopped"/"exited"),
// then reports its exit code.
[[nodiscard]] Result<std::vector<ContainerResult>> wait_containers(const Settings& settings,
                                                                   const std::vector<std::string>& keys,
                                                                   const std::vector<std::string>& conditions);

// --- ps
struct PsOptions {
  bool all = false;
  bool latest = false;
  int last = -1;
  bool no_trunc = false;
  std::vector<std::string> filters;
  std::string sort = "created";
  bool size = false;  // --size: the writable layer's size and the image's ("virtual")
  // Which parts of PsReport to fill; building the rows and the JSON of every container is most of
  // the work of `ps`, so a caller asks only for what it prints.
  enum class Output { All, Rows, Json, Ids };
  Output output = Output::All;
};
struct PsReport {
  nlohmann::json rows = nlohmann::json::array();  // template fields: ID, Image, Command, Created, Status, Names, ...
  nlohmann::json json = nlohmann::json::array();  // --format json: podman's ListContainer
  std::vector<std::string> ids;                    // -q
};
[[nodiscard]] Result<PsReport> list_containers(const Settings& settings, const PsOptions& options);
std::map<std::string, std::string> ps_headers();

// --- inspect
// podman's InspectContainerData, keys in podman's order.
struct ContainerInspectReport {
  nlohmann::ordered_json data = nlohmann::ordered_json::array();
  std::vector<Error> errors;
};
struct ContainerInspectOptions {
  bool size = false;    // --size: SizeRw and SizeRootFs
  bool latest = false;  // --latest: the newest container instead of keys
};
[[nodiscard]] Result<ContainerInspectReport> inspect_containers(const Settings& settings,
                                                                const std::vector<std::string>& keys,
                                                                const ContainerInspectOptions& options = {});
[[nodiscard]] Result<bool> container_exists(const Settings& settings, std::string_view key);

// --- logs
struct LogsOptions {
  bool follow = false;
  std::optional<int64_t> tail;         // last N lines
  std::optional<std::string> since;    // RFC 3339, a date, or a duration ("10m")
  std::optional<std::string> until;
  bool timestamps = false;
  bool names = false;  // prefix lines with the container name (several containers)
};
// Writes each line as it is read: stdout lines through on_stdout, stderr through on_stderr.
[[nodiscard]] Result<void> container_logs(const Settings& settings, const std::vector<std::string>& keys,
                                          const LogsOptions& options,
                                          const std::function<void(std::string_view)>& on_stdout,
                                          const std::function<void(std::string_view)>& on_stderr);

}  // namespace nook::engine
