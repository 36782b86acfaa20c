// metrics.jsonl: one JSON object per line for every train, validation and test measurement, e.g.
//   {"kind":"valid","step":1200,"epoch":3.0,"time":1764000000.25,"loss":1.42,"r@10":0.61}
// Each line reaches the OS whole before write() returns, so a crashed run leaves whole lines (at
// worst an incomplete last one, which the reader skips and the next writer removes).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vgs::io {

struct MetricsRecord {
  std::string kind;  // "train", "valid", "test"
  int64_t step = 0;
  double epoch = 0;
  double time = 0;                       // unix seconds when written
  std::map<std::string, double> values;  // a non-finite value is written as null and reads as NaN
};

// Appends to `path` (created with its folder if missing). Keys "kind", "step", "epoch" and "time" are
// reserved; a key that is not valid UTF-8 has its bad bytes replaced by U+FFFD. vgs::Error naming the
// file when it cannot be written.
class MetricsLog {
 public:
  explicit MetricsLog(const std::string& path);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  void write(const std::string& kind, int64_t step, double epoch, const std::map<std::string, double>& values);

  const std::string& path() const { return path_; }

 private:
  void repair_tail();

  std::string path_;
  int fd_ = -1;
};

// One line of a metrics log as JSON (no newline); what MetricsLog::write appends.
std::string metrics_line(const MetricsRecord& record);

// Every record of a metrics log, in file order. An incomplete final line (an interrupted write) is
// skipped; a malformed line elsewhere is a vgs::Error naming the file and line.
std::vector<MetricsRecord> read_metrics_log(const std::string& path);

// Rewrites the log (atomically) without the records of steps after `last_step`: what a run resumed
// from the checkpoint of `last_step` is about to redo, so that curves hold each step once.
void drop_metrics_after(const std::string& path, int64_t last_step);

}  // namespace vgs::io
