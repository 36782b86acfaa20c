// metrics.jsonl written and read by hand (vgs_io does not link a JSON library): strict JSON out (strings
// escaped, valid UTF-8, non-finite numbers as null) and a small parser for the flat objects written.
#include "vgs/io/metrics_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <string_view>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/log.h"

namespace vgs::io {

namespace {

constexpr const char* kReservedKeys[] = {"kind", "step", "epoch", "time"};

double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// ---- writing ----

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one (overlong forms,
// surrogates and code points above U+10FFFF included).
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

void put_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8_sequence_length(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD: JSON text must be valid UTF-8
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

// Shortest text that reads back as the same double; JSON has no NaN or Infinity, hence null.
void put_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void put_key(std::string& out, std::string_view key) {
  out.push_back(',');
  put_string(out, key);
  out.push_back(':');
}

// ---- reading ----

struct ParseError {
  std::string reason;
};

struct JsonValue {
  enum class Type { string, number, null, boolean } type = Type::null;
  std::string text;    // a string's contents, or a number as written
  double number = 0;   // a number's value (NaN for null)
};

// A parser for one line holding a flat JSON object whose values are strings, numbers, null or booleans.
class LineParser {
 public:
  explicit LineParser(std::string_view line) : s_(line) {}

  // Calls on_member(key, value) for each member, in order.
  template <typename F>
  void parse_object(F on_member) {
    skip_space();
    expect('{');
    skip_space();
    if (peek() == '}') {
      ++pos_;
    } else {
      while (true) {
        skip_space();
        std::string key = parse_string();
        skip_space();
        expect(':');
        skip_space();
        JsonValue value = parse_value(key);
        on_member(key, value);
        skip_space();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        expect('}');
        break;
      }
    }
    skip_space();
    if (pos_ != s_.size()) fail("text after the object");
  }

 private:
  [[noreturn]] void fail(const std::string& reason) const {
    throw ParseError{reason + " at column " + std::to_string(pos_ + 1)};
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r' || s_[pos_] == '\n')) ++pos_;
  }
  void expect(char c) {
    if (pos_ >= s_.size()) fail(std::string("end of line where '") + c + "' was expected");
    if (s_[pos_] != c) fail(std::string("'") + s_[pos_] + "' where '" + c + "' was expected");
    ++pos_;
  }

  JsonValue parse_value(const std::string& key) {
    JsonValue value;
    char c = peek();
    if (c == '"') {
      value.type = JsonValue::Type::string;
      value.text = parse_string();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      value.type = JsonValue::Type::number;
      value.text = parse_number_text();
      auto result = std::from_chars(value.text.data(), value.text.data() + value.text.size(), value.number);
      if (result.ec != std::errc()) fail("number out of range for \"" + key + "\"");
    } else if (literal("null")) {
      value.number = std::numeric_limits<double>::quiet_NaN();
    } else if (literal("true") || literal("false")) {
      value.type = JsonValue::Type::boolean;
    } else {
      fail("unsupported value for \"" + key + "\"");
    }
    return value;
  }

  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  std::string parse_number_text() {
    size_t start = pos_;
    auto digits = [&] {
      size_t first = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == first) fail("malformed number");
      return pos_ - first;
    };
    if (peek() == '-') ++pos_;
    bool leading_zero = peek() == '0';
    if (digits() > 1 && leading_zero) fail("malformed number");
    if (peek() == '.') {
      ++pos_;
      digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      digits();
    }
    return std::string(s_.substr(start, pos_ - start));
  }

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
    unsigned value = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[pos_++];
      value <<= 4;
      if (c >= '0' && c <= '9') value |= c - '0';
      else if (c >= 'a' && c <= 'f') value |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') value |= c - 'A' + 10;
      else fail("bad \\u escape");
    }
    return value;
  }

  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // A \uXXXX escape, joining a surrogate pair; a lone surrogate becomes U+FFFD.
  unsigned unicode_escape() {
    unsigned cp = hex4();
    if (cp >= 0xDC00 && cp <= 0xDFFF) return 0xFFFD;
    if (cp < 0xD800 || cp > 0xDBFF) return cp;
    if (s_.substr(pos_, 2) != "\\u") return 0xFFFD;
    size_t rewind = pos_;
    pos_ += 2;
    unsigned low = hex4();
    if (low < 0xDC00 || low > 0xDFFF) {
      pos_ = rewind;  // not a pair: read the next escape on its own
      return 0xFFFD;
    }
    return 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated string");
      char e = s_[pos_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': put_utf8(out, unicode_escape()); break;
        default: --pos_; fail(std::string("bad escape \\") + e);
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

bool is_integer_text(const std::string& text) {
  return text.find_first_of(".eE") == std::string::npos;
}

MetricsRecord parse_line(std::string_view line) {
  MetricsRecord record;
  bool has_kind = false, has_step = false, has_epoch = false, has_time = false;
  LineParser(line).parse_object([&](const std::string& key, const JsonValue& value) {
    if (key == "kind") {
      if (value.type != JsonValue::Type::string) throw ParseError{"\"kind\" is not a string"};
      record.kind = value.text;
      has_kind = true;
    } else if (key == "step") {
      auto end = value.text.data() + value.text.size();
      if (value.type != JsonValue::Type::number || !is_integer_text(value.text) ||
          std::from_chars(value.text.data(), end, record.step).ptr != end) {
        throw ParseError{"\"step\" is not an integer"};
      }
      has_step = true;
    } else if (value.type != JsonValue::Type::number && value.type != JsonValue::Type::null) {
      throw ParseError{"\"" + key + "\" is not a number or null"};
    } else if (key == "epoch") {
      record.epoch = value.number;
      has_epoch = true;
    } else if (key == "time") {
      record.time = value.number;
      has_time = true;
    } else if (!record.values.emplace(key, value.number).second) {
      throw ParseError{"\"" + key + "\" appears twice"};
    }
  });
  const std::pair<bool, const char*> required[] = {
      {has_kind, "kind"}, {has_step, "step"}, {has_epoch, "epoch"}, {has_time, "time"}};
  for (const auto& [present, name] : required) {
    if (!present) throw ParseError{std::string("no \"") + name + "\""};
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
  std::string line = "{\"kind\":";
  put_string(line, record.kind);
  line += ",\"step\":" + std::to_string(record.step);
  put_key(line, "epoch");
  put_number(line, record.epoch);
  put_key(line, "time");
  put_number(line, record.time);
  for (const auto& [key, value] : record.values) {
    if (std::find(std::begin(kReservedKeys), std::end(kReservedKeys), key) != std::end(kReservedKeys)) {
      throw Error("metrics key \"" + key + "\" is reserved (kind, step, epoch and time are written by vgs)");
    }
    put_key(line, key);
    put_number(line, value);
  }
  line.push_back('}');
  return line;
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

}  // namespace vgs::io
