#include "daemon/jobs/job_store.h"

#include <charconv>
#include <stdexcept>

#include "scribed/protocol/path_field.h"

namespace scribed::daemon {
namespace {

using journal::RecordType;
using nlohmann::json;

constexpr const char* kJournalName = "jobs.journal";

std::optional<int64_t> JobNumber(const std::string& id) {
  if (id.size() < 3 || id.compare(0, 2, "j-") != 0) return std::nullopt;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(id.data() + 2, id.data() + id.size(), n);
  if (ec != std::errc() || end != id.data() + id.size() || n <= 0) return std::nullopt;
  return n;
}

// The record of a submission. A path that is not UTF-8 is kept as base64
// beside its readable form: the JSON payload could not hold its bytes.
json SubmittedRecord(const Job& job) {
  json record{{"job", job.id}, {"options", job.options}, {"submitted_ms", job.submitted_ms}};
  protocol::SetPath(record, job.path);
  return record;
}

}  // namespace

const char* JobStateName(JobState state) noexcept {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kDone:
      return "done";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

JobStore::JobStore(base::FileSystem& fs, std::filesystem::path state_dir)
    : fs_(fs), dir_(std::move(state_dir)) {
  fs_.CreateDirectories(dir_);
  const std::string original = fs_.ReadAll(dir_ / kJournalName).value_or(std::string());
  const JournalContents contents = ParseJournal(original);
  for (const JournalRecord& record : contents.records) {
    // A record that passed its checksum but does not make sense (a bug or a
    // hand edit) is skipped rather than taking the daemon down.
    try {
      Apply(record);
    } catch (const std::exception& e) {
      recovery_.corruption = "record at offset " + std::to_string(record.offset) + ": " + e.what();
    }
  }
  recovery_.records = contents.records.size();
  recovery_.torn_tail_bytes = contents.torn_tail_bytes;
  if (contents.corruption) recovery_.corruption = contents.corruption;
  for (auto& [n, job] : jobs_) {
    // A job that was running when the daemon died runs again from its clips.
    if (job.state == JobState::kRunning) job.state = JobState::kQueued;
    if (job.state == JobState::kQueued) ++recovery_.resumed_jobs;
  }
  Compact(original, contents);
}

// Rewrites the journal from what recovery kept, at every start: a torn tail or
// the bytes after a corrupt record never stay in front of new appends (which
// the next recovery could not read past), and the file shrinks to one record
// per job state. The damaged original is kept beside it for inspection.
void JobStore::Compact(const std::string& original, const JournalContents& contents) {
  if (contents.corruption) {
    base::WriteFileAtomically(fs_, dir_ / (std::string(kJournalName) + ".corrupt"), original);
  }
  std::string compacted;
  for (const auto& [n, job] : jobs_) {
    compacted += EncodeRecord(RecordType::kJobSubmitted, SubmittedRecord(job).dump());
    switch (job.state) {
      case JobState::kQueued:
      case JobState::kRunning:
        // The finished clips are what lets a resumed job skip the audio it
        // already transcribed.
        for (const json& clip : job.clips) {
          json payload = clip;
          payload["job"] = job.id;
          compacted += EncodeRecord(RecordType::kClipDone, payload.dump());
        }
        break;
      case JobState::kDone:
        compacted += EncodeRecord(
            RecordType::kJobFinished,
            json{{"job", job.id}, {"outputs", job.outputs}, {"duration_ms", job.duration_ms}}
                .dump());
        break;
      case JobState::kFailed:
        compacted += EncodeRecord(RecordType::kJobFailed,
                                  json{{"job", job.id}, {"error", job.error}}.dump());
        break;
      case JobState::kCancelled:
        compacted += EncodeRecord(RecordType::kJobCancelled, json{{"job", job.id}}.dump());
        break;
    }
  }
  const auto path = dir_ / kJournalName;
  base::WriteFileAtomically(fs_, path, compacted);
  writer_ = std::make_unique<JournalWriter>(fs_.OpenAppend(path));
}

Job& JobStore::Find(const std::string& id) {
  const auto n = JobNumber(id);
  auto it = n ? jobs_.find(*n) : jobs_.end();
  if (it == jobs_.end()) throw std::out_of_range("unknown job \"" + id + "\"");
  return it->second;
}

void JobStore::Apply(const JournalRecord& record) {
  const json payload = json::parse(record.payload);
  const std::string id = payload.at("job").get<std::string>();
  if (record.type == RecordType::kJobSubmitted) {
    const auto n = JobNumber(id);
    if (!n) throw std::invalid_argument("bad job id \"" + id + "\"");
    Job job;
    job.id = id;
    job.path = protocol::PathOf(payload);
    job.options = payload.value("options", json::object());
    job.submitted_ms = payload.value("submitted_ms", int64_t{0});
    jobs_[*n] = std::move(job);
    next_number_ = std::max(next_number_, *n + 1);
    return;
  }
  Job& job = Find(id);
  switch (record.type) {
    case RecordType::kClipDone: {
      json clip{{"next_sample", payload.at("next_sample").get<int64_t>()},
                {"segments", payload.value("segments", json::array())},
                {"skipped", payload.value("skipped", 0)}};
      job.next_sample = clip["next_sample"].get<int64_t>();
      job.clips.push_back(std::move(clip));
      job.state = JobState::kRunning;
      break;
    }
    case RecordType::kJobFinished:
      job.state = JobState::kDone;
      job.outputs = payload.value("outputs", json::object());
      job.duration_ms = payload.value("duration_ms", int64_t{0});
      job.clips.clear();
      break;
    case RecordType::kJobFailed:
      job.state = JobState::kFailed;
      job.error = payload.value("error", std::string());
      job.clips.clear();
      break;
    case RecordType::kJobCancelled:
      job.state = JobState::kCancelled;
      job.clips.clear();
      break;
    case RecordType::kJobRemoved:
      jobs_.erase(*JobNumber(id));
      break;
    case RecordType::kJobSubmitted:
      break;
  }
}

void JobStore::Append(RecordType type, const json& payload) {
  const std::string bytes = payload.dump(-1, ' ', false, json::error_handler_t::replace);
  writer_->Append(type, bytes);
  Apply({type, bytes, 0});
}

Job JobStore::Submit(const std::string& path, const json& options, int64_t now_ms,
                     const std::function<void(const Job&)>& announce) {
  std::lock_guard lock(mu_);
  const std::string id = "j-" + std::to_string(next_number_);
  Job submitted;
  submitted.id = id;
  submitted.path = path;
  submitted.options = options;
  submitted.submitted_ms = now_ms;
  Append(RecordType::kJobSubmitted, SubmittedRecord(submitted));
  const Job& job = Find(id);
  if (announce) announce(job);
  cv_.notify_all();
  return job;
}

std::optional<Job> JobStore::WaitNext() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (interrupted_) return std::nullopt;
    for (auto& [n, job] : jobs_) {
      if (job.state == JobState::kQueued) {
        job.state = JobState::kRunning;
        cancel_[job.id] = std::make_shared<std::atomic<bool>>(false);
        return job;
      }
    }
    cv_.wait(lock);
  }
}

void JobStore::Interrupt() {
  std::lock_guard lock(mu_);
  interrupted_ = true;
  cv_.notify_all();
}

void JobStore::RecordClip(const std::string& id, int64_t next_sample, const json& segments,
                          int skipped) {
  std::lock_guard lock(mu_);
  Append(
      RecordType::kClipDone,
      json{
          {"job", id}, {"next_sample", next_sample}, {"segments", segments}, {"skipped", skipped}});
}

void JobStore::Finish(const std::string& id, const json& outputs, int64_t duration_ms) {
  std::lock_guard lock(mu_);
  Append(RecordType::kJobFinished,
         json{{"job", id}, {"outputs", outputs}, {"duration_ms", duration_ms}});
  cancel_.erase(id);
}

void JobStore::Fail(const std::string& id, const std::string& error) {
  std::lock_guard lock(mu_);
  Append(RecordType::kJobFailed, json{{"job", id}, {"error", error}});
  cancel_.erase(id);
}

void JobStore::Requeue(const std::string& id) {
  std::lock_guard lock(mu_);
  Find(id).state = JobState::kQueued;
  cancel_.erase(id);
}

std::optional<JobState> JobStore::Cancel(const std::string& id) {
  std::lock_guard lock(mu_);
  const auto n = JobNumber(id);
  auto it = n ? jobs_.find(*n) : jobs_.end();
  if (it == jobs_.end()) return std::nullopt;
  const JobState before = it->second.state;
  if (before == JobState::kQueued) {
    Append(RecordType::kJobCancelled, json{{"job", id}});
  } else if (before == JobState::kRunning) {
    if (auto flag = cancel_.find(id); flag != cancel_.end()) flag->second->store(true);
  }
  return before;
}

void JobStore::MarkCancelled(const std::string& id) {
  std::lock_guard lock(mu_);
  Append(RecordType::kJobCancelled, json{{"job", id}});
  cancel_.erase(id);
}

std::shared_ptr<std::atomic<bool>> JobStore::CancelFlag(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = cancel_.find(id);
  if (it == cancel_.end())
    it = cancel_.emplace(id, std::make_shared<std::atomic<bool>>(false)).first;
  return it->second;
}

std::optional<Job> JobStore::Get(const std::string& id) const {
  std::lock_guard lock(mu_);
  const auto n = JobNumber(id);
  auto it = n ? jobs_.find(*n) : jobs_.end();
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

std::vector<Job> JobStore::List() const {
  std::lock_guard lock(mu_);
  std::vector<Job> out;
  for (const auto& [n, job] : jobs_) out.push_back(job);
  return out;
}

size_t JobStore::QueuedCount() const {
  std::lock_guard lock(mu_);
  size_t count = 0;
  for (const auto& [n, job] : jobs_)
    count += job.state == JobState::kQueued || job.state == JobState::kRunning;
  return count;
}

}  // namespace scribed::daemon
