#include "daemon/jobs/job_store.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <stdexcept>
#include <system_error>

#include "scribed/protocol/path_field.h"

namespace scribed::daemon {
namespace {

using journal::RecordType;
using nlohmann::json;

constexpr const char* kJournalName = "jobs.journal";
constexpr const char* kCounterName = "jobs.next-id";

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
  RemoveStaleTemporaries();
  Recover();
}

JobStore::~JobStore() {
  std::lock_guard lock(mu_);
  if (unjournaled_.empty() || !writer_) return;
  try {
    WriteUnjournaled();
  } catch (const std::exception& e) {
    spdlog::error("job journal: {} job end(s) not journaled ({}); those jobs run again at the next "
                  "start",
                  unjournaled_.size(), e.what());
  }
}

// A crash between writing and renaming leaves a temporary of the journal or
// the counter behind; the state directory is this store's alone.
void JobStore::RemoveStaleTemporaries() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    for (const char* base : {kJournalName, kCounterName}) {
      if (name.rfind(std::string(base) + ".tmp-", 0) != 0) continue;
      try {
        fs_.Remove(entry.path());
      } catch (const std::exception& e) {
        spdlog::warn("cannot remove {}: {}", entry.path().string(), e.what());
      }
    }
  }
}

void JobStore::Recover() {
  const std::string original = fs_.ReadAll(dir_ / kJournalName).value_or(std::string());
  const JournalContents contents = ParseJournal(original);
  size_t skipped = 0;
  for (const JournalRecord& record : contents.records) {
    // A record that passed its checksum but does not make sense (a bug, a
    // hand edit, or one whose job was lost to damage) is skipped rather than
    // taking the daemon down.
    try {
      const json payload = json::parse(record.payload);
      // Even a record that cannot be applied proves its job number was used.
      if (payload.is_object() && payload.contains("job") && payload["job"].is_string()) {
        if (const auto n = JobNumber(payload["job"].get<std::string>())) {
          next_number_ = std::max(next_number_, *n + 1);
        }
      }
      Apply(record.type, payload);
    } catch (const std::exception& e) {
      if (!skipped++ && !contents.corruption) {
        recovery_.corruption =
            "record at offset " + std::to_string(record.offset) + ": " + e.what();
      }
    }
  }
  // The counter is written before each submission, so it is normally ahead
  // of the journal; the journal's numbers still count when the counter file
  // is missing or unreadable.
  if (const auto counter = ReadCounter()) next_number_ = std::max(next_number_, *counter);
  recovery_.records = contents.records.size();
  recovery_.torn_tail_bytes = contents.torn_tail_bytes;
  if (contents.corruption) recovery_.corruption = contents.corruption;
  const bool damaged = recovery_.corruption.has_value();
  for (auto& [n, job] : jobs_) {
    // A job that was running when the daemon died runs again from its clips.
    if (job.state == JobState::kRunning) job.state = JobState::kQueued;
    // After damage a clip record of an unfinished job may be missing, and
    // resuming would leave a hole in its transcript: it starts over.
    if (damaged && job.state == JobState::kQueued) {
      job.clips.clear();
      job.next_sample = 0;
    }
    if (job.state == JobState::kQueued) ++recovery_.resumed_jobs;
  }
  Compact(original, contents, damaged);
}

std::optional<int64_t> JobStore::ReadCounter() {
  const std::optional<std::string> bytes = fs_.ReadAll(dir_ / kCounterName);
  if (!bytes) return std::nullopt;  // a new state directory, or one an older scribed kept
  const JournalContents c = ParseJournal(*bytes);
  try {
    if (c.records.size() != 1 || c.corruption || c.torn_tail_bytes ||
        c.records[0].type != RecordType::kNextJob) {
      throw std::runtime_error("not one intact record");
    }
    const int64_t next = json::parse(c.records[0].payload).at("next").get<int64_t>();
    if (next < 1) throw std::runtime_error("bad number " + std::to_string(next));
    return next;
  } catch (const std::exception& e) {
    recovery_.counter_problem = (dir_ / kCounterName).string() + ": " + e.what();
    return std::nullopt;
  }
}

void JobStore::WriteCounter(int64_t next) {
  base::WriteFileAtomically(fs_, dir_ / kCounterName,
                            EncodeRecord(RecordType::kNextJob, json{{"next", next}}.dump()));
}

// The damaged original is kept before anything rewrites it; an earlier copy
// is evidence too, so a new one gets the next free name.
void JobStore::KeepCorruptCopy(const std::string& original) {
  const std::string base = std::string(kJournalName) + ".corrupt";
  std::filesystem::path path = dir_ / base;
  std::error_code ec;
  for (int i = 2; std::filesystem::exists(path, ec); ++i) {
    path = dir_ / (base + "." + std::to_string(i));
  }
  base::WriteFileAtomically(fs_, path, original);
  recovery_.corrupt_copy = path;
}

// Rewrites the journal from what recovery kept, at every start: a torn tail or
// damaged bytes never stay in front of new appends, and the file shrinks to
// one record per job state. It starts with the job counter, so the journal
// alone also knows every number handed out (jobs.next-id is the copy that
// survives damage to the journal).
void JobStore::Compact(const std::string& original, const JournalContents& contents,
                       bool damaged) {
  if (damaged) KeepCorruptCopy(original);
  std::string compacted = EncodeRecord(RecordType::kNextJob, json{{"next", next_number_}}.dump());
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
  try {
    base::WriteFileAtomically(fs_, path, compacted);
    writer_ = std::make_unique<JournalWriter>(fs_.OpenAppend(path), compacted.size());
    return;
  } catch (const std::system_error& e) {
    // Damaged bytes must not stay in front of new appends: without a
    // rewrite the store cannot open.
    if (damaged) throw;
    recovery_.not_compacted = e.what();
  }
  // A full disk has no room for a rewrite, but the intact journal serves as
  // it is once a torn tail is cut off (which needs no space). Read again: a
  // rename that failed only to sync has put the compacted one in place.
  const std::string current = fs_.ReadAll(path).value_or(std::string());
  const JournalContents now = current == original ? contents : ParseJournal(current);
  if (now.corruption) throw std::runtime_error("job journal changed while opening: " + *now.corruption);
  const uint64_t intact = current.size() - now.torn_tail_bytes;
  auto file = fs_.OpenAppend(path);
  if (now.torn_tail_bytes) {
    file->Truncate(intact);
    file->Sync();
  }
  writer_ = std::make_unique<JournalWriter>(std::move(file), intact);
}

Job& JobStore::Find(const std::string& id) {
  const auto n = JobNumber(id);
  auto it = n ? jobs_.find(*n) : jobs_.end();
  if (it == jobs_.end()) throw std::out_of_range("unknown job \"" + id + "\"");
  return it->second;
}

void JobStore::Apply(RecordType type, const json& payload) {
  if (type == RecordType::kNextJob) {
    next_number_ = std::max(next_number_, payload.at("next").get<int64_t>());
    return;
  }
  const std::string id = payload.at("job").get<std::string>();
  if (type == RecordType::kJobSubmitted) {
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
  switch (type) {
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
    case RecordType::kNextJob:
      break;
  }
}

void JobStore::WriteUnjournaled() {
  while (!unjournaled_.empty()) {
    const auto& [type, payload] = unjournaled_.front();
    writer_->Append(type, payload.dump(-1, ' ', false, json::error_handler_t::replace));
    unjournaled_.erase(unjournaled_.begin());
  }
}

void JobStore::Append(RecordType type, const json& payload) {
  // Ends that could not be written when they happened go first: the first
  // write that works again records them, in the order they happened, so a
  // restart does not run those jobs again.
  WriteUnjournaled();
  writer_->Append(type, payload.dump(-1, ' ', false, json::error_handler_t::replace));
  // Applied only once synced (ends aside, see EndJob): what the store
  // reports, a restart finds.
  Apply(type, payload);
}

bool JobStore::EndJob(const std::string& id, RecordType type, const json& payload) {
  cancel_.erase(id);
  try {
    Append(type, payload);
    return true;
  } catch (const std::system_error& e) {
    // The job is over whether or not the disk can say so yet: left running,
    // it would hold up whoever waits for it.
    spdlog::error("job {}: cannot journal its end ({}); written with the next record", id,
                  e.what());
    Apply(type, payload);
    unjournaled_.emplace_back(type, payload);
    return false;
  }
}

Job JobStore::Submit(const std::string& path, const json& options, int64_t now_ms,
                     const std::function<void(const Job&)>& announce) {
  std::lock_guard lock(mu_);
  const int64_t n = next_number_;
  const std::string id = "j-" + std::to_string(n);
  Job submitted;
  submitted.id = id;
  submitted.path = path;
  submitted.options = options;
  submitted.submitted_ms = now_ms;
  try {
    // The counter first: once the job is acknowledged its number must never
    // come back, even if the journal is damaged later. In this order a
    // failure costs at most an unused number; the other way round, a job
    // could be journaled while the counter still offers its number.
    WriteCounter(n + 1);
    next_number_ = n + 1;
    Append(RecordType::kJobSubmitted, SubmittedRecord(submitted));
  } catch (const std::system_error& e) {
    throw std::runtime_error(std::string("job not accepted: ") + e.what());
  }
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
        // Not journaled: a restart puts a running job back in the queue
        // anyway, so the record would cost a sync and say nothing.
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

bool JobStore::Fail(const std::string& id, const std::string& error) {
  std::lock_guard lock(mu_);
  Find(id);
  return EndJob(id, RecordType::kJobFailed, json{{"job", id}, {"error", error}});
}

// In memory only: the journal already holds the job as unfinished, with its
// clips, which is what a restart resumes from.
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
    // Only flagged: the worker stops at its next check and ends the job
    // (MarkCancelled), so the end is journaled once, after its last clip.
    if (auto flag = cancel_.find(id); flag != cancel_.end()) flag->second->store(true);
  }
  return before;
}

bool JobStore::MarkCancelled(const std::string& id) {
  std::lock_guard lock(mu_);
  Find(id);
  return EndJob(id, RecordType::kJobCancelled, json{{"job", id}});
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

size_t JobStore::UnjournaledCount() const {
  std::lock_guard lock(mu_);
  return unjournaled_.size();
}

size_t JobStore::QueuedCount() const {
  std::lock_guard lock(mu_);
  size_t count = 0;
  for (const auto& [n, job] : jobs_)
    count += job.state == JobState::kQueued || job.state == JobState::kRunning;
  return count;
}

}  // namespace scribed::daemon
