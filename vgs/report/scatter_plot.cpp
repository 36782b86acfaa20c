// The scatter plot: groups of points, each in its palette colour and marker, the legend beside the
// plot in as many columns as the groups need.
#include <algorithm>
#include <cmath>
#include <limits>

#include "vgs/core/error.h"
#include "vgs/report/frame.h"
#include "vgs/report/plot.h"

namespace vgs::report {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void validate(const ScatterPlot& plot, const std::string& where) {
  check_size(plot.width, plot.height, where);
  if (plot.groups.empty()) throw Error(where + ": no groups");
  for (const auto& g : plot.groups) {
    if (g.xs.size() != g.ys.size())
      throw Error(where + ": group '" + g.name + "' has " + std::to_string(g.xs.size()) + " xs but " +
                  std::to_string(g.ys.size()) + " ys");
    if (!known_marker(g.marker))
      throw Error(where + ": group '" + g.name + "' has marker '" + std::string(1, g.marker) + "' (use o, ^, s or x)");
    if (g.colour < -1)
      throw Error(where + ": group '" + g.name + "' has colour " + std::to_string(g.colour) +
                  " (a palette index, or -1 for the next free one)");
  }
}

bool point_ok(const ScatterGroup& g, size_t i) { return std::isfinite(g.xs[i]) && std::isfinite(g.ys[i]); }

bool has_points(const ScatterGroup& g) {
  for (size_t i = 0; i < g.xs.size(); ++i)
    if (point_ok(g, i)) return true;
  return false;
}

std::vector<int> group_colours(const ScatterPlot& plot) {
  std::vector<int> requested;
  for (const auto& g : plot.groups) requested.push_back(g.colour);
  return assign_colours(requested);
}

// Axis over the finite coordinates with a 5% margin, so no marker sits on a spine.
Axis scatter_axis(const ScatterPlot& plot, bool x) {
  double lo = kInf, hi = -kInf;
  for (const auto& g : plot.groups)
    for (size_t i = 0; i < g.xs.size(); ++i)
      if (point_ok(g, i)) {
        double v = x ? g.xs[i] : g.ys[i];
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
  return padded_axis(lo, hi, 0.05, x ? 8 : 7);
}

void draw_points(Canvas& canvas, const ScatterPlot& plot, const std::vector<int>& colours, const Axis& x_axis,
                 const Axis& y_axis, const Rect& rect, const Style& s) {
  Scale x = x_scale(x_axis, rect), y = y_scale(y_axis, rect);
  for (size_t k = 0; k < plot.groups.size(); ++k) {
    const auto& g = plot.groups[k];
    Rgb colour = palette_colour(colours[k]);
    for (size_t i = 0; i < g.xs.size(); ++i)
      if (point_ok(g, i)) draw_marker(canvas, {x(g.xs[i]), y(g.ys[i])}, g.marker, 5.5 * s.ui, colour, g.filled, s.px(2));
  }
}

std::vector<LegendEntry> scatter_legend_entries(const ScatterPlot& plot, const std::vector<int>& colours) {
  std::vector<LegendEntry> entries;
  for (size_t k = 0; k < plot.groups.size(); ++k) {
    const auto& g = plot.groups[k];
    if (has_points(g)) entries.push_back({g.name, palette_colour(colours[k]), Swatch::marker, g.marker, g.filled});
  }
  return entries;
}

void draw_scatter_plot(Canvas& canvas, const ScatterPlot& plot) {
  Style s = make_style(plot.width, plot.height);
  Axis x_axis = scatter_axis(plot, true), y_axis = scatter_axis(plot, false);
  std::vector<int> colours = group_colours(plot);
  Furniture f{plot.title, plot.x_label, plot.y_label, widest_label(y_axis.labels, s.tick), s.tick, 0, 0, nullptr};
  Legend legend = arrange_legend(scatter_legend_entries(plot, colours), plot_height(f, plot.width, plot.height, s),
                                 plot.width * 9.0 / 20, s);
  f.legend = &legend;
  Rect rect = plot_rectangle(f, plot.width, plot.height, s);

  draw_horizontal_grid(canvas, y_axis, rect);
  draw_vertical_grid(canvas, x_axis, rect);
  draw_points(canvas, plot, colours, x_axis, y_axis, rect, s);
  draw_y_axis(canvas, y_axis, rect, s);
  draw_x_axis(canvas, x_axis, rect, s);
  draw_furniture(canvas, f, rect, s);
}

}  // namespace

void write_scatter_plot(const ScatterPlot& plot, const std::string& path) {
  std::string where = path + ": " + describe("scatter plot", plot.title);
  figure_format(path);
  validate(plot, where);
  render_figure(path, where, plot.title, plot.width, plot.height, [&](Canvas& canvas) { draw_scatter_plot(canvas, plot); });
}

}  // namespace vgs::report
