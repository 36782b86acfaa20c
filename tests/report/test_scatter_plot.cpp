// Tests of the scatter plot: each group in its colour, points where their coordinates say, NaN
// points and groups left out, the legend cap, and every input error with its whole message.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "tests/report/png_pixels.h"
#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/report/plot.h"

using namespace vgs;
using report::palette_colour;
using report::ScatterGroup;
using report::ScatterPlot;
using test::error_of;

namespace {

ScatterGroup group(const std::string& name, std::vector<double> xs, std::vector<double> ys, int colour,
                   char marker = 'o', bool filled = true) {
  ScatterGroup g;
  g.name = name;
  g.xs = std::move(xs);
  g.ys = std::move(ys);
  g.colour = colour;
  g.marker = marker;
  g.filled = filled;
  return g;
}

// Four single points at the extremes, each in its own colour, plus a group with no usable point.
ScatterPlot compass() {
  ScatterPlot plot;
  plot.title = "PCA";
  plot.x_label = "PC 1";
  plot.y_label = "PC 2";
  plot.groups = {group("west", {-3}, {0}, 0), group("east", {5}, {0}, 1), group("north", {1}, {4}, 2),
                 group("south", {1}, {-2}, 3), group("nowhere", {NAN, 2}, {1, NAN}, 4),
                 group("hollow", {0, 2}, {1, 1}, 5, '^', false)};
  return plot;
}

}  // namespace

TEST_CASE("a scatter plot is a PNG of the requested size with every group's colour") {
  test::TempDir dir;
  report::write_scatter_plot(compass(), dir.file("pca.png"));
  cv::Mat image = test::read_png(dir.file("pca.png"));
  REQUIRE_FALSE(image.empty());
  CHECK(image.cols == 1200);
  CHECK(image.rows == 800);
  for (int colour : {0, 1, 2, 3}) {
    INFO("colour " << colour);
    CHECK(cv::countNonZero(test::colour_mask(image, palette_colour(colour))) > 20);
  }
  CHECK(cv::countNonZero(test::colour_mask(image, palette_colour(5), 40)) > 10);  // outlines only
}

TEST_CASE("scatter points lie where their coordinates say: x to the right, y up") {
  test::TempDir dir;
  report::write_scatter_plot(compass(), dir.file("pca.png"));
  cv::Mat image = test::read_png(dir.file("pca.png"));
  // The first blob of a colour is the point; its legend swatch is further right.
  cv::Rect west = test::blobs(test::colour_mask(image, palette_colour(0))).front();
  cv::Rect east = test::blobs(test::colour_mask(image, palette_colour(1))).front();
  cv::Rect north = test::blobs(test::colour_mask(image, palette_colour(2))).front();
  cv::Rect south = test::blobs(test::colour_mask(image, palette_colour(3))).front();
  CHECK(east.x > west.x + 400);
  CHECK(std::abs((east.y + east.height / 2) - (west.y + west.height / 2)) <= 1);  // same y
  CHECK(north.y + 200 < south.y);
  CHECK(std::abs(north.x - south.x) <= 1);  // same x
  // x = 1 is half-way from -3 to 5.
  double mid = (west.x + west.width / 2.0 + east.x + east.width / 2.0) / 2;
  CHECK(std::abs(north.x + north.width / 2.0 - mid) <= 2);
}

TEST_CASE("NaN points and all-NaN groups are left out of the plot and the legend") {
  test::TempDir dir;
  report::write_scatter_plot(compass(), dir.file("pca.png"));
  cv::Mat image = test::read_png(dir.file("pca.png"));
  CHECK(cv::countNonZero(test::colour_mask(image, palette_colour(4))) == 0);

  ScatterPlot empty;
  empty.groups = {group("nothing", {NAN}, {NAN}, -1)};
  REQUIRE_NOTHROW(report::write_scatter_plot(empty, dir.file("empty.png")));
  CHECK(test::read_png(dir.file("empty.png")).cols == 1200);
}

TEST_CASE("points on one spot, every marker, and automatic colours give a valid plot") {
  test::TempDir dir;
  ScatterPlot plot;
  plot.groups = {group("circle", {1, 1}, {2, 2}, -1, 'o'), group("triangle", {1}, {2}, -1, '^', false),
                 group("square", {1}, {2}, -1, 's'), group("cross", {1}, {2}, -1, 'x')};
  REQUIRE_NOTHROW(report::write_scatter_plot(plot, dir.file("one_spot.png")));
  cv::Mat image = test::read_png(dir.file("one_spot.png"));
  CHECK(image.rows == 800);
  // Automatic colours take the palette in order.
  CHECK(cv::countNonZero(test::colour_mask(image, palette_colour(0))) > 20);
  CHECK(cv::countNonZero(test::colour_mask(image, palette_colour(3), 40)) > 10);
}

TEST_CASE("automatic colours skip the ones groups asked for") {
  test::TempDir dir;
  ScatterPlot plot;
  plot.groups = {group("explicit", {0}, {0}, 0), group("automatic", {1}, {1}, -1)};
  report::write_scatter_plot(plot, dir.file("colours.png"));
  cv::Mat image = test::read_png(dir.file("colours.png"));
  // Both points (and swatches) are separate blobs: palette 0 for both would have merged counts.
  CHECK(test::blobs(test::colour_mask(image, palette_colour(0))).size() == 2);
  CHECK(test::blobs(test::colour_mask(image, palette_colour(1))).size() == 2);
}

TEST_CASE("a legend with very many groups is cut short and the plot keeps its room") {
  test::TempDir dir;
  ScatterPlot plot;
  plot.title = "many words";
  for (int i = 0; i < 120; ++i)
    plot.groups.push_back(group("word number " + std::to_string(i), {double(i)}, {double(i % 7)}, i, "o^sx"[i % 4]));
  report::write_scatter_plot(plot, dir.file("many.png"));
  cv::Mat image = test::read_png(dir.file("many.png"));
  REQUIRE(image.cols == 1200);
  // The first point (x = 0) is in the left part of the figure: the legend did not take it all.
  cv::Rect first = test::blobs(test::colour_mask(image, palette_colour(0))).front();
  CHECK(first.x < 300);
}

TEST_CASE("scatter plot input errors name the file, the plot and the group") {
  test::TempDir dir;
  std::string path = dir.file("pca.png");
  std::string where = path + ": scatter plot 'PCA': ";
  ScatterPlot plot = compass();
  plot.groups.clear();
  CHECK(error_of([&] { report::write_scatter_plot(plot, path); }) == where + "no groups");
  plot = compass();
  plot.groups[2].ys = {1, 2};
  CHECK(error_of([&] { report::write_scatter_plot(plot, path); }) == where + "group 'north' has 1 xs but 2 ys");
  plot = compass();
  plot.groups[1].marker = '*';
  CHECK(error_of([&] { report::write_scatter_plot(plot, path); }) ==
        where + "group 'east' has marker '*' (use o, ^, s or x)");
  plot = compass();
  plot.groups[0].colour = -2;
  CHECK(error_of([&] { report::write_scatter_plot(plot, path); }) ==
        where + "group 'west' has colour -2 (a palette index, or -1 for the next free one)");
  plot = compass();
  plot.height = 10;
  CHECK(error_of([&] { report::write_scatter_plot(plot, path); }) == where + "size 1200x10 is too small (at least 320x240)");
  plot.height = 100000;
  CHECK(error_of([&] { report::write_scatter_plot(plot, path); }) ==
        where + "size 1200x100000 is too large (at most 8000x8000)");
  CHECK_FALSE(std::filesystem::exists(path));

  dir.write("blocker", "a file");
  std::string under_file = dir.file("blocker/pca.png");
  CHECK(error_of([&] { report::write_scatter_plot(compass(), under_file); }) ==
        under_file + ": cannot write: " + dir.file("blocker") + " is not a folder");
}
