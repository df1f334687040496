// cp, diff, export and mount/unmount: a container's files (see container_fs.h for how its root
// is reached).
#include "lib/engine/container_fs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "lib/archive/extract.h"
#include "lib/archive/tree_tar.h"
#include "lib/engine/container_fs_internal.h"
#include "lib/engine/container_internal.h"
#include "lib/engine/store_access.h"
#include "lib/storage/layer_file.h"
#include "lib/sys/fd.h"
#include "lib/sys/file.h"
#include "lib/sys/mount.h"
#include "lib/sys/proc.h"
#include "lib/sys/syscall.h"
#include "lib/util/log.h"
#include "lib/util/scope_exit.h"
#include "lib/util/strings.h"
#include "rootless/userns.h"

namespace nook::engine {

namespace {

constexpr uint64_t kInRoot = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

std::string fd_path(int fd) { return fmt::format("/proc/self/fd/{}", fd); }

// "a/b/" -> "a/b"; "/" stays "/".
std::string strip_trailing_slashes(std::string_view path) {
  std::string out(path);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string base_name(std::string_view path) {
  std::string p = strip_trailing_slashes(path);
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string dir_name(std::string_view path) {
  std::string p = strip_trailing_slashes(path);
  size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

PathKind kind_of(const struct stat& st) { return S_ISDIR(st.st_mode) ? PathKind::Dir : PathKind::File; }

// What `path` is inside the root `rootfd` (symlinks followed inside the root), or Missing.
Result<PathKind> kind_in_root(int rootfd, const std::string& path) {
  auto fd = sys::openat2(rootfd, path.empty() ? "/" : path, O_PATH, 0, kInRoot);
  if (!fd) {
    if (fd.error().sys_errno() == ENOENT || fd.error().sys_errno() == ENOTDIR) return PathKind::Missing;
    return fail(fd.error());
  }
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return fail(Error::from_errno("stat", path));
  return kind_of(st);
}

PathKind kind_on_host(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return PathKind::Missing;
  return kind_of(st);
}

// The container's spec as the bundle has it (process user, env, cwd, args).
nlohmann::json read_spec(const container::ContainerPaths& paths) {
  auto text = sys::read_file(paths.userdata + "/config.json");
  if (!text) return nlohmann::json::object();
  auto parsed = nlohmann::json::parse(*text, nullptr, false);
  return parsed.is_object() ? parsed : nlohmann::json::object();
}

bool is_mount_point(const std::string& path) {
  auto info = sys::read_file("/proc/self/mountinfo");
  if (!info) return false;
  for (const std::string& line : strings::split(*info, '\n')) {
    std::vector<std::string> fields = strings::split(line, ' ');
    if (fields.size() > 4 && fields[4] == path) return true;
  }
  return false;
}

// Copies a tar produced by `produce` (on a thread, into a pipe) into `target_dir` by extraction.
Result<void> pipe_tar(const std::function<Result<void>(const archive::TarSink&)>& produce, const std::string& target_dir,
                      const archive::ExtractOptions& options) {
  sys::Pipe pipe = NOOK_TRY(sys::Pipe::create());
  std::optional<Error> producer_error;
  int write_fd = pipe.write.get();
  std::thread producer([&] {
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, nullptr);
    auto done = produce([&](std::span<const char> bytes) {
      return sys::write_all(write_fd, std::string_view(bytes.data(), bytes.size()));
    });
    if (!done) producer_error = done.error();
    pipe.write.reset();
  });
  auto extracted = archive::extract_layer(pipe.read.get(), target_dir, options);
  pipe.read.reset();
  producer.join();
  if (producer_error && producer_error->sys_errno() != EPIPE) return fail(*producer_error);
  if (!extracted) return fail(extracted.error());
  return {};
}

}  // namespace

std::string lower_dirs(const storage::Store& store, const std::vector<std::string>& layers) {
  std::vector<std::string> dirs;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) dirs.push_back(store.layer_dir(*it));
  return strings::join(dirs, ":");
}

// --- the container's root

Result<OpenedContainer> open_container(const Settings& settings, std::string_view key, bool read_only) {
  OpenedContainer out{.store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, read_only))};
  out.record = NOOK_TRY(out.store->find(key));
  out.paths = out.store->paths(out.record.id);
  reconcile_view(*out.store, out.record);
  return out;
}

Result<RootView> read_only_view(const Settings& settings, const OpenedContainer& c) {
  RootView view;
  if (c.record.driver == "vfs") {
    view.root = c.paths.rootfs;
    return view;
  }
  if (is_mount_point(c.paths.merged)) {
    view.root = c.paths.merged;  // `nook mount` made it here
    return view;
  }
  storage::Store store = NOOK_TRY(open_store_read_only(settings));
  std::string lower = c.paths.upper;
  std::string layers = lower_dirs(store, c.record.layers);
  if (!layers.empty()) lower += ":" + layers;
  view.dir = NOOK_TRY(sys::make_temp_dir(c.paths.dir, "view-"));
  if (c.record.driver == "fuse-overlayfs") {
    auto mounted = sys::run_capture({"fuse-overlayfs", "-o", "lowerdir=" + lower, view.dir.path()}, std::chrono::seconds(60));
    if (!mounted) return fail(mounted.error().context("mounting the container's root with fuse-overlayfs"));
    if (!mounted->status.success()) {
      return fail(ErrorKind::System, fmt::format("fuse-overlayfs exited with {}: {}", mounted->status.shell_code(),
                                                 strings::trim(mounted->stderr_data)));
    }
    view.mount = sys::ScopedMount(view.dir.path());
  } else {
    // A lone upper directory needs a second lower layer for overlay: an empty one.
    if (layers.empty()) {
      NOOK_TRY_VOID(sys::make_dirs(view.dir.path() + "/.empty", 0700));
    }
    std::string data = "lowerdir=" + lower + (layers.empty() ? ":" + view.dir.path() + "/.empty" : "");
    if (settings.config.rootless) data += ",userxattr";
    NOOK_TRY_VOID(sys::make_dirs(view.dir.path() + "/root", 0755));
    view.mount = NOOK_TRY(sys::mount_fs("overlay", view.dir.path() + "/root", "overlay", MS_RDONLY, data));
    view.root = view.dir.path() + "/root";
    return view;
  }
  view.root = view.dir.path();
  return view;
}

Result<RootView> writable_root(const Settings& settings, OpenedContainer& c) {
  RootView view;
  if (has_process(c.record) && c.record.state.pid > 0) {
    // Through the container's own mount namespace: its volumes are there too.
    view.root = fmt::format("/proc/{}/root", c.record.state.pid);
    return view;
  }
  view.lock = NOOK_TRY(c.store->lock(c.record.id));
  c.record = NOOK_TRY(c.store->find(c.record.id));
  if (c.record.driver == "vfs") {
    view.root = c.paths.rootfs;
    return view;
  }
  view.root = c.paths.merged;
  if (is_mount_point(c.paths.merged)) return view;  // `nook mount` made it here
  storage::Store store = NOOK_TRY(open_store_read_only(settings));
  NOOK_TRY_VOID(mount_rootfs(settings, store, c.record, c.paths));
  view.mount = sys::ScopedMount(c.paths.merged);
  return view;
}

// --- cp

CopyEndpoint parse_copy_endpoint(std::string_view arg) {
  if (arg.starts_with("/") || arg.starts_with(".")) return {"", std::string(arg)};
  size_t colon = arg.find(':');
  if (colon == std::string_view::npos) return {"", std::string(arg)};
  return {std::string(arg.substr(0, colon)), std::string(arg.substr(colon + 1))};
}

Result<CopyPlan> plan_copy(std::string_view source_base, bool source_is_dir, bool source_contents,
                           std::string_view dest, PathKind dest_kind, PathKind dest_parent_kind) {
  bool dest_slash = dest.ends_with("/") || dest.ends_with("/.");
  std::string dest_path = strip_trailing_slashes(dest);
  if (dest_kind == PathKind::Missing) {
    if (dest_slash || dest_parent_kind != PathKind::Dir) return fail(ErrorKind::NotFound, fmt::format("{:?}", dest));
    // The destination is the new name of what is copied.
    return CopyPlan{.dest_dir = dir_name(dest_path), .dest_name = base_name(dest_path)};
  }
  if (dest_kind == PathKind::File) {
    if (source_is_dir) {
      return fail(ErrorKind::InvalidArgument, "destination must be a directory when copying a directory");
    }
    return CopyPlan{.dest_dir = dir_name(dest_path), .dest_name = base_name(dest_path)};
  }
  if (source_is_dir && source_contents) return CopyPlan{.dest_dir = dest_path, .dest_name = ""};
  return CopyPlan{.dest_dir = dest_path, .dest_name = std::string(source_base)};
}

namespace {

// Refuses to replace a directory by a non-directory (and the reverse) without --overwrite; with
// it, removes what is in the way.
Result<void> check_overwrite(int dest_dirfd, const std::string& name, bool source_is_dir, bool overwrite,
                             const std::string& shown) {
  if (name.empty()) return {};
  struct stat st {};
  if (::fstatat(dest_dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return {};
  bool is_dir = S_ISDIR(st.st_mode);
  if (is_dir == source_is_dir) return {};
  if (!overwrite) {
    return fail(ErrorKind::InvalidArgument,
                is_dir ? fmt::format("cannot overwrite directory {:?} with non-directory", shown)
                       : fmt::format("cannot overwrite non-directory {:?} with directory", shown));
  }
  return sys::remove_all(fmt::format("{}/{}", fd_path(dest_dirfd), name));
}

// The tar of what `source_fd` is (a directory or a file), named `name` ("" for a directory's
// content), into `sink`.
Result<void> write_source(int source_fd, const std::string& name, const archive::TreeTarOptions& options,
                          const archive::TarSink& sink) {
  archive::TarWriter writer = NOOK_TRY(archive::TarWriter::create(sink));
  if (name.empty()) {
    NOOK_TRY_VOID(writer.add_contents(source_fd, "", options));
  } else {
    NOOK_TRY_VOID(writer.add_fd(source_fd, name, options));
  }
  return writer.finish();
}

Result<void> copy_from_container(const Settings& settings, const CopyEndpoint& src, const std::string& dest,
                                 const CopyOptions& options) {
  OpenedContainer c = NOOK_TRY(open_container(settings, src.container, true));
  RootView view = NOOK_TRY(read_only_view(settings, c));
  sys::UniqueFd rootfd = NOOK_TRY(sys::open_file(view.root, O_PATH | O_DIRECTORY));
  std::string path = src.path.empty() ? "/" : src.path;
  bool contents = path.ends_with("/.");
  auto source = sys::openat2(rootfd.get(), path, O_PATH, 0, kInRoot);
  if (!source) {
    if (source.error().sys_errno() == ENOENT || source.error().sys_errno() == ENOTDIR) {
      return fail(ErrorKind::NotFound,
                  fmt::format("{:?} could not be found on container {}: no such file or directory", path, src.container));
    }
    return fail(source.error());
  }
  struct stat st {};
  if (::fstat(source->get(), &st) != 0) return fail(Error::from_errno("stat", path));
  bool is_dir = S_ISDIR(st.st_mode);
  std::string base = base_name(path);
  if (base == "/" || base == ".") {
    base = "";
    contents = is_dir;
  }
  archive::TreeTarOptions tar_options;
  if (dest == "-") {
    int out = options.stdout_fd;
    return write_source(source->get(), contents ? "" : (base.empty() ? "." : base), tar_options,
                        [out](std::span<const char> bytes) { return sys::write_all(out, std::string_view(bytes.data(), bytes.size())); });
  }
  PathKind dest_kind = kind_on_host(dest);
  auto plan = plan_copy(base, is_dir, contents, dest, dest_kind, kind_on_host(dir_name(dest)));
  if (!plan) {
    if (plan.error().kind() == ErrorKind::NotFound) {
      return fail(ErrorKind::NotFound, fmt::format("{:?} could not be found on the host: no such file or directory", dest));
    }
    return fail(plan.error());
  }
  sys::UniqueFd dest_dir = NOOK_TRY(sys::open_file(plan->dest_dir, O_PATH | O_DIRECTORY));
  NOOK_TRY_VOID(check_overwrite(dest_dir.get(), plan->dest_name, is_dir, options.overwrite, dest));
  std::string name = plan->dest_name.empty() && is_dir ? "" : plan->dest_name;
  archive::ExtractOptions extract{.rootless = settings.config.rootless, .whiteouts_as_overlay = false,
                                  .keep_ownership = false};
  int source_fd = source->get();
  return pipe_tar([&](const archive::TarSink& sink) { return write_source(source_fd, name, tar_options, sink); },
                  fd_path(dest_dir.get()), extract);
}

Result<void> copy_into_container(const Settings& settings, const std::string& source, const CopyEndpoint& dst,
                                 const CopyOptions& options) {
  OpenedContainer c = NOOK_TRY(open_container(settings, dst.container, true));
  // A running container is written from where we are (the host side, copy_files); anything
  // else needs the overlay mounted, so the user namespace.
  bool host_side = settings.config.rootless && ::geteuid() != 0;
  if (host_side && !(has_process(c.record) && c.record.state.pid > 0)) {
    NOOK_TRY_VOID(enter_userns(settings, options.on_warning ? options.on_warning : [](const std::string&) {}));
    host_side = false;
    c = NOOK_TRY(open_container(settings, dst.container, false));
  } else if (host_side) {
    // Into the running container's own user namespace (no newuidmap): there the files can be
    // given the container's ids, and /proc/PID/root is ours to write through.
    NOOK_TRY_VOID(rootless::join_user_namespace(c.record.state.pid));
  }
  sys::UniqueFd source_fd;
  bool is_dir = true;
  bool contents = false;
  std::string base;
  if (source != "-") {
    auto opened = sys::open_file(source, O_PATH);
    if (!opened) {
      return fail(ErrorKind::NotFound, fmt::format("{:?} could not be found on the host: no such file or directory", source));
    }
    source_fd = std::move(*opened);
    struct stat st {};
    if (::fstat(source_fd.get(), &st) != 0) return fail(Error::from_errno("stat", source));
    is_dir = S_ISDIR(st.st_mode);
    contents = is_dir && source.ends_with("/.");
    base = base_name(source);
    if (base == "/" || base == ".") {
      base = "";
      contents = is_dir;
    }
  }
  RootView view = NOOK_TRY(writable_root(settings, c));
  auto rootfd = sys::open_file(view.root, O_PATH | O_DIRECTORY);
  if (!rootfd) return fail(rootfd.error().context(fmt::format("opening the root of container {}", dst.container)));
  std::string dest = dst.path.empty() ? "/" : dst.path;
  auto not_found = [&] {
    return Error(ErrorKind::NotFound,
                 fmt::format("{:?} could not be found on container {}: no such file or directory", dest, dst.container));
  };
  PathKind dest_kind = NOOK_TRY(kind_in_root(rootfd->get(), strip_trailing_slashes(dest)));
  CopyPlan plan;
  if (source == "-") {
    if (dest_kind != PathKind::Dir) {
      if (dest_kind == PathKind::Missing) return fail(not_found());
      return fail(ErrorKind::InvalidArgument, "destination must be a directory when copying from stdin");
    }
    plan.dest_dir = strip_trailing_slashes(dest);
  } else {
    PathKind parent_kind = NOOK_TRY(kind_in_root(rootfd->get(), dir_name(dest)));
    auto planned = plan_copy(base, is_dir, contents, dest, dest_kind, parent_kind);
    if (!planned) {
      if (planned.error().kind() == ErrorKind::NotFound) return fail(not_found());
      return fail(planned.error());
    }
    plan = *planned;
  }
  sys::UniqueFd dest_dir = NOOK_TRY(sys::openat2(rootfd->get(), plan.dest_dir, O_PATH | O_DIRECTORY, 0, kInRoot));
  NOOK_TRY_VOID(check_overwrite(dest_dir.get(), plan.dest_name, is_dir, options.overwrite, dest));
  archive::ExtractOptions extract{.rootless = settings.config.rootless, .whiteouts_as_overlay = false,
                                  .keep_ownership = true};
  if (source == "-") {
    NOOK_TRY(archive::extract_layer(options.stdin_fd, fd_path(dest_dir.get()), extract));
    return {};
  }
  archive::TreeTarOptions tar_options;
  if (options.archive) {
    // podman's --archive: what lands in the container belongs to the container's user.
    nlohmann::json spec = read_spec(c.paths);
    tar_options.uid = spec["process"]["user"].value("uid", 0u);
    tar_options.gid = spec["process"]["user"].value("gid", 0u);
  }
  std::string name = plan.dest_name;
  int fd = source_fd.get();
  return pipe_tar([&](const archive::TarSink& sink) { return write_source(fd, name, tar_options, sink); },
                  fd_path(dest_dir.get()), extract);
}

}  // namespace

Result<void> copy_files(const Settings& settings, std::string_view source, std::string_view dest,
                        const CopyOptions& options) {
  CopyEndpoint src = parse_copy_endpoint(source);
  CopyEndpoint dst = parse_copy_endpoint(dest);
  if (src.container.empty() && dst.container.empty()) {
    return fail(ErrorKind::InvalidArgument, "copying between two host paths is not supported: name or ID cannot be empty");
  }
  if (!src.container.empty() && !dst.container.empty()) {
    return fail(ErrorKind::Unsupported, "copying between containers is not supported");
  }
  if (!src.container.empty()) {
    NOOK_TRY_VOID(enter_userns(settings, options.on_warning ? options.on_warning : [](const std::string&) {}));
    return copy_from_container(settings, src, dst.path, options);
  }
  return copy_into_container(settings, src.path, dst, options);
}

// --- export

Result<void> export_container(const Settings& settings, std::string_view key, int out_fd) {
  OpenedContainer c = NOOK_TRY(open_container(settings, key, true));
  RootView view = NOOK_TRY(read_only_view(settings, c));
  sys::UniqueFd rootfd = NOOK_TRY(sys::open_file(view.root, O_PATH | O_DIRECTORY));
  return write_source(rootfd.get(), "", {}, [out_fd](std::span<const char> bytes) {
    return sys::write_all(out_fd, std::string_view(bytes.data(), bytes.size()));
  });
}

// --- diff

namespace {

bool is_opaque(const std::string& path) {
  for (const char* name : {"user.overlay.opaque", "trusted.overlay.opaque"}) {
    auto value = sys::read_xattr(path, name);
    if (value && *value && **value == "y") return true;
  }
  return false;
}

// Whether `rel` exists in the stack `lowers` (top first, overlay form).
bool exists_below(const std::vector<std::string>& lowers, const std::vector<std::string>& components) {
  for (const std::string& layer : lowers) {
    std::string path = layer;
    bool hidden = false;
    for (size_t i = 0; i < components.size(); ++i) {
      path += "/" + components[i];
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0) break;
      if (storage::is_whiteout_device(st)) return false;
      if (i + 1 == components.size()) return true;
      if (!S_ISDIR(st.st_mode)) return false;
      if (is_opaque(path)) hidden = true;
    }
    if (hidden) return false;
  }
  return false;
}

// podman's libpod/diff.go initInodes: what the runtime creates to mount over.
bool is_runtime_inode(std::string_view path) {
  static constexpr std::array<std::string_view, 11> kInodes = {
      "/dev", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/proc", "/run", "/run/notify",
      "/run/.containerenv", "/run/secrets", "/sys", "/etc/mtab"};
  return std::find(kInodes.begin(), kInodes.end(), path) != kInodes.end();
}

Result<void> walk_changes(const std::string& dir, std::vector<std::string>& components,
                          const std::vector<std::string>& lowers, bool parent_new, std::vector<Change>& out) {
  std::vector<std::string> names = NOOK_TRY(sys::list_dir(dir));
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    std::string path = dir + "/" + name;
    components.push_back(name);
    std::string shown = "/" + strings::join(components, "/");
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      bool whiteout = storage::is_whiteout_device(st) ||
                      (S_ISREG(st.st_mode) && st.st_size == 0 &&
                       ((sys::read_xattr(path, "user.overlay.whiteout").value_or(std::nullopt)) ||
                        (sys::read_xattr(path, "trusted.overlay.whiteout").value_or(std::nullopt))));
      if (whiteout) {
        out.push_back({'D', shown});
      } else {
        bool below = !parent_new && exists_below(lowers, components);
        out.push_back({below ? 'C' : 'A', shown});
        if (S_ISDIR(st.st_mode)) {
          NOOK_TRY_VOID(walk_changes(path, components, lowers, !below || is_opaque(path), out));
        }
      }
    }
    components.pop_back();
  }
  return {};
}

}  // namespace

Result<std::vector<Change>> diff_changes(const Settings& settings, std::string_view key) {
  std::string upper;
  std::vector<std::string> layers;
  std::string driver;
  auto c = open_container(settings, key, true);
  storage::Store store = NOOK_TRY(open_store_read_only(settings));
  if (c) {
    upper = c->paths.upper;
    layers = c->record.layers;
    driver = c->record.driver;
  } else {
    if (c.error().kind() != ErrorKind::NotFound) return fail(c.error());
    auto image = find_local_image(store, settings, key);
    if (!image) {
      if (image.error().kind() == ErrorKind::NotFound) {
        return fail(ErrorKind::NotFound, fmt::format("{} not found: layer not known", key));
      }
      return fail(image.error());
    }
    layers = image->record.layers;
    if (!layers.empty()) {
      upper = store.layer_dir(layers.back());
      layers.pop_back();
    }
    driver = store.options().driver;
  }
  if (driver == "vfs") return fail(ErrorKind::Unsupported, "diff is not supported with the vfs storage driver yet");
  std::vector<std::string> lowers;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) lowers.push_back(store.layer_dir(*it));
  std::vector<Change> changes;
  if (upper.empty()) return changes;
  std::vector<std::string> components;
  NOOK_TRY_VOID(walk_changes(upper, components, lowers, false, changes));
  std::erase_if(changes, [&](const Change& change) { return c && is_runtime_inode(change.path); });
  std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.path < b.path; });
  return changes;
}

// --- mount / unmount

namespace {

int read_count(const container::ContainerPaths& paths) {
  auto text = sys::read_file(paths.dir + "/mountcount");
  if (!text) return 0;
  int value = 0;
  for (char ch : strings::trim(*text)) {
    if (ch < '0' || ch > '9') return 0;
    value = value * 10 + (ch - '0');
  }
  return value;
}

Result<void> write_count(const container::ContainerPaths& paths, int count) {
  if (count <= 0) {
    (void)::unlink((paths.dir + "/mountcount").c_str());
    return {};
  }
  return sys::write_file_atomic(paths.dir + "/mountcount", fmt::format("{}\n", count), 0600);
}

}  // namespace

Result<std::string> mount_container(const Settings& settings, std::string_view key) {
  OpenedContainer c = NOOK_TRY(open_container(settings, key, false));
  sys::FileLock lock = NOOK_TRY(c.store->lock(c.record.id));
  c.record = NOOK_TRY(c.store->find(c.record.id));
  reconcile_view(*c.store, c.record);
  if (c.record.driver == "vfs") return c.paths.rootfs;
  bool mounted = is_mount_point(c.paths.merged);
  if (!mounted) {
    storage::Store store = NOOK_TRY(open_store_read_only(settings));
    if (has_process(c.record)) {
      // The running container has its read-write mount in its own namespace; a second read-write
      // overlay on the same upper directory is undefined behaviour, so this one is read-only.
      std::string lower = c.paths.upper;
      std::string layers = lower_dirs(store, c.record.layers);
      if (layers.empty()) return fail(ErrorKind::Unsupported, "mounting a running container without image layers");
      std::string data = "lowerdir=" + lower + ":" + layers + (settings.config.rootless ? ",userxattr" : "");
      sys::ScopedMount mount = NOOK_TRY(sys::mount_fs("overlay", c.paths.merged, "overlay", MS_RDONLY, data));
      (void)mount.release();
    } else {
      NOOK_TRY_VOID(mount_rootfs(settings, store, c.record, c.paths));
    }
  }
  NOOK_TRY_VOID(write_count(c.paths, mounted ? read_count(c.paths) + 1 : 1));
  return c.paths.merged;
}

Result<std::vector<MountedContainer>> mounted_containers(const Settings& settings) {
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, true));
  std::vector<container::Container> all = NOOK_TRY(store.list());
  std::vector<MountedContainer> out;
  for (const container::Container& record : all) {
    container::ContainerPaths paths = store.paths(record.id);
    if (record.driver != "vfs" && is_mount_point(paths.merged)) out.push_back({record.id, paths.merged});
  }
  return out;
}

Result<void> unmount_container(const Settings& settings, std::string_view key, bool force) {
  OpenedContainer c = NOOK_TRY(open_container(settings, key, false));
  sys::FileLock lock = NOOK_TRY(c.store->lock(c.record.id));
  if (c.record.driver == "vfs" || !is_mount_point(c.paths.merged)) {
    NOOK_TRY_VOID(write_count(c.paths, 0));
    return {};
  }
  int count = force ? 0 : read_count(c.paths) - 1;
  if (count <= 0) {
    if (::umount2(c.paths.merged.c_str(), MNT_DETACH) != 0 && errno != EINVAL) {
      return fail(Error::from_errno("unmount", c.paths.merged));
    }
  }
  return write_count(c.paths, count);
}

}  // namespace nook::engine
