#include "lib/volume/volume.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>

#include "lib/image/json_adapter.h"
#include "lib/sys/file.h"
#include "lib/sys/random.h"
#include "lib/util/json_fields.h"
#include "lib/util/log.h"
#include "lib/util/strings.h"

namespace nook::volume {

namespace {

using nlohmann::json;

std::unexpected<Error> not_found(std::string_view name) {
  return fail(ErrorKind::NotFound, fmt::format("no volume with name {:?} found: no such volume", name));
}

Result<Volume> read_record(const std::string& path) {
  std::string text = NOOK_TRY(sys::read_file(path));
  json doc = NOOK_TRY(image::parse_json(text, fmt::format("volume record {:?}", path)));
  auto parsed = parse_volume(doc);
  if (!parsed) return fail(parsed.error().context(fmt::format("reading {:?}", path)));
  return parsed;
}

}  // namespace

json to_json(const Volume& v) {
  return json{{"version", kRecordVersion},   {"name", v.name},
              {"driver", v.driver},          {"labels", v.labels},
              {"options", v.options},        {"mountpoint", v.mountpoint},
              {"created", v.created},        {"anonymous", v.anonymous},
              {"needs_copy_up", v.needs_copy_up}, {"needs_chown", v.needs_chown}};
}

Result<Volume> parse_volume(const json& doc) {
  if (!doc.is_object()) return fail(ErrorKind::Corrupt, "volume record is not a JSON object");
  JsonFields fields(doc, "volume record");
  int64_t version = fields.integer("version", 0);
  if (version != kRecordVersion) {
    return fail(ErrorKind::Unsupported,
                fmt::format("volume record format version {} is not supported (this nook reads version {})", version,
                            kRecordVersion));
  }
  Volume v;
  v.name = fields.str("name");
  v.driver = fields.str("driver");
  v.labels = fields.string_map("labels");
  v.options = fields.string_map("options");
  v.mountpoint = fields.str("mountpoint");
  v.created = fields.str("created");
  v.anonymous = fields.boolean("anonymous");
  v.needs_copy_up = fields.boolean("needs_copy_up", true);
  v.needs_chown = fields.boolean("needs_chown", true);
  if (fields.error()) return fail(*fields.error());
  if (!valid_name(v.name)) return fail(ErrorKind::Corrupt, fmt::format("volume record has a bad name {:?}", v.name));
  return v;
}

bool valid_name(std::string_view name) {
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '-';
  });
}

Result<void> check_local_options(const std::map<std::string, std::string>& options) {
  constexpr std::array<std::string_view, 10> kKeys = {"o",    "type",   "device",  "uid",  "gid",
                                                      "size", "inodes", "noquota", "copy", "nocopy"};
  for (const auto& [key, value] : options) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      return fail(ErrorKind::InvalidArgument,
                  fmt::format("invalid mount option {} for driver 'local': invalid argument", key));
    }
    if ((key == "uid" || key == "gid") &&
        (value.empty() || value.find_first_not_of("0123456789") != std::string::npos)) {
      return fail(ErrorKind::InvalidArgument,
                  fmt::format("cannot convert {} {:?} to integer: invalid argument", key, value));
    }
  }
  auto type = options.find("type");
  auto device = options.find("device");
  auto o = options.find("o");
  bool bind = false;
  if (o != options.end()) {
    for (const std::string& item : strings::split(o->second, ',')) bind = bind || item == "bind" || item == "rbind";
  }
  if (bind && type != options.end() && type->second != "bind" && type->second != "none") {
    return fail(ErrorKind::InvalidArgument, "invalid mount option: o=bind can not be used with type " + type->second);
  }
  if (device != options.end() && device->second.empty()) {
    return fail(ErrorKind::InvalidArgument, "invalid mount option: device must not be empty");
  }
  if (bind && device != options.end() && device->second.front() != '/') {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("invalid mount option: the device of a bind volume must be an absolute path, not {:?}",
                            device->second));
  }
  if (device != options.end() && !bind && type == options.end()) {
    return fail(ErrorKind::InvalidArgument, "invalid mount option: device requires a type or o=bind");
  }
  return {};
}

Result<VolumeStore> VolumeStore::open(std::string graph_root, bool read_only) {
  std::string root = graph_root + "/volumes";
  if (!read_only) NOOK_TRY_VOID(sys::make_dirs(root, 0700));
  return VolumeStore(std::move(root), read_only);
}

std::string VolumeStore::data_dir(std::string_view name) const { return fmt::format("{}/{}/_data", root_, name); }

Result<std::vector<Volume>> VolumeStore::list() const {
  std::vector<Volume> out;
  auto names = sys::list_dir(root_);
  if (!names) {
    if (names.error().kind() == ErrorKind::NotFound) return out;
    return fail(names.error());
  }
  for (const std::string& name : *names) {
    if (!valid_name(name)) continue;  // .lock
    auto record = read_record(fmt::format("{}/{}/volume.json", root_, name));
    if (!record) {
      NOOK_DEBUG(Store, "skipping volume {}: {}", name, record.error().message());
      continue;
    }
    out.push_back(std::move(*record));
  }
  std::sort(out.begin(), out.end(), [](const Volume& a, const Volume& b) { return a.name < b.name; });
  return out;
}

Result<Volume> VolumeStore::find(std::string_view name) const {
  if (!valid_name(name)) return not_found(name);
  auto record = read_record(fmt::format("{}/{}/volume.json", root_, name));
  if (!record && record.error().kind() == ErrorKind::NotFound) return not_found(name);
  return record;
}

Result<Volume> VolumeStore::add(Volume volume) {
  if (read_only_) return fail(ErrorKind::Internal, "volume store opened read-only");
  if (volume.name.empty()) {
    volume.name = NOOK_TRY(sys::random_hex(32));
  } else if (!valid_name(volume.name)) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid "
                            "argument"));
  }
  sys::FileLock lock = NOOK_TRY(this->lock());
  std::string dir = fmt::format("{}/{}", root_, volume.name);
  if (::mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST) {
      return fail(ErrorKind::Exists,
                  fmt::format("volume with name {} already exists: volume already exists", volume.name));
    }
    return fail(Error::from_errno("mkdir", fmt::format("{:?}", dir)));
  }
  sys::TempPath guard(dir);
  volume.mountpoint = data_dir(volume.name);
  if (::mkdir(volume.mountpoint.c_str(), 0755) != 0) {
    return fail(Error::from_errno("mkdir", fmt::format("{:?}", volume.mountpoint)));
  }
  NOOK_TRY_VOID(update(volume));
  guard.commit();
  return volume;
}

Result<void> VolumeStore::update(const Volume& volume) {
  std::string text = to_json(volume).dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  return sys::write_file_atomic(fmt::format("{}/{}/volume.json", root_, volume.name), text, 0600,
                                sys::Durability::AtomicOnly);
}

Result<void> VolumeStore::remove(std::string_view name) {
  if (!valid_name(name)) return not_found(name);
  std::string dir = fmt::format("{}/{}", root_, name);
  // The record goes first, so a crash half-way leaves no record pointing at missing content.
  std::string record = dir + "/volume.json";
  if (::unlink(record.c_str()) != 0) {
    if (errno == ENOENT) return not_found(name);
    return fail(Error::from_errno("unlink", fmt::format("{:?}", record)));
  }
  return sys::remove_all(dir);
}

Result<sys::FileLock> VolumeStore::lock() const { return sys::FileLock::exclusive(root_ + "/.lock"); }

}  // namespace nook::volume
