// Report figures drawn with OpenCV: a small canvas layer (text, axes, markers, legend) shared by the
// grouped bar chart and the scatter plot, which only decide what goes where.
#include "vgs/report/plot.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <set>
#include <string_view>
#include <utility>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"

namespace vgs::report {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Okabe & Ito (2008): distinguishable with every common colour-vision deficiency. Yellow is last
// because it is faint on white; black comes before it as it stays legible.
constexpr Rgb kPalette[] = {
    {0, 114, 178},    // blue
    {230, 159, 0},    // orange
    {0, 158, 115},    // bluish green
    {213, 94, 0},     // vermillion
    {204, 121, 167},  // reddish purple
    {86, 180, 233},   // sky blue
    {0, 0, 0},        // black
    {240, 228, 66},   // yellow
};
constexpr int kPaletteSize = static_cast<int>(sizeof(kPalette) / sizeof(kPalette[0]));

// Greys of the figure furniture (BGR = RGB for greys).
const cv::Scalar kWhite(255, 255, 255);
const cv::Scalar kText(34, 34, 34);
const cv::Scalar kTickText(70, 70, 70);
const cv::Scalar kSpine(90, 90, 90);
const cv::Scalar kGrid(232, 232, 232);
const cv::Scalar kLegendFrame(204, 204, 204);
const cv::Scalar kErrorBar(30, 30, 30);
const cv::Scalar kReference(85, 85, 85);
const cv::Scalar kMissing(150, 150, 150);

// Legends longer than this end with "... and N more": a legend nobody can scan helps no one.
constexpr size_t kMaxLegendEntries = 40;

cv::Scalar bgr(const Rgb& c) { return cv::Scalar(c.b, c.g, c.r); }

// ---- Text -----------------------------------------------------------------------------------------

struct Font {
  int face;
  double scale;
  int thickness;
};

enum class HAlign { left, centre, right };
enum class VAlign { top, middle, baseline };

// Hershey fonts only have ASCII glyphs. OpenCV would draw one '?' per byte of a UTF-8 character;
// one '?' per character keeps "caf?" as long as "cafe".
std::string ascii_only(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 32 && c < 127)
      out += static_cast<char>(c);
    else if ((c & 0xC0) != 0x80)  // not a UTF-8 continuation byte
      out += '?';
  }
  return out;
}

cv::Size text_size(const std::string& s, const Font& f) {
  int baseline = 0;
  return cv::getTextSize(s, f.face, f.scale, f.thickness, &baseline);
}

// Cap height of the font: the height used to centre and stack lines of text.
int line_height(const Font& f) { return text_size("Ag", f).height; }

void draw_text(cv::Mat& image, const std::string& s, cv::Point at, const Font& f, const cv::Scalar& colour,
               HAlign h = HAlign::left, VAlign v = VAlign::baseline) {
  std::string text = ascii_only(s);
  cv::Size size = text_size(text, f);
  int x = at.x - (h == HAlign::centre ? size.width / 2 : h == HAlign::right ? size.width : 0);
  int y = at.y + (v == VAlign::top ? size.height : v == VAlign::middle ? size.height / 2 : 0);
  cv::putText(image, text, {x, y}, f.face, f.scale, colour, f.thickness, cv::LINE_AA);
}

// Text turned 90 degrees anticlockwise (a y-axis label), centred on `centre`. OpenCV cannot rotate
// text, so it is drawn on a white strip, rotated, and darkened into the figure (text is dark on white).
void draw_text_vertical(cv::Mat& image, const std::string& s, cv::Point centre, const Font& f,
                        const cv::Scalar& colour) {
  std::string text = ascii_only(s);
  int baseline = 0;
  cv::Size size = cv::getTextSize(text, f.face, f.scale, f.thickness, &baseline);
  cv::Mat strip(size.height + baseline + 4, size.width + 4, CV_8UC3, kWhite);
  cv::putText(strip, text, {2, size.height + 2}, f.face, f.scale, colour, f.thickness, cv::LINE_AA);
  cv::Mat turned;
  cv::rotate(strip, turned, cv::ROTATE_90_COUNTERCLOCKWISE);
  cv::Rect target(centre.x - turned.cols / 2, centre.y - turned.rows / 2, turned.cols, turned.rows);
  cv::Rect visible = target & cv::Rect(0, 0, image.cols, image.rows);
  if (visible.empty()) return;
  cv::Mat destination = image(visible);
  cv::min(destination, turned(visible - target.tl()), destination);
}

// Shortens `s` with "..." until it fits `max_width` pixels.
std::string fit_text(const std::string& s, const Font& f, int max_width) {
  std::string text = ascii_only(s);
  if (text_size(text, f).width <= max_width) return text;
  while (!text.empty() && text_size(text + "...", f).width > max_width) text.pop_back();
  return text + "...";
}

// Largest scale (at most f's, at least min_scale) at which the widest of `texts` fits max_width.
Font shrink_to_fit(Font f, const std::vector<std::string>& texts, int max_width, double min_scale) {
  auto widest = [&] {
    int w = 0;
    for (const auto& t : texts) w = std::max(w, text_size(ascii_only(t), f).width);
    return w;
  };
  while (f.scale > min_scale && widest() > max_width) f.scale = std::max(min_scale, f.scale * 0.9);
  return f;
}

// ---- Style ----------------------------------------------------------------------------------------

// Sizes scale with the figure so a 2400x1600 figure looks like an enlarged 1200x800 one.
struct Style {
  double ui;
  Font title, label, tick, legend, value;
  int px(double at_1200x800) const { return std::max(1, cvRound(at_1200x800 * ui)); }
  // Lower bound when shrinking text to fit: scaled with the figure, but never below legibility.
  double smallest(double at_1200x800) const { return std::max(at_1200x800 * ui, 0.3); }
};

Style make_style(int width, int height) {
  double ui = std::clamp(std::min(width / 1200.0, height / 800.0), 0.6, 4.0);
  int thin = std::max(1, cvRound(ui));
  // Hershey text below ~0.35 is unreadable, so small figures keep a floor on the font size.
  auto size = [&](double at_1200x800, double floor) { return std::max(at_1200x800 * ui, floor); };
  Style s{ui, {}, {}, {}, {}, {}};
  s.title = {cv::FONT_HERSHEY_DUPLEX, size(0.95, 0.6), std::max(1, cvRound(1.4 * ui))};
  s.label = {cv::FONT_HERSHEY_DUPLEX, size(0.68, 0.45), thin};
  s.tick = {cv::FONT_HERSHEY_SIMPLEX, size(0.55, 0.4), thin};
  s.legend = {cv::FONT_HERSHEY_SIMPLEX, size(0.55, 0.4), thin};
  s.value = {cv::FONT_HERSHEY_SIMPLEX, size(0.5, 0.38), thin};
  return s;
}

// ---- Axes -----------------------------------------------------------------------------------------

// A linear axis: data range, tick positions and their printed labels. `scale` maps data to the
// printed units (value_scale), so ticks are round numbers in what the reader sees.
struct Axis {
  double lo = 0, hi = 1;
  std::vector<double> ticks;  // data units
  std::vector<std::string> labels;
};

// A tick step m x 10^e with m in {1, 2, 5}; kept symbolic so ticks and decimals come out exact.
struct Step {
  int m = 1, e = 0;
  // k steps, computed so that 3 x 0.2 is the double nearest 0.6, not 0.6000000000000001.
  double times(double k) const {
    double v = e >= 0 ? k * m * std::pow(10.0, e) : k * m / std::pow(10.0, -e);
    return v == 0 ? 0.0 : v;  // no -0
  }
  double value() const { return times(1); }
  int decimals() const { return e >= 0 ? 0 : -e; }  // 0.2 -> 1, 0.05 -> 2, 5 -> 0
};

// Widens an empty range around its value, so that all-equal data still gets a readable axis.
std::pair<double, double> widen_if_flat(double lo, double hi) {
  double magnitude = std::max({1.0, std::fabs(lo), std::fabs(hi)});
  if (hi - lo > 1e-12 * magnitude) return {lo, hi};
  double mid = (lo + hi) / 2;
  double half = mid == 0 ? 1.0 : std::fabs(mid) * 0.1;
  return {mid - half, mid + half};
}

// Index range of the multiples of `step` inside [lo, hi] (a hair of tolerance for rounding).
std::pair<double, double> multiples_between(double lo, double hi, const Step& step) {
  return {std::ceil(lo / step.value() - 1e-9), std::floor(hi / step.value() + 1e-9)};
}

// The finest step giving at most max_ticks ticks in [lo, hi] (lo < hi, both finite).
Step nice_step(double lo, double hi, int max_ticks) {
  double rough = (hi - lo) / max_ticks;
  if (!std::isfinite(rough) || rough <= 0) return Step{1, 307};  // absurd ranges: no crash
  // Start a decade below the rough step (certainly too fine) and walk up 1, 2, 5, 10, 20, ...
  int decade = static_cast<int>(std::floor(std::log10(rough))) - 1;
  for (int e = decade; e < decade + 4; ++e)
    for (int m : {1, 2, 5}) {
      Step step{m, e};
      auto [first, last] = multiples_between(lo, hi, step);
      if (last - first + 1 <= max_ticks) return step;
    }
  return Step{1, decade + 4};  // not reached: ten times the rough step always fits
}

std::vector<double> ticks_with_step(double lo, double hi, const Step& step) {
  auto [first, last] = multiples_between(lo, hi, step);
  std::vector<double> ticks;
  for (double k = first; k <= last; ++k) ticks.push_back(step.times(k));
  return ticks;
}

std::string format_number(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  std::string s = buffer;
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);  // no "-0.0"
  return s;
}

// A number in an error message: as given, without trailing zeros ("0.5", "1e-07").
std::string shortest(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

// An axis over [lo, hi] (data units) with ticks every `step` of the printed units (data x scale).
Axis axis_with_step(double lo, double hi, double scale, const Step& step) {
  Axis axis;
  axis.lo = lo;
  axis.hi = hi;
  double a = lo * scale, b = hi * scale;
  for (double t : ticks_with_step(std::min(a, b), std::max(a, b), step)) {
    axis.ticks.push_back(t / scale);
    axis.labels.push_back(format_number(t, step.decimals()));
  }
  return axis;
}

// The printed-units step for an axis over [lo, hi] data units.
Step printed_step(double lo, double hi, double scale, int max_ticks) {
  double a = lo * scale, b = hi * scale;
  return nice_step(std::min(a, b), std::max(a, b), std::max(max_ticks, 2));
}

// Maps data values to pixels along one side of the plot rectangle.
struct Scale {
  double lo, hi;
  double p0, p1;  // pixel positions of lo and hi (p1 < p0 on the y axis)
  double operator()(double v) const { return p0 + (v - lo) / (hi - lo) * (p1 - p0); }
  int at(double v) const { return cvRound((*this)(v)); }
};

Scale x_scale(const Axis& a, const cv::Rect& plot) { return {a.lo, a.hi, double(plot.x), double(plot.br().x - 1)}; }
Scale y_scale(const Axis& a, const cv::Rect& plot) { return {a.lo, a.hi, double(plot.br().y - 1), double(plot.y)}; }

int widest_label(const std::vector<std::string>& labels, const Font& f) {
  int w = 0;
  for (const auto& l : labels) w = std::max(w, text_size(l, f).width);
  return w;
}

void draw_horizontal_grid(cv::Mat& image, const Axis& axis, const cv::Rect& plot) {
  Scale y = y_scale(axis, plot);
  for (double t : axis.ticks) cv::line(image, {plot.x, y.at(t)}, {plot.br().x - 1, y.at(t)}, kGrid, 1, cv::LINE_AA);
}

void draw_vertical_grid(cv::Mat& image, const Axis& axis, const cv::Rect& plot) {
  Scale x = x_scale(axis, plot);
  for (double t : axis.ticks) cv::line(image, {x.at(t), plot.y}, {x.at(t), plot.br().y - 1}, kGrid, 1, cv::LINE_AA);
}

// Left spine with outward ticks and right-aligned labels.
void draw_y_axis(cv::Mat& image, const Axis& axis, const cv::Rect& plot, const Style& s) {
  Scale y = y_scale(axis, plot);
  int tick = s.px(6);
  for (size_t i = 0; i < axis.ticks.size(); ++i) {
    int py = y.at(axis.ticks[i]);
    cv::line(image, {plot.x - tick, py}, {plot.x, py}, kSpine, 1, cv::LINE_AA);
    draw_text(image, axis.labels[i], {plot.x - tick - s.px(6), py}, s.tick, kTickText, HAlign::right, VAlign::middle);
  }
  cv::line(image, {plot.x, plot.y}, {plot.x, plot.br().y - 1}, kSpine, 1, cv::LINE_AA);
}

// Bottom spine with outward ticks and centred labels.
void draw_x_axis(cv::Mat& image, const Axis& axis, const cv::Rect& plot, const Style& s) {
  Scale x = x_scale(axis, plot);
  int tick = s.px(6), bottom = plot.br().y - 1;
  for (size_t i = 0; i < axis.ticks.size(); ++i) {
    int px = x.at(axis.ticks[i]);
    cv::line(image, {px, bottom}, {px, bottom + tick}, kSpine, 1, cv::LINE_AA);
    draw_text(image, axis.labels[i], {px, bottom + tick + s.px(8)}, s.tick, kTickText, HAlign::centre, VAlign::top);
  }
  cv::line(image, {plot.x, bottom}, {plot.br().x - 1, bottom}, kSpine, 1, cv::LINE_AA);
}

// A dashed segment; OpenCV only draws solid lines.
void draw_dashed_line(cv::Mat& image, cv::Point2d a, cv::Point2d b, const cv::Scalar& colour, int thickness,
                      double dash, double gap) {
  double length = cv::norm(b - a);
  if (length <= 0) return;
  cv::Point2d unit = (b - a) / length;
  for (double t = 0; t < length; t += dash + gap) {
    cv::Point2d from = a + unit * t, to = a + unit * std::min(t + dash, length);
    cv::line(image, cv::Point(cvRound(from.x), cvRound(from.y)), cv::Point(cvRound(to.x), cvRound(to.y)), colour,
             thickness, cv::LINE_AA);
  }
}

// ---- Markers --------------------------------------------------------------------------------------

// Sub-pixel drawing (coordinates in 1/16 px) keeps small anti-aliased markers round and centred.
constexpr int kShift = 4;
constexpr double kSub = 1 << kShift;

cv::Point sub(double x, double y) { return {cvRound(x * kSub), cvRound(y * kSub)}; }

void draw_polygon(cv::Mat& image, const std::vector<cv::Point>& corners, const cv::Scalar& colour, bool filled,
                  int thickness) {
  if (filled)
    cv::fillPoly(image, std::vector<std::vector<cv::Point>>{corners}, colour, cv::LINE_AA, kShift);
  else
    cv::polylines(image, std::vector<std::vector<cv::Point>>{corners}, true, colour, thickness, cv::LINE_AA, kShift);
}

// One marker of radius r centred on (x, y); the shapes are sized to look equally big.
void draw_marker(cv::Mat& image, double x, double y, char marker, double r, const cv::Scalar& colour, bool filled,
                 int thickness) {
  switch (marker) {
    case '^':
      draw_polygon(image, {sub(x, y - 1.25 * r), sub(x - 1.15 * r, y + 0.75 * r), sub(x + 1.15 * r, y + 0.75 * r)},
                   colour, filled, thickness);
      break;
    case 's': {
      double h = 0.9 * r;
      draw_polygon(image, {sub(x - h, y - h), sub(x + h, y - h), sub(x + h, y + h), sub(x - h, y + h)}, colour, filled,
                   thickness);
      break;
    }
    case 'x': {
      double h = 0.85 * r;
      int t = std::max(thickness, 2);
      cv::line(image, sub(x - h, y - h), sub(x + h, y + h), colour, t, cv::LINE_AA, kShift);
      cv::line(image, sub(x - h, y + h), sub(x + h, y - h), colour, t, cv::LINE_AA, kShift);
      break;
    }
    default:
      cv::circle(image, sub(x, y), cvRound(r * kSub), colour, filled ? cv::FILLED : thickness, cv::LINE_AA, kShift);
  }
}

// ---- Legend ---------------------------------------------------------------------------------------

enum class Swatch { box, marker, dashed, none };

struct LegendEntry {
  std::string label;
  cv::Scalar colour;
  Swatch swatch = Swatch::box;
  char marker = 'o';
  bool filled = true;
};

// Entries in columns (filled top to bottom, then left to right) inside a framed box.
struct Legend {
  std::vector<LegendEntry> entries;
  Font font{};
  int rows = 0, columns = 0, row_height = 0, column_width = 0, swatch_width = 0, padding = 0;
  cv::Size size() const {
    if (entries.empty()) return {0, 0};
    return {2 * padding + columns * column_width, 2 * padding + rows * row_height};
  }
};

// Keeps the first entries and sums up the rest in one line.
std::vector<LegendEntry> capped(std::vector<LegendEntry> entries) {
  if (entries.size() <= kMaxLegendEntries) return entries;
  size_t hidden = entries.size() - (kMaxLegendEntries - 1);
  entries.resize(kMaxLegendEntries - 1);
  entries.push_back({"... and " + std::to_string(hidden) + " more", kText, Swatch::none});
  return entries;
}

Legend arrange_legend(std::vector<LegendEntry> entries, int max_height, int max_width, const Style& s) {
  Legend legend;
  legend.entries = capped(std::move(entries));
  if (legend.entries.empty()) return legend;
  legend.padding = s.px(10);
  legend.swatch_width = s.px(28);
  std::vector<std::string> labels;
  for (const auto& e : legend.entries) labels.push_back(ascii_only(e.label));
  legend.font = s.legend;
  // Shrink the font until the columns fit; only then cut long names.
  for (;;) {
    legend.row_height = std::max(line_height(legend.font) * 2, s.px(16));
    int n = static_cast<int>(legend.entries.size());
    int fit_rows = std::max(1, (max_height - 2 * legend.padding) / legend.row_height);
    legend.columns = (n + fit_rows - 1) / fit_rows;
    legend.rows = (n + legend.columns - 1) / legend.columns;  // balance the columns
    int text_width = widest_label(labels, legend.font);
    legend.column_width = legend.swatch_width + s.px(8) + text_width + s.px(16);
    if (legend.size().width <= max_width || legend.font.scale <= s.smallest(0.36)) break;
    legend.font.scale *= 0.9;
  }
  if (legend.size().width > max_width) {
    int text_budget = (max_width - 2 * legend.padding) / legend.columns - legend.swatch_width - s.px(24);
    for (auto& e : legend.entries) e.label = fit_text(e.label, legend.font, std::max(text_budget, s.px(20)));
    legend.column_width = (max_width - 2 * legend.padding) / legend.columns;
  }
  return legend;
}

void draw_swatch(cv::Mat& image, const LegendEntry& e, cv::Point left_middle, const Legend& legend, const Style& s) {
  int w = legend.swatch_width;
  switch (e.swatch) {
    case Swatch::box: {
      int h = s.px(12);
      cv::rectangle(image, cv::Rect(left_middle.x + w / 2 - s.px(9), left_middle.y - h / 2, s.px(18), h), e.colour,
                    cv::FILLED);
      break;
    }
    case Swatch::marker:
      draw_marker(image, left_middle.x + w / 2.0, left_middle.y, e.marker, 5.5 * s.ui, e.colour, e.filled, s.px(2));
      break;
    case Swatch::dashed:
      draw_dashed_line(image, {double(left_middle.x), double(left_middle.y)},
                       {double(left_middle.x + w), double(left_middle.y)}, e.colour, s.px(2), 7 * s.ui, 4 * s.ui);
      break;
    case Swatch::none:
      break;
  }
}

void draw_legend(cv::Mat& image, const Legend& legend, cv::Point top_left, const Style& s) {
  if (legend.entries.empty()) return;
  cv::Rect box(top_left, legend.size());
  cv::rectangle(image, box, kWhite, cv::FILLED);
  cv::rectangle(image, box, kLegendFrame, 1, cv::LINE_AA);
  for (size_t i = 0; i < legend.entries.size(); ++i) {
    const auto& e = legend.entries[i];
    int column = static_cast<int>(i) / legend.rows, row = static_cast<int>(i) % legend.rows;
    int x = box.x + legend.padding + column * legend.column_width;
    int y = box.y + legend.padding + row * legend.row_height + legend.row_height / 2;
    bool text_only = e.swatch == Swatch::none;
    if (!text_only) draw_swatch(image, e, {x, y}, legend, s);
    int text_x = text_only ? x : x + legend.swatch_width + s.px(8);
    draw_text(image, e.label, {text_x, y}, legend.font, text_only ? kTickText : kText, HAlign::left, VAlign::middle);
  }
}

// ---- Frame ----------------------------------------------------------------------------------------

// What the margins around the plot rectangle must hold.
struct Furniture {
  std::string title, x_label, y_label;
  int y_tick_width = 0;      // widest y tick label
  int x_tick_height = 0;     // height of the row of labels under the x axis
  int top_headroom = 0;      // room above the plot for labels that stick out (bar values)
  const Legend* legend = nullptr;
};

cv::Rect plot_rectangle(const Furniture& f, cv::Size figure, const Style& s) {
  int margin = s.px(24);
  int top = margin + f.top_headroom + (f.title.empty() ? 0 : line_height(s.title) + s.px(28));
  int bottom = margin + f.x_tick_height + s.px(6 + 8) + (f.x_label.empty() ? 0 : line_height(s.label) + s.px(22));
  int left = margin + f.y_tick_width + s.px(6 + 6) + (f.y_label.empty() ? 0 : line_height(s.label) + s.px(24));
  int right = margin + (f.legend && !f.legend->entries.empty() ? f.legend->size().width + s.px(24) : 0);
  return cv::Rect(left, top, std::max(1, figure.width - left - right), std::max(1, figure.height - top - bottom));
}

// Vertical room the plot rectangle will have, before the legend (which sits beside it) is known.
int plot_height(const Furniture& f, cv::Size figure, const Style& s) {
  Furniture without_legend = f;
  without_legend.legend = nullptr;
  return plot_rectangle(without_legend, figure, s).height;
}

// Title over the plot, axis labels beside it and the legend to its right, top-aligned.
void draw_furniture(cv::Mat& image, const Furniture& f, const cv::Rect& plot, const Style& s) {
  int margin = s.px(24);
  if (!f.title.empty()) {
    Font title = shrink_to_fit(s.title, {f.title}, image.cols - 2 * margin, s.smallest(0.5));
    int centre = text_size(ascii_only(f.title), title).width <= plot.width ? plot.x + plot.width / 2 : image.cols / 2;
    draw_text(image, fit_text(f.title, title, image.cols - 2 * margin), {centre, margin}, title, kText,
              HAlign::centre, VAlign::top);
  }
  if (!f.x_label.empty())
    draw_text(image, fit_text(f.x_label, s.label, image.cols - 2 * margin), {plot.x + plot.width / 2,
              plot.br().y + f.x_tick_height + s.px(6 + 8 + 18)}, s.label, kText, HAlign::centre, VAlign::top);
  if (!f.y_label.empty())
    draw_text_vertical(image, fit_text(f.y_label, s.label, image.rows - 2 * margin),
                       {margin + line_height(s.label) / 2 + s.px(2), plot.y + plot.height / 2}, s.label, kText);
  if (f.legend) draw_legend(image, *f.legend, {plot.br().x + s.px(24), plot.y}, s);
}

// ---- Output ---------------------------------------------------------------------------------------

std::string describe(const std::string& kind, const std::string& title) {
  return title.empty() ? kind : kind + " '" + title + "'";
}

// Below 320x240 nothing fits; far above 8000x8000 is a typo that would allocate gigabytes.
void check_size(int width, int height, const std::string& where) {
  std::string size = std::to_string(width) + "x" + std::to_string(height);
  if (width < 320 || height < 240) throw Error(where + ": size " + size + " is too small (at least 320x240)");
  if (width > 8000 || height > 8000) throw Error(where + ": size " + size + " is too large (at most 8000x8000)");
}

// Encodes and writes atomically; a failed write leaves neither the PNG nor its temporary file.
void write_png(const cv::Mat& image, const std::string& path) {
  std::vector<unsigned char> bytes;
  if (!cv::imencode(".png", image, bytes)) throw Error(path + ": cannot encode the figure as PNG");
  namespace fs = std::filesystem;
  fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && fs::exists(parent, ec) && !fs::is_directory(parent, ec))
    throw Error(path + ": cannot write: " + parent.string() + " is not a folder");
  try {
    core::write_file_atomic(path, std::string(bytes.begin(), bytes.end()));
  } catch (const fs::filesystem_error& e) {
    throw Error(path + ": cannot write: " + e.code().message());
  } catch (const Error&) {
    fs::remove(core::temp_path_for(path), ec);
    throw;
  }
}

// ---- Bar chart ------------------------------------------------------------------------------------

// True when `format` holds exactly one printf conversion and it takes a double, so snprintf is safe.
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

std::string format_value(const BarChart& chart, double v) {
  char buffer[128];
  std::snprintf(buffer, sizeof buffer, chart.value_format.c_str(), v * chart.value_scale);
  return buffer;
}

// "1 value", "3 values"; "1 category", "2 categories".
std::string count_of(size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

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
  double bar_left(const cv::Rect& plot, size_t category, size_t series, size_t n_series) const {
    double group_left = plot.x + group_width * category + (group_width - n_series * bar_width) / 2;
    return group_left + series * bar_width;
  }
};

BarGeometry bar_geometry(const cv::Rect& plot, size_t n_categories, size_t n_series) {
  BarGeometry g{};
  g.group_width = double(plot.width) / n_categories;
  g.bar_width = g.group_width * 0.8 / n_series;
  g.gap = std::min(4.0, g.bar_width * 0.1);  // white seam between touching bars
  return g;
}

void draw_error_bar(cv::Mat& image, double centre, double value, double error, const Scale& y, const cv::Rect& plot,
                    double bar_width, const Style& s) {
  auto clamp_y = [&](double v) { return std::clamp(y.at(v), plot.y, plot.br().y - 1); };
  int top = clamp_y(value + error), bottom = clamp_y(value - error);
  int x = cvRound(centre), cap = cvRound(std::clamp(bar_width * 0.18, 3.0 * s.ui, 10.0 * s.ui));
  int t = s.px(1.6);
  cv::line(image, {x, top}, {x, bottom}, kErrorBar, t, cv::LINE_AA);
  cv::line(image, {x - cap, top}, {x + cap, top}, kErrorBar, t, cv::LINE_AA);
  cv::line(image, {x - cap, bottom}, {x + cap, bottom}, kErrorBar, t, cv::LINE_AA);
}

// One bar (clipped to the plot), its error bar and the value printed beyond its end.
void draw_bar(cv::Mat& image, const BarChart& chart, const BarSeries& series, size_t i, double left, double width,
              const BarGeometry& g, const Scale& y, const cv::Rect& plot, const Font& value_font, const Style& s,
              const cv::Scalar& colour) {
  double v = series.values[i], centre = left + width / 2;
  double baseline = std::clamp(0.0, y.lo, y.hi);
  if (!std::isfinite(v)) {
    draw_text(image, "n/a", {cvRound(centre), y.at(baseline) - s.px(6)}, value_font, kMissing, HAlign::centre);
    return;
  }
  int y_value = std::clamp(y.at(std::clamp(v, y.lo, y.hi)), plot.y, plot.br().y - 1);
  int y_base = y.at(baseline);
  int x0 = cvRound(left + g.gap / 2), x1 = cvRound(left + width - g.gap / 2) - 1;
  if (y_value != y_base)
    cv::rectangle(image, cv::Point(x0, std::min(y_value, y_base)), cv::Point(x1, std::max(y_value, y_base) - 1),
                  colour, cv::FILLED);
  double e = error_at(series, i);
  if (e > 0) draw_error_bar(image, centre, v, e, y, plot, width, s);
  std::string text = format_value(chart, v);
  if (v >= baseline) {
    int end = std::clamp(y.at(v + e), plot.y, plot.br().y - 1);
    draw_text(image, text, {cvRound(centre), end - s.px(7)}, value_font, kText, HAlign::centre);
  } else {
    int end = std::clamp(y.at(v - e), plot.y, plot.br().y - 1);
    draw_text(image, text, {cvRound(centre), end + s.px(7)}, value_font, kText, HAlign::centre, VAlign::top);
  }
}

std::vector<std::string> all_value_texts(const BarChart& chart) {
  std::vector<std::string> texts;
  for (const auto& series : chart.series)
    for (double v : series.values) texts.push_back(std::isfinite(v) ? format_value(chart, v) : "n/a");
  return texts;
}

void draw_bars(cv::Mat& image, const BarChart& chart, const Axis& axis, const cv::Rect& plot, const Style& s) {
  size_t n_series = chart.series.size();
  BarGeometry g = bar_geometry(plot, chart.categories.size(), n_series);
  Scale y = y_scale(axis, plot);
  // Value labels may be as wide as the bar plus the seam before the next one.
  Font value_font = shrink_to_fit(s.value, all_value_texts(chart), int(g.bar_width + g.gap), s.smallest(0.3));
  for (size_t c = 0; c < chart.categories.size(); ++c)
    for (size_t k = 0; k < n_series; ++k)
      draw_bar(image, chart, chart.series[k], c, g.bar_left(plot, c, k, n_series), g.bar_width, g, y, plot,
               value_font, s, bgr(palette_colour(static_cast<int>(k))));
}

void draw_reference_line(cv::Mat& image, const BarChart& chart, const Axis& axis, const cv::Rect& plot,
                         const Style& s) {
  double v = chart.reference_line;
  if (!std::isfinite(v) || v < axis.lo || v > axis.hi) return;
  double py = y_scale(axis, plot).at(v);
  draw_dashed_line(image, {double(plot.x), py}, {double(plot.br().x - 1), py}, kReference, s.px(2), 10 * s.ui,
                   6 * s.ui);
}

// A line at zero when the axis spans negative values, so bars visibly start there.
void draw_zero_line(cv::Mat& image, const Axis& axis, const cv::Rect& plot) {
  if (!(axis.lo < 0 && axis.hi > 0)) return;
  int py = y_scale(axis, plot).at(0);
  cv::line(image, {plot.x, py}, {plot.br().x - 1, py}, kSpine, 1, cv::LINE_AA);
}

// Category names centred under their groups, shrunk (and if need be shortened) to fit.
void draw_categories(cv::Mat& image, const BarChart& chart, const cv::Rect& plot, const Font& font, const Style& s) {
  double group = double(plot.width) / chart.categories.size();
  int room = std::max(s.px(10), int(group * 0.95));
  for (size_t c = 0; c < chart.categories.size(); ++c) {
    int x = cvRound(plot.x + group * (c + 0.5));
    draw_text(image, fit_text(chart.categories[c], font, room), {x, plot.br().y + s.px(6 + 8)}, font, kTickText,
              HAlign::centre, VAlign::top);
  }
}

std::vector<LegendEntry> bar_legend_entries(const BarChart& chart) {
  std::vector<LegendEntry> entries;
  for (size_t k = 0; k < chart.series.size(); ++k)
    entries.push_back({chart.series[k].name, bgr(palette_colour(static_cast<int>(k))), Swatch::box});
  if (std::isfinite(chart.reference_line)) {
    std::string label = chart.reference_label.empty()
                            ? format_number(chart.reference_line * chart.value_scale, 3)
                            : chart.reference_label;
    entries.push_back({label, kReference, Swatch::dashed});
  }
  return entries;
}

cv::Mat render_bar_chart(const BarChart& chart) {
  Style s = make_style(chart.width, chart.height);
  cv::Size figure(chart.width, chart.height);
  Axis axis = bar_axis(chart);
  // Category labels shrink to the group width; the group width depends on the legend, so estimate
  // it from the whole figure first (the legend rarely takes more than a third).
  Font category_font = shrink_to_fit(s.tick, chart.categories,
                                     int(chart.width * 0.6 / chart.categories.size()), s.smallest(0.38));
  Furniture f{chart.title, "", chart.y_label, widest_label(axis.labels, s.tick), line_height(category_font),
              s.px(8), nullptr};
  Legend legend = arrange_legend(bar_legend_entries(chart), plot_height(f, figure, s), chart.width * 2 / 5, s);
  f.legend = &legend;
  cv::Rect plot = plot_rectangle(f, figure, s);

  cv::Mat image(figure, CV_8UC3, kWhite);
  draw_horizontal_grid(image, axis, plot);
  draw_bars(image, chart, axis, plot, s);
  draw_zero_line(image, axis, plot);
  draw_reference_line(image, chart, axis, plot, s);
  draw_y_axis(image, axis, plot, s);
  cv::line(image, {plot.x, plot.br().y - 1}, {plot.br().x - 1, plot.br().y - 1}, kSpine, 1, cv::LINE_AA);
  draw_categories(image, chart, plot, category_font, s);
  draw_furniture(image, f, plot, s);
  return image;
}

// ---- Scatter plot ---------------------------------------------------------------------------------

void validate(const ScatterPlot& plot, const std::string& where) {
  check_size(plot.width, plot.height, where);
  if (plot.groups.empty()) throw Error(where + ": no groups");
  for (const auto& g : plot.groups) {
    if (g.xs.size() != g.ys.size())
      throw Error(where + ": group '" + g.name + "' has " + std::to_string(g.xs.size()) + " xs but " +
                  std::to_string(g.ys.size()) + " ys");
    if (std::string_view("o^sx").find(g.marker) == std::string_view::npos || g.marker == '\0')
      throw Error(where + ": group '" + g.name + "' has marker '" + std::string(1, g.marker) +
                  "' (use o, ^, s or x)");
    if (g.colour < -1) throw Error(where + ": group '" + g.name + "' has colour " + std::to_string(g.colour) +
                                   " (a palette index, or -1 for the next free one)");
  }
}

bool point_ok(const ScatterGroup& g, size_t i) { return std::isfinite(g.xs[i]) && std::isfinite(g.ys[i]); }

bool has_points(const ScatterGroup& g) {
  for (size_t i = 0; i < g.xs.size(); ++i)
    if (point_ok(g, i)) return true;
  return false;
}

// Palette index per group: explicit ones as given, the others take the next index no group
// asked for (wrapping once the palette is used up), so automatic colours don't repeat explicit ones.
std::vector<int> group_colours(const ScatterPlot& plot) {
  std::set<int> taken;
  for (const auto& g : plot.groups)
    if (g.colour >= 0) taken.insert(g.colour % kPaletteSize);
  std::vector<int> colours;
  int next = 0;
  for (const auto& g : plot.groups) {
    if (g.colour >= 0) {
      colours.push_back(g.colour);
      continue;
    }
    for (int tries = 0; tries < kPaletteSize && taken.count(next % kPaletteSize); ++tries) ++next;
    colours.push_back(next % kPaletteSize);
    taken.insert(next % kPaletteSize);
    ++next;
    if (static_cast<int>(taken.size()) == kPaletteSize) taken.clear();  // palette used up: cycle
  }
  return colours;
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
  if (!std::isfinite(lo)) lo = 0, hi = 1;  // nothing to show: still a clean empty axis
  std::tie(lo, hi) = widen_if_flat(lo, hi);
  double pad = 0.05 * (hi - lo);
  lo -= pad, hi += pad;
  return axis_with_step(lo, hi, 1.0, printed_step(lo, hi, 1.0, x ? 8 : 7));
}

void draw_points(cv::Mat& image, const ScatterPlot& plot, const std::vector<int>& colours, const Axis& x_axis,
                 const Axis& y_axis, const cv::Rect& rect, const Style& s) {
  Scale x = x_scale(x_axis, rect), y = y_scale(y_axis, rect);
  for (size_t k = 0; k < plot.groups.size(); ++k) {
    const auto& g = plot.groups[k];
    cv::Scalar colour = bgr(palette_colour(colours[k]));
    for (size_t i = 0; i < g.xs.size(); ++i)
      if (point_ok(g, i)) draw_marker(image, x(g.xs[i]), y(g.ys[i]), g.marker, 5.5 * s.ui, colour, g.filled, s.px(2));
  }
}

std::vector<LegendEntry> scatter_legend_entries(const ScatterPlot& plot, const std::vector<int>& colours) {
  std::vector<LegendEntry> entries;
  for (size_t k = 0; k < plot.groups.size(); ++k) {
    const auto& g = plot.groups[k];
    if (has_points(g)) entries.push_back({g.name, bgr(palette_colour(colours[k])), Swatch::marker, g.marker, g.filled});
  }
  return entries;
}

cv::Mat render_scatter_plot(const ScatterPlot& plot) {
  Style s = make_style(plot.width, plot.height);
  cv::Size figure(plot.width, plot.height);
  Axis x_axis = scatter_axis(plot, true), y_axis = scatter_axis(plot, false);
  std::vector<int> colours = group_colours(plot);
  Furniture f{plot.title, plot.x_label, plot.y_label, widest_label(y_axis.labels, s.tick), line_height(s.tick), 0,
              nullptr};
  Legend legend = arrange_legend(scatter_legend_entries(plot, colours), plot_height(f, figure, s),
                                 plot.width * 9 / 20, s);
  f.legend = &legend;
  cv::Rect rect = plot_rectangle(f, figure, s);

  cv::Mat image(figure, CV_8UC3, kWhite);
  draw_horizontal_grid(image, y_axis, rect);
  draw_vertical_grid(image, x_axis, rect);
  draw_points(image, plot, colours, x_axis, y_axis, rect, s);
  draw_y_axis(image, y_axis, rect, s);
  draw_x_axis(image, x_axis, rect, s);
  draw_furniture(image, f, rect, s);
  return image;
}

}  // namespace

// ---- Public ---------------------------------------------------------------------------------------

Rgb palette_colour(int index) { return kPalette[((index % kPaletteSize) + kPaletteSize) % kPaletteSize]; }

int palette_size() { return kPaletteSize; }

std::vector<double> nice_ticks(double lo, double hi, int max_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
  if (lo > hi) std::swap(lo, hi);
  std::tie(lo, hi) = widen_if_flat(lo, hi);
  return ticks_with_step(lo, hi, nice_step(lo, hi, std::max(max_ticks, 2)));
}

void write_bar_chart(const BarChart& chart, const std::string& png_path) {
  std::string where = png_path + ": " + describe("bar chart", chart.title);
  validate(chart, where);
  write_png(render_bar_chart(chart), png_path);
}

void write_scatter_plot(const ScatterPlot& plot, const std::string& png_path) {
  std::string where = png_path + ": " + describe("scatter plot", plot.title);
  validate(plot, where);
  write_png(render_scatter_plot(plot), png_path);
}

}  // namespace vgs::report
