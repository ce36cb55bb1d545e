// Writing and reading the append-only job journal (journal_format.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scribed/base/file_system.h"
#include "daemon/jobs/journal_format.h"

namespace scribed::daemon {

struct JournalRecord {
  journal::RecordType type;
  std::string payload;
  uint64_t offset = 0;  // of the record header in the file
};

struct JournalContents {
  std::vector<JournalRecord> records;  // every intact record before the first bad one
  uint64_t valid_bytes = 0;            // length of the intact prefix
  // Bytes at the end that form an incomplete record (a write cut short by a
  // crash). Expected after a crash; not an error.
  uint64_t torn_tail_bytes = 0;
  // Set when a complete record is damaged (CRC mismatch, bad length, unknown
  // type); names the offset. Everything from there on is ignored.
  std::optional<std::string> corruption;
  uint64_t dropped_bytes = 0;  // bytes ignored after `corruption`
};

// Splits `bytes` into records. Never throws; never allocates more than the
// input size.
JournalContents ParseJournal(std::string_view bytes);

// The bytes of one record.
std::string EncodeRecord(journal::RecordType type, std::string_view payload);

// Appends records and syncs each one before returning, so a record is durable
// once Append returns. Thread-compatible.
class JournalWriter {
 public:
  explicit JournalWriter(std::unique_ptr<base::WritableFile> file) : file_(std::move(file)) {}
  // Throws std::invalid_argument for a payload over kMaxPayloadBytes and
  // std::system_error for I/O failures.
  void Append(journal::RecordType type, std::string_view payload);

 private:
  std::unique_ptr<base::WritableFile> file_;
};

}  // namespace scribed::daemon
