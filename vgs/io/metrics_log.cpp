// metrics.jsonl written and read with nlohmann_json: strict JSON out (strings escaped, bad UTF-8
// replaced, non-finite numbers as null, doubles in a form that reads back exactly) and the flat
// objects checked member by member on the way in.
#include "vgs/io/metrics_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <string_view>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/log.h"

namespace vgs::io {

namespace {

// Members keep their order: written kind, step, epoch, time, then the values by name, as a person
// reads them; read in file order, so that an error names the first bad member.
using Json = nlohmann::ordered_json;

constexpr const char* kReservedKeys[] = {"kind", "step", "epoch", "time"};

bool reserved(const std::string& key) {
  return std::find(std::begin(kReservedKeys), std::end(kReservedKeys), key) != std::end(kReservedKeys);
}

double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct ParseError {
  std::string reason;
};

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1, column 9: "
// prefix (the caller names the file's line), ending with the column instead.
std::string json_error(const nlohmann::json::exception& e) {
  std::string what = e.what();
  size_t start = what.find("] ");
  start = start == std::string::npos ? 0 : start + 2;
  auto parse_error = dynamic_cast<const nlohmann::json::parse_error*>(&e);
  if (!parse_error) return what.substr(start);
  size_t colon = what.find(": ", start);
  if (colon != std::string::npos) start = colon + 2;
  return what.substr(start) + " at column " + std::to_string(parse_error->byte);
}

// The line as a JSON object. A value name twice is refused, which the parsed object cannot show (it
// keeps the last); a reserved key twice is read as its last value.
Json parse_object(std::string_view line) {
  std::set<std::string> names;
  auto refuse_twice = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::key && depth == 1) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!reserved(key) && !names.insert(key).second) throw ParseError{"\"" + key + "\" appears twice"};
    }
    return true;
  };
  Json object;
  try {
    object = Json::parse(line.begin(), line.end(), refuse_twice);
  } catch (const nlohmann::json::exception& e) {
    throw ParseError{json_error(e)};
  }
  if (!object.is_object()) throw ParseError{"not a JSON object"};
  return object;
}

// A value: a number, or null for one that was not finite.
double number_of(const std::string& key, const Json& value) {
  if (value.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!value.is_number()) throw ParseError{"\"" + key + "\" is not a number or null"};
  return value.get<double>();
}

int64_t step_of(const Json& value) {
  bool fits = value.is_number_integer() &&
              (!value.is_number_unsigned() || value.get<uint64_t>() <= uint64_t{std::numeric_limits<int64_t>::max()});
  if (!fits) throw ParseError{"\"step\" is not an integer"};
  return value.get<int64_t>();
}

// One member into the record, checked.
void read_member(MetricsRecord& record, const std::string& key, const Json& value) {
  if (value.is_structured()) throw ParseError{"unsupported value for \"" + key + "\""};
  if (key == "kind") {
    if (!value.is_string()) throw ParseError{"\"kind\" is not a string"};
    record.kind = value.get<std::string>();
  } else if (key == "step") {
    record.step = step_of(value);
  } else if (key == "epoch") {
    record.epoch = number_of(key, value);
  } else if (key == "time") {
    record.time = number_of(key, value);
  } else {
    record.values.emplace(key, number_of(key, value));
  }
}

MetricsRecord parse_line(std::string_view line) {
  Json object = parse_object(line);
  MetricsRecord record;
  for (const auto& [key, value] : object.items()) read_member(record, key, value);
  for (const char* name : kReservedKeys) {
    if (!object.contains(name)) throw ParseError{std::string("no \"") + name + "\""};
  }
  return record;
}

bool parses(std::string_view line) {
  try {
    parse_line(line);
    return true;
  } catch (const ParseError&) {
    return false;
  }
}

std::string system_error(const std::string& path, const char* action) {
  return "cannot " + std::string(action) + " metrics log " + path + ": " + std::strerror(errno);
}

}  // namespace

std::string metrics_line(const MetricsRecord& record) {
  Json line = {{"kind", record.kind}, {"step", record.step}, {"epoch", record.epoch}, {"time", record.time}};
  for (const auto& [key, value] : record.values) {
    if (reserved(key)) throw Error("metrics key \"" + key + "\" is reserved (kind, step, epoch and time are written by vgs)");
    line[key] = value;
  }
  // nlohmann writes a non-finite double as null and any other in a form that reads back exactly;
  // bytes that are not UTF-8 become U+FFFD, so that the line stays JSON.
  return line.dump(-1, ' ', false, Json::error_handler_t::replace);
}

MetricsLog::MetricsLog(const std::string& path) : path_(path) {
  auto folder = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!folder.empty()) std::filesystem::create_directories(folder, ec);
  if (ec) throw Error("cannot write metrics log " + path + ": " + ec.message());
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(system_error(path, "write"));
  try {
    repair_tail();
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

MetricsLog::~MetricsLog() { ::close(fd_); }

// A run that crashed mid-write may have left a last line without its newline. Appending after it would
// glue the next record onto it, so a complete record gets its newline and a partial one is removed.
void MetricsLog::repair_tail() {
  struct stat info;
  if (::fstat(fd_, &info) != 0) throw Error(system_error(path_, "read"));
  std::string tail;  // the bytes after the last newline
  constexpr off_t kChunk = 4096;
  off_t end = info.st_size;
  while (end > 0) {
    off_t start = std::max<off_t>(0, end - kChunk);
    std::string chunk(static_cast<size_t>(end - start), '\0');
    if (::pread(fd_, chunk.data(), chunk.size(), start) != static_cast<ssize_t>(chunk.size())) {
      throw Error(system_error(path_, "read"));
    }
    size_t newline = chunk.rfind('\n');
    if (newline != std::string::npos) {
      tail = chunk.substr(newline + 1) + tail;
      break;
    }
    tail = chunk + tail;
    end = start;
  }
  if (tail.empty()) return;
  if (parses(tail)) {
    if (::write(fd_, "\n", 1) != 1) throw Error(system_error(path_, "write"));
    return;
  }
  if (::ftruncate(fd_, info.st_size - static_cast<off_t>(tail.size())) != 0) {
    throw Error(system_error(path_, "repair"));
  }
  log::warn("[io] ", path_, ": removed an incomplete last line left by an interrupted run");
}

void MetricsLog::write(const std::string& kind, int64_t step, double epoch, const std::map<std::string, double>& values) {
  MetricsRecord record{kind, step, epoch, unix_seconds(), values};
  std::string line = metrics_line(record) + "\n";
  // One write() per line (O_APPEND): the line reaches the OS whole unless the disk fills.
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(system_error(path_, "write"));
    done += static_cast<size_t>(n);
  }
}

std::vector<MetricsRecord> read_metrics_log(const std::string& path) {
  std::string content = core::read_file(path);
  std::vector<MetricsRecord> records;
  size_t start = 0;
  for (size_t number = 1; start < content.size(); ++number) {
    size_t newline = content.find('\n', start);
    bool last_incomplete = newline == std::string::npos;
    size_t end = last_incomplete ? content.size() : newline;
    std::string_view line(content.data() + start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    try {
      records.push_back(parse_line(line));
    } catch (const ParseError& e) {
      if (last_incomplete) {
        log::warn("[io] ", path, ":", number, ": skipped an incomplete last line");
        break;
      }
      throw Error(path + ":" + std::to_string(number) + ": " + e.reason);
    }
  }
  return records;
}

void drop_metrics_after(const std::string& path, int64_t last_step) {
  if (!std::filesystem::exists(path)) return;
  const std::string content = core::read_file(path);
  std::string kept;
  int64_t dropped = 0;
  for (size_t start = 0; start < content.size();) {
    const size_t newline = content.find('\n', start);
    if (newline == std::string::npos) break;  // an incomplete last line: dropped too
    std::string_view line(content.data() + start, newline - start);
    start = newline + 1;
    bool keep = true;
    try {
      keep = parse_line(line).step <= last_step;
    } catch (const ParseError&) {  // not ours to judge here: read_metrics_log names it
    }
    if (keep) kept.append(line.data(), line.size()).push_back('\n');
    else ++dropped;
  }
  if (dropped == 0 && kept.size() == content.size()) return;
  core::write_file_atomic(path, kept);
  log::info("[io] ", path, ": dropped ", dropped, " records of steps after ", last_step, ", which the resumed run redoes");
}

}  // namespace vgs::io
