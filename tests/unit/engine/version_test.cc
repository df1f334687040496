#include <gtest/gtest.h>

#include "lib/engine/engine.h"

namespace nook::engine {
namespace {

TEST(Version, ReportHasPodmanClientKeys) {
  nlohmann::json report = version_report();
  ASSERT_TRUE(report.contains("Client"));
  const nlohmann::json& client = report["Client"];
  for (const char* key : {"APIVersion", "Version", "GitCommit", "BuiltTime", "Built", "OsArch", "Os"}) {
    EXPECT_TRUE(client.contains(key)) << key;
  }
  EXPECT_EQ(client["Version"], NOOK_VERSION);
  EXPECT_EQ(client["Os"], "linux");
  EXPECT_TRUE(client["OsArch"].get<std::string>().starts_with("linux/"));
}

}  // namespace
}  // namespace nook::engine
