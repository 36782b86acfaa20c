// PNG figures for evaluation reports: grouped bar charts (scores per condition, with error bars and
// a chance line) and scatter plots (e.g. PCA of embeddings), drawn to read well at a glance.
#pragma once

#include <cmath>
#include <string>
#include <vector>

namespace vgs::report {

// One bar per category, all in the series' colour.
struct BarSeries {
  std::string name;
  std::vector<double> values;  // one per category; NaN = no bar (labelled "n/a")
  std::vector<double> errors;  // empty = none; otherwise one per category, NaN = no error bar
};

// Grouped bars: one group per category, one bar per series. Every number here is in data units;
// value_scale only changes what is printed (ticks and value labels), so 0.931 can read "93.1".
struct BarChart {
  std::string title, y_label;
  std::vector<std::string> categories;
  std::vector<BarSeries> series;
  double y_min = 0, y_max = NAN;  // NaN = automatic
  double reference_line = NAN;    // e.g. chance 0.5, drawn dashed and listed in the legend
  std::string reference_label;    // legend text for the reference line ("" = its value)
  std::string value_format = "%.1f";  // printf format of the value above each bar (one double)
  double value_scale = 1.0;           // 100 shows fractions as percent
  int width = 1200, height = 800;
};

// Points of one kind: e.g. the audio embeddings of one word.
struct ScatterGroup {
  std::string name;
  std::vector<double> xs, ys;  // points with a NaN coordinate are left out
  int colour = -1;             // palette index, -1 = the next one not taken by another group
  char marker = 'o';           // 'o' circle, '^' triangle, 's' square, 'x' cross
  bool filled = true;          // false draws the outline only (e.g. novel vs familiar words)
};

struct ScatterPlot {
  std::string title, x_label, y_label;
  std::vector<ScatterGroup> groups;
  int width = 1200, height = 800;
};

// Both write the PNG atomically (a reader never sees half a file) and throw vgs::Error with a
// one-line message naming the file and plot when the input is inconsistent or the file unwritable.
void write_bar_chart(const BarChart& chart, const std::string& png_path);
void write_scatter_plot(const ScatterPlot& plot, const std::string& png_path);

// Tick positions on [lo, hi]: multiples of a 1, 2 or 5 x 10^k step, the finest step that gives at
// most max_ticks of them. lo == hi is widened around the value; non-finite input gives none.
std::vector<double> nice_ticks(double lo, double hi, int max_ticks = 6);

// The plot palette (Okabe-Ito, safe for colour-blind readers), cycling; exposed so that tests and
// callers colouring other output can match it.
struct Rgb {
  unsigned char r, g, b;
};
Rgb palette_colour(int index);
int palette_size();

}  // namespace vgs::report
