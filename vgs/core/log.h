// Logging: the facade every layer uses, vgs::log::info("[data] skipped ", n, " items"), and the
// set-up a program calls once (vgs::core::init_logging). Arguments are streamed together, so no
// formatting library leaks into headers (LibTorch bundles its own fmt, which clashes with the one
// spdlog is built against; spdlog stays inside core/log.cpp). Messages start with a subsystem tag
// ("[data] ...", "[train] ...") so a long log can be grepped by concern.
#pragma once

#include <sstream>
#include <string>

namespace vgs::log {

enum class Level { trace, debug, info, warn, error };

bool enabled(Level level);
void write(Level level, const std::string& message);

template <typename... Args>
std::string cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

template <typename... Args>
void debug(const Args&... args) {
  if (enabled(Level::debug)) write(Level::debug, cat(args...));
}
template <typename... Args>
void info(const Args&... args) {
  if (enabled(Level::info)) write(Level::info, cat(args...));
}
template <typename... Args>
void warn(const Args&... args) {
  if (enabled(Level::warn)) write(Level::warn, cat(args...));
}
template <typename... Args>
void error(const Args&... args) {
  if (enabled(Level::error)) write(Level::error, cat(args...));
}

}  // namespace vgs::log

namespace vgs::core {

// The levels --log-level accepts, most to least verbose.
inline constexpr const char* kLogLevels[] = {"trace", "debug", "info", "warn", "error", "off"};

// Sets the global level; throws vgs::Error naming the accepted levels for an unknown one.
void set_log_level(const std::string& level);

// Logs to stderr with a short time stamp; call once at program start.
void init_logging(const std::string& level = "info");

}  // namespace vgs::core
