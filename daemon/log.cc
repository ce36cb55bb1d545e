#include "daemon/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace scribed::daemon {

void SetupLogging(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off")
    throw std::invalid_argument("unknown log level " + level);
  std::shared_ptr<spdlog::logger> logger;
  if (const char* stream = std::getenv("JOURNAL_STREAM"); stream && *stream) {
    // The journal adds its own timestamp and unit name; keep only the text.
    auto sink = std::make_shared<spdlog::sinks::systemd_sink_mt>("scribed");
    sink->set_pattern("%v");
    logger = std::make_shared<spdlog::logger>("scribed", sink);
  } else {
    logger = std::make_shared<spdlog::logger>("scribed",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e scribed[%P] %l: %v");
  }
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace scribed::daemon
