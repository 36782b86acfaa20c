// Tests of the progress display's text.
#include <catch2/catch.hpp>

#include "vgs/core/progress.h"

using vgs::core::Progress;

TEST_CASE("durations print as m:ss or h:mm:ss") {
  CHECK(Progress::format_duration(5) == "0:05");
  CHECK(Progress::format_duration(125) == "2:05");
  CHECK(Progress::format_duration(3723) == "1:02:03");
  CHECK(Progress::format_duration(-1) == "?");
}

TEST_CASE("the bar shows fraction, count, rate and ETA") {
  std::string line = Progress::format_line("[extract]", 25, 100, 5.0, "items", 20);
  CHECK(line == "[extract]  25% [#####...............] 25/100 5.0 items/s ETA 0:15");
  CHECK(Progress::format_line("[x]", 3, 0, 1.5, "utt") == "[x] 3 utt 1.5 utt/s");
}

TEST_CASE("progress counts what it is given") {
  Progress p("[test]", 10);
  p.advance(4);
  p.advance();
  CHECK(p.done() == 5);
  p.finish();
}
