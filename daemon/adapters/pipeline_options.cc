#include "daemon/adapters/pipeline_options.h"

#include "scribed/pipeline/languages.h"

namespace scribed::daemon {

pipeline::PipelineOptions PipelineOptionsFor(const protocol::JobOptions& options,
                                             const ModelContext& model) {
  const protocol::JobOptions o = WithDefaults(options, protocol::BuiltInJobDefaults());
  pipeline::PipelineOptions p;
  p.language = *o.language;
  p.mode = pipeline::ParseFormatMode(*o.mode);
  p.translate_to = *o.translate_to;
  p.translation_path = pipeline::ParseTranslationPath(*o.translation_path);
  p.threads = model.threads;
  p.guards.max_tokens_per_second = model.max_tokens_per_second;
  return p;
}

bool IsKnownLanguage(std::string_view code_or_name) {
  return pipeline::FindLanguage(code_or_name).has_value();
}

protocol::JobOptions JobDefaults(const config::DaemonOptions& options) {
  // The translation path has no daemon-wide setting: a job chooses it.
  return protocol::JobOptions{options.language, options.mode, options.translate_to,
                              protocol::SplitList(options.outputs),
                              protocol::BuiltInJobDefaults().translation_path};
}

}  // namespace scribed::daemon
