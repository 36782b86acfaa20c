// Tests of the TensorBoard event writer: CRC32C against published vectors, and event files that
// TensorBoard's own EventAccumulator reads back with the exact tags, steps and float32 values, for one
// run, a run still open after flush(), and a run resumed into a second events file.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/io/crc32c.h"
#include "vgs/io/tensorboard.h"

using namespace vgs;
using Catch::Contains;

namespace {

struct Scalar {
  std::string tag;
  int64_t step;
  double value;
};

// Logs `scalars`; consecutive entries at the same step go into one add_scalars event.
void log_scalars(io::TensorBoardWriter& writer, const std::vector<Scalar>& scalars) {
  for (size_t i = 0; i < scalars.size();) {
    std::map<std::string, double> values;
    int64_t step = scalars[i].step;
    for (; i < scalars.size() && scalars[i].step == step; ++i) values[scalars[i].tag] = scalars[i].value;
    if (values.size() == 1) {
      writer.add_scalar(values.begin()->first, values.begin()->second, step);
    } else {
      writer.add_scalars(values, step);
    }
  }
}

// The expectations file of check_tensorboard.py: "tag<TAB>step<TAB>value" lines.
std::string expectations(const test::TempDir& dir, const std::vector<Scalar>& scalars) {
  std::string text;
  for (const auto& s : scalars) {
    char value[64];
    std::snprintf(value, sizeof value, "%.17g", s.value);
    text += s.tag + "\t" + std::to_string(s.step) + "\t" + value + "\n";
  }
  return dir.write("expected.tsv", text);
}

void check_with_tensorboard(const test::TempDir& dir, const std::string& log_dir, const std::vector<Scalar>& scalars,
                            int files) {
  auto result = test::run_python("check_tensorboard.py", "'" + log_dir + "' '" + expectations(dir, scalars) + "' " +
                                                             std::to_string(files));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
}

std::vector<Scalar> training_scalars(int64_t first_step, int64_t last_step) {
  std::vector<Scalar> scalars;
  for (int64_t step = first_step; step <= last_step; ++step) {
    scalars.push_back({"loss/train", step, 4.0 / (1.0 + static_cast<double>(step)) + 1e-9});
    if (step % 3 == 0) {
      scalars.push_back({"lr", step, 3e-4 * std::pow(0.9, static_cast<double>(step))});
      scalars.push_back({"recall @10/valid \xc3\xa9", step, 1.0 / 3.0 + static_cast<double>(step)});
    }
  }
  return scalars;
}

using vgs::test::error_of;

}  // namespace

TEST_CASE("crc32c matches published test vectors") {
  CHECK(io::crc32c("") == 0u);
  CHECK(io::crc32c("123456789") == 0xE3069283u);
  CHECK(io::crc32c("a") == 0xC1D04330u);
  // RFC 3720 (iSCSI) appendix B.4.
  std::string zeros(32, '\0'), ones(32, '\xff'), ascending(32, '\0'), descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<char>(i);
    descending[i] = static_cast<char>(31 - i);
  }
  CHECK(io::crc32c(zeros) == 0x8A9136AAu);
  CHECK(io::crc32c(ones) == 0x62A8AB43u);
  CHECK(io::crc32c(ascending) == 0x46DD794Eu);
  CHECK(io::crc32c(descending) == 0x113FDB5Cu);
}

TEST_CASE("crc32c extends piece by piece and masks as TFRecord does") {
  std::string text = "The quick brown fox jumps over the lazy dog";
  uint32_t crc = 0;
  for (size_t i = 0; i < text.size(); i += 5) crc = io::crc32c_extend(crc, text.data() + i, std::min<size_t>(5, text.size() - i));
  CHECK(crc == io::crc32c(text));
  CHECK(crc == 0x22620404u);
  uint32_t expected_mask = ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
  CHECK(io::masked_crc32c(text) == expected_mask);
  CHECK(io::mask_crc32c(crc) == expected_mask);
}

TEST_CASE("tensorboard scalars read back exactly by EventAccumulator") {
  test::TempDir dir;
  std::string log_dir = dir.file("runs/first");
  auto scalars = training_scalars(0, 12);
  scalars.push_back({"edge/tiny", 13, 1e-40});  // a float32 subnormal
  scalars.push_back({"edge/huge", 14, -3.0e38});
  scalars.push_back({"edge/nan", 15, std::numeric_limits<double>::quiet_NaN()});
  scalars.push_back({"edge/inf", 16, std::numeric_limits<double>::infinity()});
  scalars.push_back({"edge/big step", int64_t{1} << 40, 0.1});
  {
    io::TensorBoardWriter writer(log_dir);
    CHECK(writer.path().rfind(log_dir + "/events.out.tfevents.", 0) == 0);
    log_scalars(writer, scalars);
    writer.flush();
    // Flushed data is readable while the writer is still open (a live TensorBoard, or a crash now).
    check_with_tensorboard(dir, log_dir, scalars, 1);
    writer.add_scalar("loss/train", 0.5, 100);
  }
  scalars.push_back({"loss/train", 100, 0.5});  // written by the destructor's flush
  check_with_tensorboard(dir, log_dir, scalars, 1);
}

TEST_CASE("tensorboard resumed run appends a second events file") {
  test::TempDir dir;
  std::string log_dir = dir.file("run");
  auto first = training_scalars(0, 6), second = training_scalars(7, 12);
  {
    io::TensorBoardWriter writer(log_dir);
    log_scalars(writer, first);
  }
  {
    io::TensorBoardWriter writer(log_dir);
    log_scalars(writer, second);
  }
  auto all = first;
  all.insert(all.end(), second.begin(), second.end());
  check_with_tensorboard(dir, log_dir, all, 2);
}

TEST_CASE("tensorboard writer with no scalars leaves a valid events file") {
  test::TempDir dir;
  { io::TensorBoardWriter writer(dir.file("empty")); }
  check_with_tensorboard(dir, dir.file("empty"), {}, 1);
}

TEST_CASE("tensorboard writer names the folder it cannot write") {
  test::TempDir dir;
  std::string blocker = dir.write("blocker", "a file, not a folder");
  std::string log_dir = blocker + "/run";
  CHECK_THAT(error_of([&] { io::TensorBoardWriter writer(log_dir); }), Contains(log_dir));
  CHECK_THAT(error_of([&] { io::TensorBoardWriter writer(blocker); }), Contains(blocker));
}

TEST_CASE("tensorboard writer hands a large backlog to the OS before any flush") {
  test::TempDir dir;
  io::TensorBoardWriter writer(dir.file("run"));
  auto size_after_open = std::filesystem::file_size(writer.path());
  CHECK(size_after_open > 0);  // the file_version record is there at once
  for (int64_t step = 0; step < 5000; ++step) writer.add_scalar("loss/train", 1.0, step);
  CHECK(std::filesystem::file_size(writer.path()) > 64 * 1024);
}
