#include "lib/oci/mount_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "lib/util/strings.h"

namespace nook::oci {

using strings::iequals;
using strings::join;
using strings::clean_path;
using strings::split;
namespace {

constexpr std::string_view kBadOption = "invalid mount option";
constexpr std::string_view kDupeOption = "duplicate mount option passed";
constexpr std::string_view kOptionArg = "must provide an argument for option";

bool is_propagation(std::string_view o) {
  return o == "private" || o == "rprivate" || o == "shared" || o == "rshared" || o == "slave" || o == "rslave" ||
         o == "unbindable" || o == "runbindable";
}

bool has_any(const std::vector<std::string>& options, std::initializer_list<std::string_view> names) {
  return std::any_of(options.begin(), options.end(),
                     [&](const std::string& o) { return std::find(names.begin(), names.end(), o) != names.end(); });
}

Result<std::string> container_dir(std::string_view dest) {
  if (dest.empty() || dest.front() != '/') {
    return fail(ErrorKind::InvalidArgument, fmt::format("invalid container path {:?}, must be an absolute path", dest));
  }
  return clean_path(dest);
}

Result<void> check_volume_name(std::string_view name) {
  auto ok_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'; };
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name.front())) ||
      !std::all_of(name.begin(), name.end(), ok_char)) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("{:?}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument", name));
  }
  return {};
}

// containers/common pkg/parse ValidateVolumeOpts: the options of -v, each family at most once.
Result<void> validate_volume_opts(const std::vector<std::string>& options) {
  struct Family {
    std::vector<std::string_view> names;
    std::string_view message;
    int seen = 0;
  };
  std::vector<Family> families = {
      {{"noexec", "exec"}, "can only specify 1 'noexec' or 'exec' option"},
      {{"nodev", "dev"}, "can only specify 1 'nodev' or 'dev' option"},
      {{"nosuid", "suid"}, "can only specify 1 'nosuid' or 'suid' option"},
      {{"rw", "ro"}, "can only specify 1 'rw' or 'ro' option"},
      {{"private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable"},
       "can only specify 1 '[r]shared', '[r]private', '[r]slave' or '[r]unbindable' option"},
      {{"bind", "rbind"}, "can only specify 1 '[r]bind' option"},
      {{"z", "Z", "O"}, "can only specify 1 'z', 'Z', or 'O' option"},
      {{"U"}, "can only specify 1 'U' option"},
      {{"copy", "nocopy"}, "can only specify 1 'copy' or 'nocopy' option"},
      {{"idmap"}, "can only specify 1 idmap option"},
  };
  for (const std::string& opt : options) {
    std::string_view key = opt.starts_with("idmap") ? std::string_view("idmap") : std::string_view(opt);
    bool found = false;
    for (Family& f : families) {
      if (std::find(f.names.begin(), f.names.end(), key) == f.names.end()) continue;
      found = true;
      if (++f.seen > 1) {
        return fail(ErrorKind::InvalidArgument,
                    fmt::format("invalid options {:?}, {}", join(options, ", "), f.message));
      }
    }
    if (!found) return fail(ErrorKind::InvalidArgument, fmt::format("invalid option type {:?}", opt));
  }
  return {};
}

// Moves the options nook handles itself out of `options` into the request's fields.
void take_special_options(MountRequest& req, std::vector<std::string>& options) {
  std::vector<std::string> rest;
  for (std::string& opt : options) {
    if (opt == "U") {
      req.chown = true;
    } else if (opt == "z" || opt == "Z") {
      req.relabel = opt[0];
    } else if (opt == "O") {
      req.overlay = true;
    } else if (opt == "copy" || opt == "nocopy") {
      req.copy = opt == "copy";
    } else if (opt.starts_with("idmap")) {
      req.idmap = opt;
    } else {
      rest.push_back(std::move(opt));
    }
  }
  options = std::move(rest);
}

// pkg/util/mountOpts.go ProcessOptions: checks the options of a bind or tmpfs mount and adds
// podman's defaults (rw, rprivate, nosuid+nodev+tmpcopyup for tmpfs, rbind for binds).
Result<std::vector<std::string>> process_options(const std::vector<std::string>& options, bool tmpfs) {
  bool write = false, prop = false, exec = false, suid = false, dev = false, copyup = false, bind = false;
  bool size = false, mode = false;
  std::vector<std::string> out;
  auto dupe = [](std::string_view what) {
    return fail(ErrorKind::InvalidArgument, fmt::format("{}: {}", what, kDupeOption));
  };
  auto bad = [](std::string_view what) {
    return fail(ErrorKind::InvalidArgument, fmt::format("{}: {}", what, kBadOption));
  };
  for (const std::string& opt : options) {
    std::string_view name = std::string_view(opt).substr(0, opt.find('='));
    if (name == "exec" || name == "noexec") {
      if (exec) return dupe("only one of 'noexec' and 'exec' can be used");
      exec = true;
    } else if (name == "suid" || name == "nosuid") {
      if (suid) return dupe("only one of 'nosuid' and 'suid' can be used");
      suid = true;
    } else if (name == "dev" || name == "nodev") {
      if (dev) return dupe("only one of 'nodev' and 'dev' can be used");
      dev = true;
    } else if (name == "rw" || name == "ro") {
      if (write) return dupe("only one of 'rw' and 'ro' can be used");
      write = true;
    } else if (is_propagation(name)) {
      if (prop) return dupe("only one root propagation mode can be used");
      prop = true;
    } else if (name == "size") {
      if (!tmpfs) return bad("the 'size' option is only allowed with tmpfs mounts");
      if (size) return dupe("only one tmpfs size can be specified");
      size = true;
    } else if (name == "mode") {
      if (!tmpfs) return bad("the 'mode' option is only allowed with tmpfs mounts");
      if (mode) return dupe("only one tmpfs mode can be specified");
      mode = true;
    } else if (name == "tmpcopyup" || name == "notmpcopyup") {
      if (!tmpfs) return bad(fmt::format("the '{}' option is only allowed with tmpfs mounts", name));
      if (copyup) return dupe("the 'tmpcopyup' or 'notmpcopyup' option can only be set once");
      copyup = true;
      if (name == "notmpcopyup") continue;  // nook's (and crun's) default; not an OCI option
    } else if (name == "bind" || name == "rbind") {
      if (tmpfs) return bad("the 'bind' and 'rbind' options are not allowed with tmpfs mounts");
      if (bind) return dupe("only one of 'rbind' and 'bind' can be used");
      bind = true;
    } else if (name == "consistency") {
      continue;  // a Docker-for-Mac option Docker ignores on Linux, and so does podman
    } else if (name == "noatime" || name == "atime" || name == "relatime" || name == "strictatime" ||
               name == "nr_inodes" || name == "uid" || name == "gid") {
      // Passed to the kernel as given.
    } else {
      return fail(ErrorKind::InvalidArgument, fmt::format("unknown mount option {:?}: {}", opt, kBadOption));
    }
    out.push_back(opt);
  }
  if (!write) out.emplace_back("rw");
  if (!prop) out.emplace_back("rprivate");
  if (tmpfs) {
    if (!suid) out.emplace_back("nosuid");
    if (!dev) out.emplace_back("nodev");
    if (!copyup) out.emplace_back("tmpcopyup");
  } else if (!bind) {
    out.emplace_back("rbind");
  }
  return out;
}

}  // namespace

Result<MountRequest> parse_volume(std::string_view spec) {
  std::vector<std::string> parts = split(spec, ':');
  if (parts.size() > 3 || spec.empty()) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("{:?}: incorrect volume format, should be [host-dir:]ctr-dir[:option]", spec));
  }
  MountRequest req;
  std::string source = parts[0];
  std::string dest;
  if (parts.size() == 1) {
    dest = source;  // anonymous volume: only the destination is given
    source.clear();
  } else {
    dest = parts[1];
    if (source.empty()) return fail(ErrorKind::InvalidArgument, "host directory cannot be empty");
  }
  std::vector<std::string> options;
  if (parts.size() == 3) {
    options = split(parts[2], ',');
    NOOK_TRY_VOID(validate_volume_opts(options));
  }
  req.destination = NOOK_TRY(container_dir(dest));
  const bool host_path = source.starts_with("/") || source.starts_with(".");
  req.kind = host_path ? MountKind::Bind : MountKind::Volume;
  req.source = source;
  if (req.kind == MountKind::Volume && !source.empty()) NOOK_TRY_VOID(check_volume_name(source));
  take_special_options(req, options);
  if (req.overlay && !options.empty()) {
    return fail(ErrorKind::InvalidArgument, "can't use 'O' with other options");
  }
  if (req.overlay && req.kind != MountKind::Bind) {
    return fail(ErrorKind::InvalidArgument, "'O' is only supported with a host directory");
  }
  req.options = NOOK_TRY(process_options(options, false));
  req.read_only = has_any(req.options, {"ro"});
  return req;
}

Result<MountRequest> parse_tmpfs(std::string_view spec) {
  size_t colon = spec.find(':');
  MountRequest req;
  req.kind = MountKind::Tmpfs;
  req.source = "tmpfs";
  req.destination = NOOK_TRY(container_dir(spec.substr(0, colon)));
  std::vector<std::string> options;
  if (colon != std::string_view::npos) options = split(spec.substr(colon + 1), ',');
  std::erase_if(options, [](const std::string& o) { return o.empty(); });
  take_special_options(req, options);
  if (req.relabel != 0) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("the 'z' and 'Z' options are not allowed with tmpfs mounts: {}", kBadOption));
  }
  req.options = NOOK_TRY(process_options(options, true));
  req.read_only = has_any(req.options, {"ro"});
  return req;
}

Result<MountRequest> parse_mount(std::string_view spec) {
  std::vector<std::string> args = split(spec, ',');
  std::string type;
  for (const std::string& arg : args) {
    if (arg.starts_with("type=")) type = arg.substr(5);
  }
  if (type.empty()) return fail(ErrorKind::InvalidArgument, "invalid mount option: must have a type");
  MountRequest req;
  if (type == "bind") {
    req.kind = MountKind::Bind;
  } else if (type == "volume") {
    req.kind = MountKind::Volume;
  } else if (type == "tmpfs") {
    req.kind = MountKind::Tmpfs;
    req.source = "tmpfs";
  } else if (type == "image") {
    req.kind = MountKind::Image;
  } else {
    return fail(ErrorKind::InvalidArgument, fmt::format("invalid filesystem type {:?}", type));
  }
  bool set_rorw = false, set_dev = false, set_exec = false, set_suid = false, set_copyup = false;
  bool set_owner = false, set_relabel = false, set_source = false;
  std::vector<std::string> options;
  auto not_supported = [&](std::string_view name) {
    return fail(ErrorKind::InvalidArgument, fmt::format("{:?} option not supported for {:?} mount types", name, type));
  };
  auto once = [](bool& flag, std::string_view message) -> Result<void> {
    if (flag) return fail(ErrorKind::InvalidArgument, fmt::format("{}: {}", message, kOptionArg));
    flag = true;
    return {};
  };
  for (const std::string& arg : args) {
    size_t eq = arg.find('=');
    const bool has_value = eq != std::string::npos;
    const std::string name = arg.substr(0, eq);
    const std::string value = has_value ? arg.substr(eq + 1) : "";
    auto need_value = [&]() -> Result<void> {
      if (!has_value) return fail(ErrorKind::InvalidArgument, fmt::format("{}: {}", name, kOptionArg));
      return {};
    };
    if (name == "type") {
      continue;
    } else if (name == "bind-nonrecursive") {
      if (req.kind != MountKind::Bind) return not_supported(name);
      options.emplace_back("bind");
    } else if (name == "bind-propagation") {
      if (req.kind != MountKind::Bind) return not_supported(name);
      NOOK_TRY_VOID(need_value());
      if (!is_propagation(value)) {
        return fail(ErrorKind::InvalidArgument, fmt::format("invalid mount option {:?}: {}", value, kBadOption));
      }
      options.push_back(value);
    } else if (name == "consistency") {
      continue;
    } else if (name == "readonly" || name == "ro" || name == "rw") {
      NOOK_TRY_VOID(once(set_rorw, "cannot pass 'readonly', 'ro', or 'rw' options more than once"));
      const std::string opt = name == "readonly" ? "ro" : name;
      if (req.kind == MountKind::Image) {
        // type=image,rw=true makes the image mount writable; ro is its default.
        req.image_rw = opt == "rw" ? (!has_value || iequals(value, "true")) : (has_value && iequals(value, "false"));
        continue;
      }
      if (!has_value || iequals(value, "true")) {
        options.push_back(opt);
      } else if (iequals(value, "false")) {
        if (opt == "rw") options.emplace_back("ro");  // ro=false is the default
      } else {
        return fail(ErrorKind::InvalidArgument, fmt::format("invalid value {:?} for option {:?}", value, name));
      }
    } else if (name == "nodev" || name == "dev") {
      NOOK_TRY_VOID(once(set_dev, "cannot pass 'nodev' and 'dev' options more than once"));
      options.push_back(name);
    } else if (name == "noexec" || name == "exec") {
      NOOK_TRY_VOID(once(set_exec, "cannot pass 'noexec' and 'exec' options more than once"));
      options.push_back(name);
    } else if (name == "nosuid" || name == "suid") {
      NOOK_TRY_VOID(once(set_suid, "cannot pass 'nosuid' and 'suid' options more than once"));
      options.push_back(name);
    } else if (name == "relabel") {
      NOOK_TRY_VOID(once(set_relabel, "cannot pass 'relabel' option more than once"));
      if (value == "private") {
        req.relabel = 'Z';
      } else if (value == "shared") {
        req.relabel = 'z';
      } else {
        return fail(ErrorKind::InvalidArgument,
                    fmt::format("relabel mount option must be 'private' or 'shared': {}", kBadOption));
      }
    } else if (is_propagation(name)) {
      options.push_back(name);
    } else if (name == "Z" || name == "z") {
      req.relabel = name[0];
    } else if (name == "src" || name == "source") {
      if (req.kind == MountKind::Tmpfs) return not_supported(name);
      NOOK_TRY_VOID(once(set_source, fmt::format("cannot pass {:?} option more than once", name)));
      NOOK_TRY_VOID(need_value());
      if (value.empty())
        return fail(ErrorKind::InvalidArgument, fmt::format("host directory cannot be empty: {}", kOptionArg));
      req.source = value;
    } else if (name == "target" || name == "dst" || name == "destination") {
      if (!req.destination.empty()) {
        return fail(ErrorKind::InvalidArgument,
                    fmt::format("cannot pass {:?} option more than once: {}", name, kOptionArg));
      }
      NOOK_TRY_VOID(need_value());
      req.destination = NOOK_TRY(container_dir(value));
    } else if (name == "tmpcopyup" || name == "notmpcopyup") {
      if (req.kind != MountKind::Tmpfs) return not_supported(name);
      NOOK_TRY_VOID(once(set_copyup, "cannot pass 'tmpcopyup' or 'notmpcopyup' options more than once"));
      options.push_back(name);
    } else if (name == "tmpfs-mode") {
      if (req.kind != MountKind::Tmpfs) return not_supported(name);
      NOOK_TRY_VOID(need_value());
      options.push_back("mode=" + value);
    } else if (name == "tmpfs-size") {
      if (req.kind != MountKind::Tmpfs) return not_supported(name);
      NOOK_TRY_VOID(need_value());
      options.push_back("size=" + value);
    } else if (name == "U" || name == "chown") {
      NOOK_TRY_VOID(once(set_owner, "cannot pass 'U' or 'chown' option more than once"));
      if (has_value && !iequals(value, "true") && !iequals(value, "false")) {
        return fail(
            ErrorKind::InvalidArgument,
            fmt::format("'U' or 'chown' must be set to true or false, instead received {:?}: {}", value, kBadOption));
      }
      req.chown = !has_value || iequals(value, "true");
    } else if (name == "idmap") {
      if (!req.idmap.empty()) return fail(ErrorKind::InvalidArgument, fmt::format("idmap: {}", kDupeOption));
      req.idmap = arg;
    } else if (name == "volume-opt") {
      if (req.kind != MountKind::Volume) return not_supported(name);
      NOOK_TRY_VOID(need_value());
      req.volume_options.push_back(value);
    } else if (name == "volume-nocopy") {
      if (req.kind != MountKind::Volume) return not_supported(name);
      req.copy = false;
    } else if (name == "volume-label") {
      return fail(ErrorKind::InvalidArgument, "the --volume-label option is not presently implemented");
    } else {
      return fail(ErrorKind::InvalidArgument, fmt::format("{}: {}", name, kBadOption));
    }
  }
  if (req.destination.empty()) return fail(ErrorKind::InvalidArgument, "must set volume destination");
  switch (req.kind) {
    case MountKind::Bind:
      if (req.source.empty()) return fail(ErrorKind::InvalidArgument, "must set source volume");
      req.options = NOOK_TRY(process_options(options, false));
      break;
    case MountKind::Volume:
      if (!req.source.empty()) NOOK_TRY_VOID(check_volume_name(req.source));
      req.options = NOOK_TRY(process_options(options, false));
      break;
    case MountKind::Tmpfs:
      req.options = NOOK_TRY(process_options(options, true));
      break;
    case MountKind::Image:
      if (req.source.empty()) return fail(ErrorKind::InvalidArgument, "must set source volume");
      req.options = {req.image_rw ? "rw" : "ro"};
      break;
  }
  req.read_only = has_any(req.options, {"ro"});
  return req;
}

Result<void> check_duplicate_destinations(const std::vector<MountRequest>& requests) {
  for (size_t i = 0; i < requests.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (requests[i].destination == requests[j].destination) {
        return fail(ErrorKind::InvalidArgument,
                    fmt::format("{}: duplicate mount destination", requests[i].destination));
      }
    }
  }
  return {};
}

Result<int64_t> parse_ram_bytes(std::string_view text) {
  auto invalid = [&]() { return fail(ErrorKind::InvalidArgument, fmt::format("invalid size: '{}'", text)); };
  // ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$ with binary multipliers.
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  std::string_view number = text.substr(0, i);
  if (number.empty() || !std::isdigit(static_cast<unsigned char>(number.front())) || number.back() == '.' ||
      number.find("..") != std::string_view::npos) {
    return invalid();
  }
  std::string_view suffix = text.substr(i);
  if (!suffix.empty() && suffix.front() == ' ') suffix.remove_prefix(1);
  double multiplier = 1;
  if (!suffix.empty()) {
    constexpr std::string_view kUnits = "kmgtp";
    size_t unit = kUnits.find(static_cast<char>(std::tolower(static_cast<unsigned char>(suffix.front()))));
    if (unit != std::string_view::npos) {
      multiplier = std::pow(1024.0, static_cast<double>(unit + 1));
      suffix.remove_prefix(1);
    }
  }
  if (!suffix.empty() && (suffix.front() == 'i' || suffix.front() == 'I')) suffix.remove_prefix(1);
  if (!suffix.empty() && (suffix.front() == 'b' || suffix.front() == 'B')) suffix.remove_prefix(1);
  if (!suffix.empty()) return invalid();
  // strconv.ParseFloat of "1.5.3" fails too; only the first dot is a decimal point.
  if (std::count(number.begin(), number.end(), '.') > 1) return invalid();
  double value = 0;
  auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || p != number.data() + number.size()) return invalid();
  return static_cast<int64_t>(value * multiplier);
}

}  // namespace nook::oci
