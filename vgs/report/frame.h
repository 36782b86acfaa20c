// What every figure shares around its data: sizes that scale with the figure, the greys of the
// furniture, axes with ticks and labels, markers, the legend beside the plot, the title and axis
// labels, and the checks of a figure's settings with their one-line errors.
#pragma once

#include <string>
#include <vector>

#include "vgs/report/axes.h"
#include "vgs/report/canvas.h"
#include "vgs/report/plot.h"

namespace vgs::report {

// Greys of the figure furniture.
inline constexpr Rgb kWhite{255, 255, 255};
inline constexpr Rgb kText{34, 34, 34};
inline constexpr Rgb kTickText{70, 70, 70};
inline constexpr Rgb kSpine{90, 90, 90};
inline constexpr Rgb kGrid{232, 232, 232};
inline constexpr Rgb kLegendFrame{204, 204, 204};
inline constexpr Rgb kErrorBar{30, 30, 30};
inline constexpr Rgb kReference{85, 85, 85};
inline constexpr Rgb kMissing{150, 150, 150};

// Sizes scale with the figure, so a 2400x1600 figure looks like an enlarged 1200x800 one; fonts are
// em sizes in pixels, with a floor for small figures.
struct Style {
  double ui;
  double title, label, tick, legend, value;
  double px(double at_1200x800) const;
  double thin() const;  // spines, ticks: whole pixels, so they stay crisp
};

// The middle of the pixel holding `v`: a one-pixel line there covers exactly one row or column.
double crisp(double v);
Style make_style(int width, int height);

// ---- Axes ----

// Left spine with outward ticks and right-aligned labels (or the right side, labels to the right).
void draw_y_axis(Canvas& canvas, const Axis& axis, const Rect& plot, const Style& s, bool right_side = false);
// Bottom spine with outward ticks and centred labels.
void draw_x_axis(Canvas& canvas, const Axis& axis, const Rect& plot, const Style& s);
void draw_horizontal_grid(Canvas& canvas, const Axis& axis, const Rect& plot);
void draw_vertical_grid(Canvas& canvas, const Axis& axis, const Rect& plot);
Scale x_scale(const Axis& a, const Rect& plot);
Scale y_scale(const Axis& a, const Rect& plot);
double widest_label(const std::vector<std::string>& labels, double size);

// ---- Markers and colours ----

// 'o' circle, '^' triangle, 's' square, 'x' cross; `radius` is half the marker's size.
void draw_marker(Canvas& canvas, Point at, char marker, double radius, Rgb colour, bool filled, double line_width);
bool known_marker(char marker);

// Palette index per item: explicit ones (>= 0) as given, the others (-1) take the next index no item
// asked for (wrapping once the palette is used up), so automatic colours don't repeat explicit ones.
std::vector<int> assign_colours(const std::vector<int>& requested);

// ---- Legend ----

enum class Swatch { box, marker, line, dashed, none };

struct LegendEntry {
  std::string label;
  Rgb colour;
  Swatch swatch = Swatch::box;
  char marker = 'o';     // Swatch::marker, and Swatch::line with a marker (' ' = none)
  bool filled = true;
};

// Entries in columns (filled top to bottom, then left to right) inside a framed box; more than 40 end
// with "... and N more", as a legend nobody can scan helps no one.
struct Legend {
  std::vector<LegendEntry> entries;
  double font = 0;
  int rows = 0, columns = 0;
  double row_height = 0, column_width = 0, swatch_width = 0, padding = 0;
  double width() const;
  double height() const;
};
Legend arrange_legend(std::vector<LegendEntry> entries, double max_height, double max_width, const Style& s);
void draw_legend(Canvas& canvas, const Legend& legend, Point top_left, const Style& s);

// ---- Frame ----

// What the margins around the plot rectangle must hold.
struct Furniture {
  std::string title, x_label, y_label;
  double y_tick_width = 0;   // widest y tick label
  double x_tick_height = 0;  // height of what sits under the x axis (tick labels, categories)
  double top_headroom = 0;   // room above the plot for labels that stick out (bar values)
  double right_extra = 0;    // room right of the plot before the legend (a colour bar)
  const Legend* legend = nullptr;
};

Rect plot_rectangle(const Furniture& f, int width, int height, const Style& s);
// Vertical room the plot rectangle will have, before the legend (which sits beside it) is known.
double plot_height(const Furniture& f, int width, int height, const Style& s);
// Title over the plot, axis labels beside it and the legend to its right, top-aligned.
void draw_furniture(Canvas& canvas, const Furniture& f, const Rect& plot, const Style& s);

// ---- Checks ----

std::string describe(const std::string& kind, const std::string& title);
// Between 320x240 (nothing fits below) and 8000x8000 (a typo that would allocate gigabytes).
void check_size(int width, int height, const std::string& where);
// True when `format` holds exactly one printf conversion and it takes a double, so snprintf is safe.
bool is_double_format(const std::string& format);
std::string format_double(const std::string& format, double v);
// "1 value", "3 values".
std::string count_of(size_t n, const std::string& one, const std::string& many);

}  // namespace vgs::report
