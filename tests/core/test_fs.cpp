// Tests of atomic file writes and digests.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/support/temp_dir.h"
#include "vgs/core/digest.h"
#include "vgs/core/error.h"
#include "vgs/core/fs.h"

using namespace vgs;

TEST_CASE("atomic writes replace the file whole and leave no temporary behind") {
  test::TempDir dir;
  std::string path = dir.file("sub/out.txt");
  core::write_file_atomic(path, "first");
  core::write_file_atomic(path, "second");
  CHECK(core::read_file(path) == "second");
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.file("sub"))) ++files;
  CHECK(files == 1);
}

TEST_CASE("reading a missing file names it") {
  CHECK_THROWS_WITH(core::read_file("/nonexistent/x.txt"), Catch::Contains("/nonexistent/x.txt"));
}

TEST_CASE("FNV-1a digests match the published test vectors") {
  CHECK(core::digest_hex(core::fnv1a64("")) == "cbf29ce484222325");
  CHECK(core::digest_hex(core::fnv1a64("a")) == "af63dc4c8601ec8c");
  test::TempDir dir;
  CHECK(core::file_digest(dir.write("a.txt", "a")) == "af63dc4c8601ec8c");
}
