// The shared furniture of the figures, drawn on a Canvas: axes, markers, legend, title and labels,
// and the checks of figure settings.
#include "vgs/report/frame.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>
#include <string_view>

#include "vgs/core/error.h"

namespace vgs::report {

namespace {

constexpr size_t kMaxLegendEntries = 40;
constexpr double kPi = 3.14159265358979323846;

}  // namespace

double Style::px(double at_1200x800) const { return std::max(1.0, at_1200x800 * ui); }

double Style::thin() const { return std::max(1.0, std::round(ui)); }

double crisp(double v) { return std::floor(v) + 0.5; }

Style make_style(int width, int height) {
  double ui = std::clamp(std::min(width / 1200.0, height / 800.0), 0.6, 4.0);
  auto size = [&](double at_1200x800) { return std::max(at_1200x800 * ui, 11.0); };
  return Style{ui, size(24), size(19), size(16), size(16), size(15)};
}

// ---- Axes -----------------------------------------------------------------------------------------

Scale x_scale(const Axis& a, const Rect& plot) { return {a.lo, a.hi, plot.x, plot.right()}; }
Scale y_scale(const Axis& a, const Rect& plot) { return {a.lo, a.hi, plot.bottom(), plot.y}; }

double widest_label(const std::vector<std::string>& labels, double size) {
  double w = 0;
  for (const auto& l : labels) w = std::max(w, text_width(l, size));
  return w;
}

void draw_y_axis(Canvas& canvas, const Axis& axis, const Rect& plot, const Style& s, bool right_side) {
  Scale y = y_scale(axis, plot);
  double tick = s.px(6), spine_x = right_side ? plot.right() - 0.5 : plot.x + 0.5;
  double outward = right_side ? tick : -tick;
  for (size_t i = 0; i < axis.ticks.size(); ++i) {
    double py = crisp(y(axis.ticks[i]));
    canvas.line({spine_x, py}, {spine_x + outward, py}, kSpine, s.thin());
    double label_x = spine_x + outward + (right_side ? s.px(6) : -s.px(6));
    canvas.text(axis.labels[i], {label_x, py}, s.tick, kTickText, right_side ? HAlign::left : HAlign::right);
  }
  canvas.line({spine_x, plot.y}, {spine_x, plot.bottom()}, kSpine, s.thin());
}

void draw_x_axis(Canvas& canvas, const Axis& axis, const Rect& plot, const Style& s) {
  Scale x = x_scale(axis, plot);
  double tick = s.px(6), spine_y = plot.bottom() - 0.5;
  for (size_t i = 0; i < axis.ticks.size(); ++i) {
    double px = crisp(x(axis.ticks[i]));
    canvas.line({px, spine_y}, {px, spine_y + tick}, kSpine, s.thin());
    canvas.text(axis.labels[i], {px, plot.bottom() + tick + s.px(6)}, s.tick, kTickText, HAlign::centre,
                VAlign::top);
  }
  canvas.line({plot.x, spine_y}, {plot.right(), spine_y}, kSpine, s.thin());
}

void draw_horizontal_grid(Canvas& canvas, const Axis& axis, const Rect& plot) {
  Scale y = y_scale(axis, plot);
  for (double t : axis.ticks) canvas.line({plot.x, crisp(y(t))}, {plot.right(), crisp(y(t))}, kGrid, 1.0);
}

void draw_vertical_grid(Canvas& canvas, const Axis& axis, const Rect& plot) {
  Scale x = x_scale(axis, plot);
  for (double t : axis.ticks) canvas.line({crisp(x(t)), plot.y}, {crisp(x(t)), plot.bottom()}, kGrid, 1.0);
}

// ---- Markers and colours ----------------------------------------------------------------------------

bool known_marker(char marker) { return marker != '\0' && std::string_view("o^sx").find(marker) != std::string_view::npos; }

namespace {

std::vector<Point> marker_outline(Point c, char marker, double r) {
  std::vector<Point> points;
  if (marker == '^') {
    double t = r * 1.25;  // a triangle's area reads smaller than a circle's of the same radius
    return {{c.x, c.y - t}, {c.x + t * 0.866, c.y + t * 0.5}, {c.x - t * 0.866, c.y + t * 0.5}};
  }
  if (marker == 's') {
    double h = r * 0.9;
    return {{c.x - h, c.y - h}, {c.x + h, c.y - h}, {c.x + h, c.y + h}, {c.x - h, c.y + h}};
  }
  for (int i = 0; i < 24; ++i) points.push_back({c.x + r * std::cos(2 * kPi * i / 24), c.y + r * std::sin(2 * kPi * i / 24)});
  return points;
}

}  // namespace

void draw_marker(Canvas& canvas, Point at, char marker, double radius, Rgb colour, bool filled, double line_width) {
  if (marker == 'x') {
    double h = radius * 0.9;
    canvas.line({at.x - h, at.y - h}, {at.x + h, at.y + h}, colour, line_width * 1.2);
    canvas.line({at.x - h, at.y + h}, {at.x + h, at.y - h}, colour, line_width * 1.2);
    return;
  }
  std::vector<Point> outline = marker_outline(at, marker, radius);
  if (filled) {
    canvas.fill_polygon(outline, colour);
    return;
  }
  outline.push_back(outline.front());
  canvas.stroke(outline, colour, line_width);
}

std::vector<int> assign_colours(const std::vector<int>& requested) {
  int size = palette_size();
  std::set<int> taken;
  for (int c : requested)
    if (c >= 0) taken.insert(c % size);
  std::vector<int> colours;
  int next = 0;
  for (int c : requested) {
    if (c >= 0) {
      colours.push_back(c);
      continue;
    }
    for (int tries = 0; tries < size && taken.count(next % size); ++tries) ++next;
    colours.push_back(next % size);
    taken.insert(next % size);
    ++next;
    if (static_cast<int>(taken.size()) == size) taken.clear();  // palette used up: cycle
  }
  return colours;
}

// ---- Legend -----------------------------------------------------------------------------------------

double Legend::width() const { return entries.empty() ? 0 : 2 * padding + columns * column_width; }
double Legend::height() const { return entries.empty() ? 0 : 2 * padding + rows * row_height; }

namespace {

// Keeps the first entries and sums up the rest in one line.
std::vector<LegendEntry> capped(std::vector<LegendEntry> entries) {
  if (entries.size() <= kMaxLegendEntries) return entries;
  size_t hidden = entries.size() - (kMaxLegendEntries - 1);
  entries.resize(kMaxLegendEntries - 1);
  entries.push_back({"... and " + std::to_string(hidden) + " more", kText, Swatch::none});
  return entries;
}

// Rows and columns at the legend's current font: as many rows as fit, the columns balanced.
void lay_out(Legend& legend, const std::vector<std::string>& labels, double max_height, const Style& s) {
  legend.row_height = std::max(legend.font * 1.55, s.px(16));
  int n = static_cast<int>(legend.entries.size());
  int fit_rows = std::max(1, static_cast<int>((max_height - 2 * legend.padding) / legend.row_height));
  legend.columns = (n + fit_rows - 1) / fit_rows;
  legend.rows = (n + legend.columns - 1) / legend.columns;
  legend.column_width = legend.swatch_width + s.px(8) + widest_label(labels, legend.font) + s.px(16);
}

}  // namespace

Legend arrange_legend(std::vector<LegendEntry> entries, double max_height, double max_width, const Style& s) {
  Legend legend;
  legend.entries = capped(std::move(entries));
  if (legend.entries.empty()) return legend;
  legend.padding = s.px(10);
  legend.swatch_width = s.px(30);
  std::vector<std::string> labels;
  for (const auto& e : legend.entries) labels.push_back(e.label);
  // Shrink the font until the columns fit; only then cut long names.
  double smallest = std::max(s.legend * 0.7, 10.0);
  for (legend.font = s.legend;; legend.font = std::max(smallest, legend.font * 0.92)) {
    lay_out(legend, labels, max_height, s);
    if (legend.width() <= max_width || legend.font <= smallest) break;
  }
  if (legend.width() > max_width) {
    double text_budget = (max_width - 2 * legend.padding) / legend.columns - legend.swatch_width - s.px(24);
    for (auto& e : legend.entries) e.label = fit_text(e.label, legend.font, std::max(text_budget, s.px(20)));
    legend.column_width = (max_width - 2 * legend.padding) / legend.columns;
  }
  return legend;
}

namespace {

void draw_swatch(Canvas& canvas, const LegendEntry& e, Point left_middle, const Legend& legend, const Style& s) {
  double w = legend.swatch_width, mid = left_middle.x + w / 2;
  switch (e.swatch) {
    case Swatch::box:
      canvas.fill_rect({mid - s.px(9), left_middle.y - s.px(6), s.px(18), s.px(12)}, e.colour);
      break;
    case Swatch::marker:
      draw_marker(canvas, {mid, left_middle.y}, e.marker, 5.5 * s.ui, e.colour, e.filled, s.px(2));
      break;
    case Swatch::line:
      canvas.line(left_middle, {left_middle.x + w, left_middle.y}, e.colour, s.px(2.5));
      if (known_marker(e.marker)) draw_marker(canvas, {mid, left_middle.y}, e.marker, 4.5 * s.ui, e.colour, e.filled, s.px(2));
      break;
    case Swatch::dashed:
      canvas.line(left_middle, {left_middle.x + w, left_middle.y}, e.colour, s.px(2), Dash::dashed);
      break;
    case Swatch::none:
      break;
  }
}

}  // namespace

void draw_legend(Canvas& canvas, const Legend& legend, Point top_left, const Style& s) {
  if (legend.entries.empty()) return;
  Rect box{top_left.x, top_left.y, legend.width(), legend.height()};
  canvas.fill_rect(box, kWhite);
  canvas.stroke({{box.x, box.y}, {box.right(), box.y}, {box.right(), box.bottom()}, {box.x, box.bottom()}, {box.x, box.y}},
                kLegendFrame, 1.0);
  for (size_t i = 0; i < legend.entries.size(); ++i) {
    const auto& e = legend.entries[i];
    int column = static_cast<int>(i) / legend.rows, row = static_cast<int>(i) % legend.rows;
    double x = box.x + legend.padding + column * legend.column_width;
    double y = box.y + legend.padding + (row + 0.5) * legend.row_height;
    bool text_only = e.swatch == Swatch::none;
    if (!text_only) draw_swatch(canvas, e, {x, y}, legend, s);
    double text_x = text_only ? x : x + legend.swatch_width + s.px(8);
    canvas.text(e.label, {text_x, y}, legend.font, text_only ? kTickText : kText);
  }
}

// ---- Frame ------------------------------------------------------------------------------------------

Rect plot_rectangle(const Furniture& f, int width, int height, const Style& s) {
  double margin = s.px(24);
  double top = margin + f.top_headroom + (f.title.empty() ? 0 : s.title + s.px(22));
  double bottom = margin + f.x_tick_height + s.px(6 + 8) + (f.x_label.empty() ? 0 : s.label + s.px(18));
  double left = margin + f.y_tick_width + s.px(6 + 8) + (f.y_label.empty() ? 0 : s.label + s.px(16));
  double right = margin + f.right_extra +
                 (f.legend && !f.legend->entries.empty() ? f.legend->width() + s.px(24) : 0);
  // Whole pixels, so that spines and cells are crisp.
  left = std::round(left), top = std::round(top), right = std::round(right), bottom = std::round(bottom);
  return Rect{left, top, std::max(1.0, width - left - right), std::max(1.0, height - top - bottom)};
}

double plot_height(const Furniture& f, int width, int height, const Style& s) {
  Furniture without_legend = f;
  without_legend.legend = nullptr;
  return plot_rectangle(without_legend, width, height, s).height;
}

void draw_furniture(Canvas& canvas, const Furniture& f, const Rect& plot, const Style& s) {
  double margin = s.px(24), page_width = canvas.width() - 2 * margin;
  if (!f.title.empty()) {
    // Centred over the plot when it fits there, else over the page; shortened when even that is narrow.
    double title_width = text_width(f.title, s.title);
    double centre = title_width <= plot.width ? plot.centre_x() : canvas.width() / 2.0;
    canvas.text(fit_text(f.title, s.title, page_width), {centre, margin}, s.title, kText, HAlign::centre, VAlign::top);
  }
  if (!f.x_label.empty())
    canvas.text(fit_text(f.x_label, s.label, page_width),
                {plot.centre_x(), plot.bottom() + f.x_tick_height + s.px(6 + 8 + 12)}, s.label, kText, HAlign::centre,
                VAlign::top);
  if (!f.y_label.empty())
    canvas.text(fit_text(f.y_label, s.label, canvas.height() - 2 * margin), {margin + s.label / 2, plot.centre_y()},
                s.label, kText, HAlign::centre, VAlign::middle, true);
  if (f.legend) draw_legend(canvas, *f.legend, {plot.right() + f.right_extra + s.px(24), plot.y}, s);
}

// ---- Checks -----------------------------------------------------------------------------------------

std::string describe(const std::string& kind, const std::string& title) {
  return title.empty() ? kind : kind + " '" + title + "'";
}

void check_size(int width, int height, const std::string& where) {
  std::string size = std::to_string(width) + "x" + std::to_string(height);
  if (width < 320 || height < 240) throw Error(where + ": size " + size + " is too small (at least 320x240)");
  if (width > 8000 || height > 8000) throw Error(where + ": size " + size + " is too large (at most 8000x8000)");
}

bool is_double_format(const std::string& format) {
  int conversions = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (i + 1 < format.size() && format[i + 1] == '%') {
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < format.size() && std::string_view("-+ #0").find(format[j]) != std::string_view::npos) ++j;
    while (j < format.size() && std::isdigit(static_cast<unsigned char>(format[j]))) ++j;
    if (j < format.size() && format[j] == '.')
      for (++j; j < format.size() && std::isdigit(static_cast<unsigned char>(format[j]));) ++j;
    if (j >= format.size() || std::string_view("fFeEgGaA").find(format[j]) == std::string_view::npos) return false;
    ++conversions;
    i = j;
  }
  return conversions == 1;
}

std::string format_double(const std::string& format, double v) {
  char buffer[128];
  std::snprintf(buffer, sizeof buffer, format.c_str(), v);
  return buffer;
}

std::string count_of(size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace vgs::report
