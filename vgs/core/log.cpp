// The log facade and logging set-up, on spdlog: stderr sink, compact pattern, --log-level.
#include "vgs/core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "vgs/core/error.h"

namespace vgs {

namespace log {
namespace {
spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::trace: return spdlog::level::trace;
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}
}  // namespace

bool enabled(Level level) { return spdlog::should_log(to_spdlog(level)); }
void write(Level level, const std::string& message) { spdlog::log(to_spdlog(level), "{}", message); }
}  // namespace log

namespace core {

void set_log_level(const std::string& level) {
  for (const char* known : kLogLevels) {
    if (level == known) {
      spdlog::set_level(spdlog::level::from_str(level));
      return;
    }
  }
  throw Error("--log-level: expected one of trace, debug, info, warn, error, off; got '" + level + "'");
}

void init_logging(const std::string& level) {
  if (!spdlog::get("vgs")) {
    auto logger = spdlog::stderr_color_mt("vgs");
    logger->set_pattern("%H:%M:%S %^%l%$ %v");
    spdlog::set_default_logger(logger);
  }
  set_log_level(level);
}

}  // namespace core
}  // namespace vgs
