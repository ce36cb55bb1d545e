// Fuzz target for the job journal reader: the bytes as a journal, split into
// records (ParseJournal), then recovered by a JobStore as at daemon start.
// Parsing must account for every byte and hand back records that encode to
// the bytes they came from; recovery must not throw on any content, and a
// store reopened from the journal it compacted must hold the same jobs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "daemon/jobs/job_store.h"
#include "daemon/jobs/journal.h"

namespace {

namespace daemon = scribed::daemon;
namespace base = scribed::base;

void Check(bool ok) {
  if (!ok) std::abort();  // the fuzzer reports the input
}

// A file system in memory: recovery writes a compacted journal (and a
// .corrupt copy), and syncing real files would make every run slow.
class MemoryFileSystem final : public base::FileSystem {
 public:
  std::map<std::filesystem::path, std::string> files;

  std::unique_ptr<base::WritableFile> OpenAppend(const std::filesystem::path& path) override {
    return std::make_unique<File>(files[path]);
  }
  std::unique_ptr<base::WritableFile> OpenTruncate(const std::filesystem::path& path,
                                                   base::FileMode) override {
    files[path].clear();
    return std::make_unique<File>(files[path]);
  }
  std::optional<std::string> ReadAll(const std::filesystem::path& path) override {
    const auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  }
  void Rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
    const auto it = files.find(from);
    if (it == files.end()) throw std::system_error(ENOENT, std::generic_category(), from.string());
    std::string content = std::move(it->second);
    files.erase(it);
    files[to] = std::move(content);
  }
  void Remove(const std::filesystem::path& path) override { files.erase(path); }
  void RemoveAll(const std::filesystem::path& path) override {
    std::erase_if(files, [&](const auto& entry) {
      const auto rel = entry.first.lexically_relative(path);
      return !rel.empty() && *rel.begin() != "..";
    });
  }
  void CreateDirectories(const std::filesystem::path&) override {}

 private:
  class File final : public base::WritableFile {
   public:
    explicit File(std::string& content) : content_(content) {}
    void Append(std::string_view data) override { content_.append(data); }
    void Sync() override {}
    void Truncate(uint64_t size) override {
      if (size < content_.size()) content_.resize(size);
    }

   private:
    std::string& content_;  // std::map nodes do not move
  };
};

void CheckParse(std::string_view bytes) {
  const daemon::JournalContents c = daemon::ParseJournal(bytes);
  Check(c.valid_bytes <= bytes.size());
  Check(c.valid_bytes + c.torn_tail_bytes + c.dropped_bytes <= bytes.size());
  uint64_t end = 0;
  for (const daemon::JournalRecord& r : c.records) {
    const std::string encoded = daemon::EncodeRecord(r.type, r.payload);
    Check(r.offset >= end && r.offset + encoded.size() <= c.valid_bytes);
    Check(bytes.substr(r.offset, encoded.size()) == encoded);
    end = r.offset + encoded.size();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  CheckParse(bytes);

  const std::filesystem::path state = "/state";
  MemoryFileSystem fs;
  fs.files[state / "jobs.journal"] = std::string(bytes);
  std::vector<daemon::Job> jobs;
  {
    daemon::JobStore store(fs, state);
    jobs = store.List();
  }
  daemon::JobStore reopened(fs, state);
  const std::vector<daemon::Job> again = reopened.List();
  Check(again.size() == jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    // Compaction may drop what a finished job no longer needs (its clips),
    // never the job, its state or a waiting job's resume point.
    Check(again[i].id == jobs[i].id && again[i].path == jobs[i].path &&
          again[i].state == jobs[i].state);
    if (jobs[i].state == daemon::JobState::kQueued) {
      Check(again[i].next_sample == jobs[i].next_sample &&
            again[i].clips.size() == jobs[i].clips.size());
    }
  }
  return 0;
}
