// Tests of what every figure kind shares: PNG, SVG and PDF by the extension, each read back by a real
// client; unknown extensions; silence on stdout and stderr; PLplot's own errors as vgs::Error (the
// process goes on); figures from several threads at once.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <thread>

#include "tests/report/figure_files.h"
#include "tests/report/png_pixels.h"
#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/report/canvas.h"
#include "vgs/report/plot.h"

using namespace vgs;
using test::error_of;

namespace {

report::BarChart bars() {
  report::BarChart chart;
  chart.title = "Accuracy & chance <by language>";
  chart.y_label = "accuracy";
  chart.categories = {"English", "Fran\u00e7ais"};
  chart.series = {{"model", {0.8, 0.6}, {0.05, 0.02}}};
  chart.reference_line = 0.5;
  return chart;
}

report::ScatterPlot scatter() {
  report::ScatterPlot plot;
  plot.title = "PCA";
  plot.groups = {{"a", {0, 1}, {0, 1}, 0, 'o', true}, {"b", {2}, {0.5}, 1, 's', false}};
  return plot;
}

report::Heatmap heatmap() {
  report::Heatmap h;
  h.title = "CKA";
  h.values = {{0.1, 0.9}, {0.5, NAN}};
  h.annotate = true;
  return h;
}

report::LinePlot lines() {
  report::LinePlot p;
  p.title = "Silhouette by layer";
  p.curves = {{"model", {0, 1, 2}, {0.2, 0.4, 0.3}, {0.1, 0.3, 0.2}, {0.3, 0.5, 0.4}, -1, 'o'}};
  return p;
}

// Writes one figure of each kind to `stem`.<extension>; returns the paths.
std::vector<std::string> write_all(const test::TempDir& dir, const std::string& stem, const std::string& extension) {
  std::vector<std::string> paths = {dir.file(stem + "_bars." + extension), dir.file(stem + "_scatter." + extension),
                                    dir.file(stem + "_heatmap." + extension), dir.file(stem + "_lines." + extension)};
  report::write_bar_chart(bars(), paths[0]);
  report::write_scatter_plot(scatter(), paths[1]);
  report::write_heatmap(heatmap(), paths[2]);
  report::write_line_plot(lines(), paths[3]);
  return paths;
}

const std::vector<std::string> kTitles = {"Accuracy & chance <by language>", "PCA", "CKA", "Silhouette by layer"};

}  // namespace

TEST_CASE("every figure kind is written as a PNG that OpenCV decodes at the requested size") {
  test::TempDir dir;
  for (const auto& path : write_all(dir, "fig", "png")) {
    INFO(path);
    cv::Mat image = test::read_png(path);
    REQUIRE_FALSE(image.empty());
    CHECK(image.cols == 1200);
    CHECK(image.rows == (path.find("heatmap") != std::string::npos ? 900 : 800));
    CHECK(image.at<cv::Vec3b>(1, 1) == cv::Vec3b(255, 255, 255));
  }
  // The extension is read without regard to case.
  report::write_bar_chart(bars(), dir.file("upper.PNG"));
  CHECK(test::read_png(dir.file("upper.PNG")).cols == 1200);
}

TEST_CASE("every figure kind is written as an SVG that parses as XML and holds its title") {
  test::TempDir dir;
  auto paths = write_all(dir, "fig", "svg");
  for (size_t i = 0; i < paths.size(); ++i) {
    INFO(paths[i]);
    auto svg = test::read_svg(paths[i]);
    REQUIRE(svg.count("error") == 0);
    CHECK(svg["root"] == "svg");
    CHECK(svg["viewBox"] == (i == 2 ? "0 0 1200 900" : "0 0 1200 800"));
    CHECK(svg["title"] == kTitles[i]);  // '&' and '<' escaped in the file, read back as written
    CHECK(std::stoi(svg["drawn"]) > 20);
  }
}

TEST_CASE("every figure kind is written as a whole PDF") {
  test::TempDir dir;
  for (const auto& path : write_all(dir, "fig", "pdf")) {
    INFO(path);
    CHECK(test::is_whole_pdf(path));
    CHECK(test::file_bytes(path).size() > 1000);
  }
}

TEST_CASE("an unknown or missing extension is a one-line error naming the path, and nothing is written") {
  test::TempDir dir;
  std::string jpg = dir.file("bars.jpg");
  std::string expected = jpg + ": unknown figure format '.jpg' (use .png, .svg or .pdf)";
  CHECK(error_of([&] { report::write_bar_chart(bars(), jpg); }) == expected);
  CHECK(error_of([&] { report::write_scatter_plot(scatter(), jpg); }) == expected);
  CHECK(error_of([&] { report::write_heatmap(heatmap(), jpg); }) == expected);
  CHECK(error_of([&] { report::write_line_plot(lines(), jpg); }) == expected);
  std::string bare = dir.file("figure");
  CHECK(error_of([&] { report::write_line_plot(lines(), bare); }) ==
        bare + ": no figure format (end the name in .png, .svg or .pdf)");
  CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("PLplot prints nothing on stdout or stderr while figures are written") {
  test::TempDir dir;
  std::string printed = test::printed_by([&] {
    for (const char* extension : {"png", "svg", "pdf"}) write_all(dir, "quiet", extension);
  });
  CHECK(printed.empty());
  CHECK(test::is_whole_pdf(dir.file("quiet_lines.pdf")));
}

TEST_CASE("a PLplot error is a vgs::Error naming the figure, and the next figure is drawn as usual") {
  test::TempDir dir;
  std::string path = dir.file("broken.png");
  // A zero-sized viewport makes PLplot abort the call (plvpor); its handler turns that into an error.
  std::string message;
  std::string printed = test::printed_by([&] {
    message = error_of([&] {
      report::render_figure(path, path + ": test figure", "broken", 400, 300,
                            [](report::Canvas& canvas) { canvas.clip_to({10, 10, 0, 0}); });
    });
  });
  CHECK(message == path + ": test figure: PLplot: plvpor: Invalid limits");
  CHECK(printed.empty());
  CHECK_FALSE(std::filesystem::exists(path));
  report::write_heatmap(heatmap(), dir.file("after.png"));
  CHECK(test::read_png(dir.file("after.png")).rows == 900);
}

TEST_CASE("figures written from several threads at once are all whole") {
  test::TempDir dir;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&dir, t] {
      for (const char* extension : {"png", "svg", "pdf"}) write_all(dir, "thread" + std::to_string(t), extension);
    });
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) {
    std::string stem = "thread" + std::to_string(t);
    CHECK(test::read_png(dir.file(stem + "_heatmap.png")).rows == 900);
    CHECK(test::read_png(dir.file(stem + "_bars.png")).cols == 1200);
    CHECK(test::read_svg(dir.file(stem + "_scatter.svg"))["title"] == "PCA");
    CHECK(test::is_whole_pdf(dir.file(stem + "_lines.pdf")));
  }
}
