// The output root of a batch, shared by all its workers:
//
//   OUT/batch.json                the inputs of the latest run (status reads it)
//   OUT/index/shard-I-of-N.json   per worker: source path -> sha256 (and why an
//                                 input could not be read)
//   OUT/<h2>/<sha256>.<format>    the transcripts (h2: the first two hex digits)
//   OUT/<h2>/<sha256>.done        written last: what was made, with checksums
//   OUT/<h2>/<sha256>.failed      why an input could not be transcribed
//   OUT/<h2>/<sha256>.claim       a worker is on it (scribed/batch/claim.h)
//
// Every file is written whole (temp file, fsync, rename), so a killed worker
// leaves nothing a later run trusts: a result counts only once its .done
// exists and every output it lists matches its recorded size and checksum.
//
// Thread-compatible; safe for several processes on one root.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scribed/base/file_system.h"
#include "scribed/base/json.h"
#include "scribed/batch/inputs.h"
#include "scribed/batch/shard.h"

namespace scribed::batch {

struct OutputFile {
  std::string name;  // file name inside OUT/<h2>/
  uint64_t size = 0;
  std::string sha256;
};

struct DoneRecord {
  std::string sha256;                         // of the input
  std::string source;                         // the path it was transcribed from
  int64_t duration_ms = 0;                    // audio length
  double processing_s = 0;                    // wall time spent transcribing
  std::map<std::string, OutputFile> outputs;  // format -> file
  std::string worker;
  int64_t finished_ms = 0;
};

struct FailureRecord {
  std::string sha256;
  std::string source;
  std::string error;
  std::string worker;
  int64_t failed_ms = 0;
};

// One input as a worker saw it.
struct IndexEntry {
  std::string path;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string sha256;  // empty when the file could not be read
  std::string error;   // why it could not be read
};

class ResultStore {
 public:
  // Creates `root` when missing; every write goes through `fs`, which must
  // outlive the store. Throws std::system_error.
  ResultStore(base::FileSystem& fs, std::filesystem::path root);

  const std::filesystem::path& root() const noexcept { return root_; }
  std::filesystem::path PathOf(const std::string& sha256, const std::string& suffix) const;
  // The claim file of `sha256`, its folder created.
  std::filesystem::path ClaimPath(const std::string& sha256);

  // The verified result for `sha256`, or nullopt when there is none or it does
  // not check out (a missing or altered output).
  std::optional<DoneRecord> Done(const std::string& sha256) const;
  // Writes each rendered output (format -> content), then the .done record.
  // Fills `record.outputs`. Throws std::system_error.
  void WriteResult(DoneRecord& record, const std::map<std::string, std::string>& rendered);

  std::optional<FailureRecord> Failure(const std::string& sha256) const;
  void WriteFailure(const FailureRecord& record);
  // Removes every .failed record; returns how many there were.
  int ClearFailures();

  void WriteInputs(const std::vector<Input>& inputs);
  // The inputs of the latest run; empty when no run has started.
  std::vector<Input> ReadInputs() const;

  void WriteIndex(Shard shard, const std::vector<IndexEntry>& entries);
  // Every worker's entries by path; where several saw a path, the entry of
  // the index written last wins.
  std::map<std::string, IndexEntry> ReadIndex() const;

 private:
  void WriteJson(const std::filesystem::path& path, const nlohmann::json& j);

  base::FileSystem& fs_;
  std::filesystem::path root_;
};

}  // namespace scribed::batch
