// Constants of the job journal (docs/journal-format.md is the specification).
//
// A journal is a sequence of records, each
//   crc32c  u32 little-endian  over the length, type and payload bytes
//   length  u32 little-endian  payload bytes, at most kMaxPayloadBytes
//   type    u8                 RecordType
//   payload                    UTF-8 JSON object
#pragma once

#include <cstddef>
#include <cstdint>

namespace scribed::daemon::journal {

inline constexpr size_t kHeaderBytes = 9;
inline constexpr uint32_t kMaxPayloadBytes = 4u << 20;

enum class RecordType : uint8_t {
  kJobSubmitted = 1,  // {job, path, options, submitted_ms}
  kClipDone = 2,      // {job, next_sample, segments: [...]}
  kJobFinished = 3,   // {job, outputs: {format: path}, duration_ms}
  kJobFailed = 4,     // {job, error}
  kJobCancelled = 5,  // {job}
  kJobRemoved = 6,    // {job}
  kNextJob = 7,       // {next}: every job number handed out so far is below `next`
};
inline constexpr uint8_t kMaxRecordType = 7;

}  // namespace scribed::daemon::journal
