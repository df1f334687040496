#include "lib/storage/layer_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <vector>

#include "lib/sys/file.h"
#include "lib/util/strings.h"

namespace nook::storage {

namespace {

using Kind = LayerFile::Kind;

// The opaque marker of a directory: "y" hides the layers below, anything else but absence is a
// form this lookup does not interpret.
enum class Opacity { Plain, Opaque, Unknown };

Result<Opacity> opacity(const std::string& dir) {
  for (const char* name : {"user.overlay.opaque", "trusted.overlay.opaque"}) {
    std::optional<std::string> value = NOOK_TRY(sys::read_xattr(dir, name));
    if (!value) continue;
    return *value == "y" ? Opacity::Opaque : Opacity::Unknown;
  }
  return Opacity::Plain;
}

// What one layer says about `components`: nothing (look further down), or a final answer.
struct LayerAnswer {
  bool decided = false;
  LayerFile file;
};

Result<LayerAnswer> look_in_layer(const std::string& layer, const std::vector<std::string>& components) {
  std::string path = layer;
  bool below_hidden = false;  // an opaque directory on the way hides the lower layers
  for (size_t i = 0; i < components.size(); ++i) {
    path += "/";
    path += components[i];
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno != ENOENT) return fail(Error::from_errno("lstat", path));
      if (below_hidden) return LayerAnswer{.decided = true, .file = {.kind = Kind::Absent}};
      return LayerAnswer{};
    }
    if (is_whiteout_device(st)) return LayerAnswer{.decided = true, .file = {.kind = Kind::Absent}};
    bool last = i + 1 == components.size();
    if (last) {
      // An empty file may be an xwhiteout; a symlink or anything else needs overlay's resolution.
      if (!S_ISREG(st.st_mode) || st.st_size == 0) {
        return LayerAnswer{.decided = true, .file = {.kind = Kind::NeedsMount}};
      }
      sys::UniqueFd fd = NOOK_TRY(sys::open_file(path, O_RDONLY | O_NOFOLLOW));
      std::string content = NOOK_TRY(sys::read_all(fd.get()));
      return LayerAnswer{.decided = true, .file = {.kind = Kind::Found, .content = std::move(content)}};
    }
    if (!S_ISDIR(st.st_mode)) return LayerAnswer{.decided = true, .file = {.kind = Kind::NeedsMount}};
    switch (NOOK_TRY(opacity(path))) {
      case Opacity::Plain:
        break;
      case Opacity::Opaque:
        below_hidden = true;
        break;
      case Opacity::Unknown:
        return LayerAnswer{.decided = true, .file = {.kind = Kind::NeedsMount}};
    }
  }
  return LayerAnswer{};  // unreachable with at least one component
}

}  // namespace

bool is_whiteout_device(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == 0; }

Result<LayerFile> read_layer_file(std::span<const std::string> layer_dirs, std::string_view path) {
  std::vector<std::string> components;
  for (std::string& part : strings::split(path, '/')) {
    if (part.empty()) continue;
    if (part == "." || part == "..") return LayerFile{.kind = Kind::NeedsMount};
    components.push_back(std::move(part));
  }
  if (components.empty()) return LayerFile{.kind = Kind::NeedsMount};
  for (const std::string& layer : layer_dirs) {
    LayerAnswer answer = NOOK_TRY(look_in_layer(layer, components));
    if (answer.decided) return std::move(answer.file);
  }
  return LayerFile{.kind = Kind::Absent};
}

}  // namespace nook::storage
