#include "daemon/jobs/journal.h"

#include <stdexcept>

#include "daemon/jobs/crc32c.h"

namespace scribed::daemon {
namespace {

uint32_t ReadLe32(const char* p) noexcept {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(u[0]) | static_cast<uint32_t>(u[1]) << 8 |
         static_cast<uint32_t>(u[2]) << 16 | static_cast<uint32_t>(u[3]) << 24;
}

void AppendLe32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

}  // namespace

std::string EncodeRecord(journal::RecordType type, std::string_view payload) {
  if (payload.size() > journal::kMaxPayloadBytes) {
    throw std::invalid_argument("journal record of " + std::to_string(payload.size()) +
                                " bytes exceeds the limit of " +
                                std::to_string(journal::kMaxPayloadBytes));
  }
  std::string body;
  body.reserve(5 + payload.size());
  AppendLe32(body, static_cast<uint32_t>(payload.size()));
  body.push_back(static_cast<char>(type));
  body.append(payload);
  std::string out;
  out.reserve(4 + body.size());
  AppendLe32(out, Crc32c(body));
  out.append(body);
  return out;
}

JournalContents ParseJournal(std::string_view bytes) {
  JournalContents c;
  uint64_t pos = 0;
  const uint64_t size = bytes.size();
  while (pos < size) {
    const uint64_t left = size - pos;
    if (left < journal::kHeaderBytes) {
      c.torn_tail_bytes = left;
      break;
    }
    const char* p = bytes.data() + pos;
    const uint32_t crc = ReadLe32(p);
    const uint32_t length = ReadLe32(p + 4);
    const uint8_t type = static_cast<uint8_t>(p[8]);
    if (length > journal::kMaxPayloadBytes) {
      c.corruption = "record at offset " + std::to_string(pos) + ": length " +
                     std::to_string(length) + " exceeds the limit of " +
                     std::to_string(journal::kMaxPayloadBytes);
      c.dropped_bytes = left;
      break;
    }
    if (left - journal::kHeaderBytes < length) {
      // The record runs past the end of the file: the last append was cut.
      c.torn_tail_bytes = left;
      break;
    }
    const std::string_view body(p + 4, 5 + length);
    if (Crc32c(body) != crc) {
      c.corruption = "record at offset " + std::to_string(pos) + ": checksum mismatch";
      c.dropped_bytes = left;
      break;
    }
    if (type == 0 || type > journal::kMaxRecordType) {
      c.corruption =
          "record at offset " + std::to_string(pos) + ": unknown type " + std::to_string(type);
      c.dropped_bytes = left;
      break;
    }
    c.records.push_back({static_cast<journal::RecordType>(type),
                         std::string(p + journal::kHeaderBytes, length), pos});
    pos += journal::kHeaderBytes + length;
    c.valid_bytes = pos;
  }
  return c;
}

void JournalWriter::Append(journal::RecordType type, std::string_view payload) {
  file_->Append(EncodeRecord(type, payload));
  file_->Sync();
}

}  // namespace scribed::daemon
