#include "scribed/batch/status.h"

#include <set>

#include "scribed/batch/claim.h"

namespace scribed::batch {

using nlohmann::json;

json BatchStatus::Json() const {
  json list = json::array();
  for (const InputStatus& in : inputs) {
    list.push_back({{"path", in.path},
                    {"sha256", in.sha256.empty() ? json(nullptr) : json(in.sha256)},
                    {"state", in.state},
                    {"outputs", in.outputs},
                    {"error", in.error.empty() ? json(nullptr) : json(in.error)},
                    {"duration_ms", in.duration_ms}});
  }
  return {{"done", done},
          {"failed", failed},
          {"running", running},
          {"pending", pending},
          {"audio_hours", audio_s / 3600},
          {"processing_hours", processing_s / 3600},
          {"real_time_factor", audio_s > 0 ? processing_s / audio_s : 0.0},
          {"inputs", std::move(list)}};
}

BatchStatus ReadStatus(const ResultStore& store, std::chrono::seconds lease) {
  BatchStatus s;
  const std::map<std::string, IndexEntry> index = store.ReadIndex();
  std::set<std::string> counted;
  for (const Input& in : store.ReadInputs()) {
    InputStatus st;
    st.path = in.path.string();
    st.state = "pending";
    st.error = in.error;
    if (auto it = index.find(st.path); it != index.end()) {
      st.sha256 = it->second.sha256;
      if (st.error.empty()) st.error = it->second.error;
    }
    if (!st.error.empty()) {
      st.state = "failed";
    } else if (!st.sha256.empty()) {
      if (auto done = store.Done(st.sha256)) {
        st.state = "done";
        st.duration_ms = done->duration_ms;
        for (const auto& [format, file] : done->outputs) {
          st.outputs[format] = (store.PathOf(st.sha256, format).parent_path() / file.name).string();
        }
        // Copies of one recording were transcribed once: count them once.
        if (counted.insert(st.sha256).second) {
          s.audio_s += static_cast<double>(done->duration_ms) / 1000.0;
          s.processing_s += done->processing_s;
        }
      } else if (auto failed = store.Failure(st.sha256)) {
        st.state = "failed";
        st.error = failed->error;
      } else if (ClaimIsLive(store.PathOf(st.sha256, "claim"), lease)) {
        st.state = "running";
      }
    }
    s.done += st.state == "done";
    s.failed += st.state == "failed";
    s.running += st.state == "running";
    s.pending += st.state == "pending";
    s.inputs.push_back(std::move(st));
  }
  return s;
}

}  // namespace scribed::batch
