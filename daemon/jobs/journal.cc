#include "daemon/jobs/journal.h"

#include <stdexcept>

#include "daemon/jobs/crc32c.h"

namespace scribed::daemon {
namespace {

using journal::kHeaderBytes;
using journal::kMaxPayloadBytes;

uint32_t ReadLe32(const char* p) noexcept {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(u[0]) | static_cast<uint32_t>(u[1]) << 8 |
         static_cast<uint32_t>(u[2]) << 16 | static_cast<uint32_t>(u[3]) << 24;
}

void AppendLe32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

bool KnownType(uint8_t type) noexcept { return type != 0 && type <= journal::kMaxRecordType; }

// The checksum a record with this length, type and payload carries.
uint32_t RecordCrc(uint32_t length, uint8_t type, std::string_view payload) {
  char head[5];
  for (int i = 0; i < 4; ++i) head[i] = static_cast<char>((length >> (8 * i)) & 0xFF);
  head[4] = static_cast<char>(type);
  return Crc32c(payload, Crc32c(std::string_view(head, 5)));
}

enum class Check { kOk, kRunsPastEnd, kTooLong, kBadChecksum, kUnknownType };

struct Header {
  uint32_t crc = 0;
  uint32_t length = 0;
  uint8_t type = 0;
};

// What is wrong with the record that starts at `pos`, if anything.
Check CheckAt(std::string_view bytes, uint64_t pos, Header& h) {
  const uint64_t left = bytes.size() - pos;
  if (left < kHeaderBytes) return Check::kRunsPastEnd;
  const char* p = bytes.data() + pos;
  h = {ReadLe32(p), ReadLe32(p + 4), static_cast<uint8_t>(p[8])};
  if (h.length > kMaxPayloadBytes) return Check::kTooLong;
  if (left - kHeaderBytes < h.length) return Check::kRunsPastEnd;
  if (RecordCrc(h.length, h.type, bytes.substr(pos + kHeaderBytes, h.length)) != h.crc)
    return Check::kBadChecksum;
  if (!KnownType(h.type)) return Check::kUnknownType;
  return Check::kOk;
}

// Whether a record the daemon wrote starts at `pos`: besides a sound header
// and checksum, its payload is a JSON object. Resynchronising cannot land
// inside an intact payload: a header's length is under 4 MiB, so its fourth
// byte is zero, and a JSON text never holds a zero byte.
bool RecordStartsAt(std::string_view bytes, uint64_t pos) {
  const uint64_t left = bytes.size() - pos;
  if (left < kHeaderBytes + 2) return false;
  const char* p = bytes.data() + pos;
  const uint32_t length = ReadLe32(p + 4);
  if (length > kMaxPayloadBytes || length < 2 || left - kHeaderBytes < length) return false;
  if (!KnownType(static_cast<uint8_t>(p[8]))) return false;
  if (p[kHeaderBytes] != '{' || p[kHeaderBytes + length - 1] != '}') return false;
  Header h;
  return CheckAt(bytes, pos, h) == Check::kOk;
}

uint64_t NextRecordAfter(std::string_view bytes, uint64_t pos) {
  for (uint64_t q = pos + 1; q + kHeaderBytes <= bytes.size(); ++q) {
    if (RecordStartsAt(bytes, q)) return q;
  }
  return bytes.size();
}

std::string Describe(Check check, uint64_t pos, const Header& h) {
  std::string out = "record at offset " + std::to_string(pos) + ": ";
  switch (check) {
    case Check::kTooLong:
      out += "length " + std::to_string(h.length) + " exceeds the limit of " +
             std::to_string(kMaxPayloadBytes);
      break;
    case Check::kRunsPastEnd:
      out += "length " + std::to_string(h.length) + " runs past the end of the file";
      break;
    case Check::kBadChecksum:
      out += "checksum mismatch";
      break;
    case Check::kUnknownType:
      out += "unknown type " + std::to_string(h.type);
      break;
    case Check::kOk:
      break;
  }
  return out;
}

}  // namespace

std::string EncodeRecord(journal::RecordType type, std::string_view payload) {
  if (payload.size() > kMaxPayloadBytes) {
    throw std::invalid_argument("journal record of " + std::to_string(payload.size()) +
                                " bytes exceeds the limit of " + std::to_string(kMaxPayloadBytes));
  }
  std::string out;
  out.reserve(kHeaderBytes + payload.size());
  const auto length = static_cast<uint32_t>(payload.size());
  AppendLe32(out, RecordCrc(length, static_cast<uint8_t>(type), payload));
  AppendLe32(out, length);
  out.push_back(static_cast<char>(type));
  out.append(payload);
  return out;
}

JournalContents ParseJournal(std::string_view bytes) {
  JournalContents c;
  const uint64_t size = bytes.size();
  uint64_t pos = 0;
  auto keep = [&](uint8_t type, uint64_t at, uint64_t length) {
    c.records.push_back({static_cast<journal::RecordType>(type),
                         std::string(bytes.substr(at + kHeaderBytes, length)), at});
    c.valid_bytes += kHeaderBytes + length;
  };
  while (pos < size) {
    Header h;
    const Check check = CheckAt(bytes, pos, h);
    if (check == Check::kOk) {
      keep(h.type, pos, h.length);
      pos += kHeaderBytes + h.length;
      continue;
    }
    // Resync: the next offset where a whole sound record starts ends this
    // bad stretch, so one damaged record costs only itself, not all that
    // follows it.
    const uint64_t next = NextRecordAfter(bytes, pos);
    // A damaged length field: the record fills the gap up to the next one,
    // and its checksum agrees with that length.
    if (next - pos >= kHeaderBytes) {
      const uint64_t fit = next - pos - kHeaderBytes;
      if (fit <= kMaxPayloadBytes && KnownType(h.type) && fit != h.length &&
          RecordCrc(static_cast<uint32_t>(fit), h.type, bytes.substr(pos + kHeaderBytes, fit)) ==
              h.crc) {
        c.damage.push_back({pos, 0,
                            Describe(check, pos, h) + "; its checksum matches length " +
                                std::to_string(fit) + ", record kept"});
        keep(h.type, pos, fit);
        pos = next;
        continue;
      }
    }
    if (check == Check::kRunsPastEnd && next == size) {
      // Nothing valid follows: the last append was cut short. This is what a
      // crash during an append leaves (records are appended whole and synced
      // one at a time), so it is a torn tail, cut off without alarm. Anything
      // else is not what an interrupted append leaves: damage, reported, and
      // the original kept aside.
      c.torn_tail_bytes = size - pos;
      break;
    }
    c.damage.push_back({pos, next - pos, Describe(check, pos, h)});
    c.dropped_bytes += next - pos;
    pos = next;
  }
  if (!c.damage.empty()) {
    c.corruption = c.damage.front().what;
    if (c.damage.size() > 1) {
      c.corruption->append(" (and ").append(std::to_string(c.damage.size() - 1)).append(" more)");
    }
  }
  return c;
}

void JournalWriter::Append(journal::RecordType type, std::string_view payload) {
  const std::string bytes = EncodeRecord(type, payload);
  // A failed write may leave part of its record on disk. Appending after it
  // would turn that torn tail into damage in the middle of the journal, so
  // the partial bytes are cut off first - now, or at the next Append if the
  // cut fails too.
  if (cut_needed_) CutBack();
  try {
    cut_needed_ = true;
    file_->Append(bytes);
    file_->Sync();
    cut_needed_ = false;
  } catch (...) {
    try {
      CutBack();
    } catch (const std::exception&) {
      // The write's error is the one to report; the next Append retries.
    }
    throw;
  }
  size_ += bytes.size();
}

void JournalWriter::CutBack() {
  file_->Truncate(size_);
  file_->Sync();
  cut_needed_ = false;
}

}  // namespace scribed::daemon
