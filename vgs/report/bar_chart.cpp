// The grouped bar chart: one group per category, one bar per series, error bars, each value printed
// beyond its bar, a dashed reference line (chance) and the legend beside the plot.
#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "vgs/core/error.h"
#include "vgs/report/frame.h"
#include "vgs/report/plot.h"

namespace vgs::report {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void validate(const BarChart& chart, const std::string& where) {
  check_size(chart.width, chart.height, where);
  if (chart.categories.empty()) throw Error(where + ": no categories");
  if (chart.series.empty()) throw Error(where + ": no series");
  size_t n = chart.categories.size();
  for (const auto& series : chart.series) {
    if (series.values.size() != n)
      throw Error(where + ": series '" + series.name + "' has " + count_of(series.values.size(), "value", "values") +
                  " for " + count_of(n, "category", "categories"));
    if (!series.errors.empty() && series.errors.size() != n)
      throw Error(where + ": series '" + series.name + "' has " + count_of(series.errors.size(), "error", "errors") +
                  " for " + count_of(n, "category", "categories") + " (give one per category, or none)");
  }
  if (!is_double_format(chart.value_format))
    throw Error(where + ": value_format '" + chart.value_format + "' must hold one floating-point conversion such as %.1f");
  if (!std::isfinite(chart.value_scale) || chart.value_scale <= 0)
    throw Error(where + ": value_scale must be a positive number");
  if (std::isfinite(chart.y_min) && std::isfinite(chart.y_max) && chart.y_max <= chart.y_min)
    throw Error(where + ": y_max (" + shortest(chart.y_max) + ") must be above y_min (" + shortest(chart.y_min) +
                ")");
}

std::string format_value(const BarChart& chart, double v) { return format_double(chart.value_format, v * chart.value_scale); }

double error_at(const BarSeries& series, size_t i) {
  if (series.errors.empty() || !std::isfinite(series.errors[i])) return 0;
  return std::fabs(series.errors[i]);
}

// Lowest and highest data the axis must show: bars with their error bars, and the reference line.
std::pair<double, double> bar_data_range(const BarChart& chart) {
  double lo = kInf, hi = -kInf;
  for (const auto& series : chart.series)
    for (size_t i = 0; i < series.values.size(); ++i) {
      double v = series.values[i];
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v - error_at(series, i));
      hi = std::max(hi, v + error_at(series, i));
    }
  if (std::isfinite(chart.reference_line)) {
    lo = std::min(lo, chart.reference_line);
    hi = std::max(hi, chart.reference_line);
  }
  return {lo, hi};
}

// Span given to a flat range's automatic end (all bars equal, or none to show).
double flat_span(double v) { return v == 0 ? 1.0 : std::fabs(v) * 0.2; }

// The value axis: given limits are kept; automatic ones include zero (bars start there) and are
// rounded out to a tick, with a little headroom so the value labels stay inside the plot.
Axis bar_axis(const BarChart& chart) {
  auto [data_lo, data_hi] = bar_data_range(chart);
  bool auto_lo = !std::isfinite(chart.y_min), auto_hi = !std::isfinite(chart.y_max);
  double lo = auto_lo ? std::min(0.0, std::isfinite(data_lo) ? data_lo : 0.0) : chart.y_min;
  double hi = auto_hi ? std::max(0.0, std::isfinite(data_hi) ? data_hi : 0.0) : chart.y_max;
  if (!(hi > lo)) {  // flat: open up only the automatic end(s)
    if (auto_lo && auto_hi)
      std::tie(lo, hi) = widen_if_flat(lo, hi);
    else if (auto_hi)
      hi = lo + flat_span(lo);
    else
      lo = hi - flat_span(hi);
  }
  double span = hi - lo;
  bool has_data = std::isfinite(data_hi);  // without data there are no labels to make room for
  if (has_data && auto_hi) hi += 0.035 * span;
  if (has_data && auto_lo && lo < 0) lo -= 0.035 * span;
  double scale = chart.value_scale;
  Step step = printed_step(lo, hi, scale, 6);
  // Round the automatic ends out to the step (in printed units), so the axis ends on a tick.
  if (auto_lo) lo = step.times(std::floor(lo * scale / step.value() + 1e-9)) / scale;
  if (auto_hi) hi = step.times(std::ceil(hi * scale / step.value() - 1e-9)) / scale;
  return axis_with_step(lo, hi, scale, step);
}

struct BarGeometry {
  double group_width, bar_width, gap;
  double bar_left(const Rect& plot, size_t category, size_t series, size_t n_series) const {
    double group_left = plot.x + group_width * category + (group_width - n_series * bar_width) / 2;
    return group_left + series * bar_width;
  }
};

BarGeometry bar_geometry(const Rect& plot, size_t n_categories, size_t n_series) {
  BarGeometry g{};
  g.group_width = plot.width / n_categories;
  g.bar_width = g.group_width * 0.8 / n_series;
  g.gap = std::min(4.0, g.bar_width * 0.1);  // white seam between touching bars
  return g;
}

void draw_error_bar(Canvas& canvas, double centre, double value, double error, const Scale& y, const Rect& plot,
                    double bar_width, const Style& s) {
  auto clamp_y = [&](double v) { return std::clamp(y(v), plot.y, plot.bottom()); };
  double top = clamp_y(value + error), bottom = clamp_y(value - error);
  double cap = std::clamp(bar_width * 0.18, 3.0 * s.ui, 10.0 * s.ui), t = s.px(1.6);
  canvas.line({centre, top}, {centre, bottom}, kErrorBar, t);
  canvas.line({centre - cap, top}, {centre + cap, top}, kErrorBar, t);
  canvas.line({centre - cap, bottom}, {centre + cap, bottom}, kErrorBar, t);
}

struct BarContext {
  const BarChart& chart;
  const BarGeometry& g;
  const Scale& y;
  const Rect& plot;
  double value_font;
  const Style& s;
};

// One bar (clipped to the plot), its error bar and the value printed beyond its end.
void draw_bar(Canvas& canvas, const BarContext& c, const BarSeries& series, size_t i, double left, Rgb colour) {
  double v = series.values[i], width = c.g.bar_width, centre = left + width / 2;
  double baseline = std::clamp(0.0, c.y.lo, c.y.hi);
  if (!std::isfinite(v)) {
    canvas.text("n/a", {centre, c.y(baseline) - c.s.px(6)}, c.value_font, kMissing, HAlign::centre, VAlign::bottom);
    return;
  }
  double y_value = c.y(std::clamp(v, c.y.lo, c.y.hi)), y_base = c.y(baseline);
  if (std::fabs(y_value - y_base) >= 0.5) {
    canvas.clip_to(c.plot);
    canvas.fill_rect({left + c.g.gap / 2, std::min(y_value, y_base), width - c.g.gap, std::fabs(y_value - y_base)},
                     colour);
    canvas.clip_to_page();
  }
  double e = error_at(series, i);
  if (e > 0) draw_error_bar(canvas, centre, v, e, c.y, c.plot, width, c.s);
  std::string text = format_value(c.chart, v);
  if (v >= baseline) {
    double end = std::clamp(c.y(v + e), c.plot.y, c.plot.bottom());
    canvas.text(text, {centre, end - c.s.px(6)}, c.value_font, kText, HAlign::centre, VAlign::bottom);
  } else {
    double end = std::clamp(c.y(v - e), c.plot.y, c.plot.bottom());
    canvas.text(text, {centre, end + c.s.px(6)}, c.value_font, kText, HAlign::centre, VAlign::top);
  }
}

// The value font: as large as the style allows while the widest value fits its bar and the seam.
double value_font(const BarChart& chart, const BarGeometry& g, const Style& s) {
  double widest = 0;
  for (const auto& series : chart.series)
    for (double v : series.values) widest = std::max(widest, text_width(std::isfinite(v) ? format_value(chart, v) : "n/a", 1.0));
  double room = g.bar_width + g.gap;
  return std::clamp(room / std::max(widest, 1e-9), std::max(8.0, s.value * 0.6), s.value);
}

void draw_bars(Canvas& canvas, const BarChart& chart, const Axis& axis, const Rect& plot, const Style& s) {
  size_t n_series = chart.series.size();
  BarGeometry g = bar_geometry(plot, chart.categories.size(), n_series);
  Scale y = y_scale(axis, plot);
  BarContext context{chart, g, y, plot, value_font(chart, g, s), s};
  for (size_t c = 0; c < chart.categories.size(); ++c)
    for (size_t k = 0; k < n_series; ++k)
      draw_bar(canvas, context, chart.series[k], c, g.bar_left(plot, c, k, n_series), palette_colour(static_cast<int>(k)));
}

void draw_reference_line(Canvas& canvas, const BarChart& chart, const Axis& axis, const Rect& plot, const Style& s) {
  double v = chart.reference_line;
  if (!std::isfinite(v) || v < axis.lo || v > axis.hi) return;
  double py = std::round(y_scale(axis, plot)(v));  // two pixels wide: whole rows either side
  canvas.line({plot.x, py}, {plot.right(), py}, kReference, 2 * s.thin(), Dash::dashed);
}

// A line at zero when the axis spans negative values, so bars visibly start there.
void draw_zero_line(Canvas& canvas, const Axis& axis, const Rect& plot, const Style& s) {
  if (!(axis.lo < 0 && axis.hi > 0)) return;
  double py = crisp(y_scale(axis, plot)(0));
  canvas.line({plot.x, py}, {plot.right(), py}, kSpine, s.thin());
}

// Category font: shrunk until the widest name fits its group (then names are shortened).
double category_font(const BarChart& chart, double group_width, const Style& s) {
  double widest = widest_label(chart.categories, 1.0);
  return std::clamp(group_width * 0.95 / std::max(widest, 1e-9), std::max(10.0, s.tick * 0.7), s.tick);
}

void draw_categories(Canvas& canvas, const BarChart& chart, const Rect& plot, double font, const Style& s) {
  double group = plot.width / chart.categories.size();
  double room = std::max(s.px(10), group * 0.95);
  for (size_t c = 0; c < chart.categories.size(); ++c)
    canvas.text(fit_text(chart.categories[c], font, room), {plot.x + group * (c + 0.5), plot.bottom() + s.px(6 + 8)},
                font, kTickText, HAlign::centre, VAlign::top);
}

std::vector<LegendEntry> bar_legend_entries(const BarChart& chart) {
  std::vector<LegendEntry> entries;
  for (size_t k = 0; k < chart.series.size(); ++k)
    entries.push_back({chart.series[k].name, palette_colour(static_cast<int>(k)), Swatch::box});
  if (std::isfinite(chart.reference_line)) {
    std::string label = chart.reference_label.empty() ? format_number(chart.reference_line * chart.value_scale, 3)
                                                      : chart.reference_label;
    entries.push_back({label, kReference, Swatch::dashed});
  }
  return entries;
}

void draw_bar_chart(Canvas& canvas, const BarChart& chart) {
  Style s = make_style(chart.width, chart.height);
  Axis axis = bar_axis(chart);
  // Category labels shrink to the group width; the group width depends on the legend, so estimate
  // it from the whole figure first (the legend rarely takes more than a third).
  double categories = category_font(chart, chart.width * 0.6 / chart.categories.size(), s);
  Furniture f{chart.title, "", chart.y_label, widest_label(axis.labels, s.tick), categories, s.px(8), 0, nullptr};
  Legend legend = arrange_legend(bar_legend_entries(chart), plot_height(f, chart.width, chart.height, s),
                                 chart.width * 2.0 / 5, s);
  f.legend = &legend;
  Rect plot = plot_rectangle(f, chart.width, chart.height, s);

  draw_horizontal_grid(canvas, axis, plot);
  draw_bars(canvas, chart, axis, plot, s);
  draw_zero_line(canvas, axis, plot, s);
  draw_reference_line(canvas, chart, axis, plot, s);
  draw_y_axis(canvas, axis, plot, s);
  canvas.line({plot.x, plot.bottom() - 0.5}, {plot.right(), plot.bottom() - 0.5}, kSpine, s.thin());
  draw_categories(canvas, chart, plot, categories, s);
  draw_furniture(canvas, f, plot, s);
}

}  // namespace

void write_bar_chart(const BarChart& chart, const std::string& path) {
  std::string where = path + ": " + describe("bar chart", chart.title);
  figure_format(path);
  validate(chart, where);
  render_figure(path, where, chart.title, chart.width, chart.height, [&](Canvas& canvas) { draw_bar_chart(canvas, chart); });
}

}  // namespace vgs::report
