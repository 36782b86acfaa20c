// The safetensors header: a strict JSON reader for exactly what the format allows, the checks the
// Rust library makes (and messages that say which tensor is wrong), and the writer's layout.
#include "vgs/io/safetensors_header.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "vgs/core/error.h"
#include "vgs/core/strings.h"
#include "vgs/core/utf8.h"

namespace vgs::io {

namespace {

using core::printable;

// Nesting allowed inside ignored JSON values: deeper is an attack on the stack, not a header.
constexpr int kMaxJsonDepth = 64;
constexpr size_t kMaxRank = 64;

void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// A recursive-descent reader for the header JSON. It builds nothing generic: tensor entries and
// the metadata map are read straight into their structs, anything else is skipped (as serde does
// for unknown fields) with a depth limit.
class HeaderJson {
 public:
  HeaderJson(const uint8_t* begin, const uint8_t* end, const std::string& source)
      : begin_(begin), p_(begin), end_(end), source_(source) {}

  void parse(SafetensorsHeader& header) {
    expect('{');
    std::set<std::string> seen;
    if (peek_after_ws() == '}') {
      ++p_;
    } else {
      do {
        std::string key = parse_string();
        if (!seen.insert(key).second) fail("the name '" + printable(key) + "' appears twice");
        expect(':');
        if (key == "__metadata__") parse_metadata(header.metadata);
        else header.tensors.push_back(parse_tensor(key));
      } while (next_is(','));
      expect('}');
    }
    skip_ws();
    if (p_ != end_) fail("unexpected text after the header object");
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(source_ + ": bad safetensors header: " + what + " (header byte " + std::to_string(p_ - begin_) + ")");
  }

  void skip_ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  int peek_after_ws() {
    skip_ws();
    return p_ < end_ ? *p_ : -1;
  }
  void expect(char c) {
    if (peek_after_ws() != c) fail(std::string("expected '") + c + "'");
    ++p_;
  }
  bool next_is(char c) {
    if (peek_after_ws() != c) return false;
    ++p_;
    return true;
  }

  uint32_t parse_hex4() {
    if (end_ - p_ < 4) fail("truncated \\u escape");
    uint32_t code = 0;
    for (int k = 0; k < 4; ++k, ++p_) {
      char c = static_cast<char>(*p_);
      code <<= 4;
      if (c >= '0' && c <= '9') code |= c - '0';
      else if (c >= 'a' && c <= 'f') code |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') code |= c - 'A' + 10;
      else fail("bad \\u escape");
    }
    return code;
  }

  std::string parse_string() {
    if (peek_after_ws() != '"') fail("expected a string");
    ++p_;
    std::string out;
    while (true) {
      if (p_ >= end_) fail("unterminated string");
      uint8_t c = *p_++;
      if (c == '"') return out;
      if (c < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (p_ >= end_) fail("unterminated string");
      switch (*p_++) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': append_utf8(out, parse_escaped_code_point()); break;
        default: fail("bad escape in a string");
      }
    }
  }

  uint32_t parse_escaped_code_point() {
    uint32_t code = parse_hex4();
    if (code >= 0xDC00 && code <= 0xDFFF) fail("lone low surrogate in a string");
    if (code < 0xD800 || code > 0xDBFF) return code;
    if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') fail("lone high surrogate in a string");
    p_ += 2;
    uint32_t low = parse_hex4();
    if (low < 0xDC00 || low > 0xDFFF) fail("lone high surrogate in a string");
    return 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
  }

  // A non-negative JSON integer (offsets and dimensions): no sign, fraction or exponent.
  uint64_t parse_uint() {
    skip_ws();
    if (p_ >= end_ || *p_ < '0' || *p_ > '9') fail("expected a non-negative integer");
    if (*p_ == '0' && p_ + 1 < end_ && p_[1] >= '0' && p_[1] <= '9') fail("number with a leading zero");
    uint64_t value = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, *p_ - '0', &value))
        fail("integer too large");
      ++p_;
    }
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) fail("expected an integer, not a fraction");
    return value;
  }

  std::vector<uint64_t> parse_uint_array(size_t max_items, const char* what) {
    std::vector<uint64_t> items;
    expect('[');
    if (next_is(']')) return items;
    do {
      if (items.size() >= max_items) fail(std::string("too many values in ") + what);
      items.push_back(parse_uint());
    } while (next_is(','));
    expect(']');
    return items;
  }

  void skip_number() {
    const uint8_t* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    auto digits = [&] {
      const uint8_t* d = p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      return p_ - d;
    };
    if (digits() == 0) fail("bad value");
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (digits() == 0) fail("bad number");
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (digits() == 0) fail("bad number");
    }
    if (p_ == start) fail("bad value");
  }

  void skip_literal(const char* word) {
    size_t n = std::strlen(word);
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) fail("bad value");
    p_ += n;
  }

  void skip_value(int depth) {
    if (depth > kMaxJsonDepth) fail("values nested too deeply");
    int c = peek_after_ws();
    if (c == '"') {
      parse_string();
    } else if (c == '{' || c == '[') {
      ++p_;
      char close = c == '{' ? '}' : ']';
      if (next_is(close)) return;
      do {
        if (c == '{') {
          parse_string();
          expect(':');
        }
        skip_value(depth + 1);
      } while (next_is(','));
      expect(close);
    } else if (c == 't') {
      skip_literal("true");
    } else if (c == 'f') {
      skip_literal("false");
    } else if (c == 'n') {
      skip_literal("null");
    } else {
      skip_number();
    }
  }

  void parse_metadata(std::map<std::string, std::string>& metadata) {
    if (peek_after_ws() == 'n') return skip_literal("null");  // Option<HashMap> in Rust
    expect('{');
    if (next_is('}')) return;
    do {
      std::string key = parse_string();
      expect(':');
      if (peek_after_ws() != '"') fail("__metadata__ value of '" + printable(key) + "' is not a string");
      std::string value = parse_string();
      if (!metadata.emplace(key, value).second) fail("__metadata__ key '" + printable(key) + "' appears twice");
    } while (next_is(','));
    expect('}');
  }

  SafetensorsEntry parse_tensor(const std::string& name) {
    SafetensorsEntry entry;
    entry.name = name;
    bool has_dtype = false, has_shape = false, has_offsets = false;
    std::string quoted = "tensor '" + printable(name) + "'";
    if (peek_after_ws() != '{') fail(quoted + " is not an object");
    ++p_;
    if (!next_is('}')) {
      do {
        std::string key = parse_string();
        expect(':');
        if (key == "dtype") {
          std::string dtype = parse_string();
          if (!parse_dtype(dtype, entry.dtype))
            fail(quoted + " has dtype '" + printable(dtype) + "', not one of F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL");
          has_dtype = true;
        } else if (key == "shape") {
          for (uint64_t d : parse_uint_array(kMaxRank, "a shape")) {
            if (d > static_cast<uint64_t>(INT64_MAX)) fail(quoted + " has a dimension too large");
            entry.shape.push_back(static_cast<int64_t>(d));
          }
          has_shape = true;
        } else if (key == "data_offsets") {
          auto offsets = parse_uint_array(2, "data_offsets");
          if (offsets.size() != 2) fail(quoted + " needs data_offsets [begin, end]");
          entry.begin = offsets[0];
          entry.end = offsets[1];
          has_offsets = true;
        } else {
          skip_value(1);
        }
      } while (next_is(','));
      expect('}');
    }
    if (!has_dtype || !has_shape || !has_offsets) fail(quoted + " lacks dtype, shape or data_offsets");
    return entry;
  }

  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
  const std::string& source_;
};

// The Rust library's checks: sorted by offset, the tensors tile [0, data_size) exactly, and each
// holds shape x dtype bytes.
void check_layout(std::vector<SafetensorsEntry>& tensors, uint64_t data_size, const std::string& source) {
  std::stable_sort(tensors.begin(), tensors.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  for (const auto& t : tensors) {
    std::string quoted = source + ": tensor '" + printable(t.name) + "'";
    if (t.end < t.begin) throw Error(quoted + " ends (byte " + std::to_string(t.end) + ") before it begins (" + std::to_string(t.begin) + ")");
    if (t.begin > data_size || t.end > data_size)
      throw Error(quoted + " data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                  "] run past the end of the file (" + std::to_string(data_size) + " bytes of data)");
    if (t.begin != expected)
      throw Error(quoted + " starts at data byte " + std::to_string(t.begin) + " but the previous tensor ends at " +
                  std::to_string(expected) + (t.begin < expected ? " (overlapping tensors)" : " (a gap between tensors)"));
    uint64_t bytes = dtype_size(t.dtype);
    for (int64_t d : t.shape)
      if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes)) throw Error(quoted + " has a shape too large");
    if (bytes != t.end - t.begin)
      throw Error(quoted + " has " + std::to_string(t.end - t.begin) + " bytes but its shape and dtype " +
                  dtype_name(t.dtype) + " need " + std::to_string(bytes));
    expected = t.end;
  }
  if (expected != data_size)
    throw Error(source + ": " + std::to_string(data_size - expected) + " bytes after the last tensor (a corrupt safetensors file)");
}

// JSON string escaping as serde_json does it: quotes, backslashes and control characters only.
void append_json_string(std::string& out, const std::string& text) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : text) {
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
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

uint64_t read_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int k = 7; k >= 0; --k) v = (v << 8) | p[k];
  return v;
}

}  // namespace

SafetensorsHeader parse_safetensors_header(const uint8_t* data, size_t size, const std::string& source) {
  if (size < 8) throw Error(source + ": too short for a safetensors file (" + std::to_string(size) + " bytes)");
  uint64_t n = read_le64(data);
  if (n > kMaxSafetensorsHeader)
    throw Error(source + ": safetensors header length " + std::to_string(n) + " is over the 100 MB limit (a corrupt file?)");
  if (n > size - 8)
    throw Error(source + ": safetensors header length " + std::to_string(n) + " runs past the end of the file (" +
                std::to_string(size) + " bytes; truncated?)");
  const uint8_t* json = data + 8;
  if (n == 0 || json[0] != '{') throw Error(source + ": safetensors header is not a JSON object");
  if (!core::valid_utf8({reinterpret_cast<const char*>(json), n})) throw Error(source + ": safetensors header is not valid UTF-8");
  SafetensorsHeader header;
  header.data_start = 8 + n;
  HeaderJson(json, json + n, source).parse(header);
  check_layout(header.tensors, size - header.data_start, source);
  return header;
}

std::string layout_safetensors(std::vector<SafetensorsEntry>& tensors, const std::map<std::string, std::string>& metadata) {
  std::sort(tensors.begin(), tensors.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
    int ra = dtype_rank(a.dtype), rb = dtype_rank(b.dtype);
    return ra != rb ? ra > rb : a.name < b.name;
  });
  std::string json = "{";
  if (!metadata.empty()) {
    json += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [key, value] : metadata) {
      if (!first) json += ',';
      first = false;
      append_json_string(json, key);
      json += ':';
      append_json_string(json, value);
    }
    json += "},";
  }
  uint64_t offset = 0;
  for (auto& t : tensors) {
    uint64_t bytes = dtype_size(t.dtype);
    for (int64_t d : t.shape) bytes *= static_cast<uint64_t>(d);
    t.begin = offset;
    t.end = offset += bytes;
    append_json_string(json, t.name);
    json += ":{\"dtype\":\"";
    json += dtype_name(t.dtype);
    json += "\",\"shape\":[";
    for (size_t k = 0; k < t.shape.size(); ++k) json += (k ? "," : "") + std::to_string(t.shape[k]);
    json += "],\"data_offsets\":[" + std::to_string(t.begin) + "," + std::to_string(t.end) + "]},";
  }
  if (json.back() == ',') json.pop_back();
  json += '}';
  json.append((8 - json.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  uint64_t n = json.size();
  for (int k = 0; k < 8; ++k) out[k] = static_cast<char>((n >> (8 * k)) & 0xFF);
  return out + json;
}

}  // namespace vgs::io
