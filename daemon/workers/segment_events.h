// The one place the daemon publishes a final segment from, for file jobs and
// live sessions alike: segment.final, then translation.final when the
// segment was translated.
#pragma once

#include <optional>
#include <string>

#include "daemon/zmq/publisher.h"
#include "scribed/pipeline/transcript.h"

namespace scribed::daemon {

// What the producer adds to a segment: its cost and, live, its latency.
struct SegmentTiming {
  double rtf = 0;
  std::optional<int64_t> latency_ms;
  std::optional<int64_t> prefill_ms;
  std::optional<int64_t> decode_ms;
  std::optional<std::string> source;  // "mic" for live sessions
};

// `ids` names the job or session; the segment's index is added. `transcript`
// is the stream's transcript so far (for its languages).
void PublishSegment(Publisher& publisher, const pipeline::Segment& segment,
                    const pipeline::Transcript& transcript, const SegmentTiming& timing,
                    EventIds ids);

}  // namespace scribed::daemon
