// Tests of the Markdown tables: exact text, alignment, escaping and the row-length error.
#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"
#include "vgs/report/markdown.h"

using vgs::report::markdown_table;
using vgs::test::error_of;

TEST_CASE("a markdown table pads columns, left-aligns the first and right-aligns the rest") {
  std::string table = markdown_table({"Model", "Accuracy", "n"}, {{"cnn", "93.1", "10"}, {"transformer", "95.2", "9"}});
  CHECK(table ==
        "| Model       | Accuracy |   n |\n"
        "|:------------|---------:|----:|\n"
        "| cnn         |     93.1 |  10 |\n"
        "| transformer |     95.2 |   9 |\n");
}

TEST_CASE("a markdown table escapes pipes and flattens line breaks in cells") {
  std::string table = markdown_table({"a|b", "x"}, {{"line\none", "1|2"}});
  CHECK(table ==
        "| a\\|b     |    x |\n"
        "|:---------|-----:|\n"
        "| line one | 1\\|2 |\n");
}

TEST_CASE("a markdown table counts characters, not bytes, and has a header without rows") {
  CHECK(markdown_table({"word", "n"}, {{"caf\xc3\xa9", "1"}, {"dog", "22"}}) ==
        "| word |   n |\n"
        "|:-----|----:|\n"
        "| caf\xc3\xa9 |   1 |\n"
        "| dog  |  22 |\n");
  CHECK(markdown_table({"x"}, {}) ==
        "| x   |\n"
        "|:----|\n");
}

TEST_CASE("a markdown table row with the wrong number of cells is an error naming the row") {
  CHECK(error_of([] { markdown_table({"a", "b", "c"}, {{"1", "2", "3"}, {"4", "5"}}); }) ==
        "markdown table: row 1 has 2 cells but the header has 3");
  CHECK(error_of([] { markdown_table({}, {}); }) == "markdown table: the header has no columns");
}
