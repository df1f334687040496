// containers-storage.conf(5). Exactly one file is read (see storage_conf_file() in paths.h): the
// storage library does not merge storage.conf files. nook keeps its own storage root (DESIGN.md),
// so graphroot/runroot/rootless_storage_path are parsed for `nook info` but do not move nook's
// store; `driver` is honoured when nook supports it (see load_config()).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "lib/config/environment.h"
#include "lib/util/error.h"

namespace nook::config {

struct StorageConf {
  std::string path;  // the file read, "" when none exists
  std::string driver;
  std::string graphroot;
  std::string runroot;
  std::string rootless_storage_path;
  std::vector<std::string> additional_image_stores;  // [storage.options] additionalimagestores
  std::string mount_program;  // [storage.options.overlay] mount_program (or the older [storage.options] one)
  std::string mount_options;  // [storage.options.overlay] mountopt
  bool ignore_chown_errors = false;  // [storage.options.overlay] ignore_chown_errors ("true" or true)
};

// Reads the keys above from a parsed storage.conf into `conf` (keys absent keep their value).
[[nodiscard]] Result<void> parse_storage_conf(const toml::table& file, std::string_view path, StorageConf& conf);

// The one storage.conf of storage_conf_file(env), or an empty StorageConf when there is none.
[[nodiscard]] Result<StorageConf> load_storage_conf(const Environment& env,
                                                    std::vector<std::string>* files_read = nullptr);

}  // namespace nook::config
