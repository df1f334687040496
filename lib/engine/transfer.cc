// save, load, push and the non-registry pull sources (see transfer.h).
//
// Outputs are written as "members" (path + bytes) either into a directory (oci-dir, docker-dir,
// oci:, dir:) or as entries of a tar stream (oci-archive, docker-archive) written with libarchive
// straight to the file or stdout, so layers stream from the store to the output without a copy.
// Compressed layers (--compress, pushes) are compressed into a temporary file first: their digest
// names the blob and must be known before the tar header or the upload's final PUT.
#include "lib/engine/transfer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <set>

#include "lib/archive/decompress.h"
#include "lib/archive/extract.h"
#include "lib/archive/libarchive_api.h"
#include "lib/archive/tar_split.h"
#include "lib/config/paths.h"
#include "lib/engine/engine.h"
#include "lib/engine/image_reports.h"
#include "lib/engine/store_access.h"
#include "lib/image/digest.h"
#include "lib/image/docker_archive.h"
#include "lib/image/json_adapter.h"
#include "lib/image/manifest.h"
#include "lib/image/oci_layout.h"
#include "lib/image/platform.h"
#include "lib/image/reference.h"
#include "lib/image/short_name.h"
#include "lib/image/transport.h"
#include "lib/registry/client.h"
#include "lib/registry/credentials.h"
#include "lib/sys/fd.h"
#include "lib/sys/file.h"
#include "lib/sys/syscall.h"
#include "lib/util/log.h"

namespace nook::engine {

namespace {

using storage::ImageRecord;
using storage::LayerRecord;
using storage::Store;
using Sink = std::function<Result<void>(std::span<const char>)>;

constexpr size_t kChunk = 1 << 20;
constexpr std::string_view kDirVersion = "Directory Transport Version: 1.1\n";

// Where big temporary files go: $TMPDIR, else /var/tmp (podman's image_copy_tmp_dir).
std::string temp_parent(const Settings& settings) {
  if (auto tmp = settings.env.get_nonempty("TMPDIR")) return *tmp;
  return "/var/tmp";
}

void report_line(PullProgress* progress, std::string_view text) {
  if (progress != nullptr) progress->line(text);
}

struct LocalImage {
  ImageRecord record;
  std::string config;
  std::string manifest;
  std::optional<image::Manifest> parsed_manifest;  // as stored (pulled or loaded)
  std::vector<LayerRecord> layers;
};

Result<LocalImage> load_local(const Store& store, const Settings& settings, std::string_view name) {
  LocalImage out;
  out.record = NOOK_TRY(find_local_image(store, settings, name)).record;
  out.config = NOOK_TRY(store.read_config(out.record.id));
  auto manifest = store.read_manifest(out.record.id);
  if (manifest) {
    out.manifest = *manifest;
    auto parsed = image::parse_manifest(out.manifest, "");
    if (parsed && parsed->layers.size() == out.record.layers.size()) out.parsed_manifest = std::move(*parsed);
  }
  for (const std::string& id : out.record.layers) {
    auto layer = NOOK_TRY(store.find_layer(id));
    if (!layer) return fail(ErrorKind::Corrupt, fmt::format("image {}: layer {} is missing from the store", out.record.id, id));
    out.layers.push_back(*layer);
  }
  return out;
}

// --- layer tars out of the store

Result<void> stream_layer(const Store& store, const LayerRecord& layer, const Sink& sink) {
  std::string split = store.layer_split_path(layer.id);
  auto has_split = NOOK_TRY(sys::path_exists(split));
  if (!has_split) {
    return fail(ErrorKind::Unsupported,
                fmt::format("layer {} has no tar-split record (made locally); writing a new tar for it is not "
                            "supported yet",
                            layer.diff_id.string()));
  }
  image::DigestVerifier verifier = NOOK_TRY(image::DigestVerifier::create(layer.diff_id, layer.uncompressed_size));
  NOOK_TRY_VOID(archive::rebuild_tar(split, store.layer_dir(layer.id), [&](std::span<const char> bytes) -> Result<void> {
    verifier.update(bytes.data(), bytes.size());
    if (verifier.overflowed()) {
      return fail(ErrorKind::Corrupt, fmt::format("layer {}: rebuilt tar is longer than the layer", layer.diff_id.string()));
    }
    return sink(bytes);
  }));
  auto checked = verifier.finish();
  if (!checked) {
    return fail(ErrorKind::Corrupt, fmt::format("layer {}: rebuilt tar does not match its diff ID: {}",
                                                layer.diff_id.string(), checked.error().message()));
  }
  return {};
}

// --- compression into a temporary file

enum class Codec { Gzip, Zstd };

struct Spooled {
  std::string path;
  image::Digest digest;
  int64_t size = 0;
};

// Deterministic gzip (no name, mtime 0, level 6) or zstd (level 3) of the layer's tar.
Result<Spooled> spool_compressed(const Store& store, const LayerRecord& layer, Codec codec, const std::string& dir) {
  Spooled out;
  out.path = fmt::format("{}/{}.{}", dir, layer.diff_id.hex, codec == Codec::Gzip ? "gz" : "zst");
  sys::UniqueFd fd = NOOK_TRY(sys::open_file(out.path, O_WRONLY | O_CREAT | O_TRUNC, 0600));
  image::Sha256 hash;
  std::string buf(kChunk, '\0');
  auto emit = [&](const char* p, size_t n) -> Result<void> {
    hash.update(p, n);
    out.size += static_cast<int64_t>(n);
    return sys::write_all(fd.get(), std::string_view(p, n));
  };
  if (codec == Codec::Gzip) {
    z_stream z{};
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      return fail(ErrorKind::Internal, "gzip: cannot initialize the compressor");
    }
    std::unique_ptr<z_stream, void (*)(z_stream*)> guard(&z, [](z_stream* s) { deflateEnd(s); });
    auto pump = [&](std::span<const char> in, int flush) -> Result<void> {
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z.avail_in = static_cast<uInt>(in.size());
      for (;;) {
        z.next_out = reinterpret_cast<Bytef*>(buf.data());
        z.avail_out = static_cast<uInt>(buf.size());
        int rc = deflate(&z, flush);
        if (rc == Z_STREAM_ERROR) return fail(ErrorKind::Internal, "gzip: compression failed");
        NOOK_TRY_VOID(emit(buf.data(), buf.size() - z.avail_out));
        if (flush == Z_FINISH ? rc == Z_STREAM_END : (z.avail_in == 0 && z.avail_out != 0)) return {};
      }
    };
    NOOK_TRY_VOID(stream_layer(store, layer, [&](std::span<const char> in) -> Result<void> {
      // zlib takes at most 4 GiB per call; the sink gets at most 1 MiB.
      return pump(in, Z_NO_FLUSH);
    }));
    NOOK_TRY_VOID(pump({}, Z_FINISH));
  } else {
    std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
    if (!cctx) return fail(ErrorKind::Internal, "zstd: cannot create a compression context");
    ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
    auto pump = [&](std::span<const char> in, ZSTD_EndDirective mode) -> Result<void> {
      ZSTD_inBuffer input{in.data(), in.size(), 0};
      for (;;) {
        ZSTD_outBuffer output{buf.data(), buf.size(), 0};
        size_t left = ZSTD_compressStream2(cctx.get(), &output, &input, mode);
        if (ZSTD_isError(left)) return fail(ErrorKind::Internal, fmt::format("zstd: {}", ZSTD_getErrorName(left)));
        NOOK_TRY_VOID(emit(buf.data(), output.pos));
        if (mode == ZSTD_e_end ? left == 0 : input.pos == input.size) return {};
      }
    };
    NOOK_TRY_VOID(stream_layer(store, layer, [&](std::span<const char> in) { return pump(in, ZSTD_e_continue); }));
    NOOK_TRY_VOID(pump({}, ZSTD_e_end));
  }
  if (::fsync(fd.get()) != 0) return fail(Error::from_errno("fsync", out.path));
  NOOK_TRY_VOID(fd.close());
  out.digest = hash.finish();
  return out;
}

Result<void> stream_file(const std::string& path, const Sink& sink) {
  sys::UniqueFd fd = NOOK_TRY(sys::open_file(path, O_RDONLY));
  std::vector<char> buf(kChunk);
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Error::from_errno("read", path));
    }
    if (n == 0) return {};
    NOOK_TRY_VOID(sink(std::span<const char>(buf.data(), static_cast<size_t>(n))));
  }
}

// --- output members: a directory or a tar stream

class Members {
 public:
  virtual ~Members() = default;
  // Whether `path` was written already (shared layers, content-addressed blobs).
  virtual bool has(const std::string& path) = 0;
  // `size` bytes produced by `producer` into the sink it is given.
  virtual Result<void> add(const std::string& path, int64_t size,
                           const std::function<Result<void>(const Sink&)>& producer) = 0;
  virtual Result<void> finish() = 0;

  Result<void> add_bytes(const std::string& path, std::string_view bytes) {
    return add(path, static_cast<int64_t>(bytes.size()),
               [&](const Sink& sink) { return sink(std::span<const char>(bytes.data(), bytes.size())); });
  }
  Result<void> add_file(const std::string& path, const std::string& file, int64_t size) {
    return add(path, size, [&](const Sink& sink) { return stream_file(file, sink); });
  }
};

class DirMembers final : public Members {
 public:
  explicit DirMembers(std::string dir) : dir_(std::move(dir)) {}
  bool has(const std::string& path) override {
    auto exists = sys::path_exists(dir_ + "/" + path);
    return exists && *exists && written_.contains(path);
  }
  Result<void> add(const std::string& path, int64_t size,
                   const std::function<Result<void>(const Sink&)>& producer) override {
    std::string full = dir_ + "/" + path;
    size_t slash = full.rfind('/');
    NOOK_TRY_VOID(sys::make_dirs(full.substr(0, slash)));
    std::string tmp = full + ".tmp";
    sys::TempPath guard(tmp);
    sys::UniqueFd fd = NOOK_TRY(sys::open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    int64_t written = 0;
    NOOK_TRY_VOID(producer([&](std::span<const char> bytes) -> Result<void> {
      written += static_cast<int64_t>(bytes.size());
      return sys::write_all(fd.get(), std::string_view(bytes.data(), bytes.size()));
    }));
    if (size >= 0 && written != size) {
      return fail(ErrorKind::Internal, fmt::format("{:?}: wrote {} bytes, expected {}", path, written, size));
    }
    NOOK_TRY_VOID(fd.close());
    if (::rename(tmp.c_str(), full.c_str()) != 0) return fail(Error::from_errno("rename", full));
    guard.commit();
    written_.insert(path);
    return {};
  }
  Result<void> finish() override { return {}; }

 private:
  std::string dir_;
  std::set<std::string> written_;
};

class TarMembers final : public Members {
 public:
  static Result<std::unique_ptr<TarMembers>> create(int fd) {
    const archive::LibarchiveApi& ar = *NOOK_TRY(archive::libarchive_api());
    auto out = std::unique_ptr<TarMembers>(new TarMembers(ar, fd));
    if (out->a_ == nullptr) return fail(ErrorKind::System, "archive_write_new failed");
    ar.write_set_format_pax_restricted(out->a_);
    ar.write_set_bytes_per_block(out->a_, 10240);
    if (ar.write_open(out->a_, out.get(), nullptr, &TarMembers::write_cb, nullptr) != ARCHIVE_OK) {
      return fail(ErrorKind::System, fmt::format("writing the archive: {}", out->error_text()));
    }
    return out;
  }
  ~TarMembers() override {
    if (a_ != nullptr) ar_.write_free(a_);
  }

  bool has(const std::string& path) override { return written_.contains(path); }
  Result<void> add(const std::string& path, int64_t size,
                   const std::function<Result<void>(const Sink&)>& producer) override {
    NOOK_TRY_VOID(add_dirs(path));
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(ar_.entry_new(), ar_.entry_free);
    ar_.entry_set_pathname(e.get(), path.c_str());
    ar_.entry_set_filetype(e.get(), AE_IFREG);
    ar_.entry_set_perm(e.get(), 0644);
    ar_.entry_set_size(e.get(), size);
    ar_.entry_set_mtime(e.get(), 0, 0);
    if (ar_.write_header(a_, e.get()) != ARCHIVE_OK) return fail(write_error());
    int64_t written = 0;
    NOOK_TRY_VOID(producer([&](std::span<const char> bytes) -> Result<void> {
      written += static_cast<int64_t>(bytes.size());
      if (written > size) return fail(ErrorKind::Internal, fmt::format("{:?}: more than {} bytes", path, size));
      if (ar_.write_data(a_, bytes.data(), bytes.size()) < 0) return fail(write_error());
      return {};
    }));
    if (written != size) {
      return fail(ErrorKind::Internal, fmt::format("{:?}: wrote {} bytes, expected {}", path, written, size));
    }
    if (ar_.write_finish_entry(a_) != ARCHIVE_OK) return fail(write_error());
    written_.insert(path);
    return {};
  }
  Result<void> finish() override {
    if (ar_.write_close(a_) != ARCHIVE_OK) return fail(write_error());
    return {};
  }

 private:
  TarMembers(const archive::LibarchiveApi& ar, int fd) : ar_(ar), a_(ar.write_new()), fd_(fd) {}
  static la_ssize_t write_cb(struct archive*, void* self, const void* buf, size_t size) {
    auto* me = static_cast<TarMembers*>(self);
    auto r = sys::write_all(me->fd_, std::string_view(static_cast<const char*>(buf), size));
    if (!r) {
      me->io_error_ = r.error();
      return -1;
    }
    return static_cast<la_ssize_t>(size);
  }
  Result<void> add_dirs(const std::string& path) {
    size_t pos = 0;
    while ((pos = path.find('/', pos)) != std::string::npos) {
      std::string dir = path.substr(0, pos + 1);
      ++pos;
      if (dirs_.contains(dir)) continue;
      dirs_.insert(dir);
      std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(ar_.entry_new(), ar_.entry_free);
      ar_.entry_set_pathname(e.get(), dir.c_str());
      ar_.entry_set_filetype(e.get(), AE_IFDIR);
      ar_.entry_set_perm(e.get(), 0755);
      ar_.entry_set_mtime(e.get(), 0, 0);
      if (ar_.write_header(a_, e.get()) != ARCHIVE_OK) return fail(write_error());
    }
    return {};
  }
  std::string error_text() const {
    const char* s = ar_.error_string(a_);
    return s != nullptr ? s : "unknown error";
  }
  Error write_error() const {
    if (io_error_) return io_error_->context("writing the archive");
    return Error(ErrorKind::System, fmt::format("writing the archive: {}", error_text()));
  }

  const archive::LibarchiveApi& ar_;
  struct archive* a_;
  int fd_;
  std::optional<Error> io_error_;
  std::set<std::string> written_;
  std::set<std::string> dirs_;
};

// --- writing images in the save formats

struct LayerBlob {
  image::Descriptor descriptor;
  std::optional<Spooled> spooled;  // compressed copy; else the layer streams from the store
};

// The blob of layer `i` as a destination wants it: uncompressed (digest = DiffID) or compressed.
Result<LayerBlob> layer_blob(const Store& store, const LayerRecord& layer, std::optional<Codec> codec,
                             bool oci, const std::string& tmp_dir) {
  LayerBlob out;
  if (!codec) {
    out.descriptor.media_type = oci ? std::string(image::kMediaTypeOciLayer) : std::string(image::kMediaTypeDockerLayer);
    out.descriptor.digest = layer.diff_id;
    out.descriptor.size = layer.uncompressed_size;
    return out;
  }
  out.spooled = NOOK_TRY(spool_compressed(store, layer, *codec, tmp_dir));
  out.descriptor.digest = out.spooled->digest;
  out.descriptor.size = out.spooled->size;
  if (*codec == Codec::Zstd) {
    out.descriptor.media_type = std::string(image::kMediaTypeOciLayerZstd);
  } else {
    out.descriptor.media_type = oci ? std::string(image::kMediaTypeOciLayerGzip) : std::string(image::kMediaTypeDockerLayerGzip);
  }
  return out;
}

Result<void> add_layer(Members& members, const Store& store, const LayerRecord& layer, const LayerBlob& blob,
                       const std::string& path) {
  if (members.has(path)) return {};
  if (blob.spooled) return members.add_file(path, blob.spooled->path, blob.spooled->size);
  return members.add(path, layer.uncompressed_size, [&](const Sink& sink) { return stream_layer(store, layer, sink); });
}

image::Manifest build_manifest(const LocalImage& image, std::vector<image::Descriptor> layers, bool oci) {
  image::Manifest m;
  m.media_type = oci ? std::string(image::kMediaTypeOciManifest) : std::string(image::kMediaTypeDockerManifest);
  m.config.media_type = oci ? std::string(image::kMediaTypeOciConfig) : std::string(image::kMediaTypeDockerConfig);
  m.config.digest = image::Digest{"sha256", image.record.id};
  m.config.size = static_cast<int64_t>(image.config.size());
  m.layers = std::move(layers);
  return m;
}

// An OCI layout (oci-dir / oci-archive / oci:): blobs, then index.json. Returns the manifest digest.
Result<image::Digest> write_oci(Members& members, const Store& store, const LocalImage& image, std::string_view ref_name,
                                std::optional<Codec> codec, std::string_view existing_index, const std::string& tmp_dir,
                                PullProgress* progress) {
  std::vector<image::Descriptor> layers;
  for (const LayerRecord& layer : image.layers) {
    if (progress) progress->blob_started(layer.diff_id.string(), layer.uncompressed_size, false);
    LayerBlob blob = NOOK_TRY(layer_blob(store, layer, codec, true, tmp_dir));
    NOOK_TRY_VOID(add_layer(members, store, layer, blob, "blobs/sha256/" + blob.descriptor.digest.hex));
    if (progress) progress->blob_done(layer.diff_id.string());
    layers.push_back(blob.descriptor);
  }
  std::string config_path = "blobs/sha256/" + image.record.id;
  if (!members.has(config_path)) NOOK_TRY_VOID(members.add_bytes(config_path, image.config));
  if (progress) progress->config_done("sha256:" + image.record.id);
  std::string manifest = image::encode_manifest(build_manifest(image, std::move(layers), true));
  image::Digest digest{"sha256", image::sha256_hex(manifest)};
  if (!members.has("blobs/sha256/" + digest.hex)) NOOK_TRY_VOID(members.add_bytes("blobs/sha256/" + digest.hex, manifest));
  image::Descriptor desc{.media_type = std::string(image::kMediaTypeOciManifest), .digest = digest,
                         .size = static_cast<int64_t>(manifest.size())};
  std::string index = NOOK_TRY(image::add_to_oci_index(existing_index, desc, ref_name));
  NOOK_TRY_VOID(members.add_bytes("oci-layout", image::kOciLayoutFile));
  NOOK_TRY_VOID(members.add_bytes("index.json", index));
  return digest;
}

// skopeo's dir: layout: blobs named by their hex, manifest.json, version.
Result<image::Digest> write_dir(Members& members, const Store& store, const LocalImage& image, bool oci,
                                std::optional<Codec> codec, const std::string& tmp_dir, PullProgress* progress) {
  std::vector<image::Descriptor> layers;
  for (const LayerRecord& layer : image.layers) {
    if (progress) progress->blob_started(layer.diff_id.string(), layer.uncompressed_size, false);
    LayerBlob blob = NOOK_TRY(layer_blob(store, layer, codec, oci, tmp_dir));
    NOOK_TRY_VOID(add_layer(members, store, layer, blob, blob.descriptor.digest.hex));
    if (progress) progress->blob_done(layer.diff_id.string());
    layers.push_back(blob.descriptor);
  }
  NOOK_TRY_VOID(members.add_bytes(image.record.id, image.config));
  if (progress) progress->config_done("sha256:" + image.record.id);
  std::string manifest = image::encode_manifest(build_manifest(image, std::move(layers), oci));
  NOOK_TRY_VOID(members.add_bytes("manifest.json", manifest));
  NOOK_TRY_VOID(members.add_bytes("version", kDirVersion));
  return image::Digest{"sha256", image::sha256_hex(manifest)};
}

// docker-archive: "<diffid>.tar" layers, "<id>.json" configs, manifest.json, repositories.
Result<void> write_docker_archive(Members& members, const Store& store,
                                  const std::vector<std::pair<LocalImage, std::vector<std::string>>>& images,
                                  PullProgress* progress) {
  std::vector<image::DockerArchiveImage> entries;
  std::vector<std::pair<std::string, std::string>> repositories;
  for (const auto& [image, tags] : images) {
    image::DockerArchiveImage entry;
    for (const LayerRecord& layer : image.layers) {
      std::string path = layer.diff_id.hex + ".tar";
      if (progress) progress->blob_started(layer.diff_id.string(), layer.uncompressed_size, members.has(path));
      if (!members.has(path)) {
        NOOK_TRY_VOID(members.add(path, layer.uncompressed_size,
                                  [&](const Sink& sink) { return stream_layer(store, layer, sink); }));
        if (progress) progress->blob_done(layer.diff_id.string());
      }
      entry.layers.push_back(path);
    }
    entry.config = image.record.id + ".json";
    if (!members.has(entry.config)) NOOK_TRY_VOID(members.add_bytes(entry.config, image.config));
    if (progress) progress->config_done("sha256:" + image.record.id);
    entry.repo_tags = tags;
    for (const std::string& tag : tags) {
      repositories.emplace_back(tag, image.layers.empty() ? image.record.id : image.layers.back().diff_id.hex);
    }
    entries.push_back(std::move(entry));
  }
  NOOK_TRY_VOID(members.add_bytes("manifest.json", image::encode_docker_archive_manifest(entries)));
  NOOK_TRY_VOID(members.add_bytes("repositories", image::encode_docker_repositories(repositories)));
  return {};
}

// The name a saved image carries: the name the user typed resolved to the stored one, else the
// image's first name.
std::string display_name(const LocalImage& image, std::string_view typed) {
  for (const std::string& name : image.record.names) {
    if (name == typed) return name;
  }
  auto parsed = image::parse_normalized(typed);
  if (parsed) {
    std::string full = image::with_default_tag(*parsed).string();
    for (const std::string& name : image.record.names) {
      if (name == full || name.ends_with("/" + std::string(typed)) || name.ends_with("/" + std::string(typed) + ":latest")) return name;
    }
  }
  return image.record.names.empty() ? std::string() : image.record.names.front();
}

// --- reading archives and layouts

// Opens `rel` under `root_fd` without following any symlink (hostile archives).
Result<sys::UniqueFd> open_member(int root_fd, const std::string& rel) {
  if (!image::is_safe_member_path(rel)) return fail(ErrorKind::Corrupt, fmt::format("member {:?} leaves the archive", rel));
  auto fd = sys::openat2(root_fd, rel, O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
  if (fd || fd.error().kind() != ErrorKind::Unsupported) {
    if (!fd && fd.error().kind() == ErrorKind::NotFound) {
      return fail(ErrorKind::Corrupt, fmt::format("the archive has no member {:?}", rel));
    }
    return fd;
  }
  return sys::openat_file(root_fd, rel, O_RDONLY | O_NOFOLLOW);
}

Result<std::string> read_member(int root_fd, const std::string& rel, int64_t max_size = 64 << 20) {
  sys::UniqueFd fd = NOOK_TRY(open_member(root_fd, rel));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail(Error::from_errno("fstat", rel));
  if (!S_ISREG(st.st_mode) || st.st_size > max_size) {
    return fail(ErrorKind::Corrupt, fmt::format("member {:?} is not a regular file of at most {} bytes", rel, max_size));
  }
  return sys::read_all(fd.get());
}

struct ImportLayer {
  std::string member;                            // path under the source root
  std::optional<image::Digest> blob_digest;      // the (compressed) blob digest, when known
  int64_t blob_size = -1;
};

struct ImportImage {
  std::string config;
  std::string manifest;          // stored as the image's manifest (original when there is one)
  std::string manifest_media_type;
  std::vector<ImportLayer> layers;
  std::vector<std::string> names;
};

image::Compression sniff(std::span<const char> head) {
  auto b = [&](size_t i) { return i < head.size() ? static_cast<unsigned char>(head[i]) : 0u; };
  if (b(0) == 0x1f && b(1) == 0x8b) return image::Compression::Gzip;
  if (b(0) == 0x28 && b(1) == 0xb5 && b(2) == 0x2f && b(3) == 0xfd) return image::Compression::Zstd;
  return image::Compression::None;
}

// Checks a layer file against its DiffID while cutting its tar-split record, then unpacks it.
Result<LayerRecord> import_layer(Store& store, int root_fd, const ImportLayer& source, const image::Digest& diff_id,
                                 const std::string& id, const std::string& parent) {
  sys::UniqueFd fd = NOOK_TRY(open_member(root_fd, source.member));
  storage::LayerWriter writer = NOOK_TRY(store.begin_layer(id, parent));
  archive::TarSplitWriter split = NOOK_TRY(archive::TarSplitWriter::create(writer.split_path()));
  image::DigestVerifier verifier = NOOK_TRY(image::DigestVerifier::create(diff_id, -1));
  std::optional<image::DigestVerifier> blob_verifier;
  if (source.blob_digest) blob_verifier = NOOK_TRY(image::DigestVerifier::create(*source.blob_digest, -1));
  int64_t uncompressed = 0;
  std::vector<char> buf(kChunk);
  std::optional<archive::Decompressor> decompressor;
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Error::from_errno("read", source.member));
    }
    if (n == 0) break;
    std::span<const char> chunk(buf.data(), static_cast<size_t>(n));
    if (blob_verifier) blob_verifier->update(chunk.data(), chunk.size());
    if (!decompressor) {
      decompressor = NOOK_TRY(archive::Decompressor::create(sniff(chunk), [&](std::span<const char> bytes) -> Result<void> {
        verifier.update(bytes.data(), bytes.size());
        uncompressed += static_cast<int64_t>(bytes.size());
        return split.feed(bytes);
      }));
    }
    auto fed = decompressor->feed(chunk);
    if (!fed) return fail(fed.error().context(fmt::format("layer {:?}", source.member)));
  }
  if (!decompressor) return fail(ErrorKind::Corrupt, fmt::format("layer {:?} is empty", source.member));
  auto done = decompressor->finish();
  if (done) done = split.finish();
  if (!done) return fail(done.error().context(fmt::format("layer {:?}", source.member)));
  if (blob_verifier) {
    auto ok = blob_verifier->finish();
    if (!ok) return fail(ok.error().context(fmt::format("layer {:?}", source.member)));
  }
  auto checked = verifier.finish();
  if (!checked) {
    return fail(ErrorKind::Corrupt, fmt::format("layer {:?}: content does not match the image config's diff ID {}: {}",
                                                source.member, diff_id.string(), checked.error().message()));
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return fail(Error::from_errno("lseek", source.member));
  archive::ExtractOptions options{
      .rootless = store.options().rootless,
      .whiteouts_as_overlay = store.options().driver != "vfs",
      .keep_ownership = true,
  };
  auto extracted = archive::extract_layer(fd.get(), writer.dir(), options);
  if (!extracted) return fail(extracted.error().context(fmt::format("extracting layer {:?}", source.member)));
  LayerRecord record{
      .id = id,
      .parent = parent,
      .diff_id = diff_id,
      .uncompressed_size = uncompressed,
      .compressed_digest = std::nullopt,
      .compressed_size = -1,
      .created = format_rfc3339(now()),
  };
  if (source.blob_digest && *source.blob_digest != diff_id) {
    record.compressed_digest = source.blob_digest;
    record.compressed_size = source.blob_size;
  }
  return writer.commit(std::move(record));
}

Result<std::string> import_image(Store& store, int root_fd, const ImportImage& in, PullProgress* progress) {
  image::ImageConfig config = NOOK_TRY(image::parse_image_config(in.config));
  if (config.diff_ids.size() != in.layers.size()) {
    return fail(ErrorKind::Corrupt, fmt::format("image config has {} layer diff IDs, but the image has {} layers",
                                                config.diff_ids.size(), in.layers.size()));
  }
  report_line(progress, "Getting image source signatures");
  std::vector<std::string> ids;
  std::string parent;
  int64_t size = 0;
  for (size_t i = 0; i < in.layers.size(); ++i) {
    std::string id = storage::chain_id(parent, config.diff_ids[i]);
    std::string shown = (in.layers[i].blob_digest ? *in.layers[i].blob_digest : config.diff_ids[i]).string();
    auto existing = NOOK_TRY(store.find_layer(id));
    if (existing) {
      if (progress) progress->blob_started(shown, in.layers[i].blob_size, true);
      size += existing->uncompressed_size;
    } else {
      if (progress) progress->blob_started(shown, in.layers[i].blob_size, false);
      LayerRecord record = NOOK_TRY(import_layer(store, root_fd, in.layers[i], config.diff_ids[i], id, parent));
      size += record.uncompressed_size;
      if (progress) progress->blob_done(shown);
    }
    ids.push_back(id);
    parent = id;
  }
  std::string config_hex = image::sha256_hex(in.config);
  if (progress) progress->config_done("sha256:" + config_hex);
  report_line(progress, "Writing manifest to image destination");
  ImageRecord record;
  record.id = config_hex;
  record.names = in.names;
  record.digests.push_back("sha256:" + image::sha256_hex(in.manifest));
  record.layers = ids;
  record.top_layer = ids.empty() ? "" : ids.back();
  record.manifest_media_type = in.manifest_media_type;
  record.size = size;
  record.created = config.created;
  record.pulled = format_rfc3339(now());
  ImageRecord stored = NOOK_TRY(store.put_image(record, in.manifest, in.config));
  report_line(progress, "Storing signatures");
  return stored.id;
}

// A synthesized OCI manifest for layers given as plain tars (docker-archive).
std::string synthesized_manifest(const std::string& config, const image::ImageConfig& parsed,
                                 const std::vector<int64_t>& sizes) {
  image::Manifest m;
  m.media_type = std::string(image::kMediaTypeOciManifest);
  m.config = {.media_type = std::string(image::kMediaTypeOciConfig),
              .digest = image::Digest{"sha256", image::sha256_hex(config)},
              .size = static_cast<int64_t>(config.size())};
  for (size_t i = 0; i < parsed.diff_ids.size(); ++i) {
    m.layers.push_back({.media_type = std::string(image::kMediaTypeOciLayer), .digest = parsed.diff_ids[i],
                        .size = i < sizes.size() ? sizes[i] : 0});
  }
  return image::encode_manifest(m);
}

// A name from an archive or annotation as it is stored: docker's normalization for RepoTags
// ("busybox:latest" -> "docker.io/library/busybox:latest"), podman's for OCI ref names
// (a name without a registry goes under "localhost/").
std::optional<std::string> stored_name(std::string_view text, bool docker_rules) {
  if (docker_rules) {
    auto ref = image::parse_normalized(text);
    if (!ref) return std::nullopt;
    return image::with_default_tag(*ref).string();
  }
  auto ref = normalize_image_name(text);
  if (!ref) return std::nullopt;
  return *ref;
}

Result<std::vector<ImportImage>> read_docker_archive(int root_fd, const std::optional<std::string>& want_ref,
                                                     std::optional<int> want_index) {
  std::string manifest_bytes = NOOK_TRY(read_member(root_fd, "manifest.json"));
  std::vector<image::DockerArchiveImage> entries = NOOK_TRY(image::parse_docker_archive_manifest(manifest_bytes));
  std::vector<ImportImage> out;
  for (size_t i = 0; i < entries.size(); ++i) {
    const image::DockerArchiveImage& entry = entries[i];
    if (want_index && static_cast<size_t>(*want_index) != i) continue;
    std::vector<std::string> names;
    for (const std::string& tag : entry.repo_tags) {
      if (auto name = stored_name(tag, true)) names.push_back(*name);
    }
    if (want_ref) {
      auto wanted = stored_name(*want_ref, true);
      if (!wanted || std::find(names.begin(), names.end(), *wanted) == names.end()) continue;
    }
    ImportImage image;
    image.config = NOOK_TRY(read_member(root_fd, entry.config));
    image::ImageConfig parsed = NOOK_TRY(image::parse_image_config(image.config));
    std::vector<int64_t> sizes;
    for (const std::string& layer : entry.layers) {
      sys::UniqueFd fd = NOOK_TRY(open_member(root_fd, layer));
      struct stat st {};
      if (::fstat(fd.get(), &st) != 0) return fail(Error::from_errno("fstat", layer));
      sizes.push_back(st.st_size);
      image.layers.push_back({.member = layer, .blob_digest = std::nullopt, .blob_size = st.st_size});
    }
    image.manifest = synthesized_manifest(image.config, parsed, sizes);
    image.manifest_media_type = std::string(image::kMediaTypeOciManifest);
    image.names = std::move(names);
    out.push_back(std::move(image));
  }
  if (want_index && out.empty()) {
    return fail(ErrorKind::NotFound, fmt::format("invalid source index @{}, only {} manifest items available", *want_index, entries.size()));
  }
  if (want_ref && out.empty()) return fail(ErrorKind::NotFound, fmt::format("no image named {:?} in the archive", *want_ref));
  return out;
}

Result<ImportImage> oci_image(int root_fd, const std::string& root, const image::Descriptor& desc,
                              std::optional<std::string> name) {
  image::Descriptor chosen = desc;
  std::string bytes = NOOK_TRY(image::read_oci_blob(root, chosen.digest, 4 << 20));
  auto kind = NOOK_TRY(image::detect_kind(bytes, chosen.media_type));
  if (kind == image::ManifestKind::Index) {
    image::Index index = NOOK_TRY(image::parse_index(bytes, chosen.media_type));
    const image::Descriptor* picked = NOOK_TRY(image::select_manifest(index, image::host_platform()));
    chosen = *picked;
    bytes = NOOK_TRY(image::read_oci_blob(root, chosen.digest, 4 << 20));
  }
  image::Manifest manifest = NOOK_TRY(image::parse_manifest(bytes, chosen.media_type));
  ImportImage out;
  out.config = NOOK_TRY(image::read_oci_blob(root, manifest.config.digest));
  out.manifest = bytes;
  out.manifest_media_type = manifest.media_type;
  for (const image::Descriptor& layer : manifest.layers) {
    out.layers.push_back({.member = "blobs/" + layer.digest.algorithm + "/" + layer.digest.hex,
                          .blob_digest = layer.digest, .blob_size = layer.size});
  }
  if (name) out.names.push_back(*name);
  (void)root_fd;
  return out;
}

Result<std::vector<ImportImage>> read_oci(int root_fd, const std::string& root, const std::optional<std::string>& want_ref) {
  image::Index index = NOOK_TRY(image::read_oci_index(root));
  std::vector<ImportImage> out;
  if (want_ref) {
    image::Descriptor desc = NOOK_TRY(image::select_oci_manifest(index, *want_ref));
    out.push_back(NOOK_TRY(oci_image(root_fd, root, desc, stored_name(*want_ref, false))));
    return out;
  }
  for (const image::Descriptor& desc : index.manifests) {
    std::optional<std::string> name;
    auto it = desc.annotations.find(std::string(image::kOciRefNameAnnotation));
    if (it != desc.annotations.end()) name = stored_name(it->second, false);
    out.push_back(NOOK_TRY(oci_image(root_fd, root, desc, name)));
  }
  if (out.empty()) return fail(ErrorKind::Corrupt, "the OCI layout holds no image");
  return out;
}

Result<std::vector<ImportImage>> read_dir_layout(int root_fd) {
  std::string bytes = NOOK_TRY(read_member(root_fd, "manifest.json", 4 << 20));
  nlohmann::json parsed = NOOK_TRY(image::parse_json(bytes, "manifest.json"));
  auto digest_of = [](const nlohmann::json& d) -> Result<image::Digest> {
    if (!d.is_object() || !d.contains("digest") || !d["digest"].is_string()) {
      return fail(ErrorKind::Corrupt, "manifest.json: a descriptor has no digest");
    }
    return image::parse_digest(d["digest"].get<std::string>());
  };
  if (!parsed.is_object() || !parsed.contains("config") || !parsed.contains("layers") || !parsed["layers"].is_array()) {
    return fail(ErrorKind::Corrupt, "manifest.json is not an image manifest");
  }
  ImportImage image;
  image::Digest config_digest = NOOK_TRY(digest_of(parsed["config"]));
  image.config = NOOK_TRY(read_member(root_fd, config_digest.hex));
  if (image::sha256_hex(image.config) != config_digest.hex) return fail(ErrorKind::Corrupt, "config does not match its digest");
  image.manifest = bytes;
  image.manifest_media_type = parsed.value("mediaType", std::string(image::kMediaTypeDockerManifest));
  for (const auto& layer : parsed["layers"]) {
    image::Digest digest = NOOK_TRY(digest_of(layer));
    int64_t size = layer.contains("size") && layer["size"].is_number_integer() ? layer["size"].get<int64_t>() : -1;
    image.layers.push_back({.member = digest.hex, .blob_digest = digest, .blob_size = size});
  }
  return std::vector<ImportImage>{std::move(image)};
}

// Unpacks an archive (tar, maybe compressed) into a fresh temporary directory.
Result<sys::TempPath> unpack_archive(const Settings& settings, int fd) {
  std::string parent = temp_parent(settings);
  sys::TempPath dir = NOOK_TRY(sys::make_temp_dir(parent, "nook-archive-"));
  archive::ExtractOptions options{.rootless = settings.env.rootless(), .whiteouts_as_overlay = false,
                                  .keep_ownership = false};
  auto extracted = archive::extract_layer(fd, dir.path(), options);
  if (!extracted) return fail(extracted.error().context("reading the archive"));
  return dir;
}

Result<std::vector<std::string>> import_all(Store& store, int root_fd, const std::vector<ImportImage>& images,
                                            PullProgress* progress) {
  std::vector<std::string> ids;
  for (const ImportImage& image : images) ids.push_back(NOOK_TRY(import_image(store, root_fd, image, progress)));
  return ids;
}

// --- push helpers


// Cross-repository mount: asks the registry to link `digest` into `repository` from any of the
// repositories on the same registry the image was pulled from or pushed to (`sources`, its
// RepoDigests). True when one of them worked; a refused mount just means uploading.
bool mount_from_sources(registry::Client& client, const image::Reference& ref, const std::string& repository,
                        const std::vector<std::string>& sources, const image::Digest& digest) {
  for (const std::string& source : sources) {
    auto src = image::parse_normalized(source);
    if (!src || src->domain != ref.domain || src->path == repository) continue;
    auto mounted = client.mount_blob(repository, digest, src->path);
    if (mounted && *mounted) return true;
  }
  return false;
}

Result<std::string> push_to_registry(const Settings& settings, Store& store, const LocalImage& image,
                                     std::string_view destination, const PushOptions& options, PullProgress* progress) {
  image::Reference ref = NOOK_TRY(image::parse_normalized(destination));
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  std::string text = ref.string();
  bool insecure = false;
  std::string host = ref.domain;
  std::string repository = ref.path;
  if (const config::Registry* registry = settings.config.registries.find_registry(text)) {
    if (registry->blocked) {
      return fail(ErrorKind::Permission, fmt::format("registry {} is blocked in registries.conf", registry->prefix));
    }
    insecure = registry->endpoint.insecure;
    auto rewritten = image::parse_normalized(config::rewrite_location(*registry, text));
    if (rewritten) {
      host = rewritten->domain;
      repository = rewritten->path;
    }
  }
  registry::ClientOptions client_options{.host = host};
  client_options.insecure = options.tls_verify ? !*options.tls_verify : insecure;
  client_options.cert_dirs = registry::cert_dirs_for(host, config::xdg_config_home(settings.env), settings.env.rootless(),
                                                     options.cert_dir.value_or(""));
  if (options.creds) {
    client_options.credentials = NOOK_TRY(registry::parse_creds(*options.creds));
  } else {
    std::vector<std::string> paths =
        options.authfile ? std::vector<std::string>{*options.authfile} : settings.config.auth.read_paths;
    client_options.credentials = NOOK_TRY(registry::credentials_for(paths, host + "/" + repository));
  }
  registry::Client client = NOOK_TRY(registry::Client::create(std::move(client_options)));

  bool oci = options.format.empty() ? !(image.record.manifest_media_type == image::kMediaTypeDockerManifest)
                                    : options.format == "oci";
  Codec codec = options.compression_format == "zstd" ? Codec::Zstd : Codec::Gzip;
  if (!oci && codec == Codec::Zstd) {
    return fail(ErrorKind::InvalidArgument, "zstd compression is not supported for docker schema 2 manifests (use --format oci)");
  }
  std::optional<sys::TempPath> tmp;
  report_line(progress, "Getting image source signatures");
  std::vector<image::Descriptor> layers;
  for (size_t i = 0; i < image.layers.size(); ++i) {
    const LayerRecord& layer = image.layers[i];
    std::string shown = layer.diff_id.string();
    // The blob it was pulled as, when the stored manifest still describes it.
    std::optional<image::Descriptor> known;
    if (layer.compressed_digest && image.parsed_manifest) {
      const image::Descriptor& d = image.parsed_manifest->layers[i];
      auto compression = image::layer_compression(d.media_type);
      if (d.digest == *layer.compressed_digest && compression && *compression != image::Compression::None &&
          (oci || *compression == image::Compression::Gzip)) {
        known = d;
        known->media_type = *compression == image::Compression::Zstd ? std::string(image::kMediaTypeOciLayerZstd)
                            : oci ? std::string(image::kMediaTypeOciLayerGzip)
                                  : std::string(image::kMediaTypeDockerLayerGzip);
        known->urls.clear();
        known->annotations.clear();
      }
    }
    if (known) {
      if (NOOK_TRY(client.blob_exists(repository, known->digest))) {
        if (progress) progress->blob_started(shown, known->size, true);
        layers.push_back(*known);
        continue;
      }
      if (mount_from_sources(client, ref, repository, image.record.repo_digests, known->digest)) {
        if (progress) progress->blob_started(shown, known->size, true);
        layers.push_back(*known);
        continue;
      }
    }
    if (!tmp) tmp = NOOK_TRY(sys::make_temp_dir(temp_parent(settings), "nook-push-"));
    LayerBlob blob = NOOK_TRY(layer_blob(store, layer, codec, oci, tmp->path()));
    if (NOOK_TRY(client.blob_exists(repository, blob.descriptor.digest))) {
      if (progress) progress->blob_started(shown, blob.descriptor.size, true);
    } else {
      if (progress) progress->blob_started(shown, blob.descriptor.size, false);
      sys::UniqueFd fd = NOOK_TRY(sys::open_file(blob.spooled->path, O_RDONLY));
      NOOK_TRY_VOID(client.upload_blob(
          repository, blob.descriptor.digest, blob.descriptor.size,
          [&](std::span<char> buffer) -> Result<size_t> {
            for (;;) {
              ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
              if (n < 0 && errno == EINTR) continue;
              if (n < 0) return fail(Error::from_errno("read", blob.spooled->path));
              return static_cast<size_t>(n);
            }
          },
          [&](int64_t done, int64_t total) {
            if (progress) progress->blob_progress(shown, done, total);
          }));
      if (progress) progress->blob_done(shown);
    }
    (void)::unlink(blob.spooled->path.c_str());
    layers.push_back(blob.descriptor);
  }
  image::Digest config_digest{"sha256", image.record.id};
  if (!NOOK_TRY(client.blob_exists(repository, config_digest)) &&
      !mount_from_sources(client, ref, repository, image.record.repo_digests, config_digest)) {
    NOOK_TRY_VOID(client.upload_blob_bytes(repository, config_digest, image.config));
  }
  if (progress) progress->config_done(config_digest.string());
  report_line(progress, "Writing manifest to image destination");
  image::Manifest manifest = build_manifest(image, std::move(layers), oci);
  std::string bytes = image::encode_manifest(manifest);
  std::string reference = ref.tag.empty() ? ref.digest : ref.tag;
  image::Digest digest = NOOK_TRY(client.put_manifest(repository, reference, bytes, manifest.media_type));
  report_line(progress, "Storing signatures");
  return digest.string();
}

Result<std::optional<Codec>> codec_for(bool compress, std::string_view compression_format) {
  if (!compress) return std::optional<Codec>();
  if (compression_format == "zstd") return std::optional<Codec>(Codec::Zstd);
  return std::optional<Codec>(Codec::Gzip);
}

}  // namespace

// --- save

Result<void> save_images(const Settings& settings, const std::vector<std::string>& names, const SaveOptions& options) {
  static const std::set<std::string> kFormats = {"oci-archive", "oci-dir", "docker-archive", "docker-dir"};
  if (!kFormats.contains(options.format)) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("unsupported format {:?}: choose from oci-archive, oci-dir, docker-archive, docker-dir",
                            options.format));
  }
  bool dir_format = options.format == "oci-dir" || options.format == "docker-dir";
  if (options.compress && !dir_format) {
    return fail(ErrorKind::InvalidArgument, "--compress can only be set when --format is 'docker-dir' or 'oci-dir'");
  }
  if (options.multi_image && options.format != "docker-archive") {
    return fail(ErrorKind::InvalidArgument, "--multi-image-archive can only be used with --format=docker-archive");
  }
  if (dir_format && options.output.empty()) {
    return fail(ErrorKind::InvalidArgument, fmt::format("--format {} needs an output directory (-o)", options.format));
  }
  if (names.empty()) return fail(ErrorKind::InvalidArgument, "need at least 1 argument");
  Store store = NOOK_TRY(open_store(settings));

  // Every image first, so a missing one fails before anything is written.
  std::vector<std::pair<LocalImage, std::vector<std::string>>> images;
  std::vector<std::string> image_names = options.multi_image ? names : std::vector<std::string>{names.front()};
  for (const std::string& name : image_names) {
    LocalImage image = NOOK_TRY(load_local(store, settings, name));
    std::vector<std::string> tags;
    std::string shown = display_name(image, name);
    if (!shown.empty()) tags.push_back(shown);
    images.emplace_back(std::move(image), std::move(tags));
  }
  if (!options.multi_image) {
    for (size_t i = 1; i < names.size(); ++i) {
      auto extra = image::parse_normalized(names[i]);
      if (!extra) return fail(extra.error());
      images.front().second.push_back(image::with_default_tag(*extra).string());
    }
  }
  sys::TempPath tmp = NOOK_TRY(sys::make_temp_dir(temp_parent(settings), "nook-save-"));
  auto codec = NOOK_TRY(codec_for(options.compress, "gzip"));

  if (dir_format) {
    NOOK_TRY_VOID(sys::make_dirs(options.output));
    DirMembers members(options.output);
    const LocalImage& image = images.front().first;
    if (options.format == "oci-dir") {
      std::string ref = images.front().second.empty() ? std::string() : images.front().second.front();
      std::string existing;
      if (auto e = sys::read_file(options.output + "/index.json")) existing = *e;
      NOOK_TRY(write_oci(members, store, image, ref, codec, existing, tmp.path(), nullptr));
    } else {
      NOOK_TRY(write_dir(members, store, image, false, codec, tmp.path(), nullptr));
    }
    return {};
  }

  sys::UniqueFd owned;
  int fd = options.output_fd;
  sys::TempPath partial;
  if (!options.output.empty()) {
    owned = NOOK_TRY(sys::open_file(options.output, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    fd = owned.get();
    partial = sys::TempPath(options.output);  // removed unless the archive is complete
  }
  if (fd < 0) return fail(ErrorKind::InvalidArgument, "no output given");
  std::unique_ptr<TarMembers> members = NOOK_TRY(TarMembers::create(fd));
  if (options.format == "docker-archive") {
    NOOK_TRY_VOID(write_docker_archive(*members, store, images, nullptr));
  } else {
    std::string ref = images.front().second.empty() ? std::string() : images.front().second.front();
    NOOK_TRY(write_oci(*members, store, images.front().first, ref, std::nullopt, "", tmp.path(), nullptr));
  }
  NOOK_TRY_VOID(members->finish());
  if (owned) {
    if (::fsync(owned.get()) != 0 && errno != EINVAL) return fail(Error::from_errno("fsync", options.output));
    NOOK_TRY_VOID(owned.close());
  }
  partial.commit();
  return {};
}

// --- load

Result<std::vector<std::string>> load_images(const Settings& settings, const LoadOptions& options,
                                             PullProgress* progress) {
  sys::UniqueFd owned;
  int fd = options.input_fd;
  if (!options.input.empty()) {
    auto opened = sys::open_file(options.input, O_RDONLY);
    if (!opened) return fail(opened.error().context("opening the input"));
    owned = std::move(*opened);
    fd = owned.get();
  }
  if (fd < 0) return fail(ErrorKind::InvalidArgument, "no input given");
  // Without libarchive no payload can be read: say that, rather than blame the payload.
  (void)NOOK_TRY(archive::libarchive_api());
  Store store = NOOK_TRY(open_store(settings));
  auto unpacked = unpack_archive(settings, fd);
  if (!unpacked) {
    return fail(unpacked.error().kind(),
                fmt::format("payload does not match any of the supported image formats (oci-archive, "
                            "docker-archive): {}",
                            unpacked.error().message()));
  }
  const std::string& root = unpacked->path();
  sys::UniqueFd root_fd = NOOK_TRY(sys::open_file(root, O_RDONLY | O_DIRECTORY));
  std::vector<ImportImage> images;
  if (NOOK_TRY(sys::path_exists(root + "/manifest.json"))) {
    images = NOOK_TRY(read_docker_archive(root_fd.get(), std::nullopt, std::nullopt));
  } else if (NOOK_TRY(sys::path_exists(root + "/oci-layout"))) {
    images = NOOK_TRY(read_oci(root_fd.get(), root, std::nullopt));
  } else {
    return fail(ErrorKind::InvalidArgument,
                "payload does not match any of the supported image formats (oci-archive, docker-archive)");
  }
  std::vector<std::string> ids = NOOK_TRY(import_all(store, root_fd.get(), images, progress));
  std::vector<std::string> loaded;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (images[i].names.empty()) loaded.push_back("sha256:" + ids[i]);
    for (const std::string& name : images[i].names) loaded.push_back(name);
  }
  return loaded;
}

// --- pull from local transports

bool is_local_transport(std::string_view reference) {
  auto ref = image::parse_transport(reference);
  if (!ref) return false;
  return ref->transport == image::Transport::Oci || ref->transport == image::Transport::OciArchive ||
         ref->transport == image::Transport::DockerArchive || ref->transport == image::Transport::Dir;
}

Result<std::vector<PulledImage>> pull_from_transport(const Settings& settings, std::string_view reference,
                                                     PullProgress* progress) {
  image::TransportRef ref = NOOK_TRY(image::parse_transport(reference));
  Store store = NOOK_TRY(open_store(settings));
  std::optional<sys::TempPath> unpacked;
  std::string root = ref.path;
  if (ref.transport == image::Transport::OciArchive || ref.transport == image::Transport::DockerArchive) {
    sys::UniqueFd fd = NOOK_TRY(sys::open_file(ref.path, O_RDONLY));
    unpacked = NOOK_TRY(unpack_archive(settings, fd.get()));
    root = unpacked->path();
  }
  sys::UniqueFd root_fd = NOOK_TRY(sys::open_file(root, O_RDONLY | O_DIRECTORY));
  std::optional<std::string> want = ref.reference.empty() ? std::nullopt : std::optional<std::string>(ref.reference);
  std::vector<ImportImage> images;
  switch (ref.transport) {
    case image::Transport::Oci:
    case image::Transport::OciArchive: {
      images = NOOK_TRY(read_oci(root_fd.get(), root, want));
      if (images.size() > 1) {
        return fail(ErrorKind::InvalidArgument, fmt::format("more than one image in {:?}, choose an image", ref.path));
      }
      break;
    }
    case image::Transport::DockerArchive:
      images = NOOK_TRY(read_docker_archive(root_fd.get(), want, ref.source_index));
      if (images.size() > 1 && !ref.source_index && !want) images.resize(1);
      break;
    case image::Transport::Dir:
      images = NOOK_TRY(read_dir_layout(root_fd.get()));
      break;
    default:
      return fail(ErrorKind::InvalidArgument, fmt::format("transport {:?} cannot be pulled from locally",
                                                          image::transport_name(ref.transport)));
  }
  std::vector<std::string> ids = NOOK_TRY(import_all(store, root_fd.get(), images, progress));
  std::vector<PulledImage> out;
  for (size_t i = 0; i < ids.size(); ++i) {
    out.push_back({ids[i], images[i].names.empty() ? std::string(reference) : images[i].names.front()});
  }
  return out;
}

// --- push

Result<std::string> push_image(const Settings& settings, std::string_view image_name, std::string_view destination,
                               const PushOptions& options, PullProgress* progress) {
  if (!options.format.empty() && options.format != "oci" && options.format != "v2s2" && options.format != "docker") {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("unsupported manifest type {:?}: choose from oci, v2s2", options.format));
  }
  if (!options.compression_format.empty() && options.compression_format != "gzip" &&
      options.compression_format != "zstd") {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("unsupported compression format {:?}: choose from gzip, zstd", options.compression_format));
  }
  Store store = NOOK_TRY(open_store(settings));
  LocalImage image = NOOK_TRY(load_local(store, settings, image_name));
  std::string dest_text = destination.empty() ? std::string(image_name) : std::string(destination);
  image::TransportRef dest = NOOK_TRY(image::parse_transport(dest_text));
  bool oci = options.format.empty() ? image.record.manifest_media_type != image::kMediaTypeDockerManifest
                                    : options.format == "oci";
  std::string digest;
  switch (dest.transport) {
    case image::Transport::Docker: {
      PushOptions o = options;
      if (o.format == "docker") o.format = "v2s2";
      digest = NOOK_TRY(push_to_registry(settings, store, image, dest.reference, o, progress));
      break;
    }
    case image::Transport::Oci:
    case image::Transport::OciArchive:
    case image::Transport::DockerArchive:
    case image::Transport::Dir: {
      sys::TempPath tmp = NOOK_TRY(sys::make_temp_dir(temp_parent(settings), "nook-push-"));
      report_line(progress, "Getting image source signatures");
      auto codec = NOOK_TRY(codec_for(options.compress, options.compression_format));
      if (dest.transport == image::Transport::Oci || dest.transport == image::Transport::Dir) {
        NOOK_TRY_VOID(sys::make_dirs(dest.path));
        DirMembers members(dest.path);
        if (dest.transport == image::Transport::Oci) {
          std::string existing;
          if (auto e = sys::read_file(dest.path + "/index.json")) existing = *e;
          digest = NOOK_TRY(write_oci(members, store, image, dest.reference, codec, existing, tmp.path(), progress)).string();
        } else {
          digest = NOOK_TRY(write_dir(members, store, image, oci, codec, tmp.path(), progress)).string();
        }
      } else {
        sys::UniqueFd fd = NOOK_TRY(sys::open_file(dest.path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
        sys::TempPath partial(dest.path);
        std::unique_ptr<TarMembers> members = NOOK_TRY(TarMembers::create(fd.get()));
        if (dest.transport == image::Transport::OciArchive) {
          digest = NOOK_TRY(write_oci(*members, store, image, dest.reference, std::nullopt, "", tmp.path(), progress)).string();
        } else {
          std::vector<std::string> tags;
          if (!dest.reference.empty()) {
            auto named = image::parse_normalized(dest.reference);
            if (!named) return fail(named.error());
            tags.push_back(image::with_default_tag(*named).string());
          } else if (!image.record.names.empty()) {
            tags.push_back(display_name(image, image_name));
          }
          std::vector<std::pair<LocalImage, std::vector<std::string>>> list;
          list.emplace_back(image, tags);
          NOOK_TRY_VOID(write_docker_archive(*members, store, list, progress));
          digest = "sha256:" + image::sha256_hex(image.manifest);
        }
        NOOK_TRY_VOID(members->finish());
        NOOK_TRY_VOID(fd.close());
        partial.commit();
      }
      report_line(progress, "Writing manifest to image destination");
      report_line(progress, "Storing signatures");
      break;
    }
    case image::Transport::ContainersStorage:
      return fail(ErrorKind::Unsupported, "pushing to containers-storage: is not supported; use `nook tag`");
  }
  if (options.digestfile) NOOK_TRY_VOID(sys::write_file_atomic(*options.digestfile, digest, 0644));
  return digest;
}

}  // namespace nook::engine
