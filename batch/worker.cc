#include "scribed/batch/worker.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

#include "scribed/batch/claim.h"
#include "scribed/config/file_hash.h"

namespace scribed::batch {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Renews a claim from a thread of its own while the input is transcribed,
// so a long recording does not look abandoned.
class LeaseKeeper {
 public:
  LeaseKeeper(const Claim& claim, std::chrono::seconds lease)
      : thread_([this, &claim, every = std::max<std::chrono::milliseconds>(lease / 4,
                                                                            std::chrono::seconds(1))] {
          std::unique_lock lock(mu_);
          while (!cv_.wait_for(lock, every, [this] { return stop_; })) claim.Renew();
        }) {}
  ~LeaseKeeper() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

bool Covers(const DoneRecord& done, const std::vector<std::string>& formats) {
  return std::all_of(formats.begin(), formats.end(),
                     [&](const std::string& f) { return done.outputs.count(f) != 0; });
}

class ShardRun {
 public:
  ShardRun(const std::vector<Input>& inputs, ResultStore& store, const WorkerOptions& options,
           const TranscribeFn& transcribe)
      : inputs_(inputs),
        store_(store),
        o_(options),
        transcribe_(transcribe),
        self_(WorkerId::Self()),
        known_(store.ReadIndex()) {}

  WorkerReport Run() {
    const std::vector<size_t> mine = SelectShard(inputs_, o_.shard);
    entries_.resize(mine.size());
    std::vector<size_t> waiting;  // positions in `mine` another worker holds
    for (size_t k = 0; k < mine.size() && !Cancelled(); ++k) {
      if (!Visit(k, inputs_[mine[k]], mine.size())) waiting.push_back(k);
    }
    // Inputs held elsewhere (a duplicate in another shard, or a worker still
    // finishing) are waited for, and taken over if their holder dies.
    while (!waiting.empty() && !Cancelled()) {
      std::this_thread::sleep_for(o_.poll);
      std::erase_if(waiting, [&](size_t k) { return Visit(k, inputs_[mine[k]], mine.size()); });
    }
    report_.interrupted = report_.interrupted || Cancelled();
    SaveIndex();
    return report_;
  }

 private:
  bool Cancelled() const { return o_.cancel && o_.cancel->load(); }

  void Say(size_t k, size_t n, const Input& in, const std::string& what) {
    if (!o_.progress) return;
    std::fprintf(o_.progress, "[shard %s] %zu/%zu %s: %s\n", o_.shard.Name().c_str(), k + 1, n,
                 in.path.filename().c_str(), what.c_str());
    std::fflush(o_.progress);
  }

  // The input's content hash, reusing an earlier worker's when the file has
  // not changed since (same size and mtime), so a rerun reads no audio.
  std::string Identify(const Input& in) {
    if (auto it = known_.find(in.path.string()); it != known_.end()) {
      const IndexEntry& e = it->second;
      if (e.size == in.size && e.mtime_ns == in.mtime_ns && e.sha256.size() == 64) return e.sha256;
    }
    return config::Sha256File(in.path);
  }

  void SaveIndex() {
    std::vector<IndexEntry> seen;
    for (const IndexEntry& e : entries_) {
      if (!e.path.empty()) seen.push_back(e);
    }
    store_.WriteIndex(o_.shard, seen);
  }

  // Handles input k; false when another live worker holds it.
  bool Visit(size_t k, const Input& in, size_t n) {
    IndexEntry& entry = entries_[k];
    entry.path = in.path.string();
    entry.size = in.size;
    entry.mtime_ns = in.mtime_ns;
    if (!in.error.empty()) {
      entry.error = in.error;
      ++report_.failed;
      Say(k, n, in, "failed: " + in.error);
      SaveIndex();
      return true;
    }
    if (entry.sha256.empty()) {
      try {
        entry.sha256 = Identify(in);
      } catch (const std::system_error& e) {
        entry.error = e.what();
        ++report_.failed;
        Say(k, n, in, std::string("failed: ") + e.what());
        SaveIndex();
        return true;
      }
      SaveIndex();
    }
    const std::string& sha = entry.sha256;
    if (Finished(k, n, in, sha)) return true;
    auto claim = Claim::TryAcquire(store_.ClaimPath(sha), self_, o_.lease);
    if (!claim) return false;
    // Another worker may have finished between the check and the claim.
    if (Finished(k, n, in, sha)) return true;
    Transcribe(k, n, in, sha, *claim);
    return true;
  }

  // Reports a result or failure that already exists.
  bool Finished(size_t k, size_t n, const Input& in, const std::string& sha) {
    if (auto done = store_.Done(sha); done && Covers(*done, o_.formats)) {
      ++report_.already_done;
      Say(k, n, in, "done already (" + sha.substr(0, 12) + ")");
      return true;
    }
    if (auto failed = store_.Failure(sha)) {
      ++report_.failed;
      Say(k, n, in, "failed earlier: " + failed->error);
      return true;
    }
    return false;
  }

  void Transcribe(size_t k, size_t n, const Input& in, const std::string& sha, Claim& claim) {
    Say(k, n, in, "transcribing (" + sha.substr(0, 12) + ")");
    const auto start = Clock::now();
    Rendered out;
    try {
      LeaseKeeper keeper(claim, o_.lease);
      out = transcribe_(in);
    } catch (const std::exception& e) {
      store_.WriteFailure({sha, in.path.string(), e.what(), self_.Text(), NowMs()});
      ++report_.failed;
      Say(k, n, in, std::string("failed: ") + e.what());
      return;
    }
    if (!out.complete) {
      report_.interrupted = true;
      Say(k, n, in, "interrupted; nothing recorded");
      return;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    DoneRecord done;
    done.sha256 = sha;
    done.source = in.path.string();
    done.duration_ms = out.duration_ms;
    done.processing_s = seconds;
    done.worker = self_.Text();
    done.finished_ms = NowMs();
    store_.WriteResult(done, out.files);
    ++report_.transcribed;
    report_.audio_s += static_cast<double>(out.duration_ms) / 1000.0;
    report_.processing_s += seconds;
    const double rtf = out.duration_ms > 0 ? seconds * 1000.0 / static_cast<double>(out.duration_ms) : 0;
    char line[96];
    std::snprintf(line, sizeof line, "done in %.1f s (%.1f s of audio, RTF %.2f)", seconds,
                  static_cast<double>(out.duration_ms) / 1000.0, rtf);
    Say(k, n, in, line);
  }

  const std::vector<Input>& inputs_;
  ResultStore& store_;
  const WorkerOptions& o_;
  const TranscribeFn& transcribe_;
  const WorkerId self_;
  const std::map<std::string, IndexEntry> known_;
  std::vector<IndexEntry> entries_;  // by position in the shard
  WorkerReport report_;
};

}  // namespace

WorkerReport RunShard(const std::vector<Input>& inputs, ResultStore& store,
                      const WorkerOptions& options, const TranscribeFn& transcribe) {
  return ShardRun(inputs, store, options, transcribe).Run();
}

}  // namespace scribed::batch
