// Test helpers that look at rendered figures the way a reader would: decode the PNG and find the
// blobs of one colour (bars, markers, legend swatches) and dark strokes (error bars, dashed lines).
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "vgs/report/plot.h"

namespace vgs::test {

inline cv::Mat read_png(const std::string& path) { return cv::imread(path, cv::IMREAD_COLOR); }

// Pixels within `tolerance` (per channel) of the palette colour: anti-aliased edges blend with white,
// so exact matches are the inside of a shape.
inline cv::Mat colour_mask(const cv::Mat& image, const report::Rgb& c, int tolerance = 0) {
  cv::Scalar lo(std::max(0, c.b - tolerance), std::max(0, c.g - tolerance), std::max(0, c.r - tolerance));
  cv::Scalar hi(std::min(255, c.b + tolerance), std::min(255, c.g + tolerance), std::min(255, c.r + tolerance));
  cv::Mat mask;
  cv::inRange(image, lo, hi, mask);
  return mask;
}

// Bounding boxes of the connected blobs of the mask, left to right. In the figures the legend sits
// right of the plot, so the first blob of a colour is inside the plot.
inline std::vector<cv::Rect> blobs(const cv::Mat& mask) {
  cv::Mat labels, stats, centroids;
  int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8);
  std::vector<cv::Rect> boxes;
  for (int i = 1; i < n; ++i)  // 0 is the background
    boxes.emplace_back(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                       stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
  std::sort(boxes.begin(), boxes.end(), [](const cv::Rect& a, const cv::Rect& b) { return a.x < b.x; });
  return boxes;
}

// The blob with the largest area (a bar rather than its legend swatch).
inline cv::Rect largest_blob(const cv::Mat& mask) {
  cv::Rect best;
  for (const auto& b : blobs(mask))
    if (b.area() > best.area()) best = b;
  return best;
}

// The bars of one colour, left to right: blobs at least `min_height` tall (not legend swatches), with
// the halves of a bar that its error bar splits (a few columns apart, the same rows) joined again.
inline std::vector<cv::Rect> bars(const cv::Mat& mask, int min_height = 20) {
  std::vector<cv::Rect> out;
  for (const auto& b : blobs(mask)) {
    if (b.height < min_height) continue;
    bool other_half = !out.empty() && b.x - out.back().br().x <= 8 && b.y == out.back().y && b.height == out.back().height;
    if (other_half) out.back() |= b;
    else out.push_back(b);
  }
  return out;
}

// A dark, grey pixel: text, spines, error bars, the reference line (not palette colours).
inline bool dark_grey(const cv::Vec3b& p, int darkest_allowed = 150) {
  int hi = std::max({p[0], p[1], p[2]}), lo = std::min({p[0], p[1], p[2]});
  return hi < darkest_allowed && hi - lo < 16;
}

// Whether a dark pixel lies within `half_width` columns of x on row y.
inline bool dark_near(const cv::Mat& image, int x, int y, int half_width = 2) {
  for (int dx = -half_width; dx <= half_width; ++dx)
    if (dark_grey(image.at<cv::Vec3b>(y, x + dx))) return true;
  return false;
}

inline int dark_pixels_in_row(const cv::Mat& image, int y) {
  int n = 0;
  for (int x = 0; x < image.cols; ++x) n += dark_grey(image.at<cv::Vec3b>(y, x));
  return n;
}

// The row with the most dark pixels (a spine or the zero line, drawn across the whole plot).
inline int darkest_row(const cv::Mat& image) {
  int best = 0, row = 0;
  for (int y = 0; y < image.rows; ++y)
    if (int n = dark_pixels_in_row(image, y); n > best) best = n, row = y;
  return row;
}

// Runs of columns [first, last] holding a dark pixel in the rows of `band`, left to right; runs fewer
// than `join` columns apart are one (the glyphs of one label). The default band is one row wide.
inline std::vector<std::pair<int, int>> dark_column_runs(const cv::Mat& image, const cv::Rect& band, int join = 1) {
  std::vector<std::pair<int, int>> runs;
  for (int x = band.x; x < band.br().x; ++x) {
    bool dark = false;
    for (int y = band.y; y < band.br().y && !dark; ++y) dark = dark_grey(image.at<cv::Vec3b>(y, x));
    if (!dark) continue;
    if (!runs.empty() && x - runs.back().second <= join) runs.back().second = x;
    else runs.emplace_back(x, x);
  }
  return runs;
}

// The longest unbroken stroke of dark pixels along row y: [first, last] columns.
inline std::pair<int, int> longest_dark_run(const cv::Mat& image, int y) {
  std::pair<int, int> best{0, -1};
  for (const auto& run : dark_column_runs(image, cv::Rect(0, y, image.cols, 1)))
    if (run.second - run.first > best.second - best.first) best = run;
  return best;
}

}  // namespace vgs::test
