// Tests of safetensors reading and writing: files vgs writes open in the Python safetensors library
// with identical tensors (and identical bytes), files the library writes load in vgs identically,
// and malformed headers are refused with the file and the reason.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <functional>

#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/io/safetensors.h"
#include "vgs/io/torch_checkpoint.h"

using namespace vgs;
using Catch::Contains;
using Catch::StartsWith;

namespace {

using vgs::test::error_of;

// The tensors tests/python/check_safetensors.py builds; here some are non-contiguous views.
io::StateDict fixed_tensors() {
  io::StateDict t;
  auto f32 = torch::arange(24, torch::kFloat32).reshape({2, 3, 4}) * 0.5;
  t["f32"] = f32;
  t["f32_t"] = f32.transpose(0, 2);
  t["f64"] = torch::arange(5, torch::kFloat64) / 3;
  t["f16"] = torch::arange(6, torch::kFloat16) * 0.25 - 0.5;
  t["bf16"] = torch::arange(6, torch::kBFloat16) * 1.5;
  t["i64"] = torch::arange(-3, 3, torch::kInt64) * 1000000007;
  t["i32"] = torch::arange(-4, 4, torch::kInt32);
  t["i16"] = torch::arange(-4, 4, torch::kInt16);
  t["i8"] = torch::arange(-4, 4, torch::kInt8);
  t["u8"] = torch::arange(250, 256, torch::kUInt8);
  t["bool"] = torch::tensor({true, false, true});
  t["scalar"] = torch::tensor(3.25);
  t["empty"] = torch::zeros({0, 4});
  t["slice"] = torch::arange(20, torch::kFloat32).reshape({4, 5}).slice(0, 1, 3).slice(1, 2);
  t["expand"] = torch::arange(3, torch::kFloat32).expand({2, 3});
  t["caf\xc3\xa9/\xc3\xbcnicode"] = torch::ones({2});
  t["quote\"back\\slash"] = torch::zeros({1}, torch::kInt8);
  return t;
}

void check_identical(const io::StateDict& got, const io::StateDict& expected) {
  REQUIRE(got.size() == expected.size());
  for (const auto& [name, e] : expected) {
    INFO(name);
    REQUIRE(got.count(name));
    const auto& g = got.at(name);
    CHECK(g.scalar_type() == e.scalar_type());
    CHECK(g.sizes() == e.sizes());
    CHECK(g.is_contiguous());
    CHECK(torch::equal(g, e));
  }
}

// A safetensors file from a header string and data bytes.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);  // little-endian hosts only, as vgs
  return out + header + data;
}

}  // namespace

TEST_CASE("safetensors written by vgs open in the Python library identically") {
  test::TempDir dir;
  std::string path = dir.file("vgs.safetensors");
  io::write_safetensors(path, fixed_tensors(), {{"format", "pt"}});
  auto result = test::run_python("check_safetensors.py", "vgs-written " + path);
  INFO(result.output);
  CHECK(result.exit_code == 0);
}

TEST_CASE("safetensors written by the Python library load in vgs identically") {
  test::TempDir dir;
  std::string path = dir.file("python.safetensors");
  auto result = test::run_python("check_safetensors.py", "write " + path);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  io::StateDict expected;
  for (const auto& [name, t] : fixed_tensors()) expected[name] = t.contiguous();
  io::Checkpoint checkpoint = io::read_safetensors(path);
  check_identical(checkpoint.tensors, expected);
  CHECK(checkpoint.metadata == std::map<std::string, std::string>{{"format", "pt"}, {"source", "python \xc3\xa9"}});
  // read_checkpoint recognises the file by its first bytes, whatever its name.
  std::filesystem::rename(path, dir.file("weights.bin"));
  check_identical(io::read_checkpoint(dir.file("weights.bin")).tensors, expected);
}

TEST_CASE("safetensors round trip in vgs with metadata and odd names") {
  test::TempDir dir;
  std::string path = dir.file("nested/folder/round.safetensors");
  std::map<std::string, std::string> metadata = {{"a", "1"}, {"quote\"", "line\nbreak\ttab\x01"}, {"z", ""}};
  io::write_safetensors(path, fixed_tensors(), metadata);
  io::Checkpoint checkpoint = io::read_safetensors(path);
  io::StateDict expected;
  for (const auto& [name, t] : fixed_tensors()) expected[name] = t.contiguous();
  check_identical(checkpoint.tensors, expected);
  CHECK(checkpoint.metadata == metadata);
  // Loaded tensors own their memory: changing one changes nothing else.
  checkpoint.tensors.at("f32").fill_(7);
  CHECK(io::read_safetensors(path).tensors.at("f32").sum().item<double>() == Approx(138.0));
  // An empty state dict is a valid file too.
  io::write_safetensors(dir.file("empty.safetensors"), {});
  CHECK(io::read_safetensors(dir.file("empty.safetensors")).tensors.empty());
}

TEST_CASE("safetensors writing replaces the file atomically") {
  test::TempDir dir;
  std::string path = dir.file("w.safetensors");
  io::write_safetensors(path, {{"x", torch::ones({3})}});
  io::write_safetensors(path, {{"y", torch::zeros({2}, torch::kInt64)}});
  auto tensors = io::read_safetensors(path).tensors;
  CHECK(tensors.size() == 1);
  CHECK(tensors.count("y"));
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    CHECK(entry.path().filename() == "w.safetensors");  // no temporary file left behind
}

TEST_CASE("safetensors writing refuses what the format cannot hold") {
  test::TempDir dir;
  std::string path = dir.file("bad.safetensors");
  CHECK_THAT(error_of([&] { io::write_safetensors(path, {{"c", torch::ones({2}, torch::kComplexFloat)}}); }),
             Contains("tensor 'c' has dtype ComplexFloat, which vgs does not store"));
  CHECK_THAT(error_of([&] { io::write_safetensors(path, {{"__metadata__", torch::ones({2})}}); }),
             Contains("reserved for the metadata map"));
  CHECK_THAT(error_of([&] { io::write_safetensors(path, {{"bad\xff", torch::ones({2})}}); }),
             Contains("tensor name 'bad\\xff' is not valid UTF-8"));
  CHECK_THAT(error_of([&] { io::write_safetensors(path, {{"x", torch::ones({2})}}, {{"k", "\xc3"}}); }),
             Contains("the metadata is not valid UTF-8"));
  CHECK_FALSE(std::filesystem::exists(path));
}

namespace {

// A header entry: "name":{"dtype": ..., "shape": ..., "data_offsets": [begin, end]}.
std::string tensor_entry(const std::string& name, const std::string& dtype, const std::string& shape, int begin, int end) {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" +
         std::to_string(begin) + "," + std::to_string(end) + "]}";
}

struct BadHeader {
  std::string what, file, message;
};

// Files whose framing, layout or tensor entries are wrong.
std::vector<BadHeader> bad_layouts() {
  const auto tensor = tensor_entry;
  std::string huge(8, '\xff');
  return {
      {"offsets past the end", safetensors_bytes("{" + tensor("w", "F32", "[4]", 0, 16) + "}", std::string(8, '\0')),
       "tensor 'w' data_offsets [0, 16] run past the end of the file (8 bytes of data)"},
      {"header larger than the file", std::string("\x64\0\0\0\0\0\0\0{}", 10),
       "safetensors header length 100 runs past the end of the file (10 bytes; truncated?)"},
      {"header length past the limit", huge + "{}", "over the 100 MB limit"},
      {"too short", std::string("\x02\0\0", 3), "too short for a safetensors file"},
      {"non-object JSON", safetensors_bytes("[1, 2]", ""), "safetensors header is not a JSON object"},
      {"overlapping tensors",
       safetensors_bytes("{" + tensor("a", "U8", "[2]", 0, 2) + "," + tensor("b", "U8", "[2]", 1, 3) + "}", "xyz"),
       "tensor 'b' starts at data byte 1 but the previous tensor ends at 2 (overlapping tensors)"},
      {"a gap", safetensors_bytes("{" + tensor("a", "U8", "[2]", 0, 2) + "," + tensor("b", "U8", "[1]", 3, 4) + "}", "wxyz"),
       "(a gap between tensors)"},
      {"shape times dtype size differs from the byte length",
       safetensors_bytes("{" + tensor("w", "F32", "[3]", 0, 8) + "}", std::string(8, '\0')),
       "tensor 'w' has 8 bytes but its shape and dtype F32 need 12"},
      {"unknown dtype", safetensors_bytes("{" + tensor("w", "C64", "[1]", 0, 8) + "}", std::string(8, '\0')),
       "tensor 'w' has dtype 'C64', not one of"},
      {"a name twice",
       safetensors_bytes("{" + tensor("a", "U8", "[1]", 0, 1) + "," + tensor("a", "U8", "[1]", 1, 2) + "}", "xy"),
       "the name 'a' appears twice"},
      {"truncated JSON", safetensors_bytes("{\"a\":{\"dtype\":\"U8\"", ""), "bad safetensors header"},
      {"bytes after the last tensor", safetensors_bytes("{" + tensor("a", "U8", "[1]", 0, 1) + "}", "xy"),
       "1 bytes after the last tensor"},
      {"non-string metadata", safetensors_bytes("{\"__metadata__\":{\"n\":1}}", ""), "__metadata__ value of 'n' is not a string"},
      {"negative dimension", safetensors_bytes("{" + tensor("a", "U8", "[-1]", 0, 1) + "}", "x"),
       "expected a non-negative integer"},
      {"fractional offset", safetensors_bytes("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1.0]}}", "x"),
       "expected an integer, not a fraction"},
      {"invalid UTF-8", safetensors_bytes("{\"\xff\":{}}", ""), "not valid UTF-8"},
      {"missing fields", safetensors_bytes("{\"a\":{\"dtype\":\"U8\"}}", ""), "lacks dtype, shape or data_offsets"},
      {"BOOL bytes other than 0 and 1", safetensors_bytes("{" + tensor("b", "BOOL", "[2]", 0, 2) + "}", std::string("\x01\x02", 2)),
       "tensor 'b' is BOOL but holds byte values other than 0 and 1"},
  };
}

// Headers whose JSON fields are repeated, of the wrong type or out of range.
std::vector<BadHeader> bad_fields() {
  const auto tensor = tensor_entry;
  return {
      {"a field twice", safetensors_bytes("{\"a\":{\"dtype\":\"U8\",\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", "x"),
       "tensor 'a' has dtype twice"},
      {"a metadata key twice", safetensors_bytes("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", ""),
       "__metadata__ key 'k' appears twice"},
      {"metadata not a map", safetensors_bytes("{\"__metadata__\":[\"k\"]}", ""), "__metadata__ is not a map of strings"},
      {"a tensor not an object", safetensors_bytes("{\"a\":[1]}", ""), "tensor 'a' is not an object"},
      {"a dtype not a string", safetensors_bytes("{\"a\":{\"dtype\":4}}", ""), "tensor 'a' has a dtype that is not a string"},
      {"a shape not a list", safetensors_bytes("{\"a\":{\"shape\":4}}", ""), "tensor 'a' shape is not a list of integers"},
      {"three data_offsets", safetensors_bytes("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,1]}}", "x"),
       "tensor 'a' needs data_offsets [begin, end]"},
      {"one data_offset", safetensors_bytes("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}", "x"),
       "tensor 'a' needs data_offsets [begin, end]"},
      {"an offset past 64 bits", safetensors_bytes("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,18446744073709551616]}}", "x"),
       "tensor 'a' data_offsets: integer too large"},
      {"a dimension past int64", safetensors_bytes("{" + tensor("a", "U8", "[9223372036854775808]", 0, 1) + "}", "x"),
       "tensor 'a' has a dimension too large"},
      {"minus zero", safetensors_bytes("{" + tensor("a", "U8", "[-0]", 0, 0) + "}", ""), "expected a non-negative integer"},
      {"values nested too deeply",
       safetensors_bytes("{\"a\":{\"x\":" + std::string(65, '[') + std::string(65, ']') + "}}", ""), "values nested too deeply"},
      {"text after the object", safetensors_bytes("{} {}", ""), "bad safetensors header: parse error at line 1, column 4"},
      {"a lone surrogate", safetensors_bytes("{\"\\ud800\":{}}", ""), "bad safetensors header: parse error"},
  };
}

}  // namespace

TEST_CASE("malformed safetensors headers are refused with the file and the reason") {
  test::TempDir dir;
  std::vector<BadHeader> cases = bad_layouts(), fields = bad_fields();
  cases.insert(cases.end(), fields.begin(), fields.end());
  for (const auto& c : cases) {
    INFO(c.what);
    std::string path = dir.write("bad.safetensors", c.file);
    std::string message = error_of([&] { io::read_safetensors(path); });
    CHECK_THAT(message, StartsWith(path + ": ") && Contains(c.message));
    CHECK(message.find('\n') == std::string::npos);
    // read_checkpoint refuses it too (as safetensors, or as no known format when the start is off).
    CHECK_THAT(error_of([&] { io::read_checkpoint(path); }), StartsWith(path + ": "));
  }
  CHECK_THAT(error_of([&] { io::read_safetensors(dir.file("absent.safetensors")); }), Contains("absent.safetensors: cannot open"));
}
