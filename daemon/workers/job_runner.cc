#include "daemon/workers/job_runner.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <vector>

#include "daemon/adapters/pipeline_options.h"
#include "daemon/adapters/segment_json.h"
#include "daemon/zmq/control_server.h"
#include "scribed/audio/file_source.h"
#include "scribed/audio/segmenter.h"
#include "scribed/pipeline/pipeline.h"
#include "scribed/pipeline/writers.h"
#include "scribed/protocol/job_options.h"
#include "scribed/protocol/protocol.h"

namespace scribed::daemon {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int64_t kSamplesPerMs = audio::kOutputRate / 1000;

// Collects what the pipeline emits for one clip and publishes progress.
class JobSink final : public pipeline::ResultSink {
 public:
  JobSink(Publisher& publisher, std::string job, int64_t total_ms)
      : publisher_(publisher), job_(std::move(job)), total_ms_(total_ms) {}

  void OnSegment(const pipeline::Segment& segment) override { pending.push_back(segment); }

  void OnProgress(const pipeline::Progress& p) override {
    const double fraction =
        total_ms_ > 0
            ? std::min(1.0, static_cast<double>(p.done_ms) / static_cast<double>(total_ms_))
            : 0.0;
    const auto now = Clock::now();
    // At most about one event per second or per percent.
    if (fraction < last_fraction_ + 0.01 && now - last_sent_ < std::chrono::seconds(1) &&
        fraction < 1.0)
      return;
    if (fraction == last_fraction_ && fraction >= 1.0) return;
    last_fraction_ = fraction;
    last_sent_ = now;
    json eta = nullptr;
    if (fraction > 0 && total_ms_ > 0) eta = p.elapsed_s * (1 - fraction) / fraction;
    publisher_.Publish(protocol::topic::kJobProgress,
                       json{{"fraction", fraction},
                            {"done_ms", p.done_ms},
                            {"total_ms", total_ms_},
                            {"rtf", p.real_time_factor},
                            {"eta_s", eta}},
                       EventIds{std::nullopt, job_, std::nullopt});
  }

  std::vector<pipeline::Segment> pending;

 private:
  Publisher& publisher_;
  std::string job_;
  int64_t total_ms_;
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
    try {
      RunJob(*job);
    } catch (...) {
      // The job failed, not the daemon: record it and go on with the next.
      const protocol::Reply r = ReplyForException(job->id, std::current_exception());
      spdlog::error("job {} ({}) failed: {}", job->id, job->path, r.message);
      try {
        store_.Fail(job->id, r.message);
      } catch (const std::exception& e) {
        spdlog::critical("cannot journal the failure of job {}: {}", job->id, e.what());
      }
      publisher_.Publish(
          protocol::topic::kJobFailed,
          json{{"error", {{"code", protocol::ErrorCodeName(r.code)}, {"message", r.message}}}},
          EventIds{std::nullopt, job->id, std::nullopt});
    }
  }
}

void JobRunner::RunJob(const Job& job) {
  const EventIds ids{std::nullopt, job.id, std::nullopt};
  // What earlier runs of this job already finished.
  std::vector<pipeline::Segment> segments;
  int restored_skipped = 0;
  for (const json& clip : job.clips) {
    for (const json& s : clip.at("segments")) segments.push_back(SegmentFromJson(s));
    restored_skipped += clip.value("skipped", 0);
  }
  const size_t restored = segments.size();
  const int64_t restored_end_ms = restored ? segments.back().end_ms : -1;
  const pipeline::PipelineOptions options = PipelineOptionsFor(StoredOptions(job), model_);
  auto cancel = store_.CancelFlag(job.id);
  pipeline::PipelineOptions run_options = options;
  run_options.cancel = cancel.get();

  audio::FileSource source(job.path);
  const int64_t total_ms = source.expected_samples().value_or(0) / kSamplesPerMs;
  publisher_.Publish(protocol::topic::kJobStarted,
                     json{{"path", job.path},
                          {"resumed_from_ms", job.next_sample / kSamplesPerMs},
                          {"total_ms", total_ms}},
                     ids);
  spdlog::info("job {}: {} ({} ms{})", job.id, job.path, total_ms,
               job.next_sample
                   ? ", resuming at " + std::to_string(job.next_sample / kSamplesPerMs) + " ms"
                   : "");
  JobSink sink(publisher_, job.id, total_ms);
  pipeline::Pipeline pipe(model_.model, run_options, &sink);
  pipe.mutable_provenance().model = model_.model_file;
  pipe.mutable_provenance().mmproj = model_.mmproj_file;
  const std::string lang = pipe.Finish(true).language;
  const auto started = Clock::now();

  audio::Segmenter segmenter;
  std::vector<audio::Segment> clips;
  audio::Chunk chunk;
  int skipped_before = 0;
  enum class End { kComplete, kCancelled, kStopped } end = End::kComplete;
  auto run_clips = [&]() {
    for (const audio::Segment& clip : clips) {
      if (end != End::kComplete) break;
      if (clip.end() <= job.next_sample) continue;  // done before the restart
      if (stop_) {
        end = End::kStopped;
        break;
      }
      const auto clip_started = Clock::now();
      bool ok;
      {
        std::lock_guard turn(*model_.engine_turn);
        ok = pipe.Process(pipeline::Clip{clip.start, clip.samples});
      }
      if (!ok) {
        end = stop_ ? End::kStopped : End::kCancelled;
        break;
      }
      const double clip_s = static_cast<double>(clip.samples.size()) / audio::kOutputRate;
      const double rtf =
          clip_s > 0 ? std::chrono::duration<double>(Clock::now() - clip_started).count() / clip_s
                     : 0;
      json journaled = json::array();
      for (pipeline::Segment& s : sink.pending) {
        // The fresh pipeline numbered from 0 and knew nothing of the segments
        // before the restart; give its segments their place in the whole.
        if (s.index == 0 && restored_end_ms >= 0) {
          const int64_t clip_start_ms = s.start_ms;
          s.start_ms = std::max(clip_start_ms, restored_end_ms);
          s.end_ms = std::max(s.start_ms + 1, s.end_ms);
          s.paragraph = clip_start_ms - restored_end_ms >= options.guards.paragraph_pause_ms;
        }
        s.index += static_cast<int>(restored);
        journaled.push_back(SegmentToJson(s));
        segments.push_back(s);
      }
      const int skipped_now = pipe.Finish(true).skipped_silent_clips;
      store_.RecordClip(job.id, clip.end(), journaled, skipped_now - skipped_before);
      skipped_before = skipped_now;
      for (const pipeline::Segment& s : sink.pending) {
        const EventIds seg_ids{std::nullopt, job.id, s.index};
        json fields = SegmentFinalFields(s, lang);
        fields["rtf"] = rtf;
        fields["latency_ms"] = nullptr;
        publisher_.Publish(protocol::topic::kSegmentFinal, fields, seg_ids);
        if (!s.translation.empty()) {
          publisher_.Publish(protocol::topic::kTranslationFinal,
                             json{{"src_lang", lang},
                                  {"tgt_lang", pipe.Finish(true).translation_language},
                                  {"text", s.translation}},
                             seg_ids);
        }
      }
      sink.pending.clear();
    }
    clips.clear();
  };
  for (;;) {
    if (!source.Next(chunk)) {
      segmenter.Finish(clips);
      run_clips();
      break;
    }
    segmenter.Push(chunk, clips);
    run_clips();
    if (end != End::kComplete) break;
    pipe.Advance(chunk.end());
  }
  if (end == End::kStopped) {
    store_.Requeue(job.id);
    spdlog::info("job {}: stopped; resumes at the next start", job.id);
    return;
  }
  if (end == End::kCancelled) {
    store_.MarkCancelled(job.id);
    publisher_.Publish(protocol::topic::kJobCancelled, json{{"error", nullptr}}, ids);
    return;
  }

  // A file cut short (or damaged) keeps what was transcribed, marked as not
  // the whole file.
  const std::optional<std::string> truncated = source.truncation();
  pipeline::Transcript t = pipe.Finish(!truncated);
  t.segments = std::move(segments);
  t.skipped_silent_clips += restored_skipped;
  t.source = job.path;
  const auto dir = results_dir_ / job.id;
  fs_.CreateDirectories(dir);
  json outputs = json::object();
  const std::string stem = std::filesystem::path(job.path).stem().string();
  const protocol::JobOptions stored = StoredOptions(job);
  for (const std::string& f : *stored.outputs) {
    const auto formats = pipeline::ParseOutputFormats(f);
    for (pipeline::OutputFormat format : formats) {
      const auto path = dir / (stem + "." + std::string(pipeline::Extension(format)));
      base::WriteFileAtomically(fs_, path, pipeline::Render(t, format));
      outputs[std::string(pipeline::Extension(format))] = path.string();
    }
  }
  store_.Finish(job.id, outputs, t.duration_ms);
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  const double rtf = t.duration_ms > 0 ? elapsed * 1000.0 / static_cast<double>(t.duration_ms) : 0;
  publisher_.Publish(protocol::topic::kJobDone,
                     json{{"outputs", outputs},
                          {"duration_ms", t.duration_ms},
                          {"rtf", rtf},
                          {"segments", t.segments.size()},
                          {"complete", t.complete},
                          {"truncated", truncated ? json(*truncated) : json(nullptr)}},
                     ids);
  if (truncated) spdlog::warn("job {}: {}: {}", job.id, job.path, *truncated);
  spdlog::info("job {}: done, {} segments, RTF {:.2f}", job.id, t.segments.size(), rtf);
}

}  // namespace scribed::daemon
