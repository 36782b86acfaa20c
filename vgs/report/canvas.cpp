// PLplot behind the Canvas: a fresh plstream per figure under one lock, the cairo driver writing into
// a memory FILE (fopencookie), error handlers that throw, and text made safe for PLplot (escape
// character doubled, valid UTF-8, short enough for the cairo driver).
#include "vgs/report/canvas.h"

#include <plstream.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"

namespace vgs::report {

namespace {

// PLplot's global state (the current stream, the handlers, the driver table) is shared by every
// thread: one figure at a time.
std::mutex& plplot_mutex() {
  static std::mutex m;
  return m;
}

// plexit prints, calls plend() and exit()s unless its handler does not return; plabort prints
// unless it has a handler. Both become a C++ exception (PLplot's C frames carry unwind tables).
int throw_on_exit(const char* message) { throw CanvasError(message && *message ? message : "PLplot stopped"); }
void throw_on_abort(const char* message) { throw CanvasError(message && *message ? message : "PLplot gave up"); }
// While a stream is torn down after an error: nothing may be thrown out of a destructor.
void ignore_abort(const char*) {}

const char* driver_of(FigureFormat format) {
  switch (format) {
    case FigureFormat::png: return "pngcairo";
    case FigureFormat::svg: return "svgcairo";
    case FigureFormat::pdf: return "pdfcairo";
  }
  return "pngcairo";
}

// Without the driver plinit would ask for another device on stdin.
bool driver_available(const std::string& name) {
  constexpr int kMaxDevices = 256;
  const char* menus[kMaxDevices];
  const char* names[kMaxDevices];
  const char** menu_list = menus;
  const char** name_list = names;
  int n = kMaxDevices;
  plgDevs(&menu_list, &name_list, &n);
  for (int i = 0; i < n; ++i)
    if (names[i] && name == names[i]) return true;
  return false;
}

// PLplot's text escape character; a literal one is written twice.
constexpr char kEscape = '#';
// The cairo driver prints (on stdout) and drops strings of 500 or more characters.
constexpr size_t kMaxTextCharacters = 300;

// Length of the UTF-8 sequence starting with `lead`, 0 for a byte that cannot start one.
int utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0 && lead >= 0xC2) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// The code points of `s` as UTF-8 pieces; invalid bytes become '?', control characters a space.
std::vector<std::string> characters(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    auto lead = static_cast<unsigned char>(s[i]);
    int n = utf8_length(lead);
    bool whole = n > 0 && i + n <= s.size();
    for (int k = 1; whole && k < n; ++k) whole = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (!whole) {
      out.push_back("?");
      ++i;
      continue;
    }
    out.push_back(n == 1 && std::iscntrl(lead) ? " " : s.substr(i, n));
    i += n;
  }
  return out;
}

std::string plplot_text(const std::string& s) {
  std::string out;
  size_t count = 0;
  for (const auto& c : characters(s)) {
    if (++count > kMaxTextCharacters) break;
    out += c == std::string(1, kEscape) ? std::string(2, kEscape) : c;
  }
  return out;
}

// DejaVu Sans advance widths of ASCII 32..126 in units of 1/2048 em.
constexpr int kAsciiAdvance[95] = {
    651,  821,  942,  1716, 1303, 1946, 1597, 563,  799,  799,  1024, 1716, 651,  739,  651,  690,
    1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690,  690,  1716, 1716, 1716, 1087,
    2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604,  604,  1343, 1141, 1767, 1532, 1612,
    1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799,  690,  799,  1716, 1024,
    1024, 1255, 1300, 1126, 1300, 1260, 721,  1300, 1298, 569,  569,  1186, 569,  1995, 1298, 1253,
    1300, 1300, 842,  1067, 803,  1298, 1212, 1675, 1212, 1212, 1075, 1303, 690,  1303, 1716};

// Advance of one character in em: ASCII from the table, wide (CJK, Hangul, full-width) scripts one
// em, anything else an average Latin letter.
double advance(const std::string& c) {
  auto lead = static_cast<unsigned char>(c[0]);
  if (c.size() == 1) return lead >= 32 && lead < 127 ? kAsciiAdvance[lead - 32] / 2048.0 : 0.6;
  if (c.size() == 3 && lead >= 0xE2 && lead <= 0xED && !(lead == 0xE2 && static_cast<unsigned char>(c[1]) < 0xBA))
    return 1.0;  // U+2E80 .. U+DFFF
  if (c.size() == 3 && lead == 0xEF && static_cast<unsigned char>(c[1]) >= 0xBC) return 1.0;  // U+FF00 ..
  return 0.62;
}

struct MemoryFile {
  std::string bytes;
  bool closed = false;
  FILE* file = nullptr;
};

ssize_t memory_write(void* cookie, const char* data, size_t size) {
  static_cast<MemoryFile*>(cookie)->bytes.append(data, size);
  return static_cast<ssize_t>(size);
}

int memory_close(void* cookie) {
  static_cast<MemoryFile*>(cookie)->closed = true;
  return 0;
}

// 1 pixel in PLplot's micrometres (the cairo drivers' page is 72 dots per inch).
constexpr double kMicrometresPerPixel = 25400.0 / 72.0;

}  // namespace

// The figure's bytes, written by the driver through a FILE that PLplot closes when the stream ends.
struct Canvas::Output : MemoryFile {
  Output() {
    cookie_io_functions_t io{nullptr, memory_write, nullptr, memory_close};
    file = fopencookie(static_cast<MemoryFile*>(this), "w", io);
    if (!file) throw CanvasError("cannot open a memory stream for the figure");
  }
  ~Output() {
    if (!closed) std::fclose(file);
  }
};

FigureFormat figure_format(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::string lower = extension;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == ".png") return FigureFormat::png;
  if (lower == ".svg") return FigureFormat::svg;
  if (lower == ".pdf") return FigureFormat::pdf;
  if (extension.empty()) throw Error(path + ": no figure format (end the name in .png, .svg or .pdf)");
  throw Error(path + ": unknown figure format '" + extension + "' (use .png, .svg or .pdf)");
}

Canvas::Canvas(FigureFormat format, int width, int height)
    : lock_(plplot_mutex()), width_(width), height_(height) {
  plsexit(throw_on_exit);
  plsabort(throw_on_abort);
  const char* driver = driver_of(format);
  if (!driver_available(driver))
    throw CanvasError(std::string("no ") + driver + " driver (install plplot-driver-cairo)");
  output_ = std::make_unique<Output>();
  stream_ = std::make_unique<plstream>();
  stream_->sdev(driver);
  stream_->sfile(output_->file);
  stream_->spage(0, 0, width, height, 0, 0);
  stream_->spause(false);
  stream_->scolbg(255, 255, 255);
  stream_->sesc(kEscape);
  stream_->init();
  stream_->adv(0);
  clip_to_page();
}

Canvas::~Canvas() {
  if (!stream_) return;
  plsabort(ignore_abort);
  stream_.reset();
}

void Canvas::clip_to(const Rect& area) {
  stream_->vpor(area.x / width_, area.right() / width_, flip(area.bottom()) / height_, flip(area.y) / height_);
  stream_->wind(area.x, area.right(), flip(area.bottom()), flip(area.y));
}

void Canvas::clip_to_page() {
  stream_->vpor(0, 1, 0, 1);
  stream_->wind(0, width_, 0, height_);
}

void Canvas::use_colour(Rgb colour, double alpha) {
  stream_->scol0a(1, colour.r, colour.g, colour.b, std::clamp(alpha, 0.0, 1.0));
  stream_->col0(1);
}

void Canvas::fill_rect(const Rect& r, Rgb colour, double alpha) {
  fill_polygon({{r.x, r.y}, {r.right(), r.y}, {r.right(), r.bottom()}, {r.x, r.bottom()}}, colour, alpha);
}

void Canvas::fill_polygon(const std::vector<Point>& points, Rgb colour, double alpha) {
  if (points.size() < 3) return;
  std::vector<PLFLT> xs, ys;
  for (const auto& p : points) xs.push_back(p.x), ys.push_back(flip(p.y));
  use_colour(colour, alpha);
  stream_->fill(static_cast<PLINT>(xs.size()), xs.data(), ys.data());
}

void Canvas::stroke(const std::vector<Point>& points, Rgb colour, double line_width, Dash dash) {
  if (points.size() < 2) return;
  std::vector<PLFLT> xs, ys;
  for (const auto& p : points) xs.push_back(p.x), ys.push_back(flip(p.y));
  use_colour(colour, 1.0);
  stream_->width(line_width);
  // Dashes scale with the line, so a thick dashed line still reads as dashed.
  PLINT mark = static_cast<PLINT>((dash == Dash::dotted ? 1.0 : 4.0) * line_width * kMicrometresPerPixel);
  PLINT space = static_cast<PLINT>((dash == Dash::dotted ? 2.0 : 2.5) * line_width * kMicrometresPerPixel);
  if (dash == Dash::solid)
    stream_->styl(0, nullptr, nullptr);
  else
    stream_->styl(1, &mark, &space);
  stream_->line(static_cast<PLINT>(xs.size()), xs.data(), ys.data());
  stream_->styl(0, nullptr, nullptr);
}

void Canvas::line(Point a, Point b, Rgb colour, double line_width, Dash dash) {
  stroke({a, b}, colour, line_width, dash);
}

void Canvas::text(const std::string& s, Point at, double size, Rgb colour, HAlign h, VAlign v, bool vertical) {
  std::string text = plplot_text(s);
  if (text.empty() || size <= 0) return;
  // PLplot's reference point is the middle of the capitals (cap height ~0.73 em).
  double across = v == VAlign::top ? 0.37 * size : v == VAlign::bottom ? -0.37 * size : 0.0;
  double just = h == HAlign::left ? 0.0 : h == HAlign::centre ? 0.5 : 1.0;
  // PLplot's character height is in mm; the cairo drivers turn it into points at 72 dpi and Pango
  // draws points at 96 dpi, so an em of `size` pixels is size * 72/96 points.
  stream_->schr(size * 0.75 * 25.4 / 72.0, 1.0);
  use_colour(colour, 1.0);
  if (vertical)
    stream_->ptex(at.x + across, flip(at.y), 0, 1, just, text.c_str());
  else
    stream_->ptex(at.x, flip(at.y + across), 1, 0, just, text.c_str());
}

std::string Canvas::finish() {
  stream_.reset();  // plend1: the driver writes the page and closes the file
  return std::move(output_->bytes);
}

double text_width(const std::string& s, double size) {
  double em = 0;
  for (const auto& c : characters(s)) em += advance(c);
  return em * size;
}

std::string fit_text(const std::string& s, double size, double max_width) {
  if (text_width(s, size) <= max_width) return s;
  std::vector<std::string> chars = characters(s);
  const std::string ellipsis = "\u2026";
  while (!chars.empty()) {
    chars.pop_back();
    std::string shortened;
    for (const auto& c : chars) shortened += c;
    if (text_width(shortened + ellipsis, size) <= max_width) return shortened + ellipsis;
  }
  return ellipsis;
}

namespace {

// Writes atomically; a failed write leaves neither the figure nor its temporary file.
void write_figure_file(const std::string& bytes, const std::string& path) {
  namespace fs = std::filesystem;
  fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && fs::exists(parent, ec) && !fs::is_directory(parent, ec))
    throw Error(path + ": cannot write: " + parent.string() + " is not a folder");
  try {
    core::write_file_atomic(path, bytes);
  } catch (const fs::filesystem_error& e) {
    throw Error(path + ": cannot write: " + e.code().message());
  } catch (const Error&) {
    fs::remove(core::temp_path_for(path), ec);
    throw;
  }
}

}  // namespace

namespace {

std::string xml_escaped(const std::string& s) {
  std::string out;
  for (const auto& c : characters(s)) {
    if (c == "&") out += "&amp;";
    else if (c == "<") out += "&lt;";
    else if (c == ">") out += "&gt;";
    else out += c;
  }
  return out;
}

// Cairo writes text as glyph outlines; a <title> keeps the figure's name findable (and read out by
// screen readers).
std::string with_svg_title(std::string svg, const std::string& title) {
  size_t open = svg.find("<svg");
  size_t end = open == std::string::npos ? open : svg.find('>', open);
  if (end == std::string::npos || title.empty()) return svg;
  return svg.insert(end + 1, "\n<title>" + xml_escaped(title) + "</title>");
}

}  // namespace

void render_figure(const std::string& path, const std::string& where, const std::string& title, int width,
                   int height, const std::function<void(Canvas&)>& draw) {
  FigureFormat format = figure_format(path);
  std::string bytes;
  try {
    Canvas canvas(format, width, height);
    draw(canvas);
    bytes = canvas.finish();
  } catch (const CanvasError& e) {
    throw Error(where + ": PLplot: " + e.what());
  }
  if (bytes.empty()) throw Error(where + ": PLplot wrote nothing");
  if (format == FigureFormat::svg) bytes = with_svg_title(std::move(bytes), title);
  write_figure_file(bytes, path);
}

}  // namespace vgs::report
