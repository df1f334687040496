#include "lib/archive/tar_split.h"

#include "lib/archive/extract.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "lib/sys/fd.h"
#include "lib/sys/file.h"
#include "lib/sys/syscall.h"

// Record format (zstd-compressed as one stream):
//   "NOOKTS1\n"
//   frames: 'R' varint(len) bytes      raw bytes of the tar stream
//           'F' varint(size) varint(path_len) path   `size` bytes of the file at `path`
//           'E'                        end of record (a record without it is truncated)
// Varints are unsigned LEB128. Paths are normalized the way extract_layer places entries.

namespace nook::archive {
namespace {

constexpr std::string_view kMagic = "NOOKTS1\n";
constexpr size_t kBlock = 512;
constexpr size_t kRawFlush = 1 << 20;
constexpr int kZstdLevel = 3;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// The path as extract_layer places it (split_entry_path, joined with "/"). Empty when it would
// leave the root (extraction refuses such entries anyway).
std::string normalize_path(std::string_view path) {
  std::vector<std::string> comps;
  if (!split_entry_path(path, comps)) return {};
  std::string out;
  for (const std::string& c : comps) {
    if (!out.empty()) out += '/';
    out += c;
  }
  return out;
}

// A NUL-terminated field of at most `len` bytes.
std::string_view field(const char* p, size_t len) {
  const void* nul = std::memchr(p, 0, len);
  return {p, nul != nullptr ? static_cast<size_t>(static_cast<const char*>(nul) - p) : len};
}

// Numeric header field: octal (spaces/NULs around it) or GNU base-256 (high bit of the first
// byte set). nullopt when malformed.
std::optional<int64_t> parse_number(const char* p, size_t len) {
  auto first = static_cast<unsigned char>(p[0]);
  if (first & 0x80) {
    if (first == 0xff) return std::nullopt;  // negative
    uint64_t v = first & 0x7f;
    for (size_t i = 1; i < len; ++i) {
      if (v > (UINT64_MAX >> 9)) return std::nullopt;
      v = (v << 8) | static_cast<unsigned char>(p[i]);
    }
    if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  size_t i = 0;
  while (i < len && (p[i] == ' ' || p[i] == '\0')) ++i;
  if (i == len) return 0;
  uint64_t v = 0;
  bool digits = false;
  for (; i < len && p[i] >= '0' && p[i] <= '7'; ++i) {
    if (v > (UINT64_MAX >> 4)) return std::nullopt;
    v = v * 8 + static_cast<uint64_t>(p[i] - '0');
    digits = true;
  }
  for (; i < len; ++i) {
    if (p[i] != ' ' && p[i] != '\0') return std::nullopt;
  }
  if (!digits || v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(v);
}

bool checksum_ok(const char* h) {
  auto stored = parse_number(h + 148, 8);
  if (!stored) return false;
  int64_t unsigned_sum = 0;
  int64_t signed_sum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    char c = (i >= 148 && i < 156) ? ' ' : h[i];
    unsigned_sum += static_cast<unsigned char>(c);
    signed_sum += static_cast<signed char>(c);
  }
  return *stored == unsigned_sum || *stored == signed_sum;
}

bool all_zero(const char* h) {
  for (size_t i = 0; i < kBlock; ++i) {
    if (h[i] != 0) return false;
  }
  return true;
}

struct PaxValues {
  std::optional<std::string> path;
  std::optional<int64_t> size;
  bool sparse = false;
};

// Parses "LEN key=value\n" records; Corrupt-worthy problems give false.
bool parse_pax(std::string_view data, PaxValues& out) {
  while (!data.empty()) {
    size_t sp = data.find(' ');
    if (sp == std::string_view::npos || sp == 0) {
      // Trailing NUL padding written by some tars.
      return data.find_first_not_of('\0') == std::string_view::npos;
    }
    uint64_t len = 0;
    for (size_t i = 0; i < sp; ++i) {
      if (data[i] < '0' || data[i] > '9') return false;
      len = len * 10 + static_cast<uint64_t>(data[i] - '0');
      if (len > data.size()) return false;
    }
    if (len <= sp + 1 || len > data.size()) return false;
    std::string_view rec = data.substr(sp + 1, len - sp - 1);
    data.remove_prefix(len);
    if (!rec.empty() && rec.back() == '\n') rec.remove_suffix(1);
    size_t eq = rec.find('=');
    if (eq == std::string_view::npos) return false;
    std::string_view key = rec.substr(0, eq);
    std::string_view value = rec.substr(eq + 1);
    if (key == "path") {
      out.path = std::string(value);
    } else if (key == "size") {
      int64_t v = 0;
      if (value.empty()) return false;
      for (char c : value) {
        if (c < '0' || c > '9' || v > (INT64_MAX - 9) / 10) return false;
        v = v * 10 + (c - '0');
      }
      out.size = v;
    } else if (key.starts_with("GNU.sparse.")) {
      out.sparse = true;
    }
  }
  return true;
}

Error corrupt(std::string_view what) { return Error(ErrorKind::Corrupt, std::string(what)); }

}  // namespace

struct TarSplitWriter::Impl {
  enum class State { Header, Meta, Content, Padding, Trailer };

  sys::UniqueFd fd;
  std::string path;
  ZSTD_CCtx* cctx = nullptr;
  std::string out_buf;  // compressed output staging
  std::string raw;      // raw tar bytes not yet framed

  State state = State::Header;
  char header[kBlock];
  size_t header_fill = 0;
  int64_t remaining = 0;   // bytes left of the current Meta/Content/Padding part
  int64_t padding = 0;     // padding to expect after the current data
  std::string meta;        // data of an 'x', 'L' (or 'K', 'g') entry
  char meta_type = 0;
  PaxValues pax;           // from the last 'x' header, for the next entry
  std::optional<std::string> gnu_long_name;
  uint64_t offset = 0;     // of the stream, for messages
  bool finished = false;

  ~Impl() {
    if (cctx != nullptr) ZSTD_freeCCtx(cctx);
  }

  Result<void> compress(std::string_view in, ZSTD_EndDirective mode) {
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    // Sized once: allocating and zeroing 128 KiB per call (several calls per tar entry) was a
    // visible part of a pull.
    if (out_buf.empty()) out_buf.resize(ZSTD_CStreamOutSize());
    std::string& chunk = out_buf;
    for (;;) {
      ZSTD_outBuffer output{chunk.data(), chunk.size(), 0};
      size_t left = ZSTD_compressStream2(cctx, &output, &input, mode);
      if (ZSTD_isError(left)) {
        return fail(ErrorKind::Internal, fmt::format("zstd: {}", ZSTD_getErrorName(left)));
      }
      if (output.pos > 0) {
        auto written = sys::write_all(fd.get(), std::string_view(chunk.data(), output.pos));
        if (!written) return fail(written.error().context(fmt::format("writing {:?}", path)));
      }
      bool done = mode == ZSTD_e_continue ? input.pos == input.size : left == 0;
      if (done) return {};
    }
  }

  // Frames the pending raw bytes.
  Result<void> flush_raw() {
    if (raw.empty()) return {};
    std::string head;
    head.push_back('R');
    put_varint(head, raw.size());
    NOOK_TRY_VOID(compress(head, ZSTD_e_continue));
    NOOK_TRY_VOID(compress(raw, ZSTD_e_continue));
    raw.clear();
    return {};
  }

  Result<void> emit_file(std::string_view name, int64_t size) {
    NOOK_TRY_VOID(flush_raw());
    std::string frame;
    frame.push_back('F');
    put_varint(frame, static_cast<uint64_t>(size));
    put_varint(frame, name.size());
    frame.append(name);
    return compress(frame, ZSTD_e_continue);
  }

  Result<void> add_raw(const char* p, size_t n) {
    raw.append(p, n);
    if (raw.size() >= kRawFlush) return flush_raw();
    return {};
  }

  Result<void> on_header() {
    uint64_t at = offset - kBlock;
    if (all_zero(header)) {
      // End of archive: libarchive stops at the first zero block; everything after it (the
      // second zero block, the record padding, garbage) is kept as it is.
      state = State::Trailer;
      return {};
    }
    if (!checksum_ok(header)) {
      return fail(corrupt(fmt::format("tar header at offset {}: bad checksum", at)));
    }
    auto hsize = parse_number(header + 124, 12);
    if (!hsize) return fail(corrupt(fmt::format("tar header at offset {}: bad size field", at)));
    char type = header[156];
    int64_t size = *hsize;

    switch (type) {
      case 'x':
      case 'g':
      case 'L':
      case 'K':
        if (size > (int64_t{64} << 20)) {
          return fail(corrupt(fmt::format("tar header at offset {}: extended header of {} bytes", at, size)));
        }
        meta.clear();
        meta_type = type;
        start_data(State::Meta, size);
        return {};
      default:
        break;
    }

    PaxValues values = std::move(pax);
    pax = PaxValues();
    std::optional<std::string> long_name = std::move(gnu_long_name);
    gnu_long_name.reset();
    if (values.size) size = *values.size;
    if (size < 0) return fail(corrupt(fmt::format("tar header at offset {}: bad size field", at)));

    bool regular = type == '0' || type == '\0' || type == '7';
    if (!regular || values.sparse || size == 0) {
      // No content to take from the disk: links, directories, devices, empty files and whiteouts,
      // GNU and PAX sparse files (their stream form differs from the file): all kept raw.
      start_data(State::Padding, size);
      return {};
    }
    std::string name;
    if (values.path) {
      name = *values.path;
    } else if (long_name) {
      name = *long_name;
    } else {
      name = std::string(field(header, 100));
      std::string_view magic(header + 257, 6);
      std::string_view prefix = field(header + 345, 155);
      if (magic == std::string_view("ustar\0", 6) && !prefix.empty()) {
        name = fmt::format("{}/{}", prefix, name);
      }
    }
    if (!name.empty() && name.back() == '/') {
      // Old tars mark directories with a trailing slash on a regular entry.
      start_data(State::Padding, size);
      return {};
    }
    std::string norm = normalize_path(name);
    if (norm.empty()) return fail(corrupt(fmt::format("entry {:?}: path leaves the layer directory", name)));
    NOOK_TRY_VOID(emit_file(norm, size));
    remaining = size;
    padding = (kBlock - static_cast<size_t>(size % kBlock)) % kBlock;
    state = State::Content;
    return {};
  }

  // The data of a non-content entry: `size` bytes (kept raw) plus its padding.
  void start_data(State s, int64_t size) {
    remaining = size;
    padding = (kBlock - static_cast<size_t>(size % kBlock)) % kBlock;
    state = s;
    if (s == State::Padding) {
      remaining += padding;
      padding = 0;
    }
    if (remaining == 0 && s != State::Meta) state = State::Header;
  }

  Result<void> on_meta_done() {
    if (meta_type == 'x') {
      PaxValues v;
      if (!parse_pax(meta, v)) return fail(corrupt("malformed pax extended header"));
      pax = std::move(v);
    } else if (meta_type == 'L') {
      gnu_long_name = std::string(field(meta.data(), meta.size()));
    }
    meta.clear();
    return {};
  }

  Result<void> feed(const char* p, size_t n) {
    while (n > 0) {
      switch (state) {
        case State::Header: {
          size_t take = std::min(n, kBlock - header_fill);
          std::memcpy(header + header_fill, p, take);
          NOOK_TRY_VOID(add_raw(p, take));
          header_fill += take;
          offset += take;
          p += take;
          n -= take;
          if (header_fill == kBlock) {
            header_fill = 0;
            NOOK_TRY_VOID(on_header());
            if (state == State::Meta && remaining == 0) {
              NOOK_TRY_VOID(on_meta_done());
              state = padding > 0 ? State::Padding : State::Header;
              remaining = padding;
              padding = 0;
            }
          }
          break;
        }
        case State::Meta: {
          size_t take = static_cast<size_t>(std::min<int64_t>(remaining, static_cast<int64_t>(n)));
          meta.append(p, take);
          NOOK_TRY_VOID(add_raw(p, take));
          remaining -= static_cast<int64_t>(take);
          offset += take;
          p += take;
          n -= take;
          if (remaining == 0) {
            NOOK_TRY_VOID(on_meta_done());
            remaining = padding;
            padding = 0;
            state = remaining > 0 ? State::Padding : State::Header;
          }
          break;
        }
        case State::Content: {
          // File content is not recorded: skip it.
          size_t take = static_cast<size_t>(std::min<int64_t>(remaining, static_cast<int64_t>(n)));
          remaining -= static_cast<int64_t>(take);
          offset += take;
          p += take;
          n -= take;
          if (remaining == 0) {
            remaining = padding;
            padding = 0;
            state = remaining > 0 ? State::Padding : State::Header;
          }
          break;
        }
        case State::Padding: {
          size_t take = static_cast<size_t>(std::min<int64_t>(remaining, static_cast<int64_t>(n)));
          NOOK_TRY_VOID(add_raw(p, take));
          remaining -= static_cast<int64_t>(take);
          offset += take;
          p += take;
          n -= take;
          if (remaining == 0) state = State::Header;
          break;
        }
        case State::Trailer:
          NOOK_TRY_VOID(add_raw(p, n));
          offset += n;
          n = 0;
          break;
      }
    }
    return {};
  }
};

TarSplitWriter::TarSplitWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TarSplitWriter::TarSplitWriter(TarSplitWriter&&) noexcept = default;
TarSplitWriter& TarSplitWriter::operator=(TarSplitWriter&&) noexcept = default;
TarSplitWriter::~TarSplitWriter() = default;

Result<TarSplitWriter> TarSplitWriter::create(std::string_view path) {
  auto impl = std::make_unique<Impl>();
  impl->path = std::string(path);
  impl->fd = NOOK_TRY(sys::open_file(path, O_WRONLY | O_CREAT | O_TRUNC, 0600));
  impl->cctx = ZSTD_createCCtx();
  if (impl->cctx == nullptr) return fail(ErrorKind::Internal, "zstd: cannot create a compression context");
  ZSTD_CCtx_setParameter(impl->cctx, ZSTD_c_compressionLevel, kZstdLevel);
  ZSTD_CCtx_setParameter(impl->cctx, ZSTD_c_checksumFlag, 1);
  NOOK_TRY_VOID(impl->compress(kMagic, ZSTD_e_continue));
  return TarSplitWriter(std::move(impl));
}

Result<void> TarSplitWriter::feed(std::span<const char> bytes) {
  if (!impl_ || impl_->finished) return fail(ErrorKind::Internal, "tar-split writer used after finish");
  return impl_->feed(bytes.data(), bytes.size());
}

Result<void> TarSplitWriter::finish() {
  if (!impl_ || impl_->finished) return fail(ErrorKind::Internal, "tar-split writer finished twice");
  Impl& im = *impl_;
  im.finished = true;
  bool complete = im.state == Impl::State::Trailer ||
                  (im.state == Impl::State::Header && im.header_fill == 0 && im.offset > 0);
  if (!complete) {
    return fail(ErrorKind::Corrupt,
                fmt::format("tar stream ends inside an entry (after {} bytes)", im.offset));
  }
  NOOK_TRY_VOID(im.flush_raw());
  NOOK_TRY_VOID(im.compress("E", ZSTD_e_end));
  // No fsync: the record lives in the layer's staging directory, whose files are not synced
  // either (as containers/storage); a record torn by a crash fails rebuild_tar's size and DiffID
  // checks, never silently.
  NOOK_TRY_VOID(im.fd.close());
  return {};
}

namespace {

// Streams the decompressed record.
class RecordReader {
 public:
  RecordReader(int fd, std::string_view path) : fd_(fd), path_(path) {}
  ~RecordReader() {
    if (dctx_ != nullptr) ZSTD_freeDCtx(dctx_);
  }

  Result<void> init() {
    dctx_ = ZSTD_createDCtx();
    if (dctx_ == nullptr) return fail(ErrorKind::Internal, "zstd: cannot create a decompression context");
    in_.resize(ZSTD_DStreamInSize());
    out_.resize(ZSTD_DStreamOutSize());
    return {};
  }

  // Up to `n` decompressed bytes (0 at the end of the record file).
  Result<std::string_view> next(size_t n) {
    while (out_pos_ == out_end_) {
      if (in_pos_ == in_end_ && !eof_) {
        ssize_t r = ::read(fd_, in_.data(), in_.size());
        if (r < 0) {
          if (errno == EINTR) continue;
          return fail(Error::from_errno("read", path_));
        }
        in_pos_ = 0;
        in_end_ = static_cast<size_t>(r);
        if (r == 0) eof_ = true;
      }
      if (eof_ && in_pos_ == in_end_) return std::string_view();
      ZSTD_inBuffer input{in_.data(), in_end_, in_pos_};
      ZSTD_outBuffer output{out_.data(), out_.size(), 0};
      size_t ret = ZSTD_decompressStream(dctx_, &output, &input);
      if (ZSTD_isError(ret)) {
        return fail(ErrorKind::Corrupt,
                    fmt::format("tar-split record {:?}: {}", path_, ZSTD_getErrorName(ret)));
      }
      in_pos_ = input.pos;
      out_pos_ = 0;
      out_end_ = output.pos;
    }
    size_t take = std::min(n, out_end_ - out_pos_);
    std::string_view v(out_.data() + out_pos_, take);
    out_pos_ += take;
    return v;
  }

  Result<void> exact(char* dst, size_t n) {
    while (n > 0) {
      auto chunk = NOOK_TRY(next(n));
      if (chunk.empty()) return fail(truncated());
      std::memcpy(dst, chunk.data(), chunk.size());
      dst += chunk.size();
      n -= chunk.size();
    }
    return {};
  }

  Result<uint64_t> varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      char c = 0;
      NOOK_TRY_VOID(exact(&c, 1));
      v |= static_cast<uint64_t>(c & 0x7f) << shift;
      if ((c & 0x80) == 0) return v;
    }
    return fail(corrupt(fmt::format("tar-split record {:?}: bad number", path_)));
  }

  Error truncated() const {
    return corrupt(fmt::format("tar-split record {:?} is truncated", path_));
  }

 private:
  int fd_;
  std::string path_;
  ZSTD_DCtx* dctx_ = nullptr;
  std::string in_;
  std::string out_;
  size_t in_pos_ = 0, in_end_ = 0, out_pos_ = 0, out_end_ = 0;
  bool eof_ = false;
};

Result<sys::UniqueFd> open_beneath(int root_fd, const std::string& rel) {
  auto fd = sys::openat2(root_fd, rel, O_RDONLY | O_NOFOLLOW, 0,
                         RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
  if (fd || fd.error().kind() != ErrorKind::Unsupported) return fd;
  // No openat2: walk the components without following symlinks.
  sys::UniqueFd dir;
  int cur = root_fd;
  size_t pos = 0;
  for (;;) {
    size_t slash = rel.find('/', pos);
    std::string comp = rel.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
    if (slash == std::string::npos) return sys::openat_file(cur, comp, O_RDONLY | O_NOFOLLOW);
    dir = NOOK_TRY(sys::openat_file(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    cur = dir.get();
    pos = slash + 1;
  }
}

}  // namespace

Result<void> rebuild_tar(std::string_view split_path, std::string_view layer_dir,
                         const std::function<Result<void>(std::span<const char>)>& sink) {
  auto record_fd = NOOK_TRY(sys::open_file(split_path, O_RDONLY));
  auto root_fd = NOOK_TRY(sys::open_file(layer_dir, O_RDONLY | O_DIRECTORY));
  RecordReader reader(record_fd.get(), split_path);
  NOOK_TRY_VOID(reader.init());
  std::string magic(kMagic.size(), '\0');
  NOOK_TRY_VOID(reader.exact(magic.data(), magic.size()));
  if (magic != kMagic) {
    return fail(corrupt(fmt::format("{:?} is not a tar-split record", split_path)));
  }
  std::vector<char> buf(1 << 20);
  for (;;) {
    char type = 0;
    NOOK_TRY_VOID(reader.exact(&type, 1));
    if (type == 'E') return {};
    if (type == 'R') {
      uint64_t len = NOOK_TRY(reader.varint());
      while (len > 0) {
        auto chunk = NOOK_TRY(reader.next(static_cast<size_t>(std::min<uint64_t>(len, 1 << 20))));
        if (chunk.empty()) return fail(reader.truncated());
        NOOK_TRY_VOID(sink(std::span<const char>(chunk.data(), chunk.size())));
        len -= chunk.size();
      }
      continue;
    }
    if (type != 'F') {
      return fail(corrupt(fmt::format("tar-split record {:?}: unknown frame", split_path)));
    }
    uint64_t size = NOOK_TRY(reader.varint());
    uint64_t name_len = NOOK_TRY(reader.varint());
    if (name_len == 0 || name_len > 1 << 20) {
      return fail(corrupt(fmt::format("tar-split record {:?}: bad entry name", split_path)));
    }
    std::string name(name_len, '\0');
    NOOK_TRY_VOID(reader.exact(name.data(), name.size()));
    auto file = open_beneath(root_fd.get(), name);
    if (!file) {
      ErrorKind kind = file.error().kind() == ErrorKind::NotFound ? ErrorKind::NotFound : ErrorKind::Corrupt;
      return fail(Error(kind, fmt::format("rebuilding layer tar: entry {:?}: {}", name, file.error().message()),
                        file.error().sys_errno()));
    }
    struct stat st {};
    if (::fstat(file->get(), &st) != 0) return fail(Error::from_errno("fstat", name));
    if (!S_ISREG(st.st_mode)) {
      return fail(corrupt(fmt::format("rebuilding layer tar: entry {:?} is no longer a regular file", name)));
    }
    if (static_cast<uint64_t>(st.st_size) != size) {
      return fail(corrupt(fmt::format("rebuilding layer tar: entry {:?} has {} bytes, the layer had {}",
                                      name, st.st_size, size)));
    }
    uint64_t left = size;
    while (left > 0) {
      ssize_t r = ::read(file->get(), buf.data(), static_cast<size_t>(std::min<uint64_t>(left, buf.size())));
      if (r < 0) {
        if (errno == EINTR) continue;
        return fail(Error::from_errno("read", name));
      }
      if (r == 0) {
        return fail(corrupt(fmt::format("rebuilding layer tar: entry {:?} shrank while it was read", name)));
      }
      NOOK_TRY_VOID(sink(std::span<const char>(buf.data(), static_cast<size_t>(r))));
      left -= static_cast<uint64_t>(r);
    }
  }
}

}  // namespace nook::archive
