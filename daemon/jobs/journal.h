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

// Bytes of a journal that hold no readable record, or a record that could be
// read only by repairing its length field (then `bytes` is 0).
struct JournalDamage {
  uint64_t offset = 0;
  uint64_t bytes = 0;
  std::string what;  // "record at offset 120: checksum mismatch"
};

struct JournalContents {
  // Every intact record in file order: those before the first damage and
  // those found after it.
  std::vector<JournalRecord> records;
  uint64_t valid_bytes = 0;  // bytes of `records`, headers included
  // An incomplete record at the end that no valid record follows: an append
  // cut short by a crash. Expected after a crash; not damage.
  uint64_t torn_tail_bytes = 0;
  // Damaged stretches in file order. valid_bytes + torn_tail_bytes +
  // dropped_bytes is the input's size.
  std::vector<JournalDamage> damage;
  uint64_t dropped_bytes = 0;
  // The first damage, described (with a count of the others); set exactly
  // when `damage` is not empty.
  std::optional<std::string> corruption;
};

// Splits `bytes` into records, resynchronising after damage on the next
// record whose checksum matches. Never throws; never allocates more than the
// input size. Needs nothing but the bytes (no daemon, no file).
JournalContents ParseJournal(std::string_view bytes);

// The bytes of one record.
std::string EncodeRecord(journal::RecordType type, std::string_view payload);

// Appends records and syncs each one before returning, so a record is durable
// once Append returns. A failed append (a full disk, a short write, a failed
// sync) leaves nothing behind: the file is cut back to the end of the last
// durable record before the error is rethrown, and if even that fails, every
// later Append retries the cut first and fails until it succeeds. So the file
// always ends on a record boundary for the next append. Thread-compatible.
class JournalWriter {
 public:
  // `size` is the file's length, which must end on a record boundary.
  JournalWriter(std::unique_ptr<base::WritableFile> file, uint64_t size)
      : file_(std::move(file)), size_(size) {}
  // Throws std::invalid_argument for a payload over kMaxPayloadBytes and
  // std::system_error for I/O failures.
  void Append(journal::RecordType type, std::string_view payload);
  uint64_t size() const noexcept { return size_; }

 private:
  void CutBack();

  std::unique_ptr<base::WritableFile> file_;
  uint64_t size_;            // durable bytes, all whole records
  bool cut_needed_ = false;  // bytes past size_ may be in the file
};

}  // namespace scribed::daemon
