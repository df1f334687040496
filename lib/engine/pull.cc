// `nook pull`: registry -> layer store, one streaming pass per layer (see pull.h).
//
// Per layer, two threads meet at a pipe:
//   downloader: Client::fetch_blob (digest + size checked as bytes arrive)
//               -> Decompressor -> sha256 (the DiffID) + TarSplitWriter -> write(pipe)
//   extractor:  archive::extract_layer(read end) into the store's staging directory
// The pipe gives the two sides a bounded buffer (1 MiB when the kernel allows) so neither runs
// ahead of the other by more than that. A failure on one side closes its end of the pipe, which
// stops the other; the staging directory is dropped unless everything checked out.
#include "lib/engine/pull.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>

#include "lib/archive/decompress.h"
#include "lib/archive/extract.h"
#include "lib/archive/tar_split.h"
#include "lib/config/paths.h"
#include "lib/engine/engine.h"
#include "lib/engine/image_reports.h"
#include "lib/engine/store_access.h"
#include "lib/image/digest.h"
#include "lib/image/manifest.h"
#include "lib/image/platform.h"
#include "lib/image/reference.h"
#include "lib/image/short_name.h"
#include "lib/registry/client.h"
#include "lib/registry/credentials.h"
#include "lib/sys/fd.h"
#include "lib/sys/file.h"
#include "lib/util/log.h"

namespace nook::engine {

namespace {

// How many layers are fetched and unpacked at once (podman's default is 6 parallel copies; on
// small machines more only adds contention).
constexpr size_t kParallelLayers = 4;
constexpr int kPipeSize = 1 << 20;

// Serializes progress callbacks from the layer threads.
class SerialProgress {
 public:
  explicit SerialProgress(PullProgress* progress) : progress_(progress) {}
  void line(std::string_view text) {
    if (progress_ == nullptr) return;
    std::lock_guard lock(mu_);
    progress_->line(text);
  }
  void started(std::string_view digest, int64_t size, bool present) {
    if (progress_ == nullptr) return;
    std::lock_guard lock(mu_);
    progress_->blob_started(digest, size, present);
  }
  void advance(std::string_view digest, int64_t done, int64_t total) {
    if (progress_ == nullptr) return;
    std::lock_guard lock(mu_);
    progress_->blob_progress(digest, done, total);
  }
  void done(std::string_view digest) {
    if (progress_ == nullptr) return;
    std::lock_guard lock(mu_);
    progress_->blob_done(digest);
  }
  void config(std::string_view digest) {
    if (progress_ == nullptr) return;
    std::lock_guard lock(mu_);
    progress_->config_done(digest);
  }

 private:
  PullProgress* progress_;
  std::mutex mu_;
};

// The platform to pick from an index: --platform, else --os/--arch/--variant over the host's.
Result<image::Platform> wanted_platform(const PullOptions& options) {
  if (options.platform && (options.arch || options.os || options.variant)) {
    return fail(ErrorKind::InvalidArgument, "--platform option can not be specified with --arch or --os");
  }
  if (options.platform) return image::parse_platform(*options.platform);
  image::Platform platform = image::host_platform();
  if (options.os) platform.os = *options.os;
  if (options.arch) {
    platform.architecture = *options.arch;
    platform.variant.clear();
  }
  if (options.variant) platform.variant = *options.variant;
  return image::normalize_platform(platform);
}

// Everything needed to talk to one registry for one repository.
struct Endpoint {
  std::string host;
  std::string repository;  // path inside the registry ("library/busybox")
  std::string tag;
  std::string digest;
  bool insecure = false;
};

Result<registry::Client> make_client(const Settings& settings, const PullOptions& options, const Endpoint& endpoint) {
  registry::ClientOptions client{.host = endpoint.host};
  client.insecure = options.tls_verify ? !*options.tls_verify : endpoint.insecure;
  client.cert_dirs = registry::cert_dirs_for(endpoint.host, config::xdg_config_home(settings.env),
                                             settings.env.rootless(), options.cert_dir.value_or(""));
  if (options.creds) {
    client.credentials = NOOK_TRY(registry::parse_creds(*options.creds));
  } else {
    std::vector<std::string> paths =
        options.authfile ? std::vector<std::string>{*options.authfile} : settings.config.auth.read_paths;
    client.credentials = NOOK_TRY(registry::credentials_for(paths, endpoint.host + "/" + endpoint.repository));
  }
  return registry::Client::create(std::move(client));
}

// The image manifest for `endpoint` on this platform, following an index when there is one.
struct FetchedManifest {
  image::Manifest manifest;
  std::string bytes;
  image::Digest digest;
  std::optional<image::Digest> index_digest;
};

Result<FetchedManifest> fetch_manifest(registry::Client& client, const Endpoint& endpoint,
                                       const image::Platform& platform) {
  std::string reference = endpoint.digest.empty() ? endpoint.tag : endpoint.digest;
  registry::ManifestResponse top = NOOK_TRY(client.get_manifest(endpoint.repository, reference));
  image::ManifestKind kind = NOOK_TRY(image::detect_kind(top.bytes, top.content_type));
  if (kind == image::ManifestKind::Index) {
    image::Index index = NOOK_TRY(image::parse_index(top.bytes, top.content_type));
    const image::Descriptor* chosen = NOOK_TRY(image::select_manifest(index, platform));
    NOOK_DEBUG(Image, "index {} -> {} for {}", top.digest.string(), chosen->digest.string(), image::to_string(platform));
    registry::ManifestResponse instance =
        NOOK_TRY(client.get_manifest(endpoint.repository, chosen->digest.string()));
    image::Manifest manifest = NOOK_TRY(image::parse_manifest(instance.bytes, instance.content_type));
    return FetchedManifest{std::move(manifest), std::move(instance.bytes), instance.digest, top.digest};
  }
  image::Manifest manifest = NOOK_TRY(image::parse_manifest(top.bytes, top.content_type));
  return FetchedManifest{std::move(manifest), std::move(top.bytes), top.digest, std::nullopt};
}

struct LayerTask {
  const image::Descriptor* descriptor = nullptr;
  image::Digest diff_id;
  std::string id;         // chain id hex
  std::string parent_id;  // "" for the base layer
};

// Blocks SIGPIPE in the calling thread, so a write to a pipe whose reader gave up fails with
// EPIPE in this thread instead of killing the process.
void block_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Downloads, verifies, decompresses and unpacks one layer into the store.
Result<storage::LayerRecord> pull_layer(storage::Store& store, std::mutex& store_mu, registry::Client& client,
                                        const std::string& repository, const LayerTask& task,
                                        SerialProgress& progress) {
  const image::Descriptor& desc = *task.descriptor;
  image::Compression compression = NOOK_TRY(image::layer_compression(desc.media_type));
  std::unique_lock store_lock(store_mu);
  auto begun = store.begin_layer(task.id, task.parent_id);
  store_lock.unlock();
  if (!begun) return fail(begun.error());
  storage::LayerWriter writer = std::move(*begun);
  sys::Pipe pipe = NOOK_TRY(sys::Pipe::create());
  (void)::fcntl(pipe.write.get(), F_SETPIPE_SZ, kPipeSize);  // best effort: the default is 64 KiB
  archive::TarSplitWriter split = NOOK_TRY(archive::TarSplitWriter::create(writer.split_path()));
  image::DigestVerifier diff = NOOK_TRY(image::DigestVerifier::create(task.diff_id, -1));
  int64_t uncompressed = 0;
  std::string digest_text = desc.digest.string();

  Result<void> downloaded;
  std::thread downloader([&] {
    block_sigpipe();
    int write_fd = pipe.write.get();
    auto decompressor = archive::Decompressor::create(compression, [&](std::span<const char> bytes) -> Result<void> {
      diff.update(bytes.data(), bytes.size());
      uncompressed += static_cast<int64_t>(bytes.size());
      NOOK_TRY_VOID(split.feed(bytes));
      return sys::write_all(write_fd, std::string_view(bytes.data(), bytes.size()));
    });
    if (!decompressor) {
      downloaded = fail(decompressor.error());
    } else {
      downloaded = client.fetch_blob(
          repository, desc.digest, desc.size,
          [&](std::span<const char> bytes) { return decompressor->feed(bytes); },
          [&](int64_t done, int64_t total) { progress.advance(digest_text, done, total); });
      if (downloaded) downloaded = decompressor->finish();
      if (downloaded) downloaded = split.finish();
    }
    pipe.write.reset();  // end of stream for the extractor
  });

  archive::ExtractOptions extract_options{
      .rootless = store.options().rootless,
      .whiteouts_as_overlay = store.options().driver != "vfs",
      .keep_ownership = true,
  };
  auto extracted = archive::extract_layer(pipe.read.get(), writer.dir(), extract_options);
  if (extracted) {
    // Whatever follows the end-of-archive marker still belongs to the blob and its DiffID.
    char sink[65536];
    while (::read(pipe.read.get(), sink, sizeof sink) > 0) {
    }
  }
  pipe.read.reset();  // a downloader still writing gets EPIPE now
  downloader.join();

  if (!extracted && (downloaded || downloaded.error().sys_errno() == EPIPE)) {
    return fail(extracted.error().context(fmt::format("extracting layer {}", digest_text)));
  }
  if (!downloaded) return fail(downloaded.error().context(fmt::format("copying layer {}", digest_text)));
  auto checked = diff.finish();
  if (!checked) {
    return fail(ErrorKind::Corrupt, fmt::format("layer {}: uncompressed content does not match the image config's "
                                                "diff ID: {}",
                                                digest_text, checked.error().message()));
  }
  NOOK_DEBUG(Image, "layer {}: {} files, {} bytes unpacked", digest_text, extracted->files, uncompressed);
  storage::LayerRecord record{
      .id = task.id,
      .parent = task.parent_id,
      .diff_id = task.diff_id,
      .uncompressed_size = uncompressed,
      .compressed_digest = desc.digest,
      .compressed_size = desc.size,
      .created = format_rfc3339(now()),
  };
  store_lock.lock();
  return writer.commit(std::move(record));
}

// Runs the layer tasks, up to kParallelLayers at once (one at a time for vfs, whose layers copy
// their parent). Returns the first error; the other layers already running finish first.
Result<void> pull_layers(storage::Store& store, registry::Client& client, const std::string& repository,
                         const std::vector<LayerTask>& tasks, SerialProgress& progress) {
  std::mutex store_mu;
  size_t parallel = store.options().driver == "vfs" ? 1 : kParallelLayers;
  std::atomic<size_t> next{0};
  std::mutex error_mu;
  std::optional<Error> first_error;
  auto worker = [&] {
    block_sigpipe();
    for (;;) {
      {
        std::lock_guard lock(error_mu);
        if (first_error) return;
      }
      size_t i = next.fetch_add(1);
      if (i >= tasks.size()) return;
      std::string digest = tasks[i].descriptor->digest.string();
      progress.started(digest, tasks[i].descriptor->size, false);
      auto layer = pull_layer(store, store_mu, client, repository, tasks[i], progress);
      if (!layer) {
        std::lock_guard lock(error_mu);
        if (!first_error) first_error = layer.error();
        return;
      }
      progress.done(digest);
    }
  };
  std::vector<std::thread> threads;
  for (size_t i = 0; i < std::min(parallel, tasks.size()); ++i) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  if (first_error) return fail(*first_error);
  return {};
}

// Pulls one fully-qualified reference from one endpoint into the store.
Result<std::string> pull_from(const Settings& settings, storage::Store& store, const PullOptions& options,
                              const Endpoint& endpoint, const image::Reference& named, SerialProgress& progress) {
  image::Platform platform = NOOK_TRY(wanted_platform(options));
  registry::Client client = NOOK_TRY(make_client(settings, options, endpoint));
  FetchedManifest fetched = NOOK_TRY(fetch_manifest(client, endpoint, platform));
  progress.line("Getting image source signatures");

  const image::Descriptor& config_desc = fetched.manifest.config;
  std::string config_bytes =
      NOOK_TRY(client.fetch_blob_bytes(endpoint.repository, config_desc.digest, config_desc.size));
  image::ImageConfig config = NOOK_TRY(image::parse_image_config(config_bytes));
  NOOK_TRY_VOID(image::check_config_matches(fetched.manifest, config));

  std::vector<LayerTask> tasks;
  std::vector<std::string> layer_ids;
  std::string parent;
  for (size_t i = 0; i < fetched.manifest.layers.size(); ++i) {
    LayerTask task{.descriptor = &fetched.manifest.layers[i], .diff_id = config.diff_ids[i]};
    task.id = storage::chain_id(parent, config.diff_ids[i]);
    task.parent_id = parent;
    parent = task.id;
    layer_ids.push_back(task.id);
    auto existing = NOOK_TRY(store.find_layer(task.id));
    if (existing) {
      progress.started(task.descriptor->digest.string(), task.descriptor->size, true);
      continue;
    }
    tasks.push_back(task);
  }
  NOOK_TRY_VOID(pull_layers(store, client, endpoint.repository, tasks, progress));
  progress.config(config_desc.digest.string());
  progress.line("Writing manifest to image destination");

  int64_t size = 0;
  for (const std::string& id : layer_ids) {
    auto layer = NOOK_TRY(store.find_layer(id));
    if (layer) size += layer->uncompressed_size;
  }
  storage::ImageRecord record;
  record.id = config_desc.digest.hex;
  std::string repo_name = named.name();
  if (!named.tag.empty()) record.names.push_back(repo_name + ":" + named.tag);
  record.digests.push_back(fetched.digest.string());
  record.repo_digests.push_back(repo_name + "@" + fetched.digest.string());
  if (fetched.index_digest) {
    record.digests.push_back(fetched.index_digest->string());
    record.repo_digests.push_back(repo_name + "@" + fetched.index_digest->string());
  }
  record.layers = layer_ids;
  record.top_layer = layer_ids.empty() ? "" : layer_ids.back();
  record.manifest_media_type = fetched.manifest.media_type;
  record.size = size;
  record.created = config.created;
  record.pulled = format_rfc3339(now());
  storage::ImageRecord stored = NOOK_TRY(store.put_image(record, fetched.bytes, config_bytes));
  progress.line("Storing signatures");
  return stored.id;
}

// The endpoints to try for a fully-qualified reference: registries.conf's mirrors, then the
// registry itself (with its location rewritten).
Result<std::vector<Endpoint>> endpoints_for(const Settings& settings, const image::Reference& ref) {
  std::vector<Endpoint> out;
  auto add = [&](std::string_view text, bool insecure) -> Result<void> {
    image::Reference rewritten = NOOK_TRY(image::parse_normalized(text));
    Endpoint endpoint{.host = rewritten.domain, .repository = rewritten.path, .tag = rewritten.tag,
                      .digest = rewritten.digest, .insecure = insecure};
    out.push_back(std::move(endpoint));
    return {};
  };
  std::string text = ref.string();
  const config::Registry* registry = settings.config.registries.find_registry(text);
  if (registry == nullptr) {
    NOOK_TRY_VOID(add(text, false));
    return out;
  }
  if (registry->blocked) {
    return fail(ErrorKind::Permission, fmt::format("registry {} is blocked in registries.conf", registry->prefix));
  }
  for (const config::PullSource& source : config::pull_sources(*registry, text)) {
    NOOK_TRY_VOID(add(source.reference, source.endpoint.insecure));
  }
  return out;
}

Result<std::string> pull_reference(const Settings& settings, storage::Store& store, const PullOptions& options,
                                   const image::Reference& ref, SerialProgress& progress) {
  config::PolicyEvaluation policy = settings.config.policy.evaluate("docker", ref.string());
  if (policy.decision == config::PolicyDecision::Reject) {
    return fail(ErrorKind::Permission,
                fmt::format("Source image rejected: Running image docker://{} is rejected by policy.", ref.string()));
  }
  if (policy.decision == config::PolicyDecision::SignatureRequired) {
    return fail(ErrorKind::Unsupported,
                fmt::format("Source image rejected: policy requires a signature for docker://{}, and nook does not "
                            "verify signatures yet",
                            ref.string()));
  }
  std::vector<Endpoint> endpoints = NOOK_TRY(endpoints_for(settings, ref));
  std::optional<Error> last;
  for (const Endpoint& endpoint : endpoints) {
    auto id = pull_from(settings, store, options, endpoint, ref, progress);
    if (id) return id;
    last = id.error().context(fmt::format("initializing source docker://{}", ref.string()));
    NOOK_DEBUG(Image, "pull from {} failed: {}", endpoint.host, last->message());
    // Bad data is not cured by another mirror, but an unreachable or incomplete mirror is.
    if (last->kind() != ErrorKind::NotFound && last->kind() != ErrorKind::Network) break;
  }
  return fail(*last);
}

}  // namespace

Result<std::vector<PulledImage>> pull_image(const Settings& settings, std::string_view reference,
                                            const PullOptions& options, PullProgress* progress_sink) {
  if (is_local_transport(reference)) {
    if (options.policy != "always") {
      return fail(ErrorKind::Unsupported, fmt::format("pull policy {:?} is not supported by pull yet", options.policy));
    }
    return pull_from_transport(settings, reference, progress_sink);
  }
  std::string_view input = reference;
  if (input.starts_with("docker://")) input.remove_prefix(9);
  if (input.empty()) return fail(ErrorKind::InvalidArgument, "invalid reference format: repository name must have at least one component");
  if (options.policy != "always") {
    return fail(ErrorKind::Unsupported, fmt::format("pull policy {:?} is not supported by pull yet", options.policy));
  }
  SerialProgress progress(progress_sink);
  NOOK_TRY_VOID(wanted_platform(options));
  storage::Store store = NOOK_TRY(open_store(settings));

  std::vector<image::Candidate> candidates =
      NOOK_TRY(image::resolve_pull_candidates(input, settings.config.registries, false));
  std::vector<PulledImage> pulled;
  if (options.all_tags) {
    const image::Reference& first = candidates.front().ref;
    image::Reference typed = NOOK_TRY(image::parse_reference(input));
    if (!typed.tag.empty() || !typed.digest.empty()) {
      return fail(ErrorKind::InvalidArgument, "tag can't be used with --all-tags/-a");
    }
    std::vector<Endpoint> endpoints = NOOK_TRY(endpoints_for(settings, first));
    registry::Client client = NOOK_TRY(make_client(settings, options, endpoints.back()));
    std::vector<std::string> tags = NOOK_TRY(client.list_tags(endpoints.back().repository));
    for (const std::string& tag : tags) {
      image::Reference ref = first;
      ref.tag = tag;
      ref.digest.clear();
      progress.line(fmt::format("Trying to pull {}...", ref.string()));
      std::string id = NOOK_TRY(pull_reference(settings, store, options, ref, progress));
      pulled.push_back({id, ref.string()});
    }
    return pulled;
  }

  std::vector<Error> errors;
  for (const image::Candidate& candidate : candidates) {
    if (candidate.origin == "alias") progress.line(fmt::format("Resolved {:?} as an alias ({})", input, candidate.alias_file));
    progress.line(fmt::format("Trying to pull {}...", candidate.ref.string()));
    auto id = pull_reference(settings, store, options, candidate.ref, progress);
    if (id) {
      pulled.push_back({*id, candidate.ref.string()});
      return pulled;
    }
    errors.push_back(id.error());
    // Only "not there" moves on to the next search registry (containers/common's rule).
    if (id.error().kind() != ErrorKind::NotFound && id.error().kind() != ErrorKind::Network) break;
  }
  if (errors.size() == 1) return fail(errors.front());
  std::string message = fmt::format("{} errors occurred while pulling:", errors.size());
  for (const Error& error : errors) message += "\n * " + error.message();
  return fail(errors.front().kind(), message);
}

}  // namespace nook::engine
