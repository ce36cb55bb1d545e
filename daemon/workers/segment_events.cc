#include "daemon/workers/segment_events.h"

#include "daemon/adapters/segment_json.h"

namespace scribed::daemon {

void PublishSegment(Publisher& publisher, const pipeline::Segment& segment,
                    const pipeline::Transcript& transcript, const SegmentTiming& timing,
                    EventIds ids) {
  ids.segment = segment.index;
  protocol::SegmentFinal final_event = SegmentFinalOf(segment, transcript.language);
  final_event.rtf = timing.rtf;
  final_event.latency_ms = timing.latency_ms;
  final_event.prefill_ms = timing.prefill_ms;
  final_event.decode_ms = timing.decode_ms;
  final_event.source = timing.source;
  publisher.Publish(final_event, ids);
  if (segment.translation.empty()) return;
  const std::string& spoken = segment.language.empty() ? transcript.language : segment.language;
  publisher.Publish(
      protocol::TranslationFinal{spoken, transcript.translation_language, segment.translation}, ids);
}

}  // namespace scribed::daemon
