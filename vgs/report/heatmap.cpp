// The heatmap: a grid of cells coloured by value (viridis), rows labelled on the left and columns
// under the grid (turned upright when they are long), every k-th label when not all fit, optional
// values in the cells, and a colour bar with its axis on the right.
#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "vgs/core/error.h"
#include "vgs/report/frame.h"
#include "vgs/report/plot.h"

namespace vgs::report {

namespace {

void validate(const Heatmap& h, const std::string& where) {
  check_size(h.width, h.height, where);
  if (h.values.empty() || h.values.front().empty()) throw Error(where + ": no values");
  size_t columns = h.values.front().size();
  for (size_t r = 0; r < h.values.size(); ++r)
    if (h.values[r].size() != columns)
      throw Error(where + ": row " + std::to_string(r) + " has " + count_of(h.values[r].size(), "value", "values") +
                  " but row 0 has " + std::to_string(columns) + " (give every row one value per column)");
  if (!h.row_labels.empty() && h.row_labels.size() != h.values.size())
    throw Error(where + ": " + count_of(h.row_labels.size(), "row label", "row labels") + " for " +
                count_of(h.values.size(), "row", "rows"));
  if (!h.column_labels.empty() && h.column_labels.size() != columns)
    throw Error(where + ": " + count_of(h.column_labels.size(), "column label", "column labels") + " for " +
                count_of(columns, "column", "columns"));
  if (!is_double_format(h.value_format))
    throw Error(where + ": value_format '" + h.value_format + "' must hold one floating-point conversion such as %.2f");
  if (std::isfinite(h.v_min) && std::isfinite(h.v_max) && h.v_max <= h.v_min)
    throw Error(where + ": v_max (" + shortest(h.v_max) + ") must be above v_min (" + shortest(h.v_min) + ")");
}

std::vector<std::string> labels_or_numbers(const std::vector<std::string>& labels, size_t n) {
  if (!labels.empty()) return labels;
  std::vector<std::string> numbers;
  for (size_t i = 0; i < n; ++i) numbers.push_back(std::to_string(i));
  return numbers;
}

// The colour range: as given, else the finite values' range (0..1 without any), never flat.
std::pair<double, double> value_range(const Heatmap& h) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& row : h.values)
    for (double v : row)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (std::isfinite(h.v_min)) lo = h.v_min;
  if (std::isfinite(h.v_max)) hi = h.v_max;
  if (hi <= lo) std::tie(lo, hi) = widen_if_flat(lo, lo);
  return {lo, hi};
}

// Labels along one side: their font, which of them are drawn (every `every`-th), how much room they
// take across the side, and whether column labels stand upright.
struct LabelLayout {
  std::vector<std::string> texts;
  double font = 0;
  size_t every = 1;
  bool upright = false;
  bool side_by_side = false;  // column labels written level, next to each other
  double extent = 0;  // width of row labels, height of column labels
};

// Every label when a line of text fits each slot, else every k-th; long ones shortened to max_length.
LabelLayout lay_out_labels(std::vector<std::string> texts, double slot, double max_length, bool columns,
                           const Style& s) {
  LabelLayout layout;
  layout.font = std::clamp(slot * 0.8, std::max(10.0, s.tick * 0.75), s.tick * 0.95);
  layout.every = static_cast<size_t>(std::max(1.0, std::ceil(layout.font * 1.25 / slot)));
  for (auto& t : texts) t = fit_text(t, layout.font, max_length);
  double widest = widest_label(texts, layout.font);
  layout.upright = columns && widest > slot * layout.every * 0.95;
  layout.side_by_side = columns && !layout.upright;
  layout.extent = layout.side_by_side ? layout.font : widest;
  layout.texts = std::move(texts);
  return layout;
}

// Once the grid is known: every k-th label again, from the slot the labels really have.
void refit_every(LabelLayout& layout, double slot) {
  double needed = layout.font * 1.25;
  if (layout.side_by_side) needed = std::max(needed, widest_label(layout.texts, layout.font) * 1.08);
  layout.every = static_cast<size_t>(std::max(1.0, std::ceil(needed / slot)));
}

struct ColourBar {
  Axis axis;
  double gap, width, room;  // room: everything right of the plot it takes
};

ColourBar colour_bar(const Heatmap& h, std::pair<double, double> range, const Style& s) {
  ColourBar bar;
  bar.axis = axis_with_step(range.first, range.second, 1.0, printed_step(range.first, range.second, 1.0, 6));
  bar.gap = s.px(24);
  bar.width = s.px(22);
  bar.room = bar.gap + bar.width + s.px(6 + 6) + widest_label(bar.axis.labels, s.tick) +
             (h.colour_label.empty() ? 0 : s.px(14) + s.label);
  return bar;
}

struct Grid {
  Rect plot;
  size_t rows, columns;
  // Cell edges on whole pixels, so neighbouring cells meet without a seam.
  Rect cell(size_t r, size_t c) const {
    double x0 = std::round(plot.x + plot.width * c / columns), x1 = std::round(plot.x + plot.width * (c + 1) / columns);
    double y0 = std::round(plot.y + plot.height * r / rows), y1 = std::round(plot.y + plot.height * (r + 1) / rows);
    return {x0, y0, x1 - x0, y1 - y0};
  }
};

double luminance(Rgb c) { return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b; }

// Values in the cells, at a font that fits the cells; none when that would be unreadable.
void annotate_cells(Canvas& canvas, const Heatmap& h, const Grid& grid, std::pair<double, double> range,
                    const Style& s) {
  double widest = 0;
  for (const auto& row : h.values)
    for (double v : row)
      if (std::isfinite(v)) widest = std::max(widest, text_width(format_double(h.value_format, v), 1.0));
  Rect cell = grid.cell(0, 0);
  double font = std::min({s.value, cell.height * 0.6, cell.width * 0.88 / std::max(widest, 1e-9)});
  if (font < 8) return;
  for (size_t r = 0; r < grid.rows; ++r)
    for (size_t c = 0; c < grid.columns; ++c) {
      double v = h.values[r][c];
      if (!std::isfinite(v)) continue;
      Rgb fill = heatmap_colour((v - range.first) / (range.second - range.first));
      Rect box = grid.cell(r, c);
      canvas.text(format_double(h.value_format, v), {box.centre_x(), box.centre_y()}, font,
                  luminance(fill) < 128 ? kWhite : kText, HAlign::centre);
    }
}

void draw_cells(Canvas& canvas, const Heatmap& h, const Grid& grid, std::pair<double, double> range) {
  for (size_t r = 0; r < grid.rows; ++r)
    for (size_t c = 0; c < grid.columns; ++c) {
      double v = h.values[r][c];
      if (std::isfinite(v)) canvas.fill_rect(grid.cell(r, c), heatmap_colour((v - range.first) / (range.second - range.first)));
    }
  const Rect& p = grid.plot;
  canvas.stroke({{p.x, p.y}, {p.right(), p.y}, {p.right(), p.bottom()}, {p.x, p.bottom()}, {p.x, p.y}}, kLegendFrame, 1.0);
}

void draw_row_labels(Canvas& canvas, const LabelLayout& rows, const Grid& grid, const Style& s) {
  for (size_t r = 0; r < grid.rows; r += rows.every) {
    Rect cell = grid.cell(r, 0);
    canvas.text(rows.texts[r], {grid.plot.x - s.px(8), cell.centre_y()}, rows.font, kTickText, HAlign::right);
  }
}

void draw_column_labels(Canvas& canvas, const LabelLayout& columns, const Grid& grid, const Style& s) {
  for (size_t c = 0; c < grid.columns; c += columns.every) {
    Rect cell = grid.cell(0, c);
    Point at{cell.centre_x(), grid.plot.bottom() + s.px(8)};
    if (columns.upright)
      canvas.text(columns.texts[c], at, columns.font, kTickText, HAlign::right, VAlign::middle, true);
    else
      canvas.text(columns.texts[c], at, columns.font, kTickText, HAlign::centre, VAlign::top);
  }
}

void draw_colour_bar(Canvas& canvas, const Heatmap& h, const ColourBar& bar, const Rect& plot, const Style& s) {
  Rect strip{plot.right() + bar.gap, plot.y, bar.width, plot.height};
  constexpr int kSteps = 128;
  for (int i = 0; i < kSteps; ++i) {
    double y0 = std::round(strip.bottom() - strip.height * (i + 1) / kSteps);
    double y1 = std::round(strip.bottom() - strip.height * i / kSteps);
    canvas.fill_rect({strip.x, y0, strip.width, y1 - y0}, heatmap_colour((i + 0.5) / kSteps));
  }
  draw_y_axis(canvas, bar.axis, strip, s, true);
  if (h.colour_label.empty()) return;
  double x = strip.right() + s.px(6 + 6) + widest_label(bar.axis.labels, s.tick) + s.px(14) + s.label / 2;
  canvas.text(fit_text(h.colour_label, s.label, plot.height), {x, strip.centre_y()}, s.label, kText, HAlign::centre,
              VAlign::middle, true);
}

void draw_heatmap(Canvas& canvas, const Heatmap& h) {
  Style s = make_style(h.width, h.height);
  size_t rows = h.values.size(), columns = h.values.front().size();
  auto range = value_range(h);
  ColourBar bar = colour_bar(h, range, s);
  // Slots are estimated from the figure before the margins are known (the labels set the margins).
  double row_slot = h.height * 0.75 / rows, column_slot = (h.width * 0.7 - bar.room) / columns;
  LabelLayout row_labels = lay_out_labels(labels_or_numbers(h.row_labels, rows), row_slot, h.width * 0.28, false, s);
  LabelLayout column_labels =
      lay_out_labels(labels_or_numbers(h.column_labels, columns), column_slot, h.height * 0.25, true, s);
  Furniture f{h.title, h.x_label, h.y_label, row_labels.extent, column_labels.extent, 0, bar.room, nullptr};
  Grid grid{plot_rectangle(f, h.width, h.height, s), rows, columns};
  refit_every(row_labels, grid.plot.height / rows);
  refit_every(column_labels, grid.plot.width / columns);

  draw_cells(canvas, h, grid, range);
  if (h.annotate) annotate_cells(canvas, h, grid, range, s);
  draw_row_labels(canvas, row_labels, grid, s);
  draw_column_labels(canvas, column_labels, grid, s);
  draw_colour_bar(canvas, h, bar, grid.plot, s);
  draw_furniture(canvas, f, grid.plot, s);
}

}  // namespace

void write_heatmap(const Heatmap& h, const std::string& path) {
  std::string where = path + ": " + describe("heatmap", h.title);
  figure_format(path);
  validate(h, where);
  render_figure(path, where, h.title, h.width, h.height, [&](Canvas& canvas) { draw_heatmap(canvas, h); });
}

}  // namespace vgs::report
