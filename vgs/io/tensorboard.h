// TensorBoard event files written without TensorFlow or protobuf: scalars (losses, recalls, learning
// rates) that `tensorboard --logdir` and its EventAccumulator read as they would PyTorch's.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace vgs::io {

// Appends scalar summaries to a new file events.out.tfevents.<unix seconds>.<host>.<pid>.<n> in
// `log_dir` (created if missing). A resumed run makes another writer on the same folder: TensorBoard
// merges every events file of a folder into one run. Values are stored as float32 (TensorBoard's
// simple_value). Events reach the OS every few seconds and disk on flush(); what was written before
// a flush() survives a crash. One writer is used by one thread at a time.
class TensorBoardWriter {
 public:
  // vgs::Error naming the folder when it cannot be created or written.
  explicit TensorBoardWriter(const std::string& log_dir);
  ~TensorBoardWriter();  // flushes; a failure there is logged, not thrown
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

  void add_scalar(const std::string& tag, double value, int64_t step);
  // All values in one event at `step` (one record, one timestamp).
  void add_scalars(const std::map<std::string, double>& values, int64_t step);
  // Writes pending events and syncs them to disk; vgs::Error naming the file when it cannot.
  void flush();

  // The events file this writer appends to.
  const std::string& path() const { return path_; }

 private:
  void append_record(const std::string& event);
  void write_pending();

  std::string path_;
  std::string pending_;      // framed records not yet handed to the OS
  double last_write_ = 0.0;  // steady-clock seconds of the last write_pending()
  int fd_ = -1;
};

}  // namespace vgs::io
