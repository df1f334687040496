#include "lib/oci/spec.h"

#include <gtest/gtest.h>

#include <string>

#include "lib/sys/file.h"

namespace nook::oci {
namespace {

using nlohmann::json;

// What `crun spec` (crun 1.8.1, Debian 12) writes, verbatim.
constexpr const char* kCrunSpec = R"json(
    {
  	"ociVersion": "1.0.0",
  	"process": {
  		"terminal": true,
  		"user": {
  			"uid": 0,
  			"gid": 0
  		},
  		"args": [
  			"sh"
  		],
  		"env": [
  			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  			"TERM=xterm"
  		],
  		"cwd": "/",
  		"capabilities": {
  			"bounding": [
  				"CAP_AUDIT_WRITE",
  				"CAP_KILL",
  				"CAP_NET_BIND_SERVICE"
  			],
  			"effective": [
  				"CAP_AUDIT_WRITE",
  				"CAP_KILL",
  				"CAP_NET_BIND_SERVICE"
  			],
  			"inheritable": [
  			],
  			"permitted": [
  				"CAP_AUDIT_WRITE",
  				"CAP_KILL",
  				"CAP_NET_BIND_SERVICE"
  			],
  			"ambient": [
  				"CAP_AUDIT_WRITE",
  				"CAP_KILL",
  				"CAP_NET_BIND_SERVICE"
  			]
  		},
  		"rlimits": [
  			{
  				"type": "RLIMIT_NOFILE",
  				"hard": 1024,
  				"soft": 1024
  			}
  		],
  		"noNewPrivileges": true
  	},
  	"root": {
  		"path": "rootfs",
  		"readonly": true
  	},
  	"hostname": "crun",
  	"mounts": [
  		{
  			"destination": "/proc",
  			"type": "proc",
  			"source": "proc"
  		},
  		{
  			"destination": "/dev",
  			"type": "tmpfs",
  			"source": "tmpfs",
  			"options": [
  				"nosuid",
  				"strictatime",
  				"mode=755",
  				"size=65536k"
  			]
  		},
  		{
  			"destination": "/dev/pts",
  			"type": "devpts",
  			"source": "devpts",
  			"options": [
  				"nosuid",
  				"noexec",
  				"newinstance",
  				"ptmxmode=0666",
  				"mode=0620",
  				"gid=5"
  			]
  		},
  		{
  			"destination": "/dev/shm",
  			"type": "tmpfs",
  			"source": "shm",
  			"options": [
  				"nosuid",
  				"noexec",
  				"nodev",
  				"mode=1777",
  				"size=65536k"
  			]
  		},
  		{
  			"destination": "/dev/mqueue",
  			"type": "mqueue",
  			"source": "mqueue",
  			"options": [
  				"nosuid",
  				"noexec",
  				"nodev"
  			]
  		},
  		{
  			"destination": "/sys",
  			"type": "sysfs",
  			"source": "sysfs",
  			"options": [
  				"nosuid",
  				"noexec",
  				"nodev",
  				"ro"
  			]
  		},
  		{
  			"destination": "/sys/fs/cgroup",
  			"type": "cgroup",
  			"source": "cgroup",
  			"options": [
  				"nosuid",
  				"noexec",
  				"nodev",
  				"relatime",
  				"ro"
  			]
  		}
  	],
  	"linux": {
  		"resources": {
  			"devices": [
  				{
  					"allow": false,
  					"access": "rwm"
  				}
  			]
  		},
  		"namespaces": [
  			{
  				"type": "pid"
  			},
  			{
  				"type": "network"
  			},
  			{
  				"type": "ipc"
  			},
  			{
  				"type": "uts"
  			},
  			{
  				"type": "mount"
  			}
  		],
  		"maskedPaths": [
  			"/proc/acpi",
  			"/proc/asound",
  			"/proc/kcore",
  			"/proc/keys",
  			"/proc/latency_stats",
  			"/proc/timer_list",
  			"/proc/timer_stats",
  			"/proc/sched_debug",
  			"/sys/firmware",
  			"/proc/scsi"
  		],
  		"readonlyPaths": [
  			"/proc/bus",
  			"/proc/fs",
  			"/proc/irq",
  			"/proc/sys",
  			"/proc/sysrq-trigger"
  		]
  	}
  }
)json";

Spec parse_ok(const json& j) {
  auto spec = parse_spec(j);
  EXPECT_TRUE(spec.has_value()) << spec.error().message();
  return spec.value_or(Spec{});
}

std::string parse_error(const json& j) {
  auto spec = parse_spec(j);
  EXPECT_FALSE(spec.has_value());
  if (spec) return "";
  EXPECT_EQ(spec.error().kind(), ErrorKind::InvalidArgument);
  return spec.error().message();
}

json minimal() {
  return json{{"ociVersion", "1.0.2"}, {"process", {{"args", {"sh"}}, {"cwd", "/"}}}, {"root", {{"path", "rootfs"}}}};
}

TEST(ParseSpec, CrunDefault) {
  Spec spec = parse_ok(json::parse(kCrunSpec));
  EXPECT_EQ(spec.oci_version, "1.0.0");
  EXPECT_TRUE(spec.process.terminal);
  EXPECT_EQ(spec.process.args, std::vector<std::string>{"sh"});
  ASSERT_EQ(spec.process.env.size(), 2u);
  ASSERT_TRUE(spec.process.capabilities.has_value());
  EXPECT_EQ(spec.process.capabilities->bounding,
            (std::vector<std::string>{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}));
  EXPECT_TRUE(spec.process.capabilities->inheritable.empty());
  ASSERT_EQ(spec.process.rlimits.size(), 1u);
  EXPECT_EQ(spec.process.rlimits[0].type, "RLIMIT_NOFILE");
  EXPECT_EQ(spec.process.rlimits[0].hard, 1024u);
  EXPECT_TRUE(spec.process.no_new_privileges);
  EXPECT_TRUE(spec.root.readonly);
  EXPECT_EQ(spec.hostname, "crun");
  ASSERT_EQ(spec.mounts.size(), 7u);
  EXPECT_EQ(spec.mounts[2].destination, "/dev/pts");
  EXPECT_EQ(spec.mounts[2].type, "devpts");
  EXPECT_EQ(spec.mounts[2].options[3], "ptmxmode=0666");
  ASSERT_EQ(spec.linux_.namespaces.size(), 5u);
  EXPECT_EQ(spec.linux_.namespaces[1].type, "network");
  EXPECT_EQ(spec.linux_.masked_paths.size(), 10u);
  EXPECT_EQ(spec.linux_.readonly_paths.back(), "/proc/sysrq-trigger");
  ASSERT_TRUE(spec.linux_.resources.has_value());
  EXPECT_TRUE(spec.linux_.resources->raw.contains("devices"));
}

TEST(ParseSpec, RootlessAndPodmanKeys) {
  json j = minimal();
  j["linux"] = {{"uidMappings", {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}}},
                {"gidMappings", {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}}},
                {"namespaces", {{{"type", "user"}}, {{"type", "network"}, {"path", "/proc/1/ns/net"}}}},
                {"sysctl", {{"net.ipv4.ping_group_range", "0 0"}}},
                {"devices", {{{"path", "/dev/fuse"}, {"type", "c"}, {"major", 10}, {"minor", 229}, {"fileMode", 438}}}},
                {"resources", {{"memory", {{"limit", 1048576}}}, {"pids", {{"limit", 100}}}}},
                {"seccomp",
                 {{"defaultAction", "SCMP_ACT_ERRNO"},
                  {"defaultErrnoRet", 38},
                  {"architectures", {"SCMP_ARCH_X86_64"}},
                  {"syscalls",
                   {{{"names", {"personality"}},
                     {"action", "SCMP_ACT_ALLOW"},
                     {"args", {{{"index", 0}, {"value", 8}, {"op", "SCMP_CMP_EQ"}}}}}}}}},
                {"unknownFutureKey", {1, 2, 3}}};
  j["process"]["user"] = {{"uid", 1}, {"gid", 2}, {"umask", 18}, {"additionalGids", {10, 20}}};
  j["process"]["oomScoreAdj"] = -500;
  j["annotations"] = {{"io.podman.annotations.autoremove", "TRUE"}};
  Spec spec = parse_ok(j);
  EXPECT_EQ(spec.linux_.uid_mappings, (std::vector<IdMapping>{{0, 1000, 1}}));
  EXPECT_EQ(spec.linux_.namespaces[1], (Namespace{"network", "/proc/1/ns/net"}));
  EXPECT_EQ(spec.linux_.sysctl.at("net.ipv4.ping_group_range"), "0 0");
  ASSERT_EQ(spec.linux_.devices.size(), 1u);
  EXPECT_EQ(spec.linux_.devices[0].file_mode, 0666u);
  EXPECT_EQ(spec.linux_.resources->raw["memory"]["limit"], 1048576);
  EXPECT_EQ(spec.linux_.resources->raw["pids"]["limit"], 100);
  ASSERT_TRUE(spec.linux_.seccomp.has_value());
  EXPECT_EQ(spec.linux_.seccomp->default_errno_ret, 38u);
  EXPECT_EQ(spec.linux_.seccomp->syscalls[0].args[0], (SeccompArg{0, 8, 0, "SCMP_CMP_EQ"}));
  EXPECT_EQ(spec.process.user.umask, 18u);
  EXPECT_EQ(spec.process.user.additional_gids, (std::vector<gid_t>{10, 20}));
  EXPECT_EQ(spec.process.oom_score_adj, -500);
  EXPECT_EQ(spec.annotations.at("io.podman.annotations.autoremove"), "TRUE");
}

TEST(ParseSpec, RoundTrip) {
  json original = json::parse(kCrunSpec);
  Spec spec = parse_ok(original);
  json written = to_json(spec);
  // Every key crun wrote comes back with the same value ("terminal" etc. are set here).
  EXPECT_EQ(written["process"]["args"], original["process"]["args"]);
  EXPECT_EQ(written["mounts"], original["mounts"]);
  EXPECT_EQ(written["linux"]["namespaces"], original["linux"]["namespaces"]);
  EXPECT_EQ(written["linux"]["maskedPaths"], original["linux"]["maskedPaths"]);
  EXPECT_EQ(written["linux"]["resources"], original["linux"]["resources"]);
  EXPECT_EQ(written["process"]["capabilities"], original["process"]["capabilities"]);
  EXPECT_EQ(written["root"], original["root"]);
  Spec again = parse_ok(written);
  EXPECT_EQ(to_json(again), written);
}

TEST(ToJson, OmitsUnsetFields) {
  Spec spec;
  spec.process.args = {"true"};
  json j = to_json(spec);
  EXPECT_EQ(j["ociVersion"], std::string(kSpecVersion));
  EXPECT_FALSE(j.contains("hostname"));
  EXPECT_FALSE(j.contains("mounts"));
  EXPECT_FALSE(j.contains("linux"));
  EXPECT_FALSE(j.contains("hooks"));
  EXPECT_FALSE(j["process"].contains("capabilities"));
  EXPECT_FALSE(j["process"].contains("terminal"));
  EXPECT_EQ(j["process"]["cwd"], "/");
}

TEST(ToJson, CamelCaseKeys) {
  Spec spec;
  spec.process.no_new_privileges = true;
  spec.process.oom_score_adj = 100;
  spec.linux_.uid_mappings = {{0, 1000, 1}};
  spec.linux_.readonly_paths = {"/proc/sys"};
  spec.linux_.rootfs_propagation = "rslave";
  spec.hooks = Hooks{};
  spec.hooks->create_runtime.push_back({"/bin/hook", {"hook", "a"}, {}, 5});
  json j = to_json(spec);
  EXPECT_EQ(j["process"]["noNewPrivileges"], true);
  EXPECT_EQ(j["process"]["oomScoreAdj"], 100);
  EXPECT_EQ(j["linux"]["uidMappings"][0]["containerID"], 0);
  EXPECT_EQ(j["linux"]["uidMappings"][0]["hostID"], 1000);
  EXPECT_EQ(j["linux"]["readonlyPaths"][0], "/proc/sys");
  EXPECT_EQ(j["linux"]["rootfsPropagation"], "rslave");
  EXPECT_EQ(j["hooks"]["createRuntime"][0]["timeout"], 5);
  EXPECT_EQ(parse_ok(j).hooks->create_runtime[0].args, (std::vector<std::string>{"hook", "a"}));
}

TEST(ParseSpec, WrongTypesNameTheKey) {
  json j = minimal();
  j["process"]["args"] = "sh";
  EXPECT_EQ(parse_error(j), "process.args: expected an array of strings");
  j = minimal();
  j["mounts"] = {{{"destination", "/proc"}, {"type", "proc"}}, {{"destination", "/tmp"}, {"options", {"ro", 3}}}};
  EXPECT_EQ(parse_error(j), "mounts[1].options: expected an array of strings");
  j = minimal();
  j["process"]["user"] = {{"uid", "0"}};
  EXPECT_EQ(parse_error(j), "process.user.uid: expected an integer");
  j = minimal();
  j["process"]["user"] = {{"uid", -1}};
  EXPECT_EQ(parse_error(j), "process.user.uid: -1 is out of range");
  j = minimal();
  j["root"]["readonly"] = "yes";
  EXPECT_EQ(parse_error(j), "root.readonly: expected a boolean");
  j = minimal();
  j["linux"] = {{"namespaces", {"pid"}}};
  EXPECT_EQ(parse_error(j), "linux.namespaces[0]: expected an object");
  j = minimal();
  j["annotations"] = {{"a", 1}};
  EXPECT_EQ(parse_error(j), "annotations.a: expected a string");
}

TEST(ParseSpec, RequiredKeys) {
  json j = minimal();
  j.erase("ociVersion");
  EXPECT_EQ(parse_error(j), "ociVersion: missing");
  j = minimal();
  j.erase("process");
  EXPECT_EQ(parse_error(j), "process: missing");
  j = minimal();
  j.erase("root");
  EXPECT_EQ(parse_error(j), "root: missing");
  EXPECT_EQ(parse_error(json::array()), "config: expected a JSON object");
}

TEST(LoadSpec, ReadsTheBundle) {
  auto dir = sys::make_temp_dir("/tmp", "nook-spec-test-");
  ASSERT_TRUE(dir.has_value());
  ASSERT_TRUE(sys::write_file_atomic(dir->path() + "/config.json", kCrunSpec).has_value());
  auto spec = load_spec(dir->path());
  ASSERT_TRUE(spec.has_value()) << spec.error().message();
  EXPECT_EQ(spec->hostname, "crun");

  ASSERT_TRUE(sys::write_file_atomic(dir->path() + "/config.json", "{\"ociVersion\": ").has_value());
  auto bad = load_spec(dir->path());
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_NE(bad.error().message().find("config.json"), std::string::npos) << bad.error().message();

  auto missing = load_spec(dir->path() + "/nope");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind(), ErrorKind::NotFound);
}

}  // namespace
}  // namespace nook::oci
