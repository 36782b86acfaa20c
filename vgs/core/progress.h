// A progress display for long loops (extraction, epochs): a redrawn bar with rate and ETA when
// stderr is a terminal, a periodic log line otherwise (Slurm logs, CI), and a summary at the end.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace vgs::core {

class Progress {
 public:
  // `total` <= 0 means unknown; `unit` names what is counted ("items", "utt").
  Progress(std::string label, int64_t total, std::string unit = "items");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(int64_t n = 1);
  // Ends the display and logs "<label>: N items in T s (R items/s)".
  void finish();

  int64_t done() const { return done_; }
  double elapsed_seconds() const;
  double rate() const;  // items per second so far

  // The bar text for `done` of `total` at `rate`; public for tests.
  static std::string format_line(const std::string& label, int64_t done, int64_t total,
                                 double rate, const std::string& unit, int width = 30);
  static std::string format_duration(double seconds);  // "1:02:03", "4:05"

 private:
  void draw(bool force);
  std::string label_, unit_;
  int64_t total_, done_ = 0;
  bool terminal_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
  double log_interval_seconds_;
};

}  // namespace vgs::core
