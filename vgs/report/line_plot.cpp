// The line plot: curves over a numeric x axis (layers, epochs), each with markers at its points and
// an optional confidence band in a light tint of its colour, a dashed reference line, the legend
// beside the plot.
#include <algorithm>
#include <cmath>
#include <limits>

#include "vgs/core/error.h"
#include "vgs/report/frame.h"
#include "vgs/report/plot.h"

namespace vgs::report {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

bool has_band(const Curve& c) { return !c.lows.empty() || !c.highs.empty(); }

void validate_curve(const Curve& c, const std::string& where) {
  std::string curve = where + ": curve '" + c.name + "' has ";
  if (c.xs.size() != c.ys.size())
    throw Error(curve + count_of(c.xs.size(), "x", "xs") + " but " + count_of(c.ys.size(), "y", "ys"));
  if (has_band(c) && (c.lows.size() != c.xs.size() || c.highs.size() != c.xs.size()))
    throw Error(curve + count_of(c.lows.size(), "low", "lows") + " and " + count_of(c.highs.size(), "high", "highs") +
                " for " + count_of(c.xs.size(), "point", "points") + " (give both, one per point, or neither)");
  if (c.marker != ' ' && !known_marker(c.marker))
    throw Error(curve + "marker '" + std::string(1, c.marker) + "' (use o, ^, s, x, or ' ' for none)");
  if (c.colour < -1)
    throw Error(curve + "colour " + std::to_string(c.colour) + " (a palette index, or -1 for the next free one)");
}

void validate(const LinePlot& p, const std::string& where) {
  check_size(p.width, p.height, where);
  if (p.curves.empty()) throw Error(where + ": no curves");
  for (const auto& c : p.curves) validate_curve(c, where);
  if (std::isfinite(p.y_min) && std::isfinite(p.y_max) && p.y_max <= p.y_min)
    throw Error(where + ": y_max (" + shortest(p.y_max) + ") must be above y_min (" + shortest(p.y_min) + ")");
}

struct Range {
  double lo = kInf, hi = -kInf;
  void add(double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
};

// x: the points' range, in whole steps when every x is a whole number (layers, epochs).
Axis x_axis_of(const LinePlot& p) {
  Range r;
  bool whole = true;
  for (const auto& c : p.curves)
    for (double x : c.xs) {
      r.add(x);
      whole = whole && (!std::isfinite(x) || x == std::round(x));
    }
  return padded_axis(r.lo, r.hi, 0.03, 9, whole);
}

// y: curves, bands and the reference line; a given limit is kept as it is.
Axis y_axis_of(const LinePlot& p) {
  Range r;
  for (const auto& c : p.curves) {
    for (double y : c.ys) r.add(y);
    for (double y : c.lows) r.add(y);
    for (double y : c.highs) r.add(y);
  }
  r.add(p.reference_line);
  Axis automatic = padded_axis(r.lo, r.hi, 0.05, 7);
  if (!std::isfinite(p.y_min) && !std::isfinite(p.y_max)) return automatic;
  double lo = std::isfinite(p.y_min) ? p.y_min : std::min(automatic.lo, p.y_max - 1);
  double hi = std::isfinite(p.y_max) ? p.y_max : std::max(automatic.hi, p.y_min + 1);
  return axis_with_step(lo, hi, 1.0, printed_step(lo, hi, 1.0, 7));
}

// Runs of consecutive points where every given series is finite: a NaN breaks a line or band.
std::vector<std::vector<size_t>> finite_runs(size_t n, const std::vector<const std::vector<double>*>& series) {
  std::vector<std::vector<size_t>> runs(1);
  for (size_t i = 0; i < n; ++i) {
    bool ok = std::all_of(series.begin(), series.end(), [i](const auto* s) { return std::isfinite((*s)[i]); });
    if (ok)
      runs.back().push_back(i);
    else if (!runs.back().empty())
      runs.emplace_back();
  }
  return runs;
}

void draw_band(Canvas& canvas, const Curve& c, const Scale& x, const Scale& y, Rgb colour) {
  for (const auto& run : finite_runs(c.xs.size(), {&c.xs, &c.lows, &c.highs})) {
    if (run.size() < 2) continue;
    std::vector<Point> outline;
    for (size_t i : run) outline.push_back({x(c.xs[i]), y(c.highs[i])});
    for (auto it = run.rbegin(); it != run.rend(); ++it) outline.push_back({x(c.xs[*it]), y(c.lows[*it])});
    canvas.fill_polygon(outline, colour, 0.2);
  }
}

void draw_curve(Canvas& canvas, const Curve& c, const Scale& x, const Scale& y, Rgb colour, const Style& s) {
  for (const auto& run : finite_runs(c.xs.size(), {&c.xs, &c.ys})) {
    std::vector<Point> points;
    for (size_t i : run) points.push_back({x(c.xs[i]), y(c.ys[i])});
    canvas.stroke(points, colour, s.px(2.5));
    if (c.marker != ' ')
      for (const auto& point : points) draw_marker(canvas, point, c.marker, 4.5 * s.ui, colour, true, s.px(2));
  }
}

std::vector<LegendEntry> line_legend_entries(const LinePlot& p, const std::vector<int>& colours) {
  std::vector<LegendEntry> entries;
  for (size_t k = 0; k < p.curves.size(); ++k)
    entries.push_back({p.curves[k].name, palette_colour(colours[k]), Swatch::line, p.curves[k].marker, true});
  if (std::isfinite(p.reference_line))
    entries.push_back({p.reference_label.empty() ? shortest(p.reference_line) : p.reference_label, kReference,
                       Swatch::dashed});
  return entries;
}

void draw_data(Canvas& canvas, const LinePlot& p, const std::vector<int>& colours, const Scale& x, const Scale& y,
               const Style& s) {
  for (size_t k = 0; k < p.curves.size(); ++k)
    if (has_band(p.curves[k])) draw_band(canvas, p.curves[k], x, y, palette_colour(colours[k]));
  if (std::isfinite(p.reference_line))
    canvas.line({x.p0, std::round(y(p.reference_line))}, {x.p1, std::round(y(p.reference_line))}, kReference,
                2 * s.thin(), Dash::dashed);
  for (size_t k = 0; k < p.curves.size(); ++k) draw_curve(canvas, p.curves[k], x, y, palette_colour(colours[k]), s);
}

void draw_line_plot(Canvas& canvas, const LinePlot& p) {
  Style s = make_style(p.width, p.height);
  Axis x_axis = x_axis_of(p), y_axis = y_axis_of(p);
  std::vector<int> requested;
  for (const auto& c : p.curves) requested.push_back(c.colour);
  std::vector<int> colours = assign_colours(requested);
  Furniture f{p.title, p.x_label, p.y_label, widest_label(y_axis.labels, s.tick), s.tick, 0, 0, nullptr};
  Legend legend = arrange_legend(line_legend_entries(p, colours), plot_height(f, p.width, p.height, s),
                                 p.width * 2.0 / 5, s);
  f.legend = &legend;
  Rect plot = plot_rectangle(f, p.width, p.height, s);

  draw_horizontal_grid(canvas, y_axis, plot);
  draw_vertical_grid(canvas, x_axis, plot);
  canvas.clip_to(plot);  // bands and lines beyond given y limits stop at the plot's edge
  draw_data(canvas, p, colours, x_scale(x_axis, plot), y_scale(y_axis, plot), s);
  canvas.clip_to_page();
  draw_y_axis(canvas, y_axis, plot, s);
  draw_x_axis(canvas, x_axis, plot, s);
  draw_furniture(canvas, f, plot, s);
}

}  // namespace

void write_line_plot(const LinePlot& p, const std::string& path) {
  std::string where = path + ": " + describe("line plot", p.title);
  figure_format(path);
  validate(p, where);
  render_figure(path, where, p.title, p.width, p.height, [&](Canvas& canvas) { draw_line_plot(canvas, p); });
}

}  // namespace vgs::report
