// The one place that talks to PLplot: a figure being drawn on a fresh plstream (PLplot's global state
// is not thread-safe, so one figure at a time, under a process-wide lock), in page pixels with the
// origin top left as in an image, its PNG, SVG or PDF kept in memory until it is complete. PLplot's
// error paths (plexit, plabort) throw CanvasError instead of printing and ending the process.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "vgs/report/plot.h"

class plstream;

namespace vgs::report {

enum class FigureFormat { png, svg, pdf };

// The format a path's extension asks for (.png, .svg, .pdf, any case); vgs::Error naming the path
// otherwise.
FigureFormat figure_format(const std::string& path);

// What PLplot reported when it gave up on a figure (plexit or plabort); the caller adds the path.
struct CanvasError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Point {
  double x, y;
};

struct Rect {
  double x = 0, y = 0, width = 0, height = 0;
  double right() const { return x + width; }
  double bottom() const { return y + height; }
  double centre_x() const { return x + width / 2; }
  double centre_y() const { return y + height / 2; }
};

enum class HAlign { left, centre, right };
enum class VAlign { top, middle, bottom };
enum class Dash { solid, dashed, dotted };

class Canvas {
 public:
  // Takes the lock and starts the stream; vgs::Error when the format's PLplot driver is missing.
  Canvas(FigureFormat format, int width, int height);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  int width() const { return width_; }
  int height() const { return height_; }

  // Later drawing is clipped to `area` (the plot rectangle), or to the page again.
  void clip_to(const Rect& area);
  void clip_to_page();

  void fill_rect(const Rect& r, Rgb colour, double alpha = 1.0);
  void fill_polygon(const std::vector<Point>& points, Rgb colour, double alpha = 1.0);
  void stroke(const std::vector<Point>& points, Rgb colour, double line_width, Dash dash = Dash::solid);
  void line(Point a, Point b, Rgb colour, double line_width, Dash dash = Dash::solid);
  // Text of em size `size` (pixels) at `at`; vertical text reads bottom to top, and its alignments
  // are along the text (h) and across it (v), as for horizontal text turned 90 degrees anticlockwise.
  void text(const std::string& s, Point at, double size, Rgb colour, HAlign h = HAlign::left,
            VAlign v = VAlign::middle, bool vertical = false);

  // Ends the stream and returns the file's bytes; the canvas is finished afterwards.
  std::string finish();

 private:
  void use_colour(Rgb colour, double alpha);
  double flip(double y) const { return height_ - y; }

  std::unique_lock<std::mutex> lock_;
  // The output outlives the stream (members go in reverse order): ending the stream closes its file.
  struct Output;
  std::unique_ptr<Output> output_;
  std::unique_ptr<plstream> stream_;
  int width_, height_;
};

// Width in pixels of `s` at em size `size`, from DejaVu Sans' advance widths (the sans-serif font of
// Debian's fontconfig; other fonts give an estimate within a few percent).
double text_width(const std::string& s, double size);

// `s` shortened with an ellipsis until text_width fits `max_width`.
std::string fit_text(const std::string& s, double size, double max_width);

// Draws a figure with `draw` and writes it atomically to `path` (temp file + rename) in the format of
// its extension; an SVG gets `title` as its <title>. Every error is a vgs::Error starting with `where`
// (the path and figure), or with the path for an unknown extension or an unwritable file.
void render_figure(const std::string& path, const std::string& where, const std::string& title, int width,
                   int height, const std::function<void(Canvas&)>& draw);

}  // namespace vgs::report
