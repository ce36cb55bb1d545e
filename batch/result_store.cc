#include "scribed/batch/result_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <system_error>

#include "scribed/base/json.h"
#include "scribed/config/file_hash.h"

namespace scribed::batch {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::optional<json> ReadJson(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  json j = json::parse(in, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  return j;
}

}  // namespace

ResultStore::ResultStore(base::FileSystem& fs, fs::path root) : fs_(fs), root_(std::move(root)) {
  fs_.CreateDirectories(root_ / "index");
}

void ResultStore::WriteJson(const fs::path& path, const json& j) {
  base::WriteFileAtomically(fs_, path, j.dump(1, ' ', false, json::error_handler_t::replace) + "\n",
                            base::FileMode::kShared);
}

fs::path ResultStore::PathOf(const std::string& sha256, const std::string& suffix) const {
  return root_ / sha256.substr(0, 2) / (sha256 + "." + suffix);
}

fs::path ResultStore::ClaimPath(const std::string& sha256) {
  fs::path path = PathOf(sha256, "claim");
  fs_.CreateDirectories(path.parent_path());
  return path;
}

std::optional<DoneRecord> ResultStore::Done(const std::string& sha256) const {
  const auto j = ReadJson(PathOf(sha256, "done"));
  if (!j || j->value("sha256", "") != sha256 || !(*j)["outputs"].is_object()) return std::nullopt;
  DoneRecord r;
  r.sha256 = sha256;
  r.source = j->value("source", "");
  r.duration_ms = j->value("duration_ms", int64_t{0});
  r.processing_s = j->value("processing_s", 0.0);
  r.worker = j->value("worker", "");
  r.finished_ms = j->value("finished_ms", int64_t{0});
  const fs::path dir = PathOf(sha256, "done").parent_path();
  for (const auto& [format, o] : (*j)["outputs"].items()) {
    OutputFile f{o.value("name", ""), o.value("size", uint64_t{0}), o.value("sha256", "")};
    std::error_code ec;
    if (f.name.empty() || fs::file_size(dir / f.name, ec) != f.size || ec) return std::nullopt;
    try {
      if (config::Sha256File(dir / f.name) != f.sha256) return std::nullopt;
    } catch (const std::system_error&) {
      return std::nullopt;
    }
    r.outputs[format] = f;
  }
  return r;
}

void ResultStore::WriteResult(DoneRecord& record, const std::map<std::string, std::string>& rendered) {
  fs_.CreateDirectories(PathOf(record.sha256, "done").parent_path());
  json outputs = json::object();
  record.outputs.clear();
  for (const auto& [format, content] : rendered) {
    const fs::path path = PathOf(record.sha256, format);
    base::WriteFileAtomically(fs_, path, content, base::FileMode::kShared);
    OutputFile f{path.filename().string(), content.size(), config::Sha256Bytes(content)};
    outputs[format] = {{"name", f.name}, {"size", f.size}, {"sha256", f.sha256}};
    record.outputs[format] = f;
  }
  WriteJson(PathOf(record.sha256, "done"),
            json{{"sha256", record.sha256},
                 {"source", record.source},
                 {"duration_ms", record.duration_ms},
                 {"processing_s", record.processing_s},
                 {"outputs", outputs},
                 {"worker", record.worker},
                 {"finished_ms", record.finished_ms}});
}

std::optional<FailureRecord> ResultStore::Failure(const std::string& sha256) const {
  const auto j = ReadJson(PathOf(sha256, "failed"));
  if (!j) return std::nullopt;
  return FailureRecord{sha256, j->value("source", ""), j->value("error", ""),
                       j->value("worker", ""), j->value("failed_ms", int64_t{0})};
}

void ResultStore::WriteFailure(const FailureRecord& r) {
  fs_.CreateDirectories(PathOf(r.sha256, "failed").parent_path());
  WriteJson(PathOf(r.sha256, "failed"), json{{"sha256", r.sha256},
                                             {"source", r.source},
                                             {"error", r.error},
                                             {"worker", r.worker},
                                             {"failed_ms", r.failed_ms}});
}

int ResultStore::ClearFailures() {
  int n = 0;
  for (const auto& dir : fs::directory_iterator(root_)) {
    if (!dir.is_directory() || dir.path().filename().string().size() != 2) continue;
    for (const auto& f : fs::directory_iterator(dir.path())) {
      if (f.path().extension() == ".failed" && fs::remove(f.path())) ++n;
    }
  }
  return n;
}

void ResultStore::WriteInputs(const std::vector<Input>& inputs) {
  json list = json::array();
  for (const Input& in : inputs) {
    json j{{"path", in.path.string()}, {"size", in.size}};
    if (!in.error.empty()) j["error"] = in.error;
    list.push_back(std::move(j));
  }
  WriteJson(root_ / "batch.json", json{{"format", "scribed-batch"}, {"version", 1}, {"inputs", list}});
}

std::vector<Input> ResultStore::ReadInputs() const {
  std::vector<Input> inputs;
  const auto j = ReadJson(root_ / "batch.json");
  if (!j || !(*j)["inputs"].is_array()) return inputs;
  for (const json& e : (*j)["inputs"]) {
    if (!e.is_object()) continue;
    Input in;
    in.path = e.value("path", "");
    in.size = e.value("size", uint64_t{0});
    in.error = e.value("error", "");
    inputs.push_back(std::move(in));
  }
  return inputs;
}

void ResultStore::WriteIndex(Shard shard, const std::vector<IndexEntry>& entries) {
  json list = json::array();
  for (const IndexEntry& e : entries) {
    json j{{"path", e.path}, {"size", e.size}, {"mtime_ns", e.mtime_ns}, {"sha256", e.sha256}};
    if (!e.error.empty()) j["error"] = e.error;
    list.push_back(std::move(j));
  }
  const std::string name =
      "shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count) + ".json";
  WriteJson(root_ / "index" / name, json{{"shard", shard.Name()}, {"entries", list}});
}

std::map<std::string, IndexEntry> ResultStore::ReadIndex() const {
  // Oldest index first, so newer observations of a path replace older ones.
  std::vector<std::pair<fs::file_time_type, fs::path>> files;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(root_ / "index", ec)) {
    if (f.path().extension() == ".json") files.emplace_back(f.last_write_time(ec), f.path());
  }
  std::sort(files.begin(), files.end());
  std::map<std::string, IndexEntry> by_path;
  for (const auto& [time, path] : files) {
    const auto j = ReadJson(path);
    if (!j || !(*j)["entries"].is_array()) continue;
    for (const json& e : (*j)["entries"]) {
      if (!e.is_object()) continue;
      IndexEntry entry{e.value("path", ""), e.value("size", uint64_t{0}),
                       e.value("mtime_ns", int64_t{0}), e.value("sha256", ""),
                       e.value("error", "")};
      if (!entry.path.empty()) by_path[entry.path] = std::move(entry);
    }
  }
  return by_path;
}

}  // namespace scribed::batch
