// commit and import: a new layer from a tar (the container's upper directory, or a file), an image
// config built from the parent's (or from nothing), --change instructions, and the image record.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

#include "lib/archive/decompress.h"
#include "lib/archive/extract.h"
#include "lib/archive/tar_split.h"
#include "lib/archive/tree_tar.h"
#include "lib/engine/container_fs.h"
#include "lib/engine/container_fs_internal.h"
#include "lib/engine/container_internal.h"
#include "lib/engine/image_reports.h"
#include "lib/engine/store_access.h"
#include "lib/image/digest.h"
#include "lib/image/manifest.h"
#include "lib/image/oci_layout.h"
#include "lib/sys/fd.h"
#include "lib/sys/file.h"
#include "lib/util/strings.h"

namespace nook::engine {

namespace {

constexpr size_t kReadChunk = 1 << 20;

// A plain tar spooled to a file, with its digest (the layer's DiffID) and size.
struct SpooledTar {
  sys::TempPath dir;
  std::string path;
  image::Digest diff_id;
  int64_t size = 0;
};

Result<SpooledTar> spool(const std::string& parent, const std::function<Result<void>(const archive::TarSink&)>& produce) {
  SpooledTar out;
  out.dir = NOOK_TRY(sys::make_temp_dir(parent, "layer-"));
  out.path = out.dir.path() + "/layer.tar";
  sys::UniqueFd fd = NOOK_TRY(sys::open_file(out.path, O_WRONLY | O_CREAT | O_TRUNC, 0600));
  image::Sha256 hash;
  NOOK_TRY_VOID(produce([&](std::span<const char> bytes) -> Result<void> {
    hash.update(bytes.data(), bytes.size());
    out.size += static_cast<int64_t>(bytes.size());
    return sys::write_all(fd.get(), std::string_view(bytes.data(), bytes.size()));
  }));
  NOOK_TRY_VOID(fd.close());
  out.diff_id = hash.finish();
  return out;
}

Result<void> read_chunks(int fd, const std::function<Result<void>(std::span<const char>)>& sink) {
  std::vector<char> buf(kReadChunk);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Error::from_errno("read", "a layer being stored"));
    }
    if (n == 0) return {};
    NOOK_TRY_VOID(sink(std::span<const char>(buf.data(), static_cast<size_t>(n))));
  }
}

// Stores the spooled tar as the layer over `parent` (its tar-split record kept, so save and push
// rebuild the same bytes).
Result<storage::LayerRecord> store_layer(storage::Store& store, const std::string& parent, const SpooledTar& tar) {
  std::string id = storage::chain_id(parent, tar.diff_id);
  if (auto existing = NOOK_TRY(store.find_layer(id))) return *existing;
  storage::LayerWriter writer = NOOK_TRY(store.begin_layer(id, parent));
  {
    archive::TarSplitWriter split = NOOK_TRY(archive::TarSplitWriter::create(writer.split_path()));
    sys::UniqueFd fd = NOOK_TRY(sys::open_file(tar.path, O_RDONLY));
    NOOK_TRY_VOID(read_chunks(fd.get(), [&](std::span<const char> bytes) { return split.feed(bytes); }));
    NOOK_TRY_VOID(split.finish());
  }
  sys::UniqueFd fd = NOOK_TRY(sys::open_file(tar.path, O_RDONLY));
  archive::ExtractOptions options{
      .rootless = store.options().rootless,
      .whiteouts_as_overlay = store.options().driver != "vfs",
      .keep_ownership = true,
  };
  NOOK_TRY(archive::extract_layer(fd.get(), writer.dir(), options));
  storage::LayerRecord record{
      .id = id,
      .parent = parent,
      .diff_id = tar.diff_id,
      .uncompressed_size = tar.size,
      .compressed_digest = std::nullopt,
      .compressed_size = -1,
      .created = format_rfc3339(now()),
  };
  return writer.commit(std::move(record));
}

std::string host_architecture() {
  struct utsname u {};
  if (::uname(&u) != 0) return "amd64";
  std::string machine = u.machine;
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  return machine;
}

// Stores the image whose config is `config` over `layers` and returns its id.
Result<std::string> store_image(storage::Store& store, const nlohmann::json& config,
                                const std::vector<storage::LayerRecord>& layers, bool docker,
                                const std::vector<std::string>& names, PullProgress* progress) {
  std::string config_bytes = config.dump();
  std::string id = image::sha256_hex(config_bytes);
  image::Manifest manifest;
  manifest.media_type = std::string(docker ? image::kMediaTypeDockerManifest : image::kMediaTypeOciManifest);
  manifest.config = {.media_type = std::string(docker ? image::kMediaTypeDockerConfig : image::kMediaTypeOciConfig),
                     .digest = image::Digest{"sha256", id},
                     .size = static_cast<int64_t>(config_bytes.size())};
  int64_t size = 0;
  std::vector<std::string> ids;
  for (const storage::LayerRecord& layer : layers) {
    manifest.layers.push_back({.media_type = std::string(docker ? image::kMediaTypeDockerLayer : image::kMediaTypeOciLayer),
                               .digest = layer.diff_id,
                               .size = layer.uncompressed_size});
    size += layer.uncompressed_size;
    ids.push_back(layer.id);
  }
  if (progress) progress->config_done("sha256:" + id);
  if (progress) progress->line("Writing manifest to image destination");
  std::string manifest_bytes = image::encode_manifest(manifest);
  storage::ImageRecord record;
  record.id = id;
  record.names = names;
  record.digests.push_back("sha256:" + image::sha256_hex(manifest_bytes));
  record.layers = ids;
  record.top_layer = ids.empty() ? "" : ids.back();
  record.manifest_media_type = manifest.media_type;
  record.size = size;
  record.created = config.value("created", "");
  record.pulled = format_rfc3339(now());
  storage::ImageRecord stored = NOOK_TRY(store.put_image(record, manifest_bytes, config_bytes));
  if (progress) progress->line("Storing signatures");
  return stored.id;
}

std::string unquote(std::string text) {
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') && text.back() == text.front()) {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

// CMD/ENTRYPOINT/VOLUME values: a JSON array of strings, else the shell form (or, for VOLUME,
// space-separated paths).
std::optional<std::vector<std::string>> json_strings(const std::string& value) {
  auto parsed = nlohmann::json::parse(value, nullptr, false);
  if (!parsed.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : parsed) {
    if (!item.is_string()) return std::nullopt;
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::vector<std::string>> check_changes(const std::vector<std::string>& changes) {
  nlohmann::json scratch = nlohmann::json::object();
  for (const std::string& change : changes) NOOK_TRY_VOID(apply_change(scratch, change));
  return changes;
}

Result<std::vector<std::string>> image_names(const Settings& settings, std::string_view name) {
  if (name.empty()) return std::vector<std::string>{};
  std::string normalized = NOOK_TRY(normalize_image_name(name));
  return std::vector<std::string>{normalized};
}

}  // namespace

Result<void> apply_change(nlohmann::json& config, std::string_view change) {
  std::string text(strings::trim(change));
  size_t sep = text.find_first_of(" \t=");
  if (sep == std::string::npos) {
    return fail(ErrorKind::InvalidArgument, fmt::format("invalid change {:?} - must be formatted as KEY VALUE", change));
  }
  std::string key = text.substr(0, sep);
  std::string value(strings::trim(std::string_view(text).substr(sep + 1)));
  std::string upper = key;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char ch) { return std::toupper(ch); });
  if (!config.is_object()) config = nlohmann::json::object();
  if (upper == "CMD" || upper == "ENTRYPOINT") {
    auto list = json_strings(value);
    std::vector<std::string> args = list ? *list : std::vector<std::string>{"/bin/sh", "-c", value};
    config[upper == "CMD" ? "Cmd" : "Entrypoint"] = args;
    return {};
  }
  if (upper == "ENV") {
    size_t eq = value.find_first_of("= ");
    if (eq == std::string::npos) {
      return fail(ErrorKind::InvalidArgument, fmt::format("invalid change {:?} - ENV must be formatted as NAME=VALUE", change));
    }
    std::string name = value.substr(0, eq);
    std::string entry = name + "=" + unquote(std::string(strings::trim(std::string_view(value).substr(eq + 1))));
    nlohmann::json env = config.value("Env", nlohmann::json::array());
    bool replaced = false;
    for (auto& item : env) {
      if (item.is_string() && item.get<std::string>().starts_with(name + "=")) {
        item = entry;
        replaced = true;
      }
    }
    if (!replaced) env.push_back(entry);
    config["Env"] = env;
    return {};
  }
  if (upper == "LABEL") {
    size_t eq = value.find_first_of("= ");
    std::string name = unquote(value.substr(0, eq));
    std::string label = eq == std::string::npos ? "" : unquote(std::string(strings::trim(std::string_view(value).substr(eq + 1))));
    if (!config.contains("Labels") || !config["Labels"].is_object()) config["Labels"] = nlohmann::json::object();
    config["Labels"][name] = label;
    return {};
  }
  if (upper == "EXPOSE") {
    if (!config.contains("ExposedPorts") || !config["ExposedPorts"].is_object()) {
      config["ExposedPorts"] = nlohmann::json::object();
    }
    for (const std::string& port : strings::split(value, ' ')) {
      if (port.empty()) continue;
      config["ExposedPorts"][port.find('/') == std::string::npos ? port + "/tcp" : port] = nlohmann::json::object();
    }
    return {};
  }
  if (upper == "VOLUME") {
    auto list = json_strings(value);
    std::vector<std::string> paths = list ? *list : strings::split(value, ' ');
    if (!config.contains("Volumes") || !config["Volumes"].is_object()) config["Volumes"] = nlohmann::json::object();
    for (const std::string& path : paths) {
      if (!path.empty()) config["Volumes"][path] = nlohmann::json::object();
    }
    return {};
  }
  if (upper == "USER") {
    config["User"] = value;
    return {};
  }
  if (upper == "WORKDIR") {
    std::string dir = value;
    if (!dir.starts_with("/")) dir = config.value("WorkingDir", std::string("/")) + "/" + dir;
    config["WorkingDir"] = dir;
    return {};
  }
  if (upper == "STOPSIGNAL") {
    config["StopSignal"] = value;
    return {};
  }
  if (upper == "ONBUILD") {
    nlohmann::json onbuild = config.value("OnBuild", nlohmann::json::array());
    onbuild.push_back(value);
    config["OnBuild"] = onbuild;
    return {};
  }
  return fail(ErrorKind::InvalidArgument, fmt::format("invalid change {:?} - invalid instruction {}", change, upper));
}

Result<std::string> commit_container(const Settings& settings, std::string_view key, std::string_view name,
                                     const CommitOptions& options, PullProgress* progress) {
  if (options.format != "oci" && options.format != "docker") {
    return fail(ErrorKind::InvalidArgument, fmt::format("unrecognized image format {:?}", options.format));
  }
  bool docker = options.format == "docker";
  if (!options.message.empty() && !docker) {
    return fail(ErrorKind::InvalidArgument, "messages are only compatible with the docker image format (-f docker)");
  }
  NOOK_TRY(check_changes(options.changes));
  std::vector<std::string> names = NOOK_TRY(image_names(settings, name));
  OpenedContainer c = NOOK_TRY(open_container(settings, key, false));
  if (c.record.driver == "vfs") {
    return fail(ErrorKind::Unsupported, "commit is not supported with the vfs storage driver yet");
  }
  // Held while the upper directory is read: start, stop and rm wait.
  sys::FileLock lock = NOOK_TRY(c.store->lock(c.record.id));
  storage::Store store = NOOK_TRY(open_store(settings));
  std::string parent_config = NOOK_TRY(store.read_config(c.record.image_id));
  std::vector<storage::LayerRecord> layers;
  for (const std::string& id : c.record.layers) {
    auto layer = NOOK_TRY(store.find_layer(id));
    if (!layer) return fail(ErrorKind::Corrupt, fmt::format("layer {} of container {} is missing", id, c.record.id));
    layers.push_back(*layer);
  }
  if (progress) progress->line("Getting image source signatures");
  SpooledTar tar = NOOK_TRY(spool(c.paths.dir, [&](const archive::TarSink& sink) -> Result<void> {
    archive::TarWriter writer = NOOK_TRY(archive::TarWriter::create(sink));
    sys::UniqueFd upper = NOOK_TRY(sys::open_file(c.paths.upper, O_PATH | O_DIRECTORY));
    NOOK_TRY_VOID(writer.add_contents(upper.get(), "", archive::TreeTarOptions{.overlay_whiteouts = true}));
    return writer.finish();
  }));
  storage::LayerRecord layer = NOOK_TRY(store_layer(store, c.record.layers.empty() ? "" : c.record.layers.back(), tar));
  layers.push_back(layer);
  for (const storage::LayerRecord& l : layers) {
    if (!progress) break;
    progress->blob_started(l.diff_id.string(), l.uncompressed_size, false);
    progress->blob_done(l.diff_id.string());
  }

  nlohmann::json config = nlohmann::json::parse(parent_config, nullptr, false);
  if (!config.is_object()) return fail(ErrorKind::Corrupt, fmt::format("the config of image {} is not JSON", c.record.image_id));
  std::string created = format_rfc3339_nano(now());
  config["created"] = created;
  nlohmann::json& cc = config["config"];
  if (!cc.is_object()) cc = nlohmann::json::object();
  // What the container ran with, as podman's commit takes it (libpod/container_commit.go).
  auto spec_text = sys::read_file(c.paths.userdata + "/config.json");
  nlohmann::json spec = spec_text ? nlohmann::json::parse(*spec_text, nullptr, false) : nlohmann::json();
  if (spec.is_object() && spec.contains("process")) {
    const nlohmann::json& process = spec["process"];
    if (process.contains("env")) cc["Env"] = process["env"];
    if (process.contains("cwd")) cc["WorkingDir"] = process["cwd"];
  }
  // Docker writes "Entrypoint": null, and so does a commit of a commit (below).
  std::vector<std::string> entrypoint;
  if (auto it = cc.find("Entrypoint"); it != cc.end() && it->is_array()) {
    for (const nlohmann::json& part : *it) {
      if (part.is_string()) entrypoint.push_back(part.get<std::string>());
    }
  }
  const std::vector<std::string>& command = c.record.command;
  if (!entrypoint.empty() && command.size() >= entrypoint.size() &&
      std::equal(entrypoint.begin(), entrypoint.end(), command.begin())) {
    cc["Cmd"] = std::vector<std::string>(command.begin() + static_cast<std::ptrdiff_t>(entrypoint.size()), command.end());
  } else if (!command.empty()) {
    cc["Entrypoint"] = nullptr;
    cc["Cmd"] = command;
  }
  if (!c.record.user.empty()) cc["User"] = c.record.user;
  for (const auto& [k, v] : c.record.labels) {
    if (!cc.contains("Labels") || !cc["Labels"].is_object()) cc["Labels"] = nlohmann::json::object();
    cc["Labels"][k] = v;
  }
  for (const std::string& change : options.changes) NOOK_TRY_VOID(apply_change(cc, change));
  if (!options.author.empty()) config["author"] = options.author;
  if (docker && !options.message.empty()) config["comment"] = options.message;
  if (!config.contains("rootfs") || !config["rootfs"].is_object()) config["rootfs"] = {{"type", "layers"}};
  nlohmann::json diff_ids = config["rootfs"].value("diff_ids", nlohmann::json::array());
  diff_ids.push_back(layer.diff_id.string());
  config["rootfs"]["diff_ids"] = diff_ids;
  nlohmann::json history = config.value("history", nlohmann::json::array());
  nlohmann::json entry = {{"created", created}, {"created_by", "/bin/sh"}};
  if (!options.author.empty()) entry["author"] = options.author;
  entry["comment"] = "FROM " + c.record.image_name;
  history.push_back(entry);
  config["history"] = history;
  return store_image(store, config, layers, docker, names, progress);
}

Result<std::string> import_tarball(const Settings& settings, std::string_view source, std::string_view name,
                                   const ImportOptions& options, PullProgress* progress) {
  if (source.starts_with("http://") || source.starts_with("https://")) {
    return fail(ErrorKind::Unsupported,
                fmt::format("importing from a URL ({}) is not supported: download the file and import it", source));
  }
  NOOK_TRY(check_changes(options.changes));
  std::vector<std::string> names = NOOK_TRY(image_names(settings, name));
  sys::UniqueFd owned;
  int fd = options.stdin_fd;
  if (source != "-") {
    auto opened = sys::open_file(source, O_RDONLY);
    if (!opened) {
      // Go's wording ("open PATH: no such file or directory"), as podman prints it.
      std::string reason = std::strerror(opened.error().sys_errno());
      if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
      return fail(ErrorKind::NotFound, fmt::format("error opening {:?}: open {}: {}", source, source, reason));
    }
    owned = std::move(*opened);
    fd = owned.get();
  }
  storage::Store store = NOOK_TRY(open_store(settings));
  if (progress) progress->line("Getting image source signatures");
  NOOK_TRY_VOID(sys::make_dirs(settings.config.graph_root + "/tmp", 0700));
  SpooledTar tar = NOOK_TRY(spool(settings.config.graph_root + "/tmp", [&](const archive::TarSink& sink) -> Result<void> {
    std::optional<archive::Decompressor> decompressor;
    NOOK_TRY_VOID(read_chunks(fd, [&](std::span<const char> chunk) -> Result<void> {
      if (!decompressor) {
        image::Compression kind = image::Compression::None;
        auto b = [&](size_t i) { return i < chunk.size() ? static_cast<unsigned char>(chunk[i]) : 0; };
        if (b(0) == 0x1f && b(1) == 0x8b) kind = image::Compression::Gzip;
        if (b(0) == 0x28 && b(1) == 0xb5 && b(2) == 0x2f && b(3) == 0xfd) kind = image::Compression::Zstd;
        decompressor = NOOK_TRY(archive::Decompressor::create(kind, sink));
      }
      return decompressor->feed(chunk);
    }));
    if (!decompressor) return fail(ErrorKind::InvalidArgument, fmt::format("{:?} is empty", source));
    return decompressor->finish();
  }));
  storage::LayerRecord layer = NOOK_TRY(store_layer(store, "", tar));
  if (progress) {
    progress->blob_started(layer.diff_id.string(), layer.uncompressed_size, false);
    progress->blob_done(layer.diff_id.string());
  }
  std::string created = format_rfc3339_nano(now());
  nlohmann::json cc = nlohmann::json::object();
  for (const std::string& change : options.changes) NOOK_TRY_VOID(apply_change(cc, change));
  nlohmann::json history = {{"created", created},
                            {"created_by", fmt::format("/bin/sh -c #(nop) ADD file:{} in /", layer.diff_id.hex)}};
  if (!options.message.empty()) history["comment"] = options.message;
  nlohmann::json config = {
      {"created", created},
      {"architecture", host_architecture()},
      {"os", "linux"},
      {"config", cc},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {layer.diff_id.string()}}}},
      {"history", nlohmann::json::array({history})},
  };
  if (!options.message.empty()) config["comment"] = options.message;
  return store_image(store, config, {layer}, false, names, progress);
}

}  // namespace nook::engine
