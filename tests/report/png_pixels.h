// Test helpers that look at rendered figures the way a reader would: decode the PNG and find the
// blobs of one colour (bars, markers, legend swatches) and dark strokes (error bars, dashed lines).
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
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

}  // namespace vgs::test
