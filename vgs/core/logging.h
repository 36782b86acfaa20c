// Logging set-up. vgs logs through spdlog; messages start with a subsystem tag ("[data] ...",
// "[train] ...") so a long log can be grepped by concern.
#pragma once

#include <string>

namespace vgs::core {

// The levels --log-level accepts, most to least verbose.
inline constexpr const char* kLogLevels[] = {"trace", "debug", "info", "warn", "error", "off"};

// Sets the global level; throws vgs::Error naming the accepted levels for an unknown one.
void set_log_level(const std::string& level);

// Logs to stderr with a short time stamp; call once at program start.
void init_logging(const std::string& level = "info");

}  // namespace vgs::core
