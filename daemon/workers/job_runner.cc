#include "daemon/workers/job_runner.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <vector>

#include "daemon/adapters/pipeline_options.h"
#include "daemon/adapters/segment_json.h"
#include "daemon/workers/segment_events.h"
#include "daemon/zmq/control_server.h"
#include "scribed/audio/file_source.h"
#include "scribed/base/utf8.h"
#include "scribed/pipeline/pipeline.h"
#include "scribed/pipeline/writers.h"
#include "scribed/protocol/job_options.h"
#include "scribed/protocol/path_field.h"
#include "scribed/protocol/protocol.h"
#include "scribed/transcription/stream_transcriber.h"

namespace scribed::daemon {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int64_t kSamplesPerMs = audio::kOutputRate / 1000;

// Journals every transcribed clip, then publishes its segments (journaled
// first: an event never announces what a crash could lose), and publishes
// progress about once per second or per percent.
class JobListener final : public transcription::Listener {
 public:
  JobListener(JobStore& store, Publisher& publisher, const Job& job,
              const pipeline::Pipeline& pipeline)
      : store_(store), publisher_(publisher), job_(job), pipeline_(pipeline) {}

  void OnClip(const transcription::ClipResult& clip) override {
    json journaled = json::array();
    for (const pipeline::Segment& s : clip.segments) journaled.push_back(SegmentToJson(s));
    store_.RecordClip(job_.id, clip.end_sample, journaled, clip.silent ? 1 : 0);
    SegmentTiming timing;
    timing.rtf = clip.rtf;
    for (const pipeline::Segment& s : clip.segments) {
      PublishSegment(publisher_, s, pipeline_.transcript(), timing, Ids());
    }
  }

  void OnProgress(const transcription::Progress& p) override {
    const auto now = Clock::now();
    const bool last = p.fraction >= 1.0;
    if (last ? last_fraction_ >= 1.0
             : p.fraction < last_fraction_ + 0.01 && now - last_sent_ < std::chrono::seconds(1)) {
      return;
    }
    last_fraction_ = p.fraction;
    last_sent_ = now;
    publisher_.Publish(protocol::JobProgress{p.fraction, p.done_ms, p.total_ms, p.rtf, p.eta_s},
                       Ids());
  }

 private:
  EventIds Ids() const { return EventIds{std::nullopt, job_.id, std::nullopt}; }

  JobStore& store_;
  Publisher& publisher_;
  const Job& job_;
  const pipeline::Pipeline& pipeline_;
  double last_fraction_ = -1;
  Clock::time_point last_sent_{};
};

protocol::JobOptions StoredOptions(const Job& job) {
  return WithDefaults(protocol::ParseJobOptions(job.options, protocol::JobKind::kFile),
                      protocol::BuiltInJobDefaults());
}

}  // namespace

JobRunner::JobRunner(JobStore& store, Publisher& publisher, base::FileSystem& fs, ModelContext model,
                     std::filesystem::path results_dir)
    : store_(store),
      publisher_(publisher),
      fs_(fs),
      model_(std::move(model)),
      results_dir_(std::move(results_dir)) {
  thread_ = std::thread([this] { Run(); });
}

JobRunner::~JobRunner() { Stop(); }

void JobRunner::Stop() {
  stop_ = true;
  store_.Interrupt();
  if (thread_.joinable()) thread_.join();
}

void JobRunner::Run() {
  while (!stop_) {
    std::optional<Job> job = store_.WaitNext();
    if (!job) break;
    // What an earlier, interrupted run left in the job's folder (temporaries
    // of a write cut short) is no result.
    RemoveResults(job->id);
    try {
      RunJob(*job);
    } catch (...) {
      // The job failed, not the daemon: record it and go on with the next.
      const protocol::Reply r = ReplyForException(job->id, std::current_exception());
      spdlog::error("job {} ({}) failed: {}", job->id, job->path, r.message);
      RemoveResults(job->id);  // a failed job has no outputs, not even some
      // Failed in memory even when the disk is full, so whoever waits for the
      // job learns of it; the store journals the failure when it can.
      if (!store_.Fail(job->id, r.message)) {
        spdlog::critical("the failure of job {} is not journaled yet", job->id);
      }
      publisher_.Publish(protocol::JobFailed{r.code, r.message},
                         EventIds{std::nullopt, job->id, std::nullopt});
    }
  }
}

void JobRunner::RemoveResults(const std::string& id) {
  try {
    fs_.RemoveAll(results_dir_ / id);
  } catch (const std::exception& e) {
    spdlog::warn("job {}: cannot remove partial results: {}", id, e.what());
  }
}

void JobRunner::RunJob(const Job& job) {
  const EventIds ids{std::nullopt, job.id, std::nullopt};
  // What earlier runs of this job already finished.
  std::vector<pipeline::Segment> restored;
  int restored_silent = 0;
  for (const json& clip : job.clips) {
    for (const json& s : clip.at("segments")) restored.push_back(SegmentFromJson(s));
    restored_silent += clip.value("skipped", 0);
  }
  auto cancel = store_.CancelFlag(job.id);
  pipeline::PipelineOptions options = PipelineOptionsFor(StoredOptions(job), model_);
  options.cancel = cancel.get();

  audio::FileSource source(job.path);
  const int64_t total_samples = source.expected_samples().value_or(0);
  publisher_.Publish(protocol::JobStarted{job.path, job.next_sample / kSamplesPerMs,
                                          total_samples / kSamplesPerMs},
                     ids);
  spdlog::info("job {}: {} ({} ms{})", job.id, job.path, total_samples / kSamplesPerMs,
               job.next_sample
                   ? ", resuming at " + std::to_string(job.next_sample / kSamplesPerMs) + " ms"
                   : "");
  pipeline::Pipeline pipe(model_.model, options, nullptr);
  pipe.mutable_provenance().model = model_.model_file;
  pipe.mutable_provenance().mmproj = model_.mmproj_file;
  pipe.Restore(std::move(restored), restored_silent, 0);
  const auto started = Clock::now();

  JobListener listener(store_, publisher_, job, pipe);
  transcription::StreamOptions stream_options;
  stream_options.total_samples = total_samples;
  stream_options.resume_sample = job.next_sample;
  stream_options.cancel = cancel.get();
  stream_options.stop = &stop_;
  stream_options.engine_turn = model_.engine_turn.get();
  transcription::StreamTranscriber stream(pipe, &listener, stream_options);
  audio::Chunk chunk;
  while (source.Next(chunk) && stream.Push(chunk)) {
  }
  if (stream.end() == transcription::End::kRunning) stream.Finish();
  if (stream.end() == transcription::End::kStopped) {
    // The daemon is shutting down, not the user cancelling: the job stays
    // unfinished and resumes from its journaled clips at the next start.
    store_.Requeue(job.id);
    spdlog::info("job {}: stopped; resumes at the next start", job.id);
    return;
  }
  if (stream.end() == transcription::End::kCancelled) {
    store_.MarkCancelled(job.id);
    publisher_.Publish(protocol::JobCancelled{}, ids);
    return;
  }

  // A file cut short (or damaged) keeps what was transcribed, marked as not
  // the whole file.
  const std::optional<std::string> truncated = source.truncation();
  pipeline::Transcript t = pipe.Finish(!truncated);
  t.source = job.path;
  const auto dir = results_dir_ / job.id;
  fs_.CreateDirectories(dir);
  json outputs = json::object();
  // UTF-8, so the result paths can be listed in replies and the journal.
  const std::string stem = base::ToValidUtf8(std::filesystem::path(job.path).stem().string());
  const protocol::JobOptions stored = StoredOptions(job);
  for (const std::string& f : *stored.outputs) {
    const auto formats = pipeline::ParseOutputFormats(f);
    for (pipeline::OutputFormat format : formats) {
      const auto path = dir / (stem + "." + std::string(pipeline::Extension(format)));
      base::WriteFileAtomically(fs_, path, pipeline::Render(t, format));
      outputs[std::string(pipeline::Extension(format))] = path.string();
    }
  }
  // Every output is in place before the end is journaled, and the end is
  // journaled before job.done goes out: a job known to be done has its
  // files, even after a crash.
  store_.Finish(job.id, outputs, t.duration_ms);
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  const double rtf = t.duration_ms > 0 ? elapsed * 1000.0 / static_cast<double>(t.duration_ms) : 0;
  publisher_.Publish(protocol::JobDone{outputs.get<std::map<std::string, std::string>>(),
                                       t.duration_ms, rtf,
                                       static_cast<int64_t>(t.segments.size()), t.empty_clips,
                                       t.complete, truncated},
                     ids);
  if (truncated) spdlog::warn("job {}: {}: {}", job.id, job.path, *truncated);
  spdlog::info("job {}: done, {} segments, RTF {:.2f}", job.id, t.segments.size(), rtf);
}

}  // namespace scribed::daemon
