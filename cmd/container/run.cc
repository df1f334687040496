// nook run / create [options] IMAGE [COMMAND [ARG...]]: podman-run(1), podman-create(1).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/progress.h"
#include "cmd/terminal.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

struct CreateFlags {
  engine::ContainerCreateOptions options;
  std::optional<std::string> stop_timeout;
  bool detach = false;
  bool sig_proxy = true;
  bool quiet = false;
  bool tls_verify = true;
  CLI::Option* tls_verify_option = nullptr;
  std::vector<std::string> attach;
  std::optional<std::string> log_opt_single;
};

// The resource-limit and cgroup flags (lib/engine/container_resources.h), podman's names and help.
void declare_resource_flags(CLI::App& app, engine::ContainerResourceOptions& r) {
  const std::string size_help = "(format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))";
  flag_optional_string(app, "--blkio-weight", r.blkio_weight,
                       "Block IO weight (relative weight) accepts a weight value between 10 and 1000.");
  flag_string(app, "--cgroup-parent", r.cgroup_parent, "Optional parent cgroup for the container");
  flag_string(app, "--cgroupns", r.cgroupns, "cgroup namespace to use");
  flag_string(app, "--cgroups", r.cgroups,
              "control container cgroup configuration (\"enabled\"|\"disabled\"|\"no-conmon\"|\"split\")")
      ->default_str("enabled");
  flag_optional_string(app, "--cpu-period", r.cpu_period, "Limit the CPU CFS (Completely Fair Scheduler) period")->type_name("uint");
  flag_optional_string(app, "--cpu-quota", r.cpu_quota, "Limit the CPU CFS (Completely Fair Scheduler) quota")->type_name("int");
  flag_optional_string(app, "-c,--cpu-shares", r.cpu_shares, "CPU shares (relative weight)")->type_name("uint");
  flag_optional_string(app, "--cpus", r.cpus, "Number of CPUs. The default is 0.000 which means no limit")->type_name("float");
  flag_string(app, "--cpuset-cpus", r.cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
  flag_string(app, "--cpuset-mems", r.cpuset_mems,
              "Memory nodes (MEMs) in which to allow execution (0-3, 0,1). Only effective on NUMA systems.");
  flag_string(app, "-m,--memory", r.memory, "Memory limit " + size_help)->type_name("<number>[<unit>]");
  flag_string(app, "--memory-reservation", r.memory_reservation, "Memory soft limit " + size_help)
      ->type_name("<number>[<unit>]");
  flag_string(app, "--memory-swap", r.memory_swap, "Swap limit equal to memory plus swap: '-1' to enable unlimited swap");
  flag_optional_string(app, "--memory-swappiness", r.memory_swappiness,
                       "Tune container memory swappiness (0 to 100, or -1 for system default) (default -1)")
      ->type_name("int");
  flag_bool(app, "--oom-kill-disable", r.oom_kill_disable, "Disable OOM Killer");
  flag_optional_string(app, "--oom-score-adj", r.oom_score_adj, "Tune the host's OOM preferences (-1000 to 1000)")->type_name("int");
  flag_optional_string(app, "--pids-limit", r.pids_limit, "Tune container pids limit (set -1 for unlimited)")->type_name("int");
}

// The flags run and create share.
std::shared_ptr<CreateFlags> declare_create_flags(CLI::App& app) {
  auto f = std::make_shared<CreateFlags>();
  engine::ContainerCreateOptions& o = f->options;
  app.prefix_command();  // everything after IMAGE belongs to the container's command
  flag_strings(app, "--add-host", o.add_hosts, "Add a custom host-to-IP mapping (host:ip)")->type_name("strings");
  flag_strings(app, "--annotation", o.annotations, "Add annotations to container (key=value)");
  flag_strings(app, "-a,--attach", f->attach, "Attach to STDIN, STDOUT or STDERR");
  flag_strings(app, "--cap-add", o.cap_add, "Add capabilities to the container");
  flag_strings(app, "--cap-drop", o.cap_drop, "Drop capabilities from the container");
  flag_string(app, "--cidfile", o.cidfile, "Write the container ID to the file");
  flag_strings(app, "--dns", o.dns_servers, "Set custom DNS servers")->type_name("strings");
  flag_strings(app, "--dns-option,--dns-opt", o.dns_options, "Set custom DNS options")->type_name("strings");
  flag_strings(app, "--dns-search", o.dns_search, "Set custom DNS search domains")->type_name("strings");
  flag_optional_string(app, "--entrypoint", o.entrypoint, "Overwrite the default ENTRYPOINT of the image");
  flag_strings(app, "-e,--env", o.env, "Set environment variables in container");
  flag_strings(app, "--env-file", o.env_files, "Read in a file of environment variables");
  flag_bool(app, "--env-host", o.env_host, "Use all current host environment variables in container");
  flag_strings(app, "--group-add", o.group_add, "Add additional groups to the primary container process");
  flag_string(app, "-h,--hostname", o.hostname, "Set container hostname");
  flag_bool(app, "-i,--interactive", o.interactive, "Keep STDIN open even if not attached");
  flag_bool(app, "--init", o.init, "Run an init binary inside the container that forwards signals and reaps processes");
  flag_string(app, "--init-path", o.init_path, "Path to the container-init binary");
  flag_strings(app, "-l,--label", o.labels, "Set metadata on container");
  flag_string(app, "--log-driver", o.log_driver, "Logging driver for the container (k8s-file, none, passthrough)");
  flag_strings(app, "--log-opt", o.log_opts, "Logging driver options");
  flag_strings(app, "--mount", o.mounts, "Attach a filesystem mount to the container");
  flag_string(app, "--name", o.name, "Assign a name to the container");
  flag_strings(app, "--expose", o.expose, "Expose a port or a range of ports");
  flag_bool(app, "--no-hosts", o.no_hosts, "Do not create /etc/hosts within the container, instead use the version from the image");
  flag_string(app, "--network,--net", o.network,
              "Connect a container to a network (slirp4netns[:OPTIONS], none, host, private, container:ID|NAME, ns:PATH)");
  flag_strings(app, "-p,--publish", o.publish, "Publish a container's port, or a range of ports, to the host");
  flag_bool(app, "-P,--publish-all", o.publish_all, "Publish all exposed ports to random ports on the host interface");
  flag_bool(app, "--privileged", o.privileged, "Give extended privileges to container");
  flag_string(app, "--pull", o.pull, "Pull image policy (always, missing, never, newer)")->default_str("missing");
  flag_bool(app, "-q,--quiet", f->quiet, "Suppress output information when pulling images");
  flag_bool(app, "--read-only", o.read_only, "Make containers root filesystem read-only");
  app.add_option("--read-only-tmpfs", o.read_only_tmpfs,
                 "When running --read-only containers mount read-write tmpfs on /dev, /dev/shm, /run, /tmp and /var/tmp")
      ->type_name("")->expected(0, 1)->default_str("true");
  flag_bool(app, "--replace", o.replace, "If a container with the same name exists, replace it");
  flag_string(app, "--restart", o.restart, "Restart policy to apply when a container exits (no, on-failure[:N], always, unless-stopped)");
  flag_bool(app, "--rm", o.rm, "Remove container (and pod if created) after exit");
  flag_string(app, "--runtime", o.runtime, "Path to the OCI runtime binary to use (default: nook's built-in runtime)");
  flag_strings(app, "--security-opt", o.security_opt, "Security Options");
  flag_string(app, "--shm-size", o.shm_size, "Size of /dev/shm (format: <number>[<unit>], where unit = b, k, m or g)");
  flag_optional_string(app, "--stop-signal", o.stop_signal, "Signal to stop a container. Default is SIGTERM");
  flag_optional_string(app, "--stop-timeout", f->stop_timeout, "Timeout (in seconds) that containers stopped by user command have to exit. If exceeded, the container will be forcibly stopped via SIGKILL");
  flag_strings(app, "--tmpfs", o.tmpfs, "Mount a temporary filesystem (tmpfs) into a container");
  f->tls_verify_option = flag_bool(app, "--tls-verify", f->tls_verify,
                                   "Require HTTPS and verify certificates when contacting registries")->default_str("true");
  flag_bool(app, "-t,--tty", o.tty, "Allocate a pseudo-TTY for container");
  flag_optional_string(app, "--tz", o.tz, "Set timezone in container");
  flag_strings(app, "--ulimit", o.ulimits, "Ulimit options");
  flag_string(app, "--umask", o.umask, "Set umask in container");
  flag_string(app, "-u,--user", o.user, "Username or UID (format: <name|uid>[:<group|gid>])");
  flag_optional_string(app, "--userns", o.userns, "User namespace to use (host, keep-id[:uid=N,gid=N], auto[:size=N])");
  flag_strings(app, "-v,--volume", o.volumes, "Bind mount a volume into the container");
  flag_strings(app, "--volumes-from", o.volumes_from, "Mount volumes from the specified container(s)");
  flag_string(app, "-w,--workdir", o.workdir, "Working directory inside the container");
  declare_resource_flags(app, o.resources);
  return f;
}

Result<engine::ContainerCreateOptions> finish_options(const CreateFlags& f, const std::vector<std::string>& args) {
  if (args.empty()) return fail(ErrorKind::InvalidArgument, "requires at least 1 arg(s), only received 0");
  engine::ContainerCreateOptions options = f.options;
  options.image = args[0];
  // podman prints these bare on stderr ("Resource limits are not supported and ignored ...").
  options.on_warning = [](const std::string& warning) {
    fmt::print(stderr, "{}\n", warning);
    std::fflush(stderr);
  };
  options.command.assign(args.begin() + 1, args.end());
  if (f.stop_timeout) {
    const std::string& t = *f.stop_timeout;
    if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos) {
      return fail(ErrorKind::InvalidArgument, fmt::format("invalid argument {:?} for \"--stop-timeout\" flag", t));
    }
    options.stop_timeout = static_cast<unsigned>(std::stoul(t));
  }
  if (f.tls_verify_option->count() > 0) options.pull_options.tls_verify = f.tls_verify;
  return options;
}

Result<void> write_cidfile(const std::string& path, const std::string& id) {
  std::FILE* file = std::fopen(path.c_str(), "wx");
  if (file == nullptr) {
    return fail(ErrorKind::InvalidArgument, fmt::format("container id file {:?} exists or cannot be created", path));
  }
  std::fputs(id.c_str(), file);
  std::fclose(file);
  return {};
}

}  // namespace

Runner setup_run(CLI::App& app) {
  auto f = declare_create_flags(app);
  flag_bool(app, "-d,--detach", f->detach, "Run container in background and print container ID");
  auto detach_keys = std::make_shared<std::optional<std::string>>();
  flag_optional_string(app, "--detach-keys", *detach_keys,
                       "Override the key sequence for detaching a container. Format is a single character [a-Z] or a "
                       "comma separated sequence of `ctrl-<value>`, where `<value>` is one of: `a-z`, `@`, `^`, `[`, "
                       "`\\`, `]`, `^` or `_` (default \"ctrl-p,ctrl-q\")");
  app.add_option("--sig-proxy", f->sig_proxy, "Proxy received signals to the process")
      ->type_name("")->expected(0, 1)->default_str("true");
  return [f, detach_keys](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (*detach_keys) NOOK_TRY_VOID(engine::check_detach_keys(**detach_keys));
    engine::ContainerCreateOptions options = NOOK_TRY(finish_options(*f, args));
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    TerminalProgress progress(TerminalProgress::stderr_is_terminal());
    engine::AttachOptions attach;
    attach.attach = !f->detach;
    attach.interactive = options.interactive;
    attach.sig_proxy = f->sig_proxy;
    attach.detach_keys = *detach_keys;
    bool print_id = f->detach;
    if (!f->attach.empty()) {  // podman: -a names the streams; without stdout and stderr the id is printed
      engine::AttachStreams streams = NOOK_TRY(engine::parse_attach_streams(f->attach));
      if (options.log_driver == "passthrough") {
        return fail(ErrorKind::InvalidArgument, "cannot specify --attach with --log-driver=passthrough: invalid argument");
      }
      attach.attach_stdout = streams.out;
      attach.attach_stderr = streams.err;
      print_id = print_id || (!streams.out && !streams.err);
    }
    RawTerminal terminal;
    attach.on_terminal = [&terminal] { terminal.enable(); };
    std::optional<Error> cid_error;
    std::string id;
    int code = NOOK_TRY(engine::run_container(*settings, options, attach, f->quiet ? nullptr : &progress,
                                              [&](const std::string& created) {
                                                id = created;
                                                if (print_id && !f->detach) {
                                                  fmt::print("{}\n", id);
                                                  std::fflush(stdout);
                                                }
                                                if (options.cidfile.empty()) return;
                                                if (auto w = write_cidfile(options.cidfile, id); !w) cid_error = w.error();
                                              }));
    if (cid_error) return fail(*cid_error);
    if (f->detach) {
      fmt::print("{}\n", id);
      std::fflush(stdout);
    }
    return code;
  };
}

Runner setup_create(CLI::App& app) {
  auto f = declare_create_flags(app);
  return [f](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    engine::ContainerCreateOptions options = NOOK_TRY(finish_options(*f, args));
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    TerminalProgress progress(TerminalProgress::stderr_is_terminal());
    std::string id = NOOK_TRY(engine::create_container(*settings, options, f->quiet ? nullptr : &progress));
    if (!options.cidfile.empty()) NOOK_TRY_VOID(write_cidfile(options.cidfile, id));
    fmt::print("{}\n", id);
    return 0;
  };
}

}  // namespace nook::cli
