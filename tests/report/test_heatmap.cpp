// Tests of the heatmap: cells in the colour map's colours where their row and column say, NaN cells
// blank, limits clamping, the colour bar, values in the cells, many long labels, and every input error.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "tests/report/png_pixels.h"
#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/report/plot.h"

using namespace vgs;
using report::heatmap_colour;
using report::Heatmap;
using test::error_of;

namespace {

// 3 rows x 4 columns: the maximum in row 0, column 2; the minimum in row 2, column 0; one NaN.
Heatmap grid() {
  Heatmap h;
  h.title = "CKA";
  h.x_label = "model B layer";
  h.y_label = "model A layer";
  h.colour_label = "CKA";
  h.row_labels = {"a0", "a1", "a2"};
  h.column_labels = {"b0", "b1", "b2", "b3"};
  h.values = {{0.5, 0.6, 1.0, 0.4}, {0.3, NAN, 0.5, 0.5}, {0.0, 0.2, 0.5, 0.5}};
  return h;
}

bool same(const cv::Vec3b& p, report::Rgb c, int tolerance = 2) {
  return std::abs(p[2] - c.r) <= tolerance && std::abs(p[1] - c.g) <= tolerance && std::abs(p[0] - c.b) <= tolerance;
}

}  // namespace

TEST_CASE("the colour map runs from viridis' dark purple to its yellow") {
  CHECK(heatmap_colour(0).r == 68);
  CHECK(heatmap_colour(0).g == 1);
  CHECK(heatmap_colour(0).b == 84);
  CHECK(heatmap_colour(1).r == 253);
  CHECK(heatmap_colour(1).g == 231);
  CHECK(heatmap_colour(1).b == 37);
  CHECK(heatmap_colour(0.5).g == 145);      // a control point
  CHECK(heatmap_colour(2).g == 231);        // clamped
  CHECK(heatmap_colour(NAN).r == 68);       // no crash on NaN
  for (double t = 0; t < 1; t += 0.05) CHECK(heatmap_colour(t + 0.05).g >= heatmap_colour(t).g);  // brighter upwards
}

TEST_CASE("heatmap cells have the colour of their value, in their row and column") {
  test::TempDir dir;
  report::write_heatmap(grid(), dir.file("cka.png"));
  cv::Mat image = test::read_png(dir.file("cka.png"));
  REQUIRE(image.cols == 1200);
  REQUIRE(image.rows == 900);
  // The maximum cell has the map's top colour, the minimum its bottom colour; the colour bar's ends
  // are smaller blobs of the same colours, right of the cells.
  cv::Rect top = test::largest_blob(test::colour_mask(image, heatmap_colour(1), 1));
  cv::Rect bottom = test::largest_blob(test::colour_mask(image, heatmap_colour(0), 1));
  REQUIRE(top.area() > 10000);
  REQUIRE(bottom.area() > 10000);
  CHECK(std::abs(top.width - bottom.width) <= 1);    // one column each
  CHECK(std::abs(top.height - bottom.height) <= 1);  // one row each
  // Row 0 over row 2; column 2 is two columns right of column 0.
  CHECK(std::abs(bottom.y - top.y - 2 * top.height) <= 2);
  CHECK(std::abs(top.x - bottom.x - 2 * top.width) <= 2);
  // A cell of 0.5 (row 1, column 2) sits right under the maximum, in the colour of 0.5.
  CHECK(same(image.at<cv::Vec3b>(top.y + top.height * 3 / 2, top.x + top.width / 2), heatmap_colour(0.5)));
  // The NaN cell (row 1, column 1) is blank.
  CHECK(image.at<cv::Vec3b>(top.y + top.height * 3 / 2, top.x - top.width / 2) == cv::Vec3b(255, 255, 255));
  // The colour bar: top colour at its top, bottom colour at its bottom, right of the cells.
  auto top_blobs = test::blobs(test::colour_mask(image, heatmap_colour(1), 6));
  auto bar_top = std::find_if(top_blobs.begin(), top_blobs.end(), [&](const cv::Rect& b) { return b.x > top.br().x; });
  REQUIRE(bar_top != top_blobs.end());
  CHECK(std::abs(bar_top->y - top.y) <= 2);
}

TEST_CASE("heatmap limits clamp the values beyond them") {
  test::TempDir dir;
  Heatmap h = grid();
  h.v_min = 0.25;
  h.v_max = 0.55;  // 0.6 and 1.0 take the top colour, 0.0 and 0.2 the bottom one
  report::write_heatmap(h, dir.file("clamped.png"));
  cv::Mat image = test::read_png(dir.file("clamped.png"));
  // Row 0, columns 1 and 2 touch: one blob of the top colour two cells wide; row 2, columns 0 and 1:
  // one of the bottom colour, as wide.
  cv::Rect highest = test::largest_blob(test::colour_mask(image, heatmap_colour(1), 1));
  cv::Rect lowest = test::largest_blob(test::colour_mask(image, heatmap_colour(0), 1));
  CHECK(highest.width > highest.height);
  CHECK(std::abs(highest.width - lowest.width) <= 2);
  CHECK(std::abs(highest.height - lowest.height) <= 2);
  CHECK(std::abs(lowest.x + lowest.width / 2 - highest.x) <= 2);  // one column further right
  CHECK(highest.y < lowest.y);
}

TEST_CASE("annotated heatmaps print each value in its cell, light on dark cells and dark on light ones") {
  test::TempDir dir;
  Heatmap h = grid();
  report::write_heatmap(h, dir.file("plain.png"));
  h.annotate = true;
  report::write_heatmap(h, dir.file("annotated.png"));
  cv::Mat plain = test::read_png(dir.file("plain.png")), annotated = test::read_png(dir.file("annotated.png"));
  cv::Rect dark_cell = test::largest_blob(test::colour_mask(plain, heatmap_colour(0), 1));
  cv::Rect light_cell = test::largest_blob(test::colour_mask(plain, heatmap_colour(1), 1));
  auto count_in = [](const cv::Mat& image, const cv::Rect& cell, auto is_text) {
    int n = 0;
    for (int y = cell.y; y < cell.br().y; ++y)
      for (int x = cell.x; x < cell.br().x; ++x) n += is_text(image.at<cv::Vec3b>(y, x));
    return n;
  };
  auto white = [](const cv::Vec3b& p) { return p[0] > 230 && p[1] > 230 && p[2] > 230; };
  auto dark = [](const cv::Vec3b& p) { return test::dark_grey(p, 90); };
  CHECK(count_in(plain, dark_cell, white) == 0);
  CHECK(count_in(annotated, dark_cell, white) > 20);   // "0.00" in white on dark purple
  CHECK(count_in(plain, light_cell, dark) == 0);
  CHECK(count_in(annotated, light_cell, dark) > 20);  // "1.00" in near-black on yellow
}

TEST_CASE("80 rows with long labels get every k-th label, none overlapping") {
  test::TempDir dir;
  Heatmap h;
  h.title = "attention of tokens to groups";
  for (int r = 0; r < 80; ++r) {
    h.row_labels.push_back("token number " + std::to_string(r) + " of a rather long caption indeed");
    h.values.push_back({});
    for (int c = 0; c < 8; ++c) h.values.back().push_back(std::sin(r * 0.3 + c));
  }
  for (int c = 0; c < 8; ++c) h.column_labels.push_back("group " + std::to_string(c));
  report::write_heatmap(h, dir.file("tokens.png"));
  cv::Mat image = test::read_png(dir.file("tokens.png"));
  REQUIRE(image.rows == 900);
  // The cells start right of the row labels: the leftmost coloured (not grey) pixel.
  int labels_right = image.cols;
  for (int y = 0; y < image.rows; ++y)
    for (int x = 0; x < image.cols; ++x) {
      const cv::Vec3b& p = image.at<cv::Vec3b>(y, x);
      if (std::max({p[0], p[1], p[2]}) - std::min({p[0], p[1], p[2]}) > 40) labels_right = std::min(labels_right, x - 4);
    }
  CHECK(labels_right < 1200 * 0.45);  // long labels were shortened
  // Runs of rows holding label text in the strip left of the cells: separate lines, more than a few.
  int runs = 0, tallest = 0, run = 0;
  for (int y = 0; y < image.rows; ++y) {
    bool text = !test::dark_column_runs(image, cv::Rect(labels_right - 150, y, 150, 1)).empty();
    run = text ? run + 1 : 0;
    if (run == 1) ++runs;
    tallest = std::max(tallest, run);
  }
  CHECK(runs >= 20);
  CHECK(runs <= 80);
  CHECK(tallest < 20);  // one line of text each: no two labels ran into each other
}

TEST_CASE("heatmap input errors name the file, the heatmap and what is wrong") {
  test::TempDir dir;
  std::string path = dir.file("cka.png");
  std::string where = path + ": heatmap 'CKA': ";
  Heatmap h = grid();
  h.values.clear();
  CHECK(error_of([&] { report::write_heatmap(h, path); }) == where + "no values");
  h.values = {{}};
  CHECK(error_of([&] { report::write_heatmap(h, path); }) == where + "no values");
  h = grid();
  h.values[2].pop_back();
  CHECK(error_of([&] { report::write_heatmap(h, path); }) ==
        where + "row 2 has 3 values but row 0 has 4 (give every row one value per column)");
  h = grid();
  h.row_labels.pop_back();
  CHECK(error_of([&] { report::write_heatmap(h, path); }) == where + "2 row labels for 3 rows");
  h = grid();
  h.column_labels.push_back("b4");
  CHECK(error_of([&] { report::write_heatmap(h, path); }) == where + "5 column labels for 4 columns");
  h = grid();
  h.value_format = "%s";
  CHECK(error_of([&] { report::write_heatmap(h, path); }) ==
        where + "value_format '%s' must hold one floating-point conversion such as %.2f");
  h = grid();
  h.v_min = 1;
  h.v_max = 0.5;
  CHECK(error_of([&] { report::write_heatmap(h, path); }) == where + "v_max (0.5) must be above v_min (1)");
  h = grid();
  h.height = 100;
  CHECK(error_of([&] { report::write_heatmap(h, path); }) == where + "size 1200x100 is too small (at least 320x240)");
  CHECK_FALSE(std::filesystem::exists(path));

  dir.write("blocker", "a file");
  std::string under_file = dir.file("blocker/cka.svg");
  CHECK(error_of([&] { report::write_heatmap(grid(), under_file); }) ==
        under_file + ": cannot write: " + dir.file("blocker") + " is not a folder");
}
