// Tests of metrics.jsonl: records round-trip exactly (every double included), odd keys are escaped
// so that Python's strict json module reads them, non-finite values become null, and an interrupted
// run's incomplete last line is skipped by the reader and removed by the next writer.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/io/metrics_log.h"

using namespace vgs;
using Catch::Contains;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

using vgs::test::error_of;

void append_raw(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::app) << bytes;
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xF]);
  }
  return out;
}

// Reads every line with Python's json module, refusing NaN and Infinity, and prints each line's keys
// as hex UTF-8, space separated.
const char* kPythonKeys =
    "import json, sys\n"
    "def refuse(c):\n"
    "    raise ValueError('non-standard constant ' + c)\n"
    "for line in open(sys.argv[1], encoding='utf-8'):\n"
    "    print(' '.join(k.encode('utf-8').hex() for k in json.loads(line, parse_constant=refuse)))\n";

}  // namespace

TEST_CASE("metrics log round trip") {
  test::TempDir dir;
  std::string path = dir.file("run/metrics.jsonl");
  double before = now();
  {
    io::MetricsLog log(path);
    log.write("train", 100, 0.25, {{"loss", 2.0 / 3.0}, {"lr", 3e-4}, {"grad_norm", 1e300}});
    log.write("valid", 400, 1.0, {{"r@1", 0.125}, {"r@10", -0.0}, {"tiny", 5e-324}});
  }
  {
    io::MetricsLog log(path);  // a resumed run appends
    log.write("test", int64_t{1} << 53, 2.5, {});
  }
  auto records = io::read_metrics_log(path);
  REQUIRE(records.size() == 3);
  CHECK(records[0].kind == "train");
  CHECK(records[0].step == 100);
  CHECK(records[0].epoch == 0.25);
  CHECK(records[0].values == std::map<std::string, double>{{"loss", 2.0 / 3.0}, {"lr", 3e-4}, {"grad_norm", 1e300}});
  CHECK(records[1].kind == "valid");
  CHECK(records[1].step == 400);
  CHECK(records[1].values == std::map<std::string, double>{{"r@1", 0.125}, {"r@10", 0.0}, {"tiny", 5e-324}});
  CHECK(std::signbit(records[1].values.at("r@10")));
  CHECK(records[2].kind == "test");
  CHECK(records[2].step == int64_t{1} << 53);
  CHECK(records[2].epoch == 2.5);
  CHECK(records[2].values.empty());
  for (const auto& r : records) {
    CHECK(r.time >= before - 1);
    CHECK(r.time <= now() + 1);
  }
  CHECK(core::read_file(path).rfind("{\"kind\":\"train\",\"step\":100,\"epoch\":0.25,\"time\":", 0) == 0);
}

TEST_CASE("metrics log escapes odd keys for strict JSON readers") {
  test::TempDir dir;
  std::string path = dir.file("metrics.jsonl");
  std::map<std::string, double> values = {
      {"quote\"d", 1},      {"back\\slash", 2},        {"new\nline", 3},   {"tab\tcr\r", 4},
      {"ctl\x01\x1f\x7f", 5}, {"caf\xc3\xa9 \xf0\x9f\x90\x88", 6}, {"", 7}, {"slash/</script>", 8},
      {"bs\bff\f", 9}};
  std::map<std::string, double> invalid = {
      {"bad\xff" "byte", 1}, {"cut\xc3", 2}, {"surrogate\xed\xa0\x80", 3}, {"short\xe2\x82" "x", 4}};
  {
    io::MetricsLog log(path);
    log.write("train", 1, 0, values);
    log.write("train", 2, 0, invalid);
  }
  auto records = io::read_metrics_log(path);
  REQUIRE(records.size() == 2);
  CHECK(records[0].values == values);
  // Bytes that are not UTF-8 become U+FFFD, so the line stays valid JSON: one per bad byte, or one
  // for the start of a sequence cut short (as Python's bytes.decode(errors="replace") does).
  std::string fffd = "\xef\xbf\xbd";
  std::map<std::string, double> replaced = {
      {"bad" + fffd + "byte", 1}, {"cut" + fffd, 2}, {"surrogate" + fffd + fffd + fffd, 3}, {"short" + fffd + "x", 4}};
  CHECK(records[1].values == replaced);

  std::string expected;
  for (const auto* keys : {&values, &replaced}) {
    expected += hex("kind") + " " + hex("step") + " " + hex("epoch") + " " + hex("time");
    for (const auto& [key, value] : *keys) expected += " " + hex(key);
    expected += "\n";
  }
  std::string script = dir.write("keys.py", kPythonKeys);
  auto result = test::run_command(std::string(VGS_PYTHON) + " '" + script + "' '" + path + "'");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output == expected);
}

TEST_CASE("metrics log writes non-finite values as null and reads them as NaN") {
  test::TempDir dir;
  std::string path = dir.file("metrics.jsonl");
  {
    io::MetricsLog log(path);
    log.write("valid", 3, std::numeric_limits<double>::infinity(),
              {{"loss", std::nan("")}, {"inf", -std::numeric_limits<double>::infinity()}, {"ok", 1.5}});
  }
  std::string text = core::read_file(path);
  CHECK_THAT(text, Contains("\"epoch\":null,"));
  CHECK_THAT(text, Contains("\"inf\":null,\"loss\":null,\"ok\":1.5}\n"));
  auto records = io::read_metrics_log(path);
  REQUIRE(records.size() == 1);
  CHECK(std::isnan(records[0].epoch));
  CHECK(std::isnan(records[0].values.at("loss")));
  CHECK(std::isnan(records[0].values.at("inf")));
  CHECK(records[0].values.at("ok") == 1.5);
}

TEST_CASE("metrics log skips a truncated last line and the next writer removes it") {
  test::TempDir dir;
  std::string path = dir.file("metrics.jsonl");
  {
    io::MetricsLog log(path);
    for (int step = 1; step <= 3; ++step) log.write("train", step, 0, {{"loss", 1.0 / step}});
  }
  std::string whole = core::read_file(path);
  std::string cut = io::metrics_line({"train", 4, 0, 1.0, {{"loss", 0.25}}}).substr(0, 30);
  append_raw(path, cut);  // a crash in the middle of a write
  auto records = io::read_metrics_log(path);
  REQUIRE(records.size() == 3);
  CHECK(records[2].step == 3);

  {
    io::MetricsLog log(path);  // the resumed run
    log.write("train", 4, 0, {{"loss", 0.25}});
  }
  records = io::read_metrics_log(path);
  REQUIRE(records.size() == 4);
  CHECK(records[3].step == 4);
  std::string text = core::read_file(path);
  CHECK(text.substr(0, whole.size()) == whole);
  CHECK(text.find(cut) == whole.size());  // the partial line is gone: the new line starts there
  CHECK(text.back() == '\n');
}

TEST_CASE("metrics log keeps a complete last line that lacks its newline") {
  test::TempDir dir;
  std::string path = dir.file("metrics.jsonl");
  append_raw(path, io::metrics_line({"valid", 7, 1, 2.0, {{"r@5", 0.5}}}));
  auto records = io::read_metrics_log(path);
  REQUIRE(records.size() == 1);
  CHECK(records[0].values.at("r@5") == 0.5);
  {
    io::MetricsLog log(path);
    log.write("valid", 8, 1, {{"r@5", 0.75}});
  }
  records = io::read_metrics_log(path);
  REQUIRE(records.size() == 2);
  CHECK(records[0].step == 7);
  CHECK(records[1].step == 8);
}

TEST_CASE("metrics log reader names a malformed line with its number") {
  test::TempDir dir;
  std::string good = io::metrics_line({"train", 1, 0, 1.0, {{"loss", 1}}}) + "\n";
  std::string path = dir.write("metrics.jsonl", good + "{\"kind\":\"train\",\"step\":1.5,\"epoch\":0,\"time\":1}\n" + good);
  CHECK_THAT(error_of([&] { io::read_metrics_log(path); }), Contains(path + ":2: \"step\" is not an integer"));
  path = dir.write("b.jsonl", good + "\n" + good + "{\"kind\":\"train\",\"step\":1,\"epoch\":0}\n" + good);
  CHECK_THAT(error_of([&] { io::read_metrics_log(path); }), Contains(path + ":4: no \"time\""));
  path = dir.write("c.jsonl", good + "{\"kind\":\"train\",\"step\":1,\"epoch\":0,\"time\":1,\"x\":[1]}\n");
  CHECK_THAT(error_of([&] { io::read_metrics_log(path); }), Contains(path + ":2: unsupported value for \"x\""));
  path = dir.write("d.jsonl", good + "{\"kind\":\"train\",\"step\":1,\"epoch\":01,\"time\":1}\n");
  CHECK_THAT(error_of([&] { io::read_metrics_log(path); }),
             Contains(path + ":2: syntax error while parsing object - unexpected number literal; expected '}' at column 35"));
  path = dir.write("e.jsonl", good + "{\"kind\":\"train\",\"step\":1,\"epoch\":0,\"time\":1,\"x\":1,\"x\":2}\n");
  CHECK_THAT(error_of([&] { io::read_metrics_log(path); }), Contains(path + ":2: \"x\" appears twice"));
  path = dir.write("f.jsonl", good + "{\"kind\":\"train\",\"step\":9223372036854775808,\"epoch\":0,\"time\":1}\n");
  CHECK_THAT(error_of([&] { io::read_metrics_log(path); }), Contains(path + ":2: \"step\" is not an integer"));
  path = dir.write("g.jsonl", good + "{\"kind\":\"train\",\"step\":1,\"epoch\":1e999,\"time\":1}\n" + good);
  CHECK_THAT(error_of([&] { io::read_metrics_log(path); }), Contains(path + ":2: number overflow parsing '1e999'"));
  path = dir.write("h.jsonl", "[1]\n" + good);
  CHECK_THAT(error_of([&] { io::read_metrics_log(path); }), Contains(path + ":1: not a JSON object"));
  CHECK_THAT(error_of([&] { io::read_metrics_log(dir.file("missing.jsonl")); }), Contains("missing.jsonl"));
}

TEST_CASE("metrics log numbers read back as the very same doubles") {
  std::mt19937_64 random(7);
  std::vector<double> numbers = {0.1, 1.0 / 3.0, 1e23, 9007199254740993.0, 2.2250738585072014e-308,
                                 4.9406564584124654e-324, 1.7976931348623157e308, -1.5e-300, 123456789.0};
  while (numbers.size() < 2000) {
    uint64_t bits = random();
    double value;
    std::memcpy(&value, &bits, sizeof value);
    if (std::isfinite(value)) numbers.push_back(value);
  }
  std::string lines;
  for (size_t k = 0; k < numbers.size(); ++k)
    lines += io::metrics_line({"train", static_cast<int64_t>(k), numbers[k], 0, {{"x", numbers[k]}}}) + "\n";
  test::TempDir dir;
  auto records = io::read_metrics_log(dir.write("metrics.jsonl", lines));
  REQUIRE(records.size() == numbers.size());
  for (size_t k = 0; k < numbers.size(); ++k) {
    INFO(io::metrics_line(records[k]));
    uint64_t written, read;
    std::memcpy(&written, &numbers[k], 8);
    std::memcpy(&read, &records[k].values.at("x"), 8);
    CHECK(read == written);
    CHECK(records[k].epoch == numbers[k]);
  }
}

TEST_CASE("metrics log reads escapes it does not write") {
  test::TempDir dir;
  std::string path = dir.write("metrics.jsonl",
                               "{ \"kind\" : \"te\\u0073t\" , \"step\":-2, \"epoch\":1E2, \"time\":0.5e-1,"
                               " \"a\\/b\\ud83d\\ude00\\u00e9\":true }\n");
  // true is not a number: refused, but the escapes before it were read.
  CHECK_THAT(error_of([&] { io::read_metrics_log(path); }), Contains("\"a/b\xf0\x9f\x98\x80\xc3\xa9\" is not a number"));
  path = dir.write("ok.jsonl",
                   "{ \"kind\" : \"te\\u0073t\" , \"step\":-2, \"epoch\":1E2, \"time\":0.5e-1,"
                   " \"a\\/b\\ud83d\\ude00\\u00e9\":-0.5 }\n");
  auto records = io::read_metrics_log(path);
  REQUIRE(records.size() == 1);
  CHECK(records[0].kind == "test");
  CHECK(records[0].step == -2);
  CHECK(records[0].epoch == 100);
  CHECK(records[0].time == 0.05);
  CHECK(records[0].values.at("a/b\xf0\x9f\x98\x80\xc3\xa9") == -0.5);
}

TEST_CASE("metrics log refuses reserved keys and unwritable paths") {
  test::TempDir dir;
  io::MetricsLog log(dir.file("metrics.jsonl"));
  CHECK_THAT(error_of([&] { log.write("train", 1, 0, {{"step", 1}}); }), Contains("\"step\" is reserved"));
  std::string blocker = dir.write("blocker", "a file");
  CHECK_THAT(error_of([&] { io::MetricsLog bad(blocker + "/metrics.jsonl"); }), Contains(blocker + "/metrics.jsonl"));
  CHECK_THAT(error_of([&] { io::MetricsLog bad(dir.path()); }), Contains(dir.path()));
}
