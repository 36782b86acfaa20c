// The log facade every layer uses: vgs::log::info("[data] skipped ", n, " items"). Arguments are
// streamed together, so no formatting library leaks into headers (LibTorch bundles its own fmt,
// which clashes with the one spdlog is built against; spdlog stays inside core/log.cpp).
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
