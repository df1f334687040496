// commit's and import's --change instructions (pure). Committing and importing need the store and
// the user namespace and are tested end to end in tests/e2e/110-container-fs.bats.
#include "lib/engine/container_fs.h"

#include <gtest/gtest.h>

namespace nook::engine {
namespace {

TEST(ApplyChange, CmdAndEntrypointJsonOrShellForm) {
  nlohmann::json config = nlohmann::json::object();
  ASSERT_TRUE(apply_change(config, R"(CMD ["echo","hello"])"));
  EXPECT_EQ(config["Cmd"], nlohmann::json({"echo", "hello"}));
  ASSERT_TRUE(apply_change(config, "ENTRYPOINT /bin/sh"));
  EXPECT_EQ(config["Entrypoint"], nlohmann::json({"/bin/sh", "-c", "/bin/sh"}));
  ASSERT_TRUE(apply_change(config, "cmd=top"));  // lower case and "=" as podman accepts
  EXPECT_EQ(config["Cmd"], nlohmann::json({"/bin/sh", "-c", "top"}));
}

TEST(ApplyChange, EnvReplacesOrAppends) {
  nlohmann::json config = {{"Env", {"PATH=/bin", "A=1"}}};
  ASSERT_TRUE(apply_change(config, "ENV A=2"));
  ASSERT_TRUE(apply_change(config, "ENV B three"));
  EXPECT_EQ(config["Env"], nlohmann::json({"PATH=/bin", "A=2", "B=three"}));
}

TEST(ApplyChange, LabelsPortsVolumesAndScalars) {
  nlohmann::json config = nlohmann::json::object();
  ASSERT_TRUE(apply_change(config, R"(LABEL k="v w")"));
  ASSERT_TRUE(apply_change(config, "EXPOSE 80 53/udp"));
  ASSERT_TRUE(apply_change(config, R"(VOLUME ["/data"])"));
  ASSERT_TRUE(apply_change(config, "VOLUME /a /b"));
  ASSERT_TRUE(apply_change(config, "USER 1000:1000"));
  ASSERT_TRUE(apply_change(config, "WORKDIR /srv"));
  ASSERT_TRUE(apply_change(config, "WORKDIR app"));
  ASSERT_TRUE(apply_change(config, "STOPSIGNAL SIGINT"));
  EXPECT_EQ(config["Labels"]["k"], "v w");
  EXPECT_TRUE(config["ExposedPorts"].contains("80/tcp"));
  EXPECT_TRUE(config["ExposedPorts"].contains("53/udp"));
  EXPECT_TRUE(config["Volumes"].contains("/data"));
  EXPECT_TRUE(config["Volumes"].contains("/a"));
  EXPECT_TRUE(config["Volumes"].contains("/b"));
  EXPECT_EQ(config["User"], "1000:1000");
  EXPECT_EQ(config["WorkingDir"], "/srv/app");
  EXPECT_EQ(config["StopSignal"], "SIGINT");
}

TEST(ApplyChange, PodmansErrors) {
  nlohmann::json config = nlohmann::json::object();
  auto bad = apply_change(config, "BADX foo");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "invalid change \"BADX foo\" - invalid instruction BADX");
  EXPECT_EQ(bad.error().kind(), ErrorKind::InvalidArgument);
  auto lone = apply_change(config, "CMD");
  ASSERT_FALSE(lone);
  EXPECT_EQ(lone.error().message(), "invalid change \"CMD\" - must be formatted as KEY VALUE");
}

}  // namespace
}  // namespace nook::engine
