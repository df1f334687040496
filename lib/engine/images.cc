// The local image verbs (see images.h): podman 4.3's libimage semantics over lib/storage.
#include "lib/engine/images.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>

#include "lib/container/container.h"
#include "lib/engine/engine.h"
#include "lib/engine/image_reports.h"
#include "lib/engine/store_access.h"
#include "lib/format/template.h"
#include "lib/image/reference.h"
#include "lib/image/short_name.h"
#include "lib/util/log.h"
#include "lib/util/strings.h"

namespace nook::engine {

namespace {

using storage::ImageRecord;
using storage::LayerRecord;
using storage::Store;

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

nlohmann::json parse_object(std::string_view text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return doc.is_object() ? doc : nlohmann::json::object();
}

// The record with its config and manifest; unreadable bytes leave {} (as podman tolerates
// corrupted images in listings).
ImageFacts load_facts(const Store& store, const ImageRecord& record) {
  ImageFacts facts;
  facts.record = record;
  facts.size = record.size;
  if (auto config = store.read_config(record.id)) {
    facts.config = parse_object(*config);
    facts.size += static_cast<int64_t>(config->size());
  } else {
    facts.config = nlohmann::json::object();
  }
  if (auto manifest = store.read_manifest(record.id)) {
    facts.manifest = parse_object(*manifest);
    facts.size += static_cast<int64_t>(manifest->size());
  } else {
    facts.manifest = nlohmann::json::object();
  }
  return facts;
}

// --- list

struct Filter {
  std::string key;
  std::string value;
  bool negate = false;
};

Result<std::vector<Filter>> parse_filters(const std::vector<std::string>& filters) {
  static const std::set<std::string> kKeys = {"before", "containers", "dangling", "digest", "id", "intermediate",
                                              "label", "manifest", "readonly", "reference", "since", "until"};
  std::vector<Filter> out;
  for (const std::string& text : filters) {
    size_t eq = text.find('=');
    if (eq == std::string::npos) {
      return fail(ErrorKind::InvalidArgument, fmt::format("invalid image filter {:?}: must be in the format \"filter=value or filter!=value\"", text));
    }
    Filter f;
    f.key = text.substr(0, eq);
    f.value = text.substr(eq + 1);
    if (!f.key.empty() && f.key.back() == '!') {
      f.negate = true;
      f.key.pop_back();
    }
    if (!kKeys.contains(f.key)) return fail(ErrorKind::InvalidArgument, fmt::format("unsupported image filter {:?}", f.key));
    out.push_back(std::move(f));
  }
  return out;
}

Result<bool> parse_bool_filter(const Filter& f) {
  std::string v = strings::to_lower(f.value);
  if (v == "true" || v == "1" || v == "t") return true;
  if (v == "false" || v == "0" || v == "f") return false;
  return fail(ErrorKind::InvalidArgument, fmt::format("non-boolean value {:?} for {} filter", f.value, f.key));
}

// A time for "until": RFC 3339, unix seconds, or a Go duration ago ("10m", "2h", "30s").
Result<double> parse_image_until(std::string_view value) {
  if (auto t = parse_rfc3339(value)) return static_cast<double>(t->seconds);
  if (!value.empty()) {
    char unit = value.back();
    std::string_view number = value;
    double scale = 1;
    if (unit == 's' || unit == 'm' || unit == 'h') {
      number = value.substr(0, value.size() - 1);
      scale = unit == 's' ? 1 : unit == 'm' ? 60 : 3600;
    }
    if (!number.empty() && std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      double n = std::stod(std::string(number));
      return unit == 's' || unit == 'm' || unit == 'h' ? now_seconds() - n * scale : n;
    }
  }
  return fail(ErrorKind::InvalidArgument, fmt::format("invalid until filter value {:?}", value));
}

// libimage's children: images whose top layer sits directly on this image's top layer.
bool has_children(const ImageRecord& image, const std::vector<ImageRecord>& all) {
  if (image.top_layer.empty()) return false;
  for (const ImageRecord& other : all) {
    if (other.id == image.id || other.layers.size() < 2) continue;
    if (other.layers[other.layers.size() - 2] == image.top_layer) return true;
  }
  return false;
}

std::string familiar(std::string_view name) {
  auto ref = image::parse_reference(name);
  return ref ? ref->familiar() : std::string(name);
}

std::string without_tag(std::string_view name) {
  auto ref = image::parse_reference(name);
  return ref ? ref->name() : std::string(name);
}

bool reference_matches(const Store& store, const Settings& settings, const ImageRecord& image, const std::string& value) {
  if (auto found = find_local_image(store, settings, value); found && found->record.id == image.id) return true;
  for (const std::string& name : image.names) {
    for (const std::string& candidate : {name, familiar(name), without_tag(name), familiar(without_tag(name))}) {
      if (strings::glob_match(value, candidate)) return true;
    }
  }
  return false;
}

bool label_matches(const ImageFacts& facts, const std::string& value) {
  const nlohmann::json* labels = nullptr;
  if (facts.config.contains("config") && facts.config["config"].is_object() &&
      facts.config["config"].contains("Labels") && facts.config["config"]["Labels"].is_object()) {
    labels = &facts.config["config"]["Labels"];
  }
  if (labels == nullptr) return false;
  size_t eq = value.find('=');
  std::string key = value.substr(0, eq);
  auto it = labels->find(key);
  if (it == labels->end()) return false;
  if (eq == std::string::npos) return true;
  return it->is_string() && it->get<std::string>() == value.substr(eq + 1);
}

// Applies the filters (different keys AND, several reference= values OR).
Result<std::vector<ImageFacts>> filter_images(const Store& store, const Settings& settings,
                                              const std::vector<ImageRecord>& all, const std::vector<Filter>& filters) {
  std::vector<ImageFacts> out;
  std::vector<ImageFacts> facts;
  for (const ImageRecord& r : all) facts.push_back(load_facts(store, r));
  // Times of before=/since= images, resolved once.
  std::map<std::string, Timestamp> reference_times;
  for (const Filter& f : filters) {
    if (f.key == "before" || f.key == "since") {
      FoundImage found = NOOK_TRY(find_local_image(store, settings, f.value));
      ImageFacts ref = load_facts(store, found.record);
      reference_times[f.value] = image_created(ref);
    }
  }
  for (const ImageFacts& image : facts) {
    bool keep = true;
    bool any_reference = false;
    bool reference_hit = false;
    for (const Filter& f : filters) {
      bool match = true;
      const ImageRecord& r = image.record;
      if (f.key == "reference") {
        any_reference = true;
        if (reference_matches(store, settings, r, f.value) != f.negate) reference_hit = true;
        continue;
      }
      if (f.key == "label") {
        match = label_matches(image, f.value);
      } else if (f.key == "dangling") {
        match = NOOK_TRY(parse_bool_filter(f)) == r.names.empty();
      } else if (f.key == "intermediate") {
        match = NOOK_TRY(parse_bool_filter(f)) == (r.names.empty() && has_children(r, all));
      } else if (f.key == "readonly") {
        match = !NOOK_TRY(parse_bool_filter(f));
      } else if (f.key == "containers") {
        std::string v = strings::to_lower(f.value);
        if (v != "true" && v != "false" && v != "external") {
          return fail(ErrorKind::InvalidArgument, fmt::format("unsupported value {:?} for containers filter", f.value));
        }
        match = v == "false";  // no image is used by a container yet
      } else if (f.key == "manifest") {
        match = !NOOK_TRY(parse_bool_filter(f));
      } else if (f.key == "id") {
        match = r.id.starts_with(f.value.starts_with("sha256:") ? f.value.substr(7) : f.value);
      } else if (f.key == "digest") {
        match = std::find(r.digests.begin(), r.digests.end(), f.value) != r.digests.end();
      } else if (f.key == "before") {
        match = image_created(image) < reference_times[f.value];
      } else if (f.key == "since") {
        match = image_created(image) > reference_times[f.value];
      } else if (f.key == "until") {
        double until = NOOK_TRY(parse_image_until(f.value));
        match = static_cast<double>(image_created(image).seconds) < until;
      }
      if (match == f.negate) {
        keep = false;
        break;
      }
    }
    if (keep && (!any_reference || reference_hit)) out.push_back(image);
  }
  return out;
}

// "docker.io/library/busybox:latest" -> {"docker.io/library/busybox", "latest"} (podman's tokenRepoTag).
std::pair<std::string, std::string> repo_and_tag(std::string_view name) {
  auto ref = image::parse_reference(name);
  if (!ref) return {"<none>", "<none>"};
  std::string repo = ref->name().empty() ? "<none>" : ref->name();
  std::string tag = ref->tag.empty() ? "<none>" : ref->tag;
  return {repo, tag};
}

std::string display_id(std::string_view id, bool no_trunc) {
  if (!no_trunc && id.size() >= 12) return std::string(id.substr(0, 12));
  return "sha256:" + std::string(id);
}

nlohmann::json list_row(const ImageFacts& facts, const std::string& repo, const std::string& tag, bool no_trunc) {
  nlohmann::json row = image_summary(facts);
  Timestamp created = image_created(facts);
  std::string ago = human_duration(seconds_since(created)) + " ago";
  row["Repository"] = repo;
  row["Tag"] = tag;
  row["ID"] = display_id(facts.record.id, no_trunc);
  row["Created"] = ago;
  row["CreatedSince"] = ago;
  row["CreatedAt"] = go_time_string(Timestamp{created.seconds, 0});
  row["CreatedTime"] = row["CreatedAt"];
  row["Size"] = spaced_size(facts.size);
  row["History"] = strings::join(names_history(facts.record), ", ");
  row["ReadOnly"] = false;
  row["Dangling"] = facts.record.names.empty();
  if (!row.contains("Digest")) row["Digest"] = "";
  if (!row.contains("Names")) row["Names"] = nlohmann::json::array();
  // Sort keys, not shown.
  row["__created"] = created.seconds;
  row["__size"] = facts.size;
  return row;
}

}  // namespace

std::map<std::string, std::string> image_list_headers() { return {{"ID", "IMAGE ID"}, {"ReadOnly", "R/O"}}; }

Result<std::string> render_rows(std::string_view format, const nlohmann::json& rows, bool noheading,
                                const std::map<std::string, std::string>& header_overrides) {
  return format::render_list(format, rows, format::FormatOptions{.noheading = noheading}, header_overrides);
}

Result<ImageListReport> list_images(const Settings& settings, const ImageListOptions& options) {
  static const std::vector<std::string> kSortFields = {"created", "id", "repository", "size", "tag"};
  if (std::find(kSortFields.begin(), kSortFields.end(), options.sort) == kSortFields.end()) {
    return fail(ErrorKind::InvalidArgument, fmt::format("\"{}\" is not a valid field for sorting. Choose from: {}",
                                                        options.sort, strings::join(kSortFields, ", ")));
  }
  std::vector<Filter> filters = NOOK_TRY(parse_filters(options.filters));
  if (!options.all) filters.push_back({"intermediate", "false", false});
  Store store = NOOK_TRY(open_store_read_only(settings));
  std::vector<ImageRecord> all = NOOK_TRY(store.images());
  std::vector<ImageFacts> images = NOOK_TRY(filter_images(store, settings, all, filters));

  std::vector<nlohmann::json> rows;
  for (const ImageFacts& facts : images) {
    std::vector<nlohmann::json> tagged;
    std::vector<nlohmann::json> untagged;
    for (const std::string& name : facts.record.names) {
      if (name.find('@') != std::string::npos) continue;
      auto [repo, tag] = repo_and_tag(name);
      (tag == "<none>" ? untagged : tagged).push_back(list_row(facts, repo, tag, options.no_trunc));
    }
    if (!tagged.empty()) {
      for (auto& row : tagged) rows.push_back(std::move(row));
    } else if (!untagged.empty()) {
      rows.push_back(std::move(untagged.front()));
    } else {
      rows.push_back(list_row(facts, "<none>", "<none>", options.no_trunc));
    }
  }
  auto str = [](const nlohmann::json& row, const char* key) { return row[key].get<std::string>(); };
  std::stable_sort(rows.begin(), rows.end(), [&](const nlohmann::json& a, const nlohmann::json& b) {
    if (options.sort == "id") return str(a, "Id") < str(b, "Id");
    if (options.sort == "repository") return str(a, "Repository") < str(b, "Repository");
    if (options.sort == "tag") return str(a, "Tag") < str(b, "Tag");
    if (options.sort == "size") return a["__size"].get<int64_t>() < b["__size"].get<int64_t>();
    return a["__created"].get<int64_t>() > b["__created"].get<int64_t>();
  });

  ImageListReport report;
  std::set<std::string> seen;
  for (nlohmann::json& row : rows) {
    // --format json: the summary with RepoTags null and the unix/RFC 3339 created times.
    const std::string id = str(row, "Id");
    auto it = std::find_if(images.begin(), images.end(), [&](const ImageFacts& f) { return f.record.id == id; });
    nlohmann::json summary = image_summary(*it);
    summary["RepoTags"] = nullptr;
    summary["CreatedAt"] = format_rfc3339_nano(Timestamp{image_created(*it).seconds, 0});
    report.json.push_back(std::move(summary));
    std::string shown = str(row, "ID");
    if (seen.insert(shown).second) report.ids.push_back(shown);
    row.erase("__created");
    row.erase("__size");
    report.rows.push_back(std::move(row));
  }
  return report;
}

// --- JSON in podman's key order

namespace {

using KeyOrder = std::map<std::string, std::vector<std::string>>;  // "" = the top level

nlohmann::ordered_json reorder(const nlohmann::json& value, const KeyOrder& orders, const std::string& key) {
  if (value.is_array()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const nlohmann::json& item : value) out.push_back(reorder(item, orders, key));
    return out;
  }
  if (!value.is_object()) return nlohmann::ordered_json(value);
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  auto order = orders.find(key);
  if (order != orders.end()) {
    for (const std::string& k : order->second) {
      if (value.contains(k)) out[k] = reorder(value[k], orders, k);
    }
  }
  for (const auto& [k, v] : value.items()) {
    if (!out.contains(k)) out[k] = reorder(v, orders, order != orders.end() ? k : "\x01map");
  }
  return out;
}

}  // namespace

std::string image_json_text(const nlohmann::json& array, ImageJsonKind kind, int indent) {
  static const KeyOrder kList = {
      {"", {"Id", "ParentId", "RepoTags", "RepoDigests", "Size", "SharedSize", "VirtualSize", "Labels", "Containers",
            "ReadOnly", "Dangling", "Names", "Digest", "ConfigDigest", "History", "Created", "CreatedAt"}}};
  static const KeyOrder kInspect = {
      {"", {"Id", "Digest", "RepoTags", "RepoDigests", "Parent", "Comment", "Created", "Config", "Version", "Author",
            "Architecture", "Os", "Size", "VirtualSize", "GraphDriver", "RootFS", "Labels", "Annotations",
            "ManifestType", "User", "History", "NamesHistory", "Healthcheck"}},
      {"Config", {"User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels", "StopSignal",
                  "ArgsEscaped"}},
      {"GraphDriver", {"Name", "Data"}},
      {"RootFS", {"Type", "Layers"}},
      {"History", {"created", "created_by", "author", "comment", "empty_layer"}},
      {"Healthcheck", {"Test", "Interval", "Timeout", "StartPeriod", "Retries"}}};
  static const KeyOrder kHistory = {{"", {"id", "CreatedBy", "tags", "size", "comment", "created"}}};
  const KeyOrder& orders = kind == ImageJsonKind::List ? kList : kind == ImageJsonKind::Inspect ? kInspect : kHistory;
  // The array's elements are the top-level objects.
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const nlohmann::json& item : array) out.push_back(reorder(item, orders, ""));
  return out.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// --- inspect

Result<ImageInspectReport> inspect_images(const Settings& settings, const std::vector<std::string>& names,
                                          bool type_all) {
  Store store = NOOK_TRY(open_store_read_only(settings));
  GraphDriverInfo driver;
  driver.name = decide_driver(settings).driver;
  ImageInspectReport report;
  for (const std::string& name : names) {
    auto found = find_local_image(store, settings, name);
    if (!found) {
      if (found.error().kind() != ErrorKind::NotFound) return fail(found.error());
      report.errors.push_back(type_all ? Error(ErrorKind::NotFound, fmt::format("no such object: {:?}", name))
                                       : found.error());
      continue;
    }
    const ImageRecord& r = found->record;
    GraphDriverInfo info = driver;
    if (r.layers.empty()) {
      info.data = nullptr;
    } else if (driver.name == "vfs") {
      // Every vfs layer holds the whole tree.
      info.data = {{"UpperDir", store.layer_dir(r.top_layer)}};
    } else {
      nlohmann::json data = nlohmann::json::object();
      std::vector<std::string> lower;
      for (auto it = r.layers.rbegin() + 1; it != r.layers.rend(); ++it) lower.push_back(store.layer_dir(*it));
      if (!lower.empty()) data["LowerDir"] = strings::join(lower, ":");
      std::string upper = store.layer_dir(r.top_layer);
      data["UpperDir"] = upper;
      data["WorkDir"] = upper.substr(0, upper.rfind('/')) + "/work";
      info.data = std::move(data);
    }
    report.data.push_back(image_inspect_data(load_facts(store, r), info));
  }
  return report;
}

// --- history

Result<ImageHistoryReport> image_history(const Settings& settings, std::string_view name,
                                         const ImageHistoryOptions& options) {
  Store store = NOOK_TRY(open_store_read_only(settings));
  FoundImage found = NOOK_TRY(find_local_image(store, settings, name));
  ImageFacts facts = load_facts(store, found.record);
  std::vector<ImageRecord> all = NOOK_TRY(store.images());
  std::vector<LayerRecord> layers = NOOK_TRY(store.layers());
  std::map<std::string, const LayerRecord*> by_id;
  for (const LayerRecord& l : layers) by_id[l.id] = &l;
  auto images_on_top = [&](const std::string& layer_id) {
    std::vector<const ImageRecord*> out;
    for (const ImageRecord& r : all) {
      if (r.top_layer == layer_id) out.push_back(&r);
    }
    return out;
  };

  nlohmann::json history = nlohmann::json::array();
  if (facts.config.contains("history") && facts.config["history"].is_array()) history = facts.config["history"];
  const LayerRecord* layer = nullptr;
  if (!found.record.top_layer.empty()) {
    auto it = by_id.find(found.record.top_layer);
    if (it != by_id.end()) layer = it->second;
  }
  std::set<std::string> used_ids;
  ImageHistoryReport report;
  for (size_t n = history.size(); n-- > 0;) {
    const nlohmann::json& entry = history[n];
    auto text = [&](const char* key) {
      return entry.is_object() && entry.contains(key) && entry[key].is_string() ? entry[key].get<std::string>()
                                                                                 : std::string();
    };
    bool empty_layer = entry.is_object() && entry.contains("empty_layer") && entry["empty_layer"].is_boolean() &&
                       entry["empty_layer"].get<bool>();
    std::string id = n + 1 == history.size() ? found.record.id : "<missing>";
    int64_t size = 0;
    nlohmann::json tags = nlohmann::json::array();
    if (layer != nullptr) {
      if (!empty_layer) size = layer->uncompressed_size;
      std::vector<const ImageRecord*> on_top = images_on_top(layer->id);
      if (!on_top.empty()) {
        if (used_ids.insert(on_top.front()->id).second) id = on_top.front()->id;
        for (const ImageRecord* r : on_top) {
          for (const std::string& tag : r->names) tags.push_back(tag);
        }
      }
      if (!empty_layer) {
        auto parent = by_id.find(layer->parent);
        layer = layer->parent.empty() || parent == by_id.end() ? nullptr : parent->second;
      }
    }
    Timestamp created = parse_rfc3339(text("created")).value_or(Timestamp{});
    nlohmann::json item = {{"id", id}, {"created", format_rfc3339(created)}, {"size", size}};
    if (!text("created_by").empty()) item["CreatedBy"] = text("created_by");
    if (!tags.empty()) item["tags"] = tags;
    if (!text("comment").empty()) item["comment"] = text("comment");
    report.json.push_back(item);

    std::string created_by = text("created_by");
    if (!options.no_trunc && created_by.size() > 45) created_by = created_by.substr(0, 42) + "...";
    nlohmann::json row = {
        {"ID", !options.no_trunc && id.size() >= 12 && id != "<missing>" ? id.substr(0, 12) : id},
        {"Created", options.human ? human_duration(seconds_since(created)) + " ago" : format_rfc3339(created)},
        {"CreatedBy", created_by},
        {"Size", spaced_size(size)},
        {"Comment", text("comment")},
        {"Tags", tags},
    };
    report.rows.push_back(std::move(row));
  }
  return report;
}

// --- tree

Result<std::string> image_tree(const Settings& settings, std::string_view name, bool what_requires) {
  Store store = NOOK_TRY(open_store_read_only(settings));
  FoundImage found = NOOK_TRY(find_local_image(store, settings, name));
  const ImageRecord& image = found.record;
  ImageFacts facts = load_facts(store, image);
  std::vector<ImageRecord> all = NOOK_TRY(store.images());
  std::vector<LayerRecord> layers = NOOK_TRY(store.layers());
  std::map<std::string, const LayerRecord*> by_id;
  for (const LayerRecord& l : layers) by_id[l.id] = &l;

  auto tags_list = [](const std::vector<std::string>& names) {
    std::vector<std::string> tags;
    for (const std::string& n : names) {
      if (n.find('@') == std::string::npos) tags.push_back(n);
    }
    return "[" + strings::join(tags, " ") + "]";
  };
  auto layer_line = [&](const LayerRecord& layer) {
    std::vector<std::string> tags;
    for (const ImageRecord& r : all) {
      if (r.top_layer != layer.id) continue;
      for (const std::string& n : r.names) {
        if (n.find('@') == std::string::npos && std::find(tags.begin(), tags.end(), n) == tags.end()) tags.push_back(n);
      }
    }
    std::string suffix = tags.empty() ? std::string() : " Top Layer of: [" + strings::join(tags, " ") + "]";
    return fmt::format("ID: {} Size: {:>7}{}", layer.id.substr(0, 12),
                       human_size(static_cast<double>(layer.uncompressed_size), 4), suffix);
  };

  TextTree tree;
  tree.text = fmt::format("Image ID: {}\nTags:     {}\nSize:     {}\n{}", image.id.substr(0, 12), tags_list(image.names),
                          human_size(static_cast<double>(facts.size), 4),
                          image.top_layer.empty() ? "No Image Layers" : "Image Layers");
  auto top = by_id.find(image.top_layer);
  if (top != by_id.end()) {
    if (what_requires) {
      // podman's imageTreeTraverseChildren: a layer with one child does not indent it.
      std::function<void(const LayerRecord&, TextTree&)> traverse = [&](const LayerRecord& layer, TextTree& parent) {
        parent.children.push_back(TextTree{layer_line(layer), {}});
        std::vector<const LayerRecord*> children;
        for (const LayerRecord& l : layers) {
          if (l.parent == layer.id) children.push_back(&l);
        }
        TextTree& next = children.size() <= 1 ? parent : parent.children.back();
        for (const LayerRecord* child : children) traverse(*child, next);
      };
      traverse(*top->second, tree);
    } else {
      for (const LayerRecord* layer = top->second; layer != nullptr;) {
        tree.children.push_back(TextTree{layer_line(*layer), {}});
        auto parent = by_id.find(layer->parent);
        layer = layer->parent.empty() || parent == by_id.end() ? nullptr : parent->second;
      }
    }
  }
  return render_text_tree(tree);
}

// --- exists

Result<bool> image_exists(const Settings& settings, std::string_view name) {
  Store store = NOOK_TRY(open_store_read_only(settings));
  auto found = find_local_image(store, settings, name);
  if (found) return true;
  if (found.error().kind() == ErrorKind::NotFound) return false;
  return fail(found.error());
}

// --- tag / untag

Result<std::string> normalize_image_name(std::string_view name) {
  auto parsed = image::parse_reference(name);
  if (!parsed) return fail(ErrorKind::InvalidArgument, fmt::format("normalizing name {:?}: {}", name, parsed.error().message()));
  std::string text(name);
  const std::string& domain = parsed->domain;
  if (!(domain.find_first_of(".:") != std::string::npos || domain == "localhost")) text = "localhost/" + text;
  auto normalized = image::parse_normalized(text);
  if (!normalized) return fail(ErrorKind::InvalidArgument, fmt::format("normalizing name {:?}: {}", name, normalized.error().message()));
  image::Reference ref = *normalized;
  if (!ref.tag.empty()) ref.digest.clear();
  return image::with_default_tag(ref).string();
}

Result<void> tag_image(const Settings& settings, std::string_view image_name, const std::vector<std::string>& targets) {
  Store store = NOOK_TRY(open_store(settings));
  FoundImage found = NOOK_TRY(find_local_image(store, settings, image_name));
  for (const std::string& target : targets) {
    std::string name = NOOK_TRY(normalize_image_name(target));
    if (name.find('@') != std::string::npos) {
      return fail(ErrorKind::InvalidArgument, fmt::format("{}: tag by digest not supported", target));
    }
    NOOK_DEBUG(Store, "tagging {} as {}", found.record.id, name);
    NOOK_TRY_VOID(store.add_name(found.record.id, name));
  }
  return {};
}

Result<void> untag_image(const Settings& settings, std::string_view image_name, const std::vector<std::string>& names) {
  Store store = NOOK_TRY(open_store(settings));
  FoundImage found = NOOK_TRY(find_local_image(store, settings, image_name));
  const ImageRecord& r = found.record;
  if (names.empty()) {
    for (const std::string& name : r.names) NOOK_TRY_VOID(store.remove_name(r.id, name));
    return {};
  }
  for (const std::string& given : names) {
    if (given.starts_with("sha256:")) return fail(ErrorKind::InvalidArgument, "untag by digest not supported");
    std::string name = NOOK_TRY(normalize_image_name(given));
    bool has = std::find(r.names.begin(), r.names.end(), name) != r.names.end();
    if (!has) {
      // A short name the image carries under a search registry ("busybox" for docker.io's).
      for (const image::Reference& c : image::local_candidates(given, settings.config.registries)) {
        std::string text = c.string();
        if (std::find(r.names.begin(), r.names.end(), text) != r.names.end()) {
          name = text;
          has = true;
          break;
        }
      }
    }
    if (!has) return fail(ErrorKind::NotFound, fmt::format("{}: tag not known", name));
    NOOK_TRY_VOID(store.remove_name(r.id, name));
  }
  return {};
}

// --- rmi

namespace {

// Containers that use images (by image id) and the layers they stand on: an image a container
// uses is not removed (podman's "image is in use by a container"), nor are its layers.
struct ContainerUse {
  std::multimap<std::string, std::string> by_image;  // image id -> container id
  std::set<std::string, std::less<>> layers;
};

Result<ContainerUse> container_use(const Settings& settings) {
  ContainerUse use;
  container::ContainerStore containers = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, true));
  std::vector<container::Container> all = NOOK_TRY(containers.list());
  for (const container::Container& c : all) {
    use.by_image.emplace(c.image_id, c.id);
    use.layers.insert(c.layers.begin(), c.layers.end());
  }
  return use;
}

// libimage's removeRecursive for one (image, referenced-by) pair. Appends to the report.
// `before_delete` runs when the image is about to be deleted (not just untagged).
Result<void> remove_one(Store& store, const std::string& id, const std::string& referenced_by, bool force,
                        std::set<std::string>& removed, RemoveImagesReport& report,
                        const std::function<Result<void>(const std::string&)>& before_delete,
                        const std::function<bool(std::string_view)>& layer_in_use) {
  if (removed.contains(id)) return {};
  ImageRecord record = NOOK_TRY(store.find_image(id));
  size_t num_names = record.names.size();
  if (!referenced_by.empty() && num_names != 1) {
    bool by_id = record.id.starts_with(referenced_by);
    bool by_digest = referenced_by.starts_with("sha256:");
    std::string names = "[" + strings::join(record.names, " ") + "]";
    if (!force && by_id && num_names > 1) {
      return fail(ErrorKind::InvalidState,
                  fmt::format("unable to delete image {:?} by ID with more than one tag ({}): please force removal", record.id, names));
    }
    if (!force && by_digest && num_names > 1) {
      return fail(ErrorKind::InvalidState,
                  fmt::format("unable to delete image {:?} by digest with more than one tag ({}): please force removal", record.id, names));
    }
    if (!by_id && !by_digest) {
      auto untagged = store.remove_name(record.id, referenced_by);
      if (!untagged && untagged.error().kind() != ErrorKind::NotFound) return fail(untagged.error());
      report.untagged.push_back(referenced_by);
      record = NOOK_TRY(store.find_image(id));
      if (!record.names.empty()) return {};
    }
  }
  NOOK_TRY_VOID(before_delete(record.id));
  storage::RemoveReport removal = NOOK_TRY(store.remove_image(record.id, layer_in_use));
  for (const std::string& name : record.names) report.untagged.push_back(name);
  report.deleted.push_back(record.id);
  removed.insert(record.id);
  NOOK_DEBUG(Store, "removed image {} ({} layers)", record.id, removal.layers_deleted.size());
  return {};
}

int exit_code_of(const std::vector<Error>& errors) {
  int code = 0;
  for (const Error& e : errors) {
    if (e.kind() == ErrorKind::NotFound) {
      if (code == 0) code = 1;
    } else if (e.kind() == ErrorKind::InvalidState && e.message().find("in use") != std::string::npos) {
      if (code != 125) code = 2;
    } else {
      code = 125;
    }
  }
  return code;
}

}  // namespace

Result<RemoveImagesReport> remove_images(const Settings& settings, const std::vector<std::string>& names,
                                         const RemoveImagesOptions& options) {
  Store store = NOOK_TRY(open_store(settings));
  RemoveImagesReport report;
  // (id, referenced-by names) in the order given.
  std::vector<std::pair<std::string, std::vector<std::string>>> to_delete;
  auto entry_for = [&](const std::string& id) -> std::vector<std::string>& {
    for (auto& [existing, refs] : to_delete) {
      if (existing == id) return refs;
    }
    to_delete.push_back({id, {}});
    return to_delete.back().second;
  };
  if (options.all) {
    std::vector<ImageRecord> all = NOOK_TRY(store.images());
    for (const ImageRecord& r : all) entry_for(r.id);
  } else {
    for (const std::string& name : names) {
      auto found = find_local_image(store, settings, name);
      if (!found) {
        if (options.ignore && found.error().kind() == ErrorKind::NotFound) continue;
        report.errors.push_back(found.error());
        continue;
      }
      entry_for(found->record.id).push_back(found->resolved);
    }
  }
  std::set<std::string> removed;
  ContainerUse use = NOOK_TRY(container_use(settings));
  // podman: without --force an image a container uses stays (exit 2); with it, its containers go
  // first (stopped if running).
  auto before_delete = [&](const std::string& image_id) -> Result<void> {
    auto [first, last] = use.by_image.equal_range(image_id);
    if (first == last) return {};
    if (!options.force) {
      return fail(ErrorKind::InvalidState,
                  fmt::format("image used by {}: image is in use by a container: consider listing external "
                              "containers and force-removing image",
                              first->second));
    }
    std::vector<std::string> ids;
    for (auto it = first; it != last; ++it) ids.push_back(it->second);
    RemoveOptions remove;
    remove.force = true;
    std::vector<ContainerResult> results = NOOK_TRY(remove_containers(settings, ids, remove));
    for (const ContainerResult& r : results) {
      if (r.error) return fail(*r.error);
    }
    use = NOOK_TRY(container_use(settings));
    return {};
  };
  auto layer_in_use = [&](std::string_view layer) { return use.layers.contains(layer); };
  for (auto& [id, refs] : to_delete) {
    if (refs.empty()) refs.push_back("");
    for (const std::string& ref : refs) {
      auto done = remove_one(store, id, ref, options.force || options.all, removed, report, before_delete,
                             layer_in_use);
      if (!done) report.errors.push_back(done.error());
    }
  }
  report.exit_code = exit_code_of(report.errors);
  return report;
}

// --- prune

Result<std::vector<std::string>> prune_images(const Settings& settings, const PruneImagesOptions& options) {
  std::vector<Filter> filters = NOOK_TRY(parse_filters(options.filters));
  if (!options.all) filters.push_back({"dangling", "true", false});
  Store store = NOOK_TRY(open_store(settings));
  std::vector<std::string> out;
  // Images containers use are never pruned (podman), nor the layers under them.
  ContainerUse use = NOOK_TRY(container_use(settings));
  auto layer_in_use = [&](std::string_view layer) { return use.layers.contains(layer); };
  // As podman: repeat until nothing more goes (removing an image can leave a dangling parent).
  for (int round = 0; round < 1000; ++round) {
    std::vector<ImageRecord> all = NOOK_TRY(store.images());
    std::erase_if(all, [&](const ImageRecord& r) { return use.by_image.contains(r.id); });
    std::vector<ImageFacts> victims = NOOK_TRY(filter_images(store, settings, all, filters));
    if (victims.empty()) break;
    for (const ImageFacts& victim : victims) {
      NOOK_TRY(store.remove_image(victim.record.id, layer_in_use));
      out.push_back(victim.record.id);
    }
  }
  return out;
}

}  // namespace nook::engine
