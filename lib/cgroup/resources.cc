#include "lib/cgroup/resources.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "lib/util/strings.h"

namespace nook::cgroup {

using nlohmann::json;

bool Resources::empty() const { return *this == Resources{}; }

namespace {

// resources.<group>.<name> when present: an integer of the type of `out`.
template <class T>
Result<void> read_int(const json& resources, const char* group, const char* name, std::optional<T>& out) {
  auto g = resources.find(group);
  if (g == resources.end() || g->is_null()) return {};
  if (!g->is_object()) return fail(ErrorKind::InvalidArgument, fmt::format("linux.resources.{}: expected an object", group));
  auto v = g->find(name);
  if (v == g->end() || v->is_null()) return {};
  bool ok = std::is_signed_v<T> ? v->is_number_integer() : v->is_number_unsigned() || (v->is_number_integer() && v->get<int64_t>() >= 0);
  if (!ok) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("linux.resources.{}.{}: expected {}", group, name, std::is_signed_v<T> ? "an integer" : "an unsigned integer"));
  }
  out = v->get<T>();
  return {};
}

Result<void> read_text(const json& resources, const char* group, const char* name, std::string& out) {
  auto g = resources.find(group);
  if (g == resources.end() || !g->is_object()) return {};
  auto v = g->find(name);
  if (v == g->end() || v->is_null()) return {};
  if (!v->is_string()) return fail(ErrorKind::InvalidArgument, fmt::format("linux.resources.{}.{}: expected a string", group, name));
  out = v->get<std::string>();
  return {};
}

}  // namespace

Result<Resources> parse_resources(const json& resources) {
  Resources r;
  if (resources.is_null()) return r;
  if (!resources.is_object()) return fail(ErrorKind::InvalidArgument, "linux.resources: expected an object");
  NOOK_TRY_VOID(read_int(resources, "memory", "limit", r.memory_limit));
  NOOK_TRY_VOID(read_int(resources, "memory", "reservation", r.memory_reservation));
  NOOK_TRY_VOID(read_int(resources, "memory", "swap", r.memory_swap));
  NOOK_TRY_VOID(read_int(resources, "memory", "swappiness", r.memory_swappiness));
  if (auto m = resources.find("memory"); m != resources.end() && m->is_object()) {
    if (auto d = m->find("disableOOMKiller"); d != m->end() && !d->is_null()) {
      if (!d->is_boolean()) return fail(ErrorKind::InvalidArgument, "linux.resources.memory.disableOOMKiller: expected a boolean");
      r.disable_oom_killer = d->get<bool>();
    }
  }
  NOOK_TRY_VOID(read_int(resources, "cpu", "shares", r.cpu_shares));
  NOOK_TRY_VOID(read_int(resources, "cpu", "quota", r.cpu_quota));
  NOOK_TRY_VOID(read_int(resources, "cpu", "period", r.cpu_period));
  NOOK_TRY_VOID(read_text(resources, "cpu", "cpus", r.cpuset_cpus));
  NOOK_TRY_VOID(read_text(resources, "cpu", "mems", r.cpuset_mems));
  NOOK_TRY_VOID(read_int(resources, "pids", "limit", r.pids_limit));
  NOOK_TRY_VOID(read_int(resources, "blockIO", "weight", r.blkio_weight));
  return r;
}

json merge_into(json into, const Resources& r) {
  if (!into.is_object()) into = json::object();
  auto put = [&into](const char* group, const char* name, const auto& value) {
    if (value) into[group][name] = *value;
  };
  put("memory", "limit", r.memory_limit);
  put("memory", "reservation", r.memory_reservation);
  put("memory", "swap", r.memory_swap);
  put("memory", "swappiness", r.memory_swappiness);
  put("memory", "disableOOMKiller", r.disable_oom_killer);
  put("cpu", "shares", r.cpu_shares);
  put("cpu", "quota", r.cpu_quota);
  put("cpu", "period", r.cpu_period);
  if (!r.cpuset_cpus.empty()) into["cpu"]["cpus"] = r.cpuset_cpus;
  if (!r.cpuset_mems.empty()) into["cpu"]["mems"] = r.cpuset_mems;
  put("pids", "limit", r.pids_limit);
  put("blockIO", "weight", r.blkio_weight);
  return into;
}

std::vector<FileWrite> v1_writes(const Resources& r, bool swap_accounting) {
  std::vector<FileWrite> out;
  auto add = [&out](const char* controller, const char* file, std::string value) {
    out.push_back({controller, file, std::move(value)});
  };
  // cpuset first: a task cannot join a cpuset cgroup whose cpus or mems are empty.
  if (!r.cpuset_cpus.empty()) add("cpuset", "cpuset.cpus", r.cpuset_cpus);
  if (!r.cpuset_mems.empty()) add("cpuset", "cpuset.mems", r.cpuset_mems);
  if (r.memory_limit) add("memory", "memory.limit_in_bytes", std::to_string(*r.memory_limit));
  if (r.memory_reservation) add("memory", "memory.soft_limit_in_bytes", std::to_string(*r.memory_reservation));
  // memsw must stay >= limit_in_bytes: it is written after the limit.
  if (r.memory_swap && swap_accounting) add("memory", "memory.memsw.limit_in_bytes", std::to_string(*r.memory_swap));
  if (r.memory_swappiness && *r.memory_swappiness <= 100) add("memory", "memory.swappiness", std::to_string(*r.memory_swappiness));
  if (r.disable_oom_killer && *r.disable_oom_killer) add("memory", "memory.oom_control", "1");
  if (r.cpu_shares && *r.cpu_shares != 0) add("cpu", "cpu.shares", std::to_string(*r.cpu_shares));
  if (r.cpu_period && *r.cpu_period != 0) add("cpu", "cpu.cfs_period_us", std::to_string(*r.cpu_period));
  if (r.cpu_quota && *r.cpu_quota != 0) add("cpu", "cpu.cfs_quota_us", std::to_string(*r.cpu_quota));
  if (r.pids_limit) add("pids", "pids.max", *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max");
  if (r.blkio_weight && *r.blkio_weight != 0) add("blkio", "blkio.weight", std::to_string(*r.blkio_weight));
  return out;
}

std::vector<FileWrite> v2_writes(const Resources& r) {
  std::vector<FileWrite> out;
  auto add = [&out](const char* controller, const char* file, std::string value) {
    out.push_back({controller, file, std::move(value)});
  };
  auto limit = [](int64_t v) { return v < 0 ? std::string("max") : std::to_string(v); };
  if (!r.cpuset_cpus.empty()) add("cpuset", "cpuset.cpus", r.cpuset_cpus);
  if (!r.cpuset_mems.empty()) add("cpuset", "cpuset.mems", r.cpuset_mems);
  if (r.memory_limit) add("memory", "memory.max", limit(*r.memory_limit));
  if (r.memory_reservation) add("memory", "memory.low", limit(*r.memory_reservation));
  // v1's memory+swap total becomes the swap alone.
  if (r.memory_swap) {
    if (*r.memory_swap < 0) {
      add("memory", "memory.swap.max", "max");
    } else if (r.memory_limit && *r.memory_limit > 0) {
      add("memory", "memory.swap.max", std::to_string(std::max<int64_t>(0, *r.memory_swap - *r.memory_limit)));
    }
  }
  if (r.cpu_shares && *r.cpu_shares != 0) add("cpu", "cpu.weight", std::to_string(shares_to_weight(*r.cpu_shares)));
  bool quota = r.cpu_quota && *r.cpu_quota != 0;
  bool period = r.cpu_period && *r.cpu_period != 0;
  if (quota || period) {
    std::string q = quota && *r.cpu_quota > 0 ? std::to_string(*r.cpu_quota) : "max";
    add("cpu", "cpu.max", fmt::format("{} {}", q, period ? *r.cpu_period : 100000));
  }
  if (r.pids_limit) add("pids", "pids.max", *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max");
  if (r.blkio_weight && *r.blkio_weight != 0) add("io", "io.weight", std::to_string(blkio_to_io_weight(*r.blkio_weight)));
  return out;
}

std::vector<std::string> v2_controllers_needed(const Resources& r) {
  std::vector<std::string> out;
  for (const FileWrite& w : v2_writes(r)) {
    if (std::find(out.begin(), out.end(), w.controller) == out.end()) out.push_back(w.controller);
  }
  std::sort(out.begin(), out.end());
  return out;
}

uint64_t shares_to_weight(uint64_t shares) {
  if (shares == 0) return 0;
  shares = std::clamp<uint64_t>(shares, 2, 262144);
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t blkio_to_io_weight(uint64_t weight) {
  if (weight == 0) return 0;
  weight = std::clamp<uint64_t>(weight, 10, 1000);
  return 1 + (weight - 10) * 9999 / 990;
}

std::optional<int64_t> flat_key_value(std::string_view text, std::string_view key) {
  for (const std::string& line : strings::split(text, '\n')) {
    std::string_view l = line;
    if (!l.starts_with(key) || l.size() <= key.size() || l[key.size()] != ' ') continue;
    std::string_view number = strings::trim(l.substr(key.size() + 1));
    int64_t value = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

}  // namespace nook::cgroup
