// The safetensors header: its JSON read event by event (nlohmann_json's SAX parser) straight into
// the entries, the checks the Rust library makes (with messages that say which tensor is wrong),
// and the writer's layout.
#include "vgs/io/safetensors_header.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "vgs/core/error.h"
#include "vgs/core/strings.h"
#include "vgs/core/utf8.h"

namespace vgs::io {

namespace {

using core::printable;

// Nesting allowed inside the skipped values of unknown fields: deeper is an attack, not a header.
constexpr size_t kMaxIgnoredDepth = 64;
constexpr size_t kMaxRank = 64;

// What a JSON value is, as far as the checks go. nlohmann reports every non-negative integer that
// fits 64 bits as unsigned, so a signed one is negative (or -0), and a floating one is a fraction
// or an integer too large.
enum class Kind { null, boolean, negative, natural, floating, string, object, array };

// The containers open around the next value.
enum class Frame { root, metadata, tensor, shape, offsets, ignored };

// nlohmann's message without its "[json.exception.parse_error.101] " prefix, fit for one line.
std::string json_error(const nlohmann::detail::exception& e) {
  std::string what = e.what();
  size_t prefix = what.find("] ");
  return printable(prefix == std::string::npos ? what : what.substr(prefix + 2), 200);
}

// Reads the header JSON into a SafetensorsHeader as the events arrive: tensor entries and the
// metadata map are filled in, unknown tensor fields are skipped (as serde does) with a depth
// limit, and any problem throws vgs::Error at once.
class HeaderReader final : public nlohmann::json_sax<nlohmann::json> {
 public:
  HeaderReader(SafetensorsHeader& header, const std::string& source) : header_(header), source_(source) {}

  bool null() override { return value(Kind::null); }
  bool boolean(bool) override { return value(Kind::boolean); }
  bool number_integer(number_integer_t) override { return value(Kind::negative); }
  bool number_unsigned(number_unsigned_t number) override {
    number_ = number;
    return value(Kind::natural);
  }
  bool number_float(number_float_t, const string_t& text) override {
    text_ = text;
    return value(Kind::floating);
  }
  bool string(string_t& text) override {
    text_ = std::move(text);
    return value(Kind::string);
  }
  bool binary(binary_t&) override { fail("a binary value"); }  // only binary formats have them
  bool start_object(std::size_t) override { return value(Kind::object); }
  bool start_array(std::size_t) override { return value(Kind::array); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& key) override;
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    fail(json_error(e));
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(source_ + ": bad safetensors header: " + what);
  }
  std::string quoted() const { return "tensor '" + printable(name_) + "'"; }
  bool push(Frame frame) {
    frames_.push_back(frame);
    return true;
  }

  bool value(Kind kind);
  bool close();
  bool in_root(Kind kind);
  bool in_metadata(Kind kind);
  bool in_tensor(Kind kind);
  bool in_shape(Kind kind);
  bool in_offsets(Kind kind);
  bool ignore(Kind kind);
  uint64_t natural(Kind kind) const;

  SafetensorsHeader& header_;
  const std::string& source_;
  std::vector<Frame> frames_;
  std::unordered_set<std::string> names_;   // top-level keys seen
  std::unordered_set<std::string> fields_;  // dtype, shape, data_offsets seen in this tensor
  std::string name_;                        // the tensor (top-level key) being read
  std::string field_;                       // the tensor field or metadata key being read
  std::string text_;                        // the last string, or a floating number as written
  uint64_t number_ = 0;                     // the last non-negative integer
  size_t offsets_ = 0;                      // data_offsets read in this tensor
  size_t ignored_depth_ = 0;                // containers open inside a skipped value
};

bool HeaderReader::value(Kind kind) {
  if (frames_.empty()) return push(Frame::root);  // the caller checked that the text starts with '{'
  switch (frames_.back()) {
    case Frame::root: return in_root(kind);
    case Frame::metadata: return in_metadata(kind);
    case Frame::tensor: return in_tensor(kind);
    case Frame::shape: return in_shape(kind);
    case Frame::offsets: return in_offsets(kind);
    case Frame::ignored: return ignore(kind);
  }
  return true;
}

bool HeaderReader::key(string_t& key) {
  switch (frames_.back()) {
    case Frame::root:
      if (!names_.insert(key).second) fail("the name '" + printable(key) + "' appears twice");
      name_ = std::move(key);
      break;
    case Frame::metadata:
      if (header_.metadata.count(key)) fail("__metadata__ key '" + printable(key) + "' appears twice");
      field_ = std::move(key);
      break;
    case Frame::tensor:
      // serde refuses a known field twice and ignores unknown ones, repeated or not.
      if ((key == "dtype" || key == "shape" || key == "data_offsets") && !fields_.insert(key).second)
        fail(quoted() + " has " + key + " twice");
      field_ = std::move(key);
      break;
    default:  // a key inside a skipped value
      break;
  }
  return true;
}

bool HeaderReader::close() {
  Frame frame = frames_.back();
  frames_.pop_back();
  if (frame == Frame::ignored) --ignored_depth_;
  if (frame == Frame::tensor && fields_.size() != 3) fail(quoted() + " lacks dtype, shape or data_offsets");
  if (frame == Frame::offsets && offsets_ != 2) fail(quoted() + " needs data_offsets [begin, end]");
  return true;
}

bool HeaderReader::in_root(Kind kind) {
  if (name_ == "__metadata__") {
    if (kind == Kind::null) return true;  // Option<HashMap> in Rust
    if (kind != Kind::object) fail("__metadata__ is not a map of strings");
    return push(Frame::metadata);
  }
  if (kind != Kind::object) fail(quoted() + " is not an object");
  header_.tensors.emplace_back();
  header_.tensors.back().name = name_;
  fields_.clear();
  return push(Frame::tensor);
}

bool HeaderReader::in_metadata(Kind kind) {
  if (kind != Kind::string) fail("__metadata__ value of '" + printable(field_) + "' is not a string");
  header_.metadata.emplace(std::move(field_), std::move(text_));
  return true;
}

bool HeaderReader::in_tensor(Kind kind) {
  if (field_ == "dtype") {
    if (kind != Kind::string) fail(quoted() + " has a dtype that is not a string");
    if (!parse_dtype(text_, header_.tensors.back().dtype))
      fail(quoted() + " has dtype '" + printable(text_) + "', not one of F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL");
    return true;
  }
  if (field_ == "shape" || field_ == "data_offsets") {
    if (kind != Kind::array) fail(quoted() + " " + field_ + " is not a list of integers");
    offsets_ = 0;
    return push(field_ == "shape" ? Frame::shape : Frame::offsets);
  }
  return ignore(kind);
}

bool HeaderReader::in_shape(Kind kind) {
  std::vector<int64_t>& shape = header_.tensors.back().shape;
  uint64_t dimension = natural(kind);
  if (shape.size() >= kMaxRank) fail(quoted() + " has too many values in a shape");
  if (dimension > static_cast<uint64_t>(INT64_MAX)) fail(quoted() + " has a dimension too large");
  shape.push_back(static_cast<int64_t>(dimension));
  return true;
}

bool HeaderReader::in_offsets(Kind kind) {
  SafetensorsEntry& entry = header_.tensors.back();
  uint64_t offset = natural(kind);
  if (offsets_ == 2) fail(quoted() + " needs data_offsets [begin, end]");
  (offsets_++ == 0 ? entry.begin : entry.end) = offset;
  return true;
}

bool HeaderReader::ignore(Kind kind) {
  if (kind != Kind::object && kind != Kind::array) return true;
  if (++ignored_depth_ > kMaxIgnoredDepth) fail("values nested too deeply");
  return push(Frame::ignored);
}

// A dimension or offset: a JSON integer, not negative, that fits 64 bits.
uint64_t HeaderReader::natural(Kind kind) const {
  std::string where = quoted() + " " + field_ + ": ";
  if (kind == Kind::natural) return number_;
  if (kind == Kind::floating && text_.find_first_of(".eE") == std::string::npos) fail(where + "integer too large");
  if (kind == Kind::floating) fail(where + "expected an integer, not a fraction");
  fail(where + "expected a non-negative integer");
}

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

// JSON text as serde_json writes it: compact, and only quotes, backslashes and control characters
// escaped, as nlohmann's dump escapes them. Text that is not UTF-8 cannot be JSON: vgs::Error.
std::string json_text(const nlohmann::ordered_json& value, const std::string& what) {
  try {
    return value.dump();
  } catch (const nlohmann::json::type_error&) {
    throw Error(what + " is not valid UTF-8, which a safetensors header cannot hold");
  }
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
  const char* json = reinterpret_cast<const char*>(data + 8);
  if (n == 0 || json[0] != '{') throw Error(source + ": safetensors header is not a JSON object");
  if (!core::valid_utf8({json, n})) throw Error(source + ": safetensors header is not valid UTF-8");
  SafetensorsHeader header;
  header.data_start = 8 + n;
  HeaderReader reader(header, source);
  nlohmann::json::sax_parse(json, json + n, &reader);
  check_layout(header.tensors, size - header.data_start, source);
  return header;
}

std::string layout_safetensors(std::vector<SafetensorsEntry>& tensors, const std::map<std::string, std::string>& metadata) {
  std::sort(tensors.begin(), tensors.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
    int ra = dtype_rank(a.dtype), rb = dtype_rank(b.dtype);
    return ra != rb ? ra > rb : a.name < b.name;
  });
  // Pieces joined by hand rather than one ordered_json object, whose inserts search linearly.
  std::string json = "{";
  if (!metadata.empty()) json += "\"__metadata__\":" + json_text(metadata, "the metadata") + ",";
  uint64_t offset = 0;
  for (auto& t : tensors) {
    uint64_t bytes = dtype_size(t.dtype);
    for (int64_t d : t.shape) bytes *= static_cast<uint64_t>(d);
    t.begin = offset;
    t.end = offset += bytes;
    nlohmann::ordered_json entry = {{"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {t.begin, t.end}}};
    json += json_text(t.name, "tensor name '" + printable(t.name) + "'") + ":" + entry.dump() + ",";
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
