// Pipeline segments <-> the journal's clip records and segment.final events.
//
// Thread-safe (pure functions).
#pragma once


#include "scribed/base/json.h"
#include "scribed/pipeline/transcript.h"
#include "scribed/protocol/events.h"

namespace scribed::daemon {

// Every field of `segment`, for the journal.
nlohmann::json SegmentToJson(const pipeline::Segment& segment);
// Throws nlohmann::json::exception for a record missing a field.
pipeline::Segment SegmentFromJson(const nlohmann::json& j);

// The segment.final event of `segment`, without the timing its producer adds.
protocol::SegmentFinal SegmentFinalOf(const pipeline::Segment& segment, const std::string& lang);

}  // namespace scribed::daemon
