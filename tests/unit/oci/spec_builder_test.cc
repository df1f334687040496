#include "lib/oci/spec_builder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/oci/seccomp_profile.h"
#include "tests/unit/oci/test_support.h"

namespace nook::oci {
namespace {

using Strings = std::vector<std::string>;

using test_support::kDefaultCaps;

// What the engine passes for a plain rootless `nook run IMAGE` on this kind of host.
SpecOptions base_options() {
  SpecOptions o;
  o.default_capabilities = {"CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",      "NET_BIND_SERVICE",
                            "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT"};
  o.hostname = "72a6031e58b4";
  o.user_home = "/root";
  o.rootfs = "/var/lib/nook/rootfs";
  o.network_mode = "private";
  o.host_nofile = Rlimit{"RLIMIT_NOFILE", 20000, 20000};
  o.host_nproc = Rlimit{"RLIMIT_NPROC", 32768, 32768};
  return o;
}

image::ContainerConfig sh_image() {
  image::ContainerConfig c;
  c.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  c.cmd = {"sh"};
  return c;
}

Spec build(const image::ContainerConfig& image, const SpecOptions& options) {
  auto spec = build_spec(image, options);
  EXPECT_TRUE(spec) << spec.error().message();
  return spec.value_or(Spec{});
}

std::string error_of(const image::ContainerConfig& image, const SpecOptions& options) {
  auto spec = build_spec(image, options);
  if (spec) return "no error";
  EXPECT_EQ(spec.error().kind(), ErrorKind::InvalidArgument);
  return spec.error().message();
}

Strings destinations(const Spec& spec) {
  Strings out;
  for (const Mount& m : spec.mounts) out.push_back(m.destination);
  return out;
}

const Mount* find_mount(const Spec& spec, std::string_view dest) {
  for (const Mount& m : spec.mounts) {
    if (m.destination == dest) return &m;
  }
  return nullptr;
}

// Compared with podman 4.3.1's config.json for `podman create --rootfs DIR sh -c true`, rootless,
// cgroup v1 host (podman binds /dev/shm from its own tmpfs; nook mounts the tmpfs directly).
TEST(SpecBuilder, DefaultRootlessSpecMatchesPodman) {
  SpecOptions o = base_options();
  o.command = {"sh", "-c", "true"};
  Spec spec = build(sh_image(), o);
  EXPECT_EQ(spec.process.args, (Strings{"sh", "-c", "true"}));
  EXPECT_EQ(spec.process.cwd, "/");
  EXPECT_FALSE(spec.process.terminal);
  EXPECT_EQ(spec.process.user.uid, 0U);
  EXPECT_EQ(spec.process.user.umask, 022U);
  ASSERT_TRUE(spec.process.capabilities);
  EXPECT_EQ(spec.process.capabilities->bounding, kDefaultCaps);
  EXPECT_EQ(spec.process.capabilities->effective, kDefaultCaps);
  EXPECT_EQ(spec.process.capabilities->permitted, kDefaultCaps);
  ASSERT_EQ(spec.process.rlimits.size(), 2U);
  EXPECT_EQ(spec.process.rlimits[0].type, "RLIMIT_NOFILE");
  EXPECT_EQ(spec.process.rlimits[0].hard, 20000U);
  EXPECT_EQ(spec.process.rlimits[0].soft, 20000U);
  EXPECT_EQ(spec.process.rlimits[1].type, "RLIMIT_NPROC");
  EXPECT_EQ(spec.process.rlimits[1].hard, 32768U);
  EXPECT_FALSE(spec.process.no_new_privileges);
  EXPECT_EQ(spec.process.oom_score_adj, std::nullopt);
  EXPECT_EQ(spec.root.path, "/var/lib/nook/rootfs");
  EXPECT_FALSE(spec.root.readonly);
  EXPECT_EQ(spec.hostname, "72a6031e58b4");

  EXPECT_EQ(destinations(spec),
            (Strings{"/proc", "/dev", "/sys", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys/fs/cgroup"}));
  EXPECT_EQ(spec.mounts[0], (Mount{"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}}));
  EXPECT_EQ(spec.mounts[1],
            (Mount{"/dev", "tmpfs", "tmpfs", {"nosuid", "noexec", "strictatime", "mode=755", "size=65536k"}}));
  EXPECT_EQ(spec.mounts[2], (Mount{"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}}));
  EXPECT_EQ(
      spec.mounts[3],
      (Mount{
          "/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}));
  EXPECT_EQ(spec.mounts[4],
            (Mount{"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=67108864"}}));
  EXPECT_EQ(spec.mounts[5], (Mount{"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}}));
  EXPECT_EQ(spec.mounts[6],
            (Mount{"/sys/fs/cgroup", "cgroup", "cgroup", {"rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"}}));

  EXPECT_EQ(spec.linux_.namespaces,
            (std::vector<Namespace>{{"pid", ""}, {"network", ""}, {"ipc", ""}, {"uts", ""}, {"mount", ""}}));
  EXPECT_EQ(spec.linux_.masked_paths, (Strings{"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                               "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                                               "/proc/scsi", "/sys/firmware", "/sys/fs/selinux", "/sys/dev/block"}));
  EXPECT_EQ(spec.linux_.readonly_paths,
            (Strings{"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}));
  EXPECT_TRUE(spec.linux_.sysctl.empty());
  EXPECT_EQ(spec.linux_.resources, std::nullopt);
  EXPECT_EQ(spec.linux_.cgroups_path, "");
  ASSERT_TRUE(spec.linux_.seccomp);
  EXPECT_EQ(spec.linux_.seccomp->syscalls.size(), 22U);
  EXPECT_EQ(spec.linux_.seccomp->default_errno_ret, 38U);
}

TEST(SpecBuilder, EnvMergeOrder) {
  image::ContainerConfig image = sh_image();
  image.env = {"PATH=/image/bin", "LANG=C", "HOME=/image-home"};
  SpecOptions o = base_options();
  o.default_env = {"PATH=/conf/bin", "FROM_CONF=1", "LANG=en"};
  o.env = {"LANG=de", "A=1", "UNSET_ON_HOST"};
  o.terminal = true;
  Spec spec = build(image, o);
  EXPECT_EQ(spec.process.env, (Strings{"PATH=/image/bin", "container=podman", "FROM_CONF=1", "LANG=de",
                                       "HOME=/image-home", "A=1", "HOSTNAME=72a6031e58b4", "TERM=xterm"}));
  EXPECT_TRUE(spec.process.terminal);

  o.env = {"HOSTNAME=mine", "TERM=vt100"};
  o.terminal = false;
  image.env = {};
  Spec mine = build(image, o);
  EXPECT_EQ(mine.process.env, (Strings{"PATH=/conf/bin", "container=podman", "FROM_CONF=1", "LANG=en", "HOSTNAME=mine",
                                       "TERM=vt100", "HOME=/root"}));
}

TEST(SpecBuilder, ArgsFollowEntrypointAndCmdRules) {
  image::ContainerConfig image;
  image.entrypoint = {"/entry", "-x"};
  image.cmd = {"default"};
  SpecOptions o = base_options();
  EXPECT_EQ(build(image, o).process.args, (Strings{"/entry", "-x", "default"}));
  o.command = {"mine"};
  EXPECT_EQ(build(image, o).process.args, (Strings{"/entry", "-x", "mine"}));
  o.command = {};
  o.entrypoint = Strings{"/other"};
  EXPECT_EQ(build(image, o).process.args, (Strings{"/other"}));  // the image's Cmd goes with its Entrypoint
  o.command = {"a", "b"};
  EXPECT_EQ(build(image, o).process.args, (Strings{"/other", "a", "b"}));
  o.entrypoint = Strings{""};  // --entrypoint "": no entrypoint at all
  EXPECT_EQ(build(image, o).process.args, (Strings{"a", "b"}));
  o.command = {};
  EXPECT_EQ(error_of(image, o), "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
  o.entrypoint = Strings{};  // --entrypoint '[]': no entrypoint, the image's Cmd stays
  EXPECT_EQ(build(image, o).process.args, (Strings{"default"}));
  EXPECT_EQ(error_of(image::ContainerConfig{}, base_options()),
            "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
}

TEST(SpecBuilder, WorkdirFromFlagThenImage) {
  image::ContainerConfig image = sh_image();
  image.working_dir = "/srv";
  SpecOptions o = base_options();
  EXPECT_EQ(build(image, o).process.cwd, "/srv");
  o.workdir = "/tmp";
  EXPECT_EQ(build(image, o).process.cwd, "/tmp");
}

// podman: -t --ulimit nofile=100:200 --ulimit core=-1 --ulimit cpu=5 --security-opt
// no-new-privileges --umask 0077 --oom-score-adj 100 --hostname hh --annotation x=y
TEST(SpecBuilder, ProcessFlags) {
  SpecOptions o = base_options();
  o.ulimits = {"nofile=100:200", "core=-1", "cpu=5"};
  o.no_new_privileges = true;
  o.umask = "0077";
  o.oom_score_adj = 100;
  o.annotations = {{"x", "y"}};
  o.pids_limit = 10;
  o.cgroups_path = "user.slice:nook:abc";
  Spec spec = build(sh_image(), o);
  const std::vector<Rlimit>& r = spec.process.rlimits;
  ASSERT_EQ(r.size(), 4U);
  EXPECT_EQ(r[0].type, "RLIMIT_NOFILE");
  EXPECT_EQ(r[0].soft, 100U);
  EXPECT_EQ(r[0].hard, 200U);
  EXPECT_EQ(r[1].type, "RLIMIT_CORE");
  EXPECT_EQ(r[1].hard, 18446744073709551615U);
  EXPECT_EQ(r[1].soft, 18446744073709551615U);
  EXPECT_EQ(r[2].type, "RLIMIT_CPU");
  EXPECT_EQ(r[2].soft, 5U);
  EXPECT_EQ(r[3].type, "RLIMIT_NPROC");
  EXPECT_TRUE(spec.process.no_new_privileges);
  EXPECT_EQ(spec.process.user.umask, 077U);
  EXPECT_EQ(spec.process.oom_score_adj, 100);
  EXPECT_EQ(spec.annotations.at("x"), "y");
  ASSERT_TRUE(spec.linux_.resources);
  EXPECT_EQ(spec.linux_.resources->raw["pids"]["limit"], 10);
  EXPECT_EQ(spec.linux_.cgroups_path, "user.slice:nook:abc");

  o.ulimits = {"host"};
  EXPECT_TRUE(build(sh_image(), o).process.rlimits.empty());
  // Not rootless: podman's defaults are not capped by the engine's own limits.
  o.ulimits = {};
  o.rootless = false;
  EXPECT_EQ(build(sh_image(), o).process.rlimits[0].hard, 1048576U);
}

TEST(SpecBuilder, BadFlagValues) {
  SpecOptions o = base_options();
  o.ulimits = {"cpu=host"};
  EXPECT_EQ(error_of(sh_image(), o),
            "ulimit option \"cpu=host\" requires name=SOFT:HARD, failed to be parsed: strconv.ParseInt: parsing "
            "\"host\": invalid syntax");
  o.ulimits = {"nofile=10:5"};
  EXPECT_EQ(error_of(sh_image(), o),
            "ulimit option \"nofile=10:5\" requires name=SOFT:HARD, failed to be parsed: ulimit soft limit must be "
            "less than or equal to hard limit: 10 > 5");
  o.ulimits = {"speed=1"};
  EXPECT_EQ(error_of(sh_image(), o),
            "ulimit option \"speed=1\" requires name=SOFT:HARD, failed to be parsed: invalid ulimit type: speed");
  o.ulimits = {};
  o.umask = "999";
  EXPECT_EQ(error_of(sh_image(), o), "invalid umask string 999: invalid argument");
  o.umask = "0022";
  o.shm_size = "lots";
  EXPECT_EQ(error_of(sh_image(), o), "unable to translate --shm-size: invalid size: 'lots'");
  o.shm_size = "1m";
  o.cap_add = {"flying"};
  EXPECT_EQ(error_of(sh_image(), o), "unknown capability \"CAP_FLYING\"");
  o.cap_add = {};
  o.sysctls = {"kernel.msgmax"};
  EXPECT_EQ(error_of(sh_image(), o), "\"kernel.msgmax\" is not a valid sysctl format");
  o.sysctls = {};
  o.seccomp_profile_json = "{";
  EXPECT_TRUE(error_of(sh_image(), o).starts_with("loading seccomp profile: decoding seccomp profile failed: "));
}

TEST(SpecBuilder, NonRootUserGetsCapsOnlyInBounding) {
  SpecOptions o = base_options();
  o.user = User{.uid = 1000, .gid = 1000, .additional_gids = {1000, 10}};
  o.root_user = false;
  o.user_home = "/home/bob";
  o.cap_add = {"net_raw"};
  Spec spec = build(sh_image(), o);
  EXPECT_EQ(spec.process.user.uid, 1000U);
  EXPECT_EQ(spec.process.user.additional_gids, (std::vector<gid_t>{1000, 10}));
  EXPECT_EQ(spec.process.capabilities->bounding.size(), 12U);
  EXPECT_EQ(spec.process.capabilities->effective, Strings{"CAP_NET_RAW"});
  EXPECT_EQ(spec.process.capabilities->ambient, Strings{"CAP_NET_RAW"});
  EXPECT_NE(std::find(spec.process.env.begin(), spec.process.env.end(), "HOME=/home/bob"), spec.process.env.end());
}

// podman --privileged, rootless: all caps, no seccomp, no masked paths, writable sysfs and cgroup.
TEST(SpecBuilder, Privileged) {
  SpecOptions o = base_options();
  o.privileged = true;
  Spec spec = build(sh_image(), o);
  EXPECT_EQ(spec.process.capabilities->bounding.size(), 41U);
  EXPECT_EQ(spec.linux_.seccomp, std::nullopt);
  EXPECT_TRUE(spec.linux_.masked_paths.empty());
  EXPECT_TRUE(spec.linux_.readonly_paths.empty());
  EXPECT_EQ(find_mount(spec, "/sys")->options, (Strings{"rprivate", "nosuid", "noexec", "nodev", "rw"}));
  EXPECT_EQ(find_mount(spec, "/sys/fs/cgroup")->options.back(), "rw");
  // An explicit profile still applies.
  o.seccomp_profile_json = R"({"defaultAction": "SCMP_ACT_LOG"})";
  EXPECT_EQ(build(sh_image(), o).linux_.seccomp->default_action, "SCMP_ACT_LOG");
}

// podman --network host, rootless: no netns, /sys bound from the host, /sys/kernel masked.
TEST(SpecBuilder, HostNetworkRootless) {
  SpecOptions o = base_options();
  o.network_mode = "host";
  o.sysctls = {"net.ipv4.ping_group_range=0 0", "kernel.msgmax = 65536"};
  Spec spec = build(sh_image(), o);
  EXPECT_EQ(spec.linux_.namespaces, (std::vector<Namespace>{{"pid", ""}, {"ipc", ""}, {"uts", ""}, {"mount", ""}}));
  EXPECT_EQ(*find_mount(spec, "/sys"),
            (Mount{"/sys", "bind", "/sys", {"rprivate", "nosuid", "noexec", "nodev", "ro", "rbind"}}));
  EXPECT_EQ(find_mount(spec, "/sys/fs/cgroup"), nullptr);
  EXPECT_EQ(spec.linux_.masked_paths.front(), "/sys/kernel");
  EXPECT_EQ(spec.linux_.sysctl, (std::map<std::string, std::string>{{"kernel.msgmax", "65536"}}));

  o.network_mode = "ns:/proc/42/ns/net";
  o.cgroupns_private = true;
  Spec joined = build(sh_image(), o);
  EXPECT_EQ(joined.linux_.namespaces[1], (Namespace{"network", "/proc/42/ns/net"}));
  EXPECT_EQ(joined.linux_.namespaces.back(), (Namespace{"cgroup", ""}));
  EXPECT_EQ(joined.linux_.sysctl.at("net.ipv4.ping_group_range"), "0 0");
}

// podman --read-only: tmpfs on /tmp, /var/tmp and /run unless a mount covers them.
TEST(SpecBuilder, ReadOnlyAddsScratchTmpfs) {
  SpecOptions o = base_options();
  o.read_only = true;
  o.extra_mounts = {{"/run/", "bind", "/host/run", {"rbind", "ro"}}};
  Spec spec = build(sh_image(), o);
  EXPECT_TRUE(spec.root.readonly);
  EXPECT_EQ(*find_mount(spec, "/tmp"),
            (Mount{"/tmp", "tmpfs", "tmpfs", {"rw", "rprivate", "nosuid", "nodev", "tmpcopyup"}}));
  EXPECT_NE(find_mount(spec, "/var/tmp"), nullptr);
  EXPECT_EQ(find_mount(spec, "/run"), nullptr);
  EXPECT_EQ(find_mount(spec, "/run/")->source, "/host/run");
  o.read_only_tmpfs = false;
  EXPECT_EQ(find_mount(build(sh_image(), o), "/tmp"), nullptr);
}

TEST(SpecBuilder, ExtraMountsReplaceDefaultsAndAreSortedByDepth) {
  SpecOptions o = base_options();
  o.shm_size = "1m";
  o.gid5_available = false;
  o.extra_mounts = {{"/etc/hosts", "bind", "/run/x/hosts", {"bind", "rprivate"}},
                    {"/data", "bind", "/srv", {"rw", "rprivate", "rbind"}},
                    {"/dev/shm", "bind", "/run/x/shm", {"bind"}}};
  Spec spec = build(sh_image(), o);
  EXPECT_EQ(destinations(spec), (Strings{"/data", "/proc", "/dev", "/sys", "/etc/hosts", "/dev/shm", "/dev/pts",
                                         "/dev/mqueue", "/sys/fs/cgroup"}));
  EXPECT_EQ(find_mount(spec, "/dev/shm")->source, "/run/x/shm");
  EXPECT_EQ(find_mount(spec, "/dev/pts")->options,
            (Strings{"rprivate", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}));

  // A user /dev replaces every default below it.
  o.extra_mounts = {{"/dev", "bind", "/dev", {"rbind"}}};
  EXPECT_EQ(destinations(build(sh_image(), o)), (Strings{"/dev", "/proc", "/sys", "/sys/fs/cgroup"}));
  o.extra_mounts = {};
  o.shm_size = "2m";
  EXPECT_EQ(find_mount(build(sh_image(), o), "/dev/shm")->options.back(), "size=2097152");
}

TEST(SpecBuilder, SeccompChoices) {
  SpecOptions o = base_options();
  o.cap_add = {"all"};
  EXPECT_EQ(build(sh_image(), o).linux_.seccomp->syscalls.size(), 19U);  // evaluated for the caps
  o.seccomp_unconfined = true;
  EXPECT_EQ(build(sh_image(), o).linux_.seccomp, std::nullopt);
  o.seccomp_unconfined = false;
  o.seccomp = Seccomp{.default_action = "SCMP_ACT_KILL"};
  EXPECT_EQ(build(sh_image(), o).linux_.seccomp->default_action, "SCMP_ACT_KILL");
}

TEST(SpecBuilder, ParseUlimit) {
  Rlimit r = parse_ulimit("nproc=10").value();
  EXPECT_EQ(r.type, "RLIMIT_NPROC");
  EXPECT_EQ(r.soft, 10U);
  EXPECT_EQ(r.hard, 10U);
  EXPECT_EQ(parse_ulimit("memlock=-1:-1").value().hard, 18446744073709551615U);
  EXPECT_FALSE(parse_ulimit("nofile"));
  EXPECT_FALSE(parse_ulimit("nofile=1:2:3"));
}

}  // namespace
}  // namespace nook::oci

namespace nook::oci {
namespace {

TEST(SpecBuilderRlimits, RootCapsDefaultsOnlyWithoutCapSysResource) {
  SpecOptions o;
  o.default_capabilities = {"CHOWN"};
  o.rootfs = "/r";
  o.rootless = false;
  o.host_nofile = Rlimit{"RLIMIT_NOFILE", 20000, 1024};
  image::ContainerConfig image;
  image.cmd = {"sh"};
  auto able = build_spec(image, o);
  ASSERT_TRUE(able) << able.error().message();
  EXPECT_EQ(able->process.rlimits[0].hard, 1048576u);
  o.can_raise_rlimits = false;
  auto unable = build_spec(image, o);
  ASSERT_TRUE(unable);
  EXPECT_EQ(unable->process.rlimits[0].type, "RLIMIT_NOFILE");
  EXPECT_EQ(unable->process.rlimits[0].hard, 20000u);
  EXPECT_EQ(unable->process.rlimits[0].soft, 1024u);
}

}  // namespace
}  // namespace nook::oci
