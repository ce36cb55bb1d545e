// protocol::JobOptions -> pipeline::PipelineOptions, for file jobs and live
// sessions alike.
//
// Thread-safe (pure function).
#pragma once

#include <string_view>

#include "daemon/workers/model_context.h"
#include "scribed/config/options.h"
#include "scribed/pipeline/pipeline.h"
#include "scribed/protocol/job_options.h"

namespace scribed::daemon {

// The pipeline settings for a job whose unset options take the built-in
// defaults, run on `model`. Throws std::invalid_argument for an unknown mode.
pipeline::PipelineOptions PipelineOptionsFor(const protocol::JobOptions& options,
                                             const ModelContext& model);

// Whether the pipeline knows the language (a code or an English name): the
// protocol::LanguageCheck the daemon validates requests with.
bool IsKnownLanguage(std::string_view code_or_name);

// The job options the daemon's settings give a request that sets none.
protocol::JobOptions JobDefaults(const config::DaemonOptions& options);

}  // namespace scribed::daemon
