#include "lib/format/header.h"

#include <gtest/gtest.h>

namespace nook::format {
namespace {

using Words = std::vector<std::string>;

// The examples of github.com/fatih/camelcase as vendored by podman (pkg/report/camelcase).
TEST(Header, CamelcaseSplitExamples) {
  EXPECT_EQ(camelcase_split("lowercase"), Words({"lowercase"}));
  EXPECT_EQ(camelcase_split("Class"), Words({"Class"}));
  EXPECT_EQ(camelcase_split("MyClass"), Words({"My", "Class"}));
  EXPECT_EQ(camelcase_split("MyC"), Words({"My", "C"}));
  EXPECT_EQ(camelcase_split("HTML"), Words({"HTML"}));
  EXPECT_EQ(camelcase_split("PDFLoader"), Words({"PDF", "Loader"}));
  EXPECT_EQ(camelcase_split("AString"), Words({"A", "String"}));
  EXPECT_EQ(camelcase_split("SimpleXMLParser"), Words({"Simple", "XML", "Parser"}));
  EXPECT_EQ(camelcase_split("vimRPCPlugin"), Words({"vim", "RPC", "Plugin"}));
  EXPECT_EQ(camelcase_split("GL11Version"), Words({"GL", "11", "Version"}));
  EXPECT_EQ(camelcase_split("99Bottles"), Words({"99", "Bottles"}));
  EXPECT_EQ(camelcase_split("May5"), Words({"May", "5"}));
  EXPECT_EQ(camelcase_split("BFG9000"), Words({"BFG", "9000"}));
  EXPECT_EQ(camelcase_split("BöseÜberraschung"), Words({"Böse", "Überraschung"}));
  EXPECT_EQ(camelcase_split("Two  spaces"), Words({"Two", "  ", "spaces"}));
  EXPECT_EQ(camelcase_split("BadUTF8\xe2\xe2\xa1"), Words({"BadUTF8\xe2\xe2\xa1"}));
  EXPECT_EQ(camelcase_split(""), Words({}));
}

TEST(Header, HeaderForField) {
  EXPECT_EQ(header_for_field("CreatedAt"), "CREATED AT");
  EXPECT_EQ(header_for_field("ID"), "ID");
  EXPECT_EQ(header_for_field("OCIRuntime"), "OCI RUNTIME");
  EXPECT_EQ(header_for_field("GraphDriverName"), "GRAPH DRIVER NAME");
  EXPECT_EQ(header_for_field("RunningFor"), "RUNNING FOR");
  EXPECT_EQ(header_for_field("HTTPServer2"), "HTTP SERVER 2");
  EXPECT_EQ(header_for_field("Names"), "NAMES");
  // podman's report tests: FieldA -> "FIELD A", Fieldb -> "FIELDB", fieldC -> "FIELD C".
  EXPECT_EQ(header_for_field("FieldA"), "FIELD A");
  EXPECT_EQ(header_for_field("Fieldb"), "FIELDB");
  EXPECT_EQ(header_for_field("fieldC"), "FIELD C");
  EXPECT_EQ(header_for_field("fieldd"), "FIELDD");
  EXPECT_EQ(header_for_field("ociRuntime"), "OCI RUNTIME");
}

}  // namespace
}  // namespace nook::format
