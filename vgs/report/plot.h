// Figures for evaluation reports, drawn with PLplot: grouped bar charts (scores per condition, with
// error bars and a chance line), scatter plots (e.g. PCA of embeddings), heatmaps (CKA between layers,
// attention of tokens to groups) and line plots with confidence bands (a measure by layer). Each is
// written as PNG, SVG or PDF by the path's extension.
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

// Many groups (e.g. one per word) get a legend in several columns beside the plot, at a smaller font,
// cut to 40 entries.
struct ScatterPlot {
  std::string title, x_label, y_label;
  std::vector<ScatterGroup> groups;
  int width = 1200, height = 800;
};

// A heatmap with labelled axes and a colour bar: e.g. CKA between layers of two models, or a text
// grouping block's attention (rows = tokens, columns = groups). Row 0 is at the top. Rows and columns
// are all labelled when the labels fit, else every k-th; long labels are shortened with an ellipsis.
struct Heatmap {
  std::string title, x_label, y_label, colour_label;
  std::vector<std::string> row_labels, column_labels;  // empty = numbered from 0; else one per row/column
  std::vector<std::vector<double>> values;              // [rows][cols], NaN = blank
  double v_min = NAN, v_max = NAN;                      // NaN = the data's range; values beyond are clamped
  bool annotate = false;                                // print each value in its cell (when it fits)
  std::string value_format = "%.2f";
  int width = 1200, height = 900;
};

// Curves with optional confidence bands: e.g. silhouette or LDA accuracy by layer.
struct Curve {
  std::string name;
  std::vector<double> xs, ys, lows, highs;  // lows/highs empty = no band; NaN breaks the line or band
  int colour = -1;                          // palette index, -1 = the next one not taken
  char marker = 'o';                        // 'o', '^', 's', 'x', or ' ' for a bare line
};

struct LinePlot {
  std::string title, x_label, y_label;
  std::vector<Curve> curves;
  double y_min = NAN, y_max = NAN;  // NaN = automatic
  double reference_line = NAN;      // e.g. chance, drawn dashed and listed in the legend
  std::string reference_label;
  int width = 1200, height = 800;
};

// Each writes the figure atomically (a reader never sees half a file) as PNG, SVG or PDF by the
// extension of `path`, and throws vgs::Error with a one-line message naming the file and figure when
// the input is inconsistent, the extension unknown or the file unwritable.
void write_bar_chart(const BarChart& chart, const std::string& path);
void write_scatter_plot(const ScatterPlot& plot, const std::string& path);
void write_heatmap(const Heatmap& h, const std::string& path);
void write_line_plot(const LinePlot& p, const std::string& path);

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

// The heatmap colour map (viridis: perceptually uniform, readable in grey and by colour-blind
// readers) at t in [0, 1] (clamped): t = 0 is dark purple, t = 1 yellow.
Rgb heatmap_colour(double t);

}  // namespace vgs::report
