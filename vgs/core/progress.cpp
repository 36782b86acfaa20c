// A progress display for long loops: bar on a terminal, periodic log lines elsewhere.
#include "vgs/core/progress.h"

#include "vgs/core/log.h"
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace vgs::core {

using Clock = std::chrono::steady_clock;

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      terminal_(::isatty(STDERR_FILENO) == 1),
      start_(Clock::now()),
      last_draw_(start_) {
  // Off a terminal, one line every 30 s keeps batch logs readable; VGS_PROGRESS_SECONDS changes it.
  const char* interval = std::getenv("VGS_PROGRESS_SECONDS");
  log_interval_seconds_ = interval ? std::atof(interval) : 30.0;
}

Progress::~Progress() {
  if (!finished_ && terminal_) std::fputc('\n', stderr);
}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

double Progress::rate() const {
  double t = elapsed_seconds();
  return t > 0 ? done_ / t : 0.0;
}

void Progress::advance(int64_t n) {
  done_ += n;
  draw(false);
}

std::string Progress::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  long s = std::lround(seconds);
  char buffer[32];
  if (s >= 3600) std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buffer, sizeof buffer, "%ld:%02ld", s / 60, s % 60);
  return buffer;
}

std::string Progress::format_line(const std::string& label, int64_t done, int64_t total,
                                  double rate, const std::string& unit, int width) {
  char buffer[160];
  if (total > 0) {
    double fraction = std::min(1.0, static_cast<double>(done) / total);
    int filled = static_cast<int>(fraction * width);
    std::string bar(filled, '#');
    bar.append(width - filled, '.');
    double eta = rate > 0 ? (total - done) / rate : NAN;
    std::snprintf(buffer, sizeof buffer, "%s %3d%% [%s] %lld/%lld %.1f %s/s ETA %s", label.c_str(),
                  static_cast<int>(fraction * 100), bar.c_str(), static_cast<long long>(done),
                  static_cast<long long>(total), rate, unit.c_str(), format_duration(eta).c_str());
  } else {
    std::snprintf(buffer, sizeof buffer, "%s %lld %s %.1f %s/s", label.c_str(),
                  static_cast<long long>(done), unit.c_str(), rate, unit.c_str());
  }
  return buffer;
}

void Progress::draw(bool force) {
  auto now = Clock::now();
  double since = std::chrono::duration<double>(now - last_draw_).count();
  if (terminal_) {
    if (!force && since < 0.1) return;
    std::fprintf(stderr, "\r%s\033[K", format_line(label_, done_, total_, rate(), unit_).c_str());
    std::fflush(stderr);
  } else {
    if (!force && since < log_interval_seconds_) return;
    log::info(format_line(label_, done_, total_, rate(), unit_));
  }
  last_draw_ = now;
}

void Progress::finish() {
  if (finished_) return;
  if (terminal_) {
    draw(true);
    std::fputc('\n', stderr);
  }
  finished_ = true;
  char summary[96];
  std::snprintf(summary, sizeof summary, " in %.1f s (%.1f %s/s)", elapsed_seconds(), rate(), unit_.c_str());
  log::info(label_, ": ", done_, " ", unit_, summary);
}

}  // namespace vgs::core
