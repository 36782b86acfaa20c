// TensorBoard event files by hand: TFRecord framing around protobuf `Event` messages encoded field by
// field (only wall_time, step, file_version and scalar summaries), so vgs needs neither protobuf nor
// TensorFlow to produce logs that TensorBoard reads.
#include "vgs/io/tensorboard.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/io/crc32c.h"

namespace vgs::io {

namespace {

// Pending events reach the OS at least this often, so a live TensorBoard sees a run progress.
constexpr double kWriteIntervalSeconds = 5.0;
constexpr size_t kMaxPendingBytes = 64 * 1024;

// Protobuf wire types used by Event, Summary and Summary.Value.
enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// For intervals: unlike the wall clock it never jumps.
double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_tag(std::string& out, uint32_t field, WireType type) { put_varint(out, (uint64_t{field} << 3) | type); }

// Little-endian whatever the host, as protobuf and TFRecord require.
void put_le(std::string& out, uint64_t bits, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
}

void put_double(std::string& out, uint32_t field, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  put_tag(out, field, kFixed64);
  put_le(out, bits, 8);
}

void put_float(std::string& out, uint32_t field, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  put_tag(out, field, kFixed32);
  put_le(out, bits, 4);
}

void put_bytes(std::string& out, uint32_t field, std::string_view bytes) {
  put_tag(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  out.append(bytes);
}

// Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
std::string event_header(int64_t step) {
  std::string event;
  put_double(event, 1, unix_seconds());
  if (step != 0) {  // proto3 default, as protobuf itself omits it
    put_tag(event, 2, kVarint);
    put_varint(event, static_cast<uint64_t>(step));  // int64: two's complement, ten bytes if negative
  }
  return event;
}

// Summary.Value { string tag = 1; float simple_value = 2; }
std::string scalar_value(const std::string& tag, double value) {
  std::string message;
  put_bytes(message, 1, tag);
  put_float(message, 2, static_cast<float>(value));
  return message;
}

// TFRecord: uint64 length, masked CRC32C of the length, data, masked CRC32C of the data.
std::string frame_record(const std::string& data) {
  std::string record;
  put_le(record, data.size(), 8);
  put_le(record, masked_crc32c(record), 4);
  record.append(data);
  put_le(record, masked_crc32c(data), 4);
  return record;
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

std::string cannot_write(const std::string& log_dir, const std::string& reason) {
  return "cannot write TensorBoard events in " + log_dir + ": " + reason;
}

std::string cannot_write_file(const std::string& path, const std::string& reason) {
  return "cannot write TensorBoard events to " + path + ": " + reason;
}

// Creates a new events file in `log_dir` under a name no other writer uses; returns its descriptor.
int create_events_file(const std::string& log_dir, std::string& path) {
  static std::atomic<uint64_t> counter{0};
  const std::string host = host_name();
  for (int attempt = 0; attempt < 100; ++attempt) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%010lld", static_cast<long long>(unix_seconds()));
    path = log_dir + "/events.out.tfevents." + seconds + "." + host + "." + std::to_string(::getpid()) + "." +
           std::to_string(counter++);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) return fd;
    if (errno != EEXIST) throw Error(cannot_write(log_dir, std::strerror(errno)));
  }
  throw Error(cannot_write(log_dir, "no free events file name"));
}

}  // namespace

TensorBoardWriter::TensorBoardWriter(const std::string& log_dir) {
  std::error_code ec;
  std::filesystem::create_directories(log_dir, ec);
  if (ec || !std::filesystem::is_directory(log_dir)) {
    throw Error(cannot_write(log_dir, ec ? ec.message() : "not a folder"));
  }
  fd_ = create_events_file(log_dir, path_);
  // The first record names the format; TensorBoard reads version 2 (no step-based purging).
  std::string event = event_header(0);
  put_bytes(event, 3, "brain.Event:2");
  append_record(event);
  try {
    flush();
  } catch (...) {
    ::close(fd_);
    throw;
  }
  log::debug("[io] TensorBoard events in ", path_);
}

TensorBoardWriter::~TensorBoardWriter() {
  try {
    flush();
  } catch (const std::exception& e) {
    log::error("[io] ", e.what());
  }
  ::close(fd_);
}

void TensorBoardWriter::add_scalar(const std::string& tag, double value, int64_t step) {
  add_scalars({{tag, value}}, step);
}

void TensorBoardWriter::add_scalars(const std::map<std::string, double>& values, int64_t step) {
  if (values.empty()) return;
  std::string summary;
  for (const auto& [tag, value] : values) put_bytes(summary, 1, scalar_value(tag, value));
  std::string event = event_header(step);
  put_bytes(event, 5, summary);
  append_record(event);
  if (pending_.size() >= kMaxPendingBytes || steady_seconds() - last_write_ >= kWriteIntervalSeconds) {
    write_pending();
  }
}

void TensorBoardWriter::flush() {
  write_pending();
  if (::fdatasync(fd_) != 0 && errno != EINVAL) {  // EINVAL: a file system without sync (a pipe, /dev)
    throw Error(cannot_write_file(path_, std::strerror(errno)));
  }
}

void TensorBoardWriter::append_record(const std::string& event) { pending_ += frame_record(event); }

// Hands pending records to the OS; on failure keeps what was not written, so a retry neither loses
// nor repeats records.
void TensorBoardWriter::write_pending() {
  size_t done = 0;
  while (done < pending_.size()) {
    ssize_t n = ::write(fd_, pending_.data() + done, pending_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      pending_.erase(0, done);
      throw Error(cannot_write_file(path_, std::strerror(error)));
    }
    done += static_cast<size_t>(n);
  }
  pending_.clear();
  last_write_ = steady_seconds();
}

}  // namespace vgs::io
