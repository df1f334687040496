#include "lib/config/storage_conf.h"

#include <fmt/format.h>

#include "lib/config/paths.h"
#include "lib/config/toml_adapter.h"

namespace nook::config {

namespace {

// storage.conf writes ignore_chown_errors as a string ("true"); accept a boolean too.
Result<void> read_loose_bool(const TomlSection& section, std::string_view key, bool& out) {
  if (!section.contains(key)) return {};
  if (auto flag = section.boolean(key); flag) {
    out = **flag;
    return {};
  }
  std::optional<std::string> text = NOOK_TRY(section.string(key));
  if (*text == "true") {
    out = true;
  } else if (*text == "false" || text->empty()) {
    out = false;
  } else {
    return fail(section.error_at(key, fmt::format("expected \"true\" or \"false\", found \"{}\"", *text)));
  }
  return {};
}

}  // namespace

Result<void> parse_storage_conf(const toml::table& file, std::string_view path, StorageConf& conf) {
  TomlSection root(file, path);
  auto storage = NOOK_TRY(root.table("storage"));
  if (!storage) return {};
  NOOK_TRY_VOID(read_string(*storage, "driver", conf.driver));
  NOOK_TRY_VOID(read_string(*storage, "graphroot", conf.graphroot));
  NOOK_TRY_VOID(read_string(*storage, "runroot", conf.runroot));
  NOOK_TRY_VOID(read_string(*storage, "rootless_storage_path", conf.rootless_storage_path));
  auto options = NOOK_TRY(storage->table("options"));
  if (!options) return {};
  if (auto stores = NOOK_TRY(options->string_array("additionalimagestores"))) {
    conf.additional_image_stores = std::move(stores->values);
  }
  NOOK_TRY_VOID(read_string(*options, "mount_program", conf.mount_program));
  if (auto overlay = NOOK_TRY(options->table("overlay"))) {
    NOOK_TRY_VOID(read_string(*overlay, "mount_program", conf.mount_program));
    NOOK_TRY_VOID(read_string(*overlay, "mountopt", conf.mount_options));
    NOOK_TRY_VOID(read_loose_bool(*overlay, "ignore_chown_errors", conf.ignore_chown_errors));
  }
  return {};
}

Result<StorageConf> load_storage_conf(const Environment& env, std::vector<std::string>* files_read) {
  StorageConf conf;
  std::optional<ConfigFile> file = NOOK_TRY(storage_conf_file(env));
  if (!file) return conf;
  Result<toml::table> table = read_toml_file(file->path);
  if (!table) {
    // Raced with a removal: the same as no file, unless an environment variable named it.
    if (table.error().kind() == ErrorKind::NotFound && !file->required) return conf;
    return fail(table.error().context("loading storage.conf"));
  }
  Result<void> parsed = parse_storage_conf(*table, file->path, conf);
  if (!parsed) return fail(parsed.error().context("loading storage.conf"));
  conf.path = file->path;
  if (files_read != nullptr) files_read->push_back(file->path);
  return conf;
}

}  // namespace nook::config
