#include "lib/image/oci_layout.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "lib/image/json_adapter.h"
#include "lib/sys/file.h"

namespace nook::image {

namespace {

using ordered = nlohmann::ordered_json;

ordered descriptor_json(const Descriptor& d) {
  ordered out = ordered::object();
  out["mediaType"] = d.media_type;
  out["digest"] = d.digest.string();
  out["size"] = d.size;
  if (!d.urls.empty()) out["urls"] = d.urls;
  if (!d.annotations.empty()) {
    ordered a = ordered::object();
    for (const auto& [k, v] : d.annotations) a[k] = v;
    out["annotations"] = a;
  }
  if (d.platform) {
    ordered p = ordered::object();
    p["architecture"] = d.platform->architecture;
    p["os"] = d.platform->os;
    if (!d.platform->variant.empty()) p["variant"] = d.platform->variant;
    out["platform"] = p;
  }
  return out;
}

std::string dump(const ordered& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

std::string oci_blob_path(std::string_view dir, const Digest& digest) {
  return fmt::format("{}/blobs/{}/{}", dir, digest.algorithm, digest.hex);
}

Result<Index> read_oci_index(std::string_view dir) {
  std::string layout_path = fmt::format("{}/oci-layout", dir);
  auto layout = sys::read_file(layout_path);
  if (!layout) {
    if (layout.error().kind() == ErrorKind::NotFound) {
      return fail(ErrorKind::NotFound, fmt::format("{:?} is not an OCI layout: no oci-layout file", dir));
    }
    return fail(layout.error());
  }
  nlohmann::json parsed = NOOK_TRY(parse_json(*layout, "oci-layout"));
  if (!parsed.is_object() || !parsed.contains("imageLayoutVersion") || !parsed["imageLayoutVersion"].is_string()) {
    return fail(ErrorKind::Corrupt, fmt::format("{:?}: oci-layout has no imageLayoutVersion", dir));
  }
  std::string index = NOOK_TRY(sys::read_file(fmt::format("{}/index.json", dir)));
  auto parsed_index = parse_index(index, kMediaTypeOciIndex);
  if (!parsed_index) return fail(parsed_index.error().context(fmt::format("{:?}: index.json", dir)));
  return parsed_index;
}

Result<Descriptor> select_oci_manifest(const Index& index, std::string_view ref) {
  if (ref.empty()) {
    if (index.manifests.size() == 1) return index.manifests.front();
    if (index.manifests.empty()) return fail(ErrorKind::NotFound, "no descriptor found: the index is empty");
    return fail(ErrorKind::InvalidArgument,
                fmt::format("more than one image in oci, choose an image ({} found)", index.manifests.size()));
  }
  for (const Descriptor& d : index.manifests) {
    auto it = d.annotations.find(std::string(kOciRefNameAnnotation));
    if (it != d.annotations.end() && it->second == ref) return d;
  }
  return fail(ErrorKind::NotFound, fmt::format("no descriptor found for reference {:?}", ref));
}

Result<std::string> read_oci_blob(std::string_view dir, const Digest& digest, int64_t max_size) {
  std::string path = oci_blob_path(dir, digest);
  auto st = NOOK_TRY(sys::stat_path(path));
  if (st.st_size > max_size) {
    return fail(ErrorKind::Corrupt, fmt::format("blob {} is {} bytes, more than {} allowed", digest.string(),
                                                st.st_size, max_size));
  }
  std::string data = NOOK_TRY(sys::read_file(path));
  DigestVerifier verifier = NOOK_TRY(DigestVerifier::create(digest, -1));
  verifier.update(data.data(), data.size());
  NOOK_TRY_VOID(verifier.finish());
  return data;
}

Result<std::string> add_to_oci_index(std::string_view existing, Descriptor manifest, std::string_view ref_name) {
  std::vector<Descriptor> kept;
  std::map<std::string, std::string> top_annotations;
  if (!existing.empty()) {
    Index index = NOOK_TRY(parse_index(existing, kMediaTypeOciIndex));
    top_annotations = index.annotations;
    for (Descriptor& d : index.manifests) {
      auto it = d.annotations.find(std::string(kOciRefNameAnnotation));
      if (!ref_name.empty() && it != d.annotations.end() && it->second == ref_name) continue;
      kept.push_back(std::move(d));
    }
  }
  manifest.annotations.erase(std::string(kOciRefNameAnnotation));
  if (!ref_name.empty()) manifest.annotations[std::string(kOciRefNameAnnotation)] = std::string(ref_name);
  kept.push_back(std::move(manifest));
  ordered out = ordered::object();
  out["schemaVersion"] = 2;
  out["mediaType"] = kMediaTypeOciIndex;
  ordered list = ordered::array();
  for (const Descriptor& d : kept) list.push_back(descriptor_json(d));
  out["manifests"] = list;
  if (!top_annotations.empty()) {
    ordered a = ordered::object();
    for (const auto& [k, v] : top_annotations) a[k] = v;
    out["annotations"] = a;
  }
  return dump(out);
}

std::string encode_manifest(const Manifest& manifest) {
  ordered out = ordered::object();
  out["schemaVersion"] = 2;
  out["mediaType"] = manifest.media_type;
  out["config"] = descriptor_json(manifest.config);
  ordered layers = ordered::array();
  for (const Descriptor& d : manifest.layers) layers.push_back(descriptor_json(d));
  out["layers"] = layers;
  if (!manifest.annotations.empty()) {
    ordered a = ordered::object();
    for (const auto& [k, v] : manifest.annotations) a[k] = v;
    out["annotations"] = a;
  }
  return dump(out);
}

}  // namespace nook::image
