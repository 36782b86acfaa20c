// Tests of the line plot: curves in their palette colours at their values, confidence bands in a
// light tint, NaN breaking a line, the dashed reference line, and every input error.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "tests/report/png_pixels.h"
#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/report/plot.h"

using namespace vgs;
using report::Curve;
using report::LinePlot;
using report::palette_colour;
using test::error_of;

namespace {

Curve curve(const std::string& name, std::vector<double> xs, std::vector<double> ys, int colour, char marker = 'o') {
  Curve c;
  c.name = name;
  c.xs = std::move(xs);
  c.ys = std::move(ys);
  c.colour = colour;
  c.marker = marker;
  return c;
}

// Two flat curves over layers 0..12: "high" at 0.9 with a band of +-0.05, "low" at 0.1 without one.
LinePlot two_levels() {
  LinePlot p;
  p.title = "Accuracy by layer";
  p.x_label = "layer";
  p.y_label = "accuracy";
  std::vector<double> layers, high, low, lows, highs;
  for (int l = 0; l <= 12; ++l) {
    layers.push_back(l);
    high.push_back(0.9), low.push_back(0.1), lows.push_back(0.85), highs.push_back(0.95);
  }
  p.curves = {curve("high", layers, high, 0), curve("low", layers, low, 1, ' ')};
  p.curves[0].lows = lows;
  p.curves[0].highs = highs;
  p.y_min = 0;
  p.y_max = 1;
  return p;
}

// The band's colour: the curve's at 20% over white.
report::Rgb tint(report::Rgb c) {
  auto mix = [](int v) { return static_cast<unsigned char>(std::lround(255 * 0.8 + v * 0.2)); };
  return {mix(c.r), mix(c.g), mix(c.b)};
}

}  // namespace

TEST_CASE("line plot curves are drawn in their colours at their values, with the band around") {
  test::TempDir dir;
  report::write_line_plot(two_levels(), dir.file("lines.png"));
  cv::Mat image = test::read_png(dir.file("lines.png"));
  REQUIRE(image.cols == 1200);
  REQUIRE(image.rows == 800);
  // The widest blob of each colour is its curve across the plot (legend swatches are short).
  cv::Rect high = test::largest_blob(test::colour_mask(image, palette_colour(0), 10));
  cv::Rect low = test::largest_blob(test::colour_mask(image, palette_colour(1), 10));
  CHECK(high.width > 700);
  CHECK(std::abs(high.width - low.width) <= 12);  // same x range (markers stick out at the ends)
  CHECK(high.y + high.height / 2 < low.y + low.height / 2);
  // y = 0.9 and 0.1 on a 0..1 axis: the plot's bottom spine (the darkest row) is where 0 is.
  int zero = test::darkest_row(image);
  double high_y = high.y + high.height / 2.0, low_y = low.y + low.height / 2.0;
  double per_unit = (low_y - high_y) / 0.8;
  CHECK(per_unit > 500);
  CHECK(std::abs(zero - low_y - 0.1 * per_unit) < 3);
  // The band: the tint of the curve's colour just above and below its line, 0.05 away.
  report::Rgb band = tint(palette_colour(0));
  int x = high.x + high.width / 2 + 7;  // between two markers
  int offset = static_cast<int>(0.03 * per_unit);
  for (int y : {static_cast<int>(high_y) - offset, static_cast<int>(high_y) + offset}) {
    cv::Vec3b p = image.at<cv::Vec3b>(y, x);
    CHECK(std::abs(p[2] - band.r) <= 3);
    CHECK(std::abs(p[1] - band.g) <= 3);
    CHECK(std::abs(p[0] - band.b) <= 3);
  }
  // No band around the other curve: white 0.03 above it.
  CHECK(image.at<cv::Vec3b>(static_cast<int>(low_y) - offset, x) == cv::Vec3b(255, 255, 255));
}

TEST_CASE("a NaN breaks a curve and a reference line is dashed across the plot") {
  test::TempDir dir;
  LinePlot p;
  p.curves = {curve("gappy", {0, 1, 2, 3, 4}, {0.5, 0.5, NAN, 0.5, 0.5}, 2, ' ')};
  p.reference_line = 0.25;
  p.reference_label = "chance";
  p.y_min = 0;
  p.y_max = 1;
  report::write_line_plot(p, dir.file("gap.png"));
  cv::Mat image = test::read_png(dir.file("gap.png"));
  auto pieces = test::blobs(test::colour_mask(image, palette_colour(2), 10));
  REQUIRE(pieces.size() >= 2);
  std::sort(pieces.begin(), pieces.end(), [](const cv::Rect& a, const cv::Rect& b) { return a.width > b.width; });
  // The two longest pieces: x 0..1 and 3..4, equally long, with a gap as long as each between them.
  cv::Rect first = std::min(pieces[0], pieces[1], [](const cv::Rect& a, const cv::Rect& b) { return a.x < b.x; });
  cv::Rect second = std::max(pieces[0], pieces[1], [](const cv::Rect& a, const cv::Rect& b) { return a.x < b.x; });
  CHECK(std::abs(first.width - second.width) <= 3);
  CHECK(std::abs((second.x - first.br().x) - 2 * first.width) <= 4);  // x 1..3 is twice 0..1
  // The reference line at 0.25: dashes over most of the plot's width, and listed in the legend.
  int zero = test::darkest_row(image);
  int half = first.y + first.height / 2;
  int expected = zero - static_cast<int>(std::lround((zero - half) / 2.0));
  int best = 0;
  for (int y = expected - 3; y <= expected + 3; ++y) best = std::max(best, test::dark_pixels_in_row(image, y));
  CHECK(best > 400);
}

TEST_CASE("line plot input errors name the file, the plot and the curve") {
  test::TempDir dir;
  std::string path = dir.file("lines.pdf");
  std::string where = path + ": line plot 'Accuracy by layer': ";
  LinePlot p = two_levels();
  p.curves.clear();
  CHECK(error_of([&] { report::write_line_plot(p, path); }) == where + "no curves");
  p = two_levels();
  p.curves[1].ys.pop_back();
  CHECK(error_of([&] { report::write_line_plot(p, path); }) == where + "curve 'low' has 13 xs but 12 ys");
  p = two_levels();
  p.curves[0].highs.clear();
  CHECK(error_of([&] { report::write_line_plot(p, path); }) ==
        where + "curve 'high' has 13 lows and 0 highs for 13 points (give both, one per point, or neither)");
  p = two_levels();
  p.curves[0].marker = '*';
  CHECK(error_of([&] { report::write_line_plot(p, path); }) ==
        where + "curve 'high' has marker '*' (use o, ^, s, x, or ' ' for none)");
  p = two_levels();
  p.curves[1].colour = -3;
  CHECK(error_of([&] { report::write_line_plot(p, path); }) ==
        where + "curve 'low' has colour -3 (a palette index, or -1 for the next free one)");
  p = two_levels();
  p.y_max = 0;
  CHECK(error_of([&] { report::write_line_plot(p, path); }) == where + "y_max (0) must be above y_min (0)");
  CHECK_FALSE(std::filesystem::exists(path));
  // A folder where the figure should go: the rename fails and no temporary file is left.
  std::filesystem::create_directories(dir.file("taken.svg"));
  std::string taken = dir.file("taken.svg");
  CHECK(error_of([&] { report::write_line_plot(two_levels(), taken); }).rfind(taken + ": cannot rename ", 0) == 0);
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);
}
