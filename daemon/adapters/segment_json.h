// Pipeline segments <-> JSON: the journal's clip records and the fields of
// segment.final / translation.final events.
//
// Thread-safe (pure functions).
#pragma once

#include <nlohmann/json.hpp>

#include "scribed/pipeline/transcript.h"

namespace scribed::daemon {

// Every field of `segment`, for the journal.
nlohmann::json SegmentToJson(const pipeline::Segment& segment);
// Throws nlohmann::json::exception for a record missing a field.
pipeline::Segment SegmentFromJson(const nlohmann::json& j);

// The fields of a segment.final event beyond the envelope (docs/protocol.md).
nlohmann::json SegmentFinalFields(const pipeline::Segment& segment, const std::string& lang);

}  // namespace scribed::daemon
