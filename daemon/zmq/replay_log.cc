#include "daemon/zmq/replay_log.h"

namespace scribed::daemon {

void ReplayLog::Add(uint64_t seq, std::string body) {
  std::lock_guard lock(mu_);
  events_.emplace_back(seq, std::move(body));
  while (events_.size() > capacity_) events_.pop_front();
}

ReplayLog::Slice ReplayLog::Since(uint64_t since, size_t limit) const {
  std::lock_guard lock(mu_);
  Slice s;
  if (events_.empty()) return s;
  s.first_seq = events_.front().first;
  s.last_seq = events_.back().first;
  s.truncated = since + 1 < s.first_seq;
  // Seqs are consecutive, so the start is an index computation.
  size_t start = since < s.first_seq ? 0 : static_cast<size_t>(since - s.first_seq + 1);
  for (size_t i = start; i < events_.size(); ++i) {
    if (s.bodies.size() == limit) {
      s.more = true;
      break;
    }
    s.bodies.push_back(events_[i].second);
  }
  return s;
}

}  // namespace scribed::daemon
