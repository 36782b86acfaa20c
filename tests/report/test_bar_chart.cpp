// Tests of the grouped bar chart: bar heights in proportion to the values, error bars, the chance
// line, NaN values, every input error with its whole message, and the atomic write.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "tests/report/png_pixels.h"
#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/report/plot.h"

using namespace vgs;
using report::BarChart;
using report::palette_colour;
using test::error_of;

namespace {

// One category, two series: 0.8 with an error of 0.1, and 0.4 without one; chance at 0.5.
BarChart two_bars() {
  BarChart chart;
  chart.title = "Accuracy";
  chart.y_label = "accuracy (%)";
  chart.categories = {"English"};
  chart.series = {{"tall", {0.8}, {0.1}}, {"short", {0.4}, {}}};
  chart.y_max = 1.0;
  chart.reference_line = 0.5;
  chart.reference_label = "chance";
  chart.value_scale = 100;
  return chart;
}

std::vector<std::string> files_in(const std::string& folder) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("a bar chart is a PNG of the requested size") {
  test::TempDir dir;
  BarChart chart = two_bars();
  report::write_bar_chart(chart, dir.file("bars.png"));
  cv::Mat image = test::read_png(dir.file("bars.png"));
  REQUIRE_FALSE(image.empty());
  CHECK(image.cols == 1200);
  CHECK(image.rows == 800);
  CHECK(image.at<cv::Vec3b>(2, 2) == cv::Vec3b(255, 255, 255));  // white background

  chart.width = 640;
  chart.height = 480;
  report::write_bar_chart(chart, dir.file("small.png"));
  cv::Mat small = test::read_png(dir.file("small.png"));
  CHECK(small.cols == 640);
  CHECK(small.rows == 480);
}

TEST_CASE("bar heights are in proportion to the values and share a baseline") {
  test::TempDir dir;
  report::write_bar_chart(two_bars(), dir.file("bars.png"));
  cv::Mat image = test::read_png(dir.file("bars.png"));
  cv::Rect tall = test::largest_blob(test::colour_mask(image, palette_colour(0)));
  cv::Rect short_bar = test::largest_blob(test::colour_mask(image, palette_colour(1)));
  REQUIRE(tall.height > 100);
  REQUIRE(short_bar.height > 50);
  CHECK(std::abs(tall.br().y - short_bar.br().y) <= 1);
  CHECK(std::abs(tall.height - 2 * short_bar.height) <= 3);  // 0.8 is twice 0.4
  CHECK(tall.x < short_bar.x);                               // series in order
}

TEST_CASE("an error bar reaches value plus error above the bar, with a cap") {
  test::TempDir dir;
  report::write_bar_chart(two_bars(), dir.file("bars.png"));
  cv::Mat image = test::read_png(dir.file("bars.png"));
  cv::Rect tall = test::largest_blob(test::colour_mask(image, palette_colour(0)));
  double pixels_per_unit = tall.height / 0.8;
  int centre = tall.x + tall.width / 2;
  int error_top = tall.y - static_cast<int>(std::lround(0.1 * pixels_per_unit));
  int stem_gaps = 0;  // rows between the bar top and the cap without the stem
  for (int y = tall.y - 1; y > error_top + 2; --y) stem_gaps += !test::dark_near(image, centre, y);
  CHECK(stem_gaps == 0);
  // The cap: a short horizontal stroke at value + error, wider than the stem.
  bool capped = false;
  for (int y = error_top - 2; y <= error_top + 2; ++y)
    capped = capped || (test::dark_near(image, centre - 5, y, 0) && test::dark_near(image, centre + 5, y, 0));
  CHECK(capped);
  // The bar without errors has none: just above it is white until its value label.
  cv::Rect short_bar = test::largest_blob(test::colour_mask(image, palette_colour(1)));
  for (int y = short_bar.y - 3; y < short_bar.y; ++y)
    CHECK_FALSE(test::dark_near(image, short_bar.x + short_bar.width / 2, y));
}

TEST_CASE("the value is printed above each bar") {
  test::TempDir dir;
  report::write_bar_chart(two_bars(), dir.file("bars.png"));
  cv::Mat image = test::read_png(dir.file("bars.png"));
  cv::Rect short_bar = test::largest_blob(test::colour_mask(image, palette_colour(1)));
  cv::Rect label_band(short_bar.x, short_bar.y - 30, short_bar.width, 27);
  int dark = 0;
  for (int y = label_band.y; y < label_band.br().y; ++y)
    for (int x = label_band.x; x < label_band.br().x; ++x) dark += test::dark_grey(image.at<cv::Vec3b>(y, x));
  CHECK(dark > 30);
}

TEST_CASE("the reference line is drawn dashed across the plot at its value") {
  test::TempDir dir;
  report::write_bar_chart(two_bars(), dir.file("bars.png"));
  cv::Mat image = test::read_png(dir.file("bars.png"));
  cv::Rect tall = test::largest_blob(test::colour_mask(image, palette_colour(0)));
  double pixels_per_unit = tall.height / 0.8;
  int baseline = tall.br().y;
  int expected = baseline - static_cast<int>(std::lround(0.5 * pixels_per_unit));
  int best = 0;
  for (int y = expected - 3; y <= expected + 3; ++y) best = std::max(best, test::dark_pixels_in_row(image, y));
  CHECK(best > 400);  // dashes over most of a ~900 px wide plot
  // Elsewhere (at 0.3, say) rows hold only light grid lines and a few bar pixels.
  int elsewhere = baseline - static_cast<int>(std::lround(0.3 * pixels_per_unit));
  CHECK(test::dark_pixels_in_row(image, elsewhere) < 50);
  // Without a reference line the row is empty too.
  BarChart plain = two_bars();
  plain.reference_line = NAN;
  report::write_bar_chart(plain, dir.file("plain.png"));
  cv::Mat without = test::read_png(dir.file("plain.png"));
  int most = 0;
  for (int y = expected - 3; y <= expected + 3; ++y) most = std::max(most, test::dark_pixels_in_row(without, y));
  CHECK(most < 50);
}

TEST_CASE("NaN values leave out their bar and NaN errors their error bar") {
  test::TempDir dir;
  BarChart chart;
  chart.title = "gaps";
  chart.categories = {"first", "second"};
  chart.series = {{"model", {NAN, 0.5}, {NAN, NAN}}};
  report::write_bar_chart(chart, dir.file("nan.png"));
  cv::Mat image = test::read_png(dir.file("nan.png"));
  REQUIRE(image.cols == 1200);
  cv::Mat mask = test::colour_mask(image, palette_colour(0));
  CHECK(cv::countNonZero(mask(cv::Rect(0, 0, 500, 800))) == 0);  // no bar over "first"
  CHECK(test::largest_blob(mask).height > 100);                 // the bar over "second"

  chart.series = {{"model", {NAN, NAN}, {}}};  // nothing at all to draw
  REQUIRE_NOTHROW(report::write_bar_chart(chart, dir.file("all_nan.png")));
  CHECK(test::read_png(dir.file("all_nan.png")).rows == 800);
}

TEST_CASE("equal values at zero or on the lower limit draw no bar, only their value labels") {
  test::TempDir dir;
  BarChart chart;
  chart.categories = {"a", "b", "c"};
  chart.series = {{"flat", {0.0, 0.0, 0.0}, {}}};
  chart.y_min = NAN;
  REQUIRE_NOTHROW(report::write_bar_chart(chart, dir.file("zero.png")));
  chart.series = {{"flat", {0.7, 0.7, 0.7}, {0.0, 0.0, 0.0}}};
  chart.y_min = 0.7;  // all values on the lower limit
  REQUIRE_NOTHROW(report::write_bar_chart(chart, dir.file("flat.png")));
  for (auto name : {"zero.png", "flat.png"}) {
    INFO(name);
    cv::Mat image = test::read_png(dir.file(name));
    REQUIRE(image.cols == 1200);
    // No bar; the series' one patch of colour is its legend swatch.
    cv::Mat mask = test::colour_mask(image, palette_colour(0));
    CHECK(test::bars(mask, 1).size() == 1);
    CHECK(test::largest_blob(mask).height < 20);
    // The bars' baseline is the longest stroke (the zero line, or the bottom spine on the lower limit).
    int baseline = test::darkest_row(image);
    auto [left, right] = test::longest_dark_run(image, baseline);
    REQUIRE(right - left > 800);
    // Each value label just above it, centred on its category.
    auto labels = test::dark_column_runs(image, cv::Rect(left + 10, baseline - 30, right - left - 10, 27), 20);
    REQUIRE(labels.size() == 3);
    double group = (right - left) / 3.0;
    for (int i = 0; i < 3; ++i)
      CHECK(std::abs((labels[i].first + labels[i].second) / 2.0 - (left + group * (i + 0.5))) < 10);
  }
}

TEST_CASE("values beyond the axis are clipped to the plot, bars and error bars alike") {
  test::TempDir dir;
  BarChart chart;
  chart.categories = {"a", "b", "c"};
  chart.y_min = 0;
  chart.y_max = 0.5;  // bars taller than the axis are clipped
  chart.series = {{"clipped", {0.9, -0.2, 0.4}, {0.5, 0.1, 2.0}}};
  REQUIRE_NOTHROW(report::write_bar_chart(chart, dir.file("clipped.png")));
  cv::Mat image = test::read_png(dir.file("clipped.png"));
  REQUIRE(image.cols == 1200);
  // Bars over a and c; -0.2 is clipped to the baseline, so b has none.
  auto bars = test::bars(test::colour_mask(image, palette_colour(0)));
  REQUIRE(bars.size() == 2);
  const cv::Rect a = bars[0], c = bars[1];
  double group = (c.x - a.x) / 2.0;  // a and c are two categories apart
  CHECK(std::abs(a.width - 0.8 * group) < 8);
  CHECK(std::abs(a.width - c.width) <= 1);
  CHECK(std::abs(a.br().y - c.br().y) <= 1);
  // 0.9 stops at the top of the axis (0.5): 0.4 is 4/5 of it, not 4/9.
  CHECK(std::abs(c.height - 0.8 * a.height) <= 3);
  // 0.4 +- 2.0 runs from the top of the plot down to the baseline, no further.
  const int centre = c.x + c.width / 2;
  int stem_gaps = 0;
  for (int y = a.y + 2; y < c.br().y - 2; ++y) stem_gaps += !test::dark_near(image, centre, y);
  CHECK(stem_gaps == 0);
  CHECK_FALSE(test::dark_near(image, centre, c.br().y + 4));  // below the plot: white until the category label
}

TEST_CASE("negative values hang from a zero line and tiny values draw no bar") {
  test::TempDir dir;
  BarChart chart;
  chart.categories = {"a", "b", "c"};
  chart.series = {{"signed", {-3, 2.5, 1e-9}, {}}};
  chart.y_min = NAN;  // automatic: the axis takes in the negative bar
  REQUIRE_NOTHROW(report::write_bar_chart(chart, dir.file("signed.png")));
  cv::Mat image = test::read_png(dir.file("signed.png"));
  REQUIRE(image.cols == 1200);
  auto bars = test::bars(test::colour_mask(image, palette_colour(0)));
  REQUIRE(bars.size() == 2);  // 1e-9 is less than a pixel
  const cv::Rect negative = bars[0], positive = bars[1];
  CHECK(negative.x < positive.x);
  // The negative bar starts where the positive one ends, below the zero line between them.
  CHECK(negative.y > positive.br().y);
  CHECK(negative.y - positive.br().y <= 4);
  // The zero line runs across the plot, over the bars' ends, as far as the bottom spine.
  const int plot_right = test::longest_dark_run(image, test::darkest_row(image)).second;
  std::pair<int, int> zero_line{0, -1};
  for (int y = positive.br().y; y < negative.y; ++y) {
    auto run = test::longest_dark_run(image, y);
    if (run.second - run.first > zero_line.second - zero_line.first) zero_line = run;
  }
  CHECK(zero_line.first <= negative.x);
  CHECK(std::abs(zero_line.second - plot_right) <= 1);
  CHECK(std::abs(negative.height - 1.2 * positive.height) <= 5);  // 3 against 2.5
  // The value of the negative bar is printed below it.
  auto label = test::dark_column_runs(image, cv::Rect(negative.x, negative.br().y + 2, negative.width, 27), 20);
  REQUIRE(label.size() == 1);
  CHECK(std::abs((label[0].first + label[0].second) / 2 - (negative.x + negative.width / 2)) < 10);
}

TEST_CASE("bar chart input errors name the file, the chart and the series") {
  test::TempDir dir;
  std::string path = dir.file("bars.png");
  std::string where = path + ": bar chart 'Accuracy': ";
  BarChart chart = two_bars();
  chart.categories.clear();
  CHECK(error_of([&] { report::write_bar_chart(chart, path); }) == where + "no categories");
  chart = two_bars();
  chart.series.clear();
  CHECK(error_of([&] { report::write_bar_chart(chart, path); }) == where + "no series");
  chart = two_bars();
  chart.series[1].values = {0.4, 0.5};
  CHECK(error_of([&] { report::write_bar_chart(chart, path); }) ==
        where + "series 'short' has 2 values for 1 category");
  chart = two_bars();
  chart.categories = {"English", "French"};
  chart.series[0].values = {0.8, 0.7};
  chart.series[0].errors = {0.1};
  chart.series[1].values = {0.4, 0.3};
  CHECK(error_of([&] { report::write_bar_chart(chart, path); }) ==
        where + "series 'tall' has 1 error for 2 categories (give one per category, or none)");
  chart = two_bars();
  chart.value_format = "%d%%";
  CHECK(error_of([&] { report::write_bar_chart(chart, path); }) ==
        where + "value_format '%d%%' must hold one floating-point conversion such as %.1f");
  chart = two_bars();
  chart.y_min = 1;
  CHECK(error_of([&] { report::write_bar_chart(chart, path); }) ==
        where + "y_max (1) must be above y_min (1)");
  chart = two_bars();
  chart.width = 100;
  CHECK(error_of([&] { report::write_bar_chart(chart, path); }) == where + "size 100x800 is too small (at least 320x240)");
  chart = two_bars();
  chart.title = "";
  chart.series.clear();
  CHECK(error_of([&] { report::write_bar_chart(chart, path); }) == path + ": bar chart: no series");
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("a bar chart is written atomically and an unwritable path is a vgs::Error") {
  test::TempDir dir;
  report::write_bar_chart(two_bars(), dir.file("out/bars.png"));  // creates the folder
  CHECK(files_in(dir.file("out")) == std::vector<std::string>{"bars.png"});
  report::write_bar_chart(two_bars(), dir.file("out/bars.png"));  // replaces the file
  CHECK(files_in(dir.file("out")) == std::vector<std::string>{"bars.png"});

  dir.write("blocker", "a file, not a folder");
  std::string under_file = dir.file("blocker/bars.png");
  CHECK(error_of([&] { report::write_bar_chart(two_bars(), under_file); }) ==
        under_file + ": cannot write: " + dir.file("blocker") + " is not a folder");
  std::string deeper = dir.file("blocker/sub/bars.png");
  CHECK(error_of([&] { report::write_bar_chart(two_bars(), deeper); }) == deeper + ": cannot write: Not a directory");

  // A folder where the PNG should go: the rename fails, and the temporary file is removed.
  std::filesystem::create_directories(dir.file("taken.png"));
  std::string taken = dir.file("taken.png");
  CHECK(error_of([&] { report::write_bar_chart(two_bars(), taken); }) ==
        taken + ": cannot rename " + core::temp_path_for(taken) + " into place: Is a directory");
  CHECK(files_in(dir.path()) == std::vector<std::string>{"blocker", "out", "taken.png"});
}
