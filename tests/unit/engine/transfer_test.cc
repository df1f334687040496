#include "lib/engine/transfer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <string>

#include "lib/engine/engine.h"
#include "lib/image/digest.h"
#include "lib/sys/file.h"

namespace nook::engine {
namespace {

// Tar archives in memory (libarchive's writer, PAX).
class Tar {
 public:
  Tar() : a_(archive_write_new()) {
    archive_write_set_format_pax_restricted(a_);
    archive_write_open(a_, this, nullptr, &Tar::write_cb, nullptr);
  }
  ~Tar() { archive_write_free(a_); }
  Tar& file(const std::string& path, const std::string& content) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    archive_entry_set_mtime(e, 1700000000, 0);
    archive_write_header(a_, e);
    archive_write_data(a_, content.data(), content.size());
    archive_entry_free(e);
    return *this;
  }
  std::string finish() {
    archive_write_close(a_);
    return out_;
  }

 private:
  static la_ssize_t write_cb(struct archive*, void* self, const void* buf, size_t size) {
    static_cast<Tar*>(self)->out_.append(static_cast<const char*>(buf), size);
    return static_cast<la_ssize_t>(size);
  }
  struct archive* a_;
  std::string out_;
};

// Every regular member of a tar archive.
std::map<std::string, std::string> read_tar(const std::string& path) {
  std::map<std::string, std::string> out;
  struct archive* a = archive_read_new();
  archive_read_support_format_all(a);
  archive_read_support_filter_all(a);
  if (archive_read_open_filename(a, path.c_str(), 65536) != ARCHIVE_OK) {
    archive_read_free(a);
    return out;
  }
  archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    std::string data(static_cast<size_t>(archive_entry_size(e)), '\0');
    archive_read_data(a, data.data(), data.size());
    out[archive_entry_pathname(e)] = data;
  }
  archive_read_free(a);
  return out;
}

std::string sha(const std::string& data) { return "sha256:" + image::sha256_hex(data); }

class TransferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "writing layer files needs root (or the user namespace)";
    auto tmp = sys::make_temp_dir("/tmp", "transfer-test-");
    ASSERT_TRUE(tmp);
    tmp_ = std::move(*tmp);
    settings_.env.uid = 0;
    settings_.env.euid = 0;
    settings_.env.vars["TMPDIR"] = tmp_.path();
    settings_.config.graph_root = tmp_.path() + "/root";
    settings_.config.run_root = tmp_.path() + "/run";
    settings_.config.storage_driver = "vfs";
    settings_.config.storage_driver_source = "test";

    layer_ = Tar().file("etc/hostname", "box\n").file("bin/tool", std::string(5000, 'x')).finish();
    config_ = fmt::format(R"({{"architecture":"amd64","os":"linux","config":{{}},"rootfs":{{"type":"layers","diff_ids":["{}"]}}}})",
                          sha(layer_));
    id_ = image::sha256_hex(config_);
  }

  std::string write_docker_archive(const std::string& layer, const std::string& name = "archive.tar") {
    std::string manifest = fmt::format(R"([{{"Config":"{}.json","RepoTags":["busybox:latest"],"Layers":["l.tar"]}}])", id_);
    std::string path = tmp_.path() + "/" + name;
    EXPECT_TRUE(sys::write_file_atomic(path, Tar().file(id_ + ".json", config_).file("l.tar", layer).file("manifest.json", manifest).finish()));
    return path;
  }

  sys::TempPath tmp_;
  Settings settings_;
  std::string layer_, config_, id_;
};

TEST_F(TransferTest, LoadThenSaveGivesTheSameLayerBytes) {
  std::string archive = write_docker_archive(layer_);
  auto loaded = load_images(settings_, LoadOptions{.input = archive}, nullptr);
  ASSERT_TRUE(loaded) << loaded.error().message();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0], "docker.io/library/busybox:latest");

  std::string out = tmp_.path() + "/saved.tar";
  auto saved = save_images(settings_, {"docker.io/library/busybox:latest"}, SaveOptions{.output = out});
  ASSERT_TRUE(saved) << saved.error().message();
  auto members = read_tar(out);
  ASSERT_TRUE(members.contains("manifest.json"));
  EXPECT_EQ(members[id_ + ".json"], config_);
  std::string layer_member = image::sha256_hex(layer_) + ".tar";
  ASSERT_TRUE(members.contains(layer_member));
  EXPECT_TRUE(members[layer_member] == layer_) << "the saved layer differs from the loaded one";
}

TEST_F(TransferTest, SaveOciDirNamesLayersByDiffId) {
  ASSERT_TRUE(load_images(settings_, LoadOptions{.input = write_docker_archive(layer_)}, nullptr));
  std::string dir = tmp_.path() + "/layout";
  auto saved = save_images(settings_, {"docker.io/library/busybox:latest"}, SaveOptions{.output = dir, .format = "oci-dir"});
  ASSERT_TRUE(saved) << saved.error().message();
  auto blob = sys::read_file(dir + "/blobs/sha256/" + image::sha256_hex(layer_));
  ASSERT_TRUE(blob);
  EXPECT_TRUE(*blob == layer_);
  auto config = sys::read_file(dir + "/blobs/sha256/" + id_);
  ASSERT_TRUE(config);
  EXPECT_EQ(*config, config_);
  auto index = sys::read_file(dir + "/index.json");
  ASSERT_TRUE(index);
  EXPECT_NE(index->find("\"org.opencontainers.image.ref.name\":\"docker.io/library/busybox:latest\""), std::string::npos) << *index;
}

TEST_F(TransferTest, LoadRejectsAWrongDiffIdAndKeepsNoImage) {
  std::string other = Tar().file("etc/hostname", "changed\n").finish();
  auto loaded = load_images(settings_, LoadOptions{.input = write_docker_archive(other)}, nullptr);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().kind(), ErrorKind::Corrupt);
  EXPECT_NE(loaded.error().message().find("diff ID"), std::string::npos) << loaded.error().message();
  auto saved = save_images(settings_, {"busybox"}, SaveOptions{.output = tmp_.path() + "/x.tar"});
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(saved.error().message(), "busybox: image not known");
  auto exists = sys::path_exists(tmp_.path() + "/x.tar");
  ASSERT_TRUE(exists);
  EXPECT_FALSE(*exists);
}

TEST_F(TransferTest, LoadRejectsGarbage) {
  std::string path = tmp_.path() + "/garbage";
  ASSERT_TRUE(sys::write_file_atomic(path, std::string(4096, 'g')));
  EXPECT_FALSE(load_images(settings_, LoadOptions{.input = path}, nullptr));
}

TEST_F(TransferTest, PushToOciArchiveAndPullItBack) {
  ASSERT_TRUE(load_images(settings_, LoadOptions{.input = write_docker_archive(layer_)}, nullptr));
  std::string dest = "oci-archive:" + tmp_.path() + "/o.tar:mytag";
  auto pushed = push_image(settings_, "docker.io/library/busybox", dest, PushOptions{}, nullptr);
  ASSERT_TRUE(pushed) << pushed.error().message();
  EXPECT_TRUE(is_local_transport(dest));
  EXPECT_FALSE(is_local_transport("docker://busybox"));

  Settings other = settings_;
  other.config.graph_root = tmp_.path() + "/root2";
  auto pulled = pull_from_transport(other, dest, nullptr);
  ASSERT_TRUE(pulled) << pulled.error().message();
  ASSERT_EQ(pulled->size(), 1u);
  EXPECT_EQ((*pulled)[0].id, id_);
  EXPECT_EQ((*pulled)[0].reference, "localhost/mytag:latest");
}

TEST_F(TransferTest, BadOptions) {
  EXPECT_EQ(save_images(settings_, {"x"}, SaveOptions{.output = "/tmp/x", .format = "zip"}).error().kind(),
            ErrorKind::InvalidArgument);
  EXPECT_EQ(save_images(settings_, {"x"}, SaveOptions{.output = "/tmp/x", .compress = true}).error().kind(),
            ErrorKind::InvalidArgument);
  EXPECT_EQ(push_image(settings_, "x", "", PushOptions{.format = "v1"}, nullptr).error().kind(),
            ErrorKind::InvalidArgument);
}

}  // namespace
}  // namespace nook::engine
