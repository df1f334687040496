// containers.conf(5): the keys nook uses from [containers], [engine] and [network].
//
// Files are merged in order: a key present in a later file replaces the earlier value; a string
// array ending in {append=true} appends instead, for that file and later ones, until a file says
// {append=false} (containers.conf(5) "APPENDING TO STRING ARRAYS"). Unknown keys and tables
// ([machine], [secrets], ...) are ignored, as podman does; a syntax error or a value of the wrong
// type names the file, line and key.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "lib/config/environment.h"
#include "lib/util/error.h"

namespace nook::config {

struct ContainersConf {
  // Defaults are podman's documented ones; "" means "decide at run time" where podman does.
  struct Containers {
    std::vector<std::string> default_capabilities = {"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID",
                                                     "KILL", "NET_BIND_SERVICE", "SETFCAP", "SETGID",
                                                     "SETPCAP", "SETUID", "SYS_CHROOT"};
    std::vector<std::string> default_sysctls;
    std::vector<std::string> default_ulimits;  // "name=soft:hard"
    std::vector<std::string> env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    std::string log_driver;   // "" = engine's choice (k8s-file for nook)
    int64_t log_size_max = -1;  // bytes; negative = unlimited, else >= 8192
    int64_t pids_limit = 2048;  // 0 = unlimited (podman 4.3's default)
    std::string tz;             // "" = the image's
    std::string umask = "0022";
    std::string init_path;      // "" = search helper_binaries_dir for catatonit
    std::string shm_size = "65536k";
    std::string userns = "host";
    std::string cgroups = "enabled";
    std::string netns = "private";
    std::vector<std::string> dns_servers;
    std::vector<std::string> dns_searches;
    std::vector<std::string> dns_options;
    bool no_hosts = false;        // the image's /etc/hosts, as --no-hosts
    std::string base_hosts_file;  // "" = the host's /etc/hosts, "none", "image", or a path
  } containers;

  struct Engine {
    std::string cgroup_manager;  // "" = systemd when usable, else cgroupfs
    std::string events_logger;   // "" = engine's choice
    std::string runtime;         // "" = nook's built-in runtime
    std::map<std::string, std::vector<std::string>> runtimes;  // [engine.runtimes]: name -> paths
    std::vector<std::string> helper_binaries_dir = {"/usr/local/libexec/podman", "/usr/local/lib/podman",
                                                    "/usr/libexec/podman", "/usr/lib/podman"};
    std::string image_default_transport = "docker://";
  } engine;

  struct Network {
    std::string default_rootless_network_cmd = "slirp4netns";  // DESIGN.md: the design card's default (podman 5: pasta)
    std::string network_backend;  // "" = engine's choice
    std::string default_subnet = "10.88.0.0/16";
    uint16_t dns_bind_port = 53;
  } network;

  // Loader state: dotted keys ("containers.env") of string arrays in append mode.
  std::set<std::string> append_keys;
};

// Merges one parsed file's [containers], [engine] and [network] tables into `conf`. `path` is for
// messages. Values are validated (umask octal, log_size_max, shm_size, dns_bind_port, ...).
[[nodiscard]] Result<void> merge_containers_conf(const toml::table& file, std::string_view path,
                                                 ContainersConf& conf);

// Defaults, then every file of containers_conf_files(env) that exists. Appends the files read to
// `files_read` when it is not null.
[[nodiscard]] Result<ContainersConf> load_containers_conf(const Environment& env,
                                                          std::vector<std::string>* files_read = nullptr);

}  // namespace nook::config
