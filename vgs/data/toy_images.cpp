// Drawing the toy world's objects with OpenCV: shape outlines in object coordinates, a texture field
// evaluated per pixel in the object's own (rotated) frame, and the two sources' outline and shading.
#include "vgs/data/toy_images.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"

namespace vgs::data {

namespace {

constexpr double kPi = 3.14159265358979323846;
using Polygon = std::vector<cv::Point2d>;

// A shape in object coordinates (radius about 1, y down): filled polygons, then holes cut out.
struct Outline {
  std::vector<Polygon> fills;
  std::vector<Polygon> holes;
};

Polygon radial(const std::function<cv::Point2d(double)>& point, int samples = 120) {
  Polygon p;
  for (int i = 0; i < samples; ++i) p.push_back(point(2 * kPi * i / samples));
  return p;
}

Polygon regular(int n, double r, double rotation_degrees) {
  Polygon p;
  for (int i = 0; i < n; ++i) {
    double t = rotation_degrees * kPi / 180 + 2 * kPi * i / n;
    p.emplace_back(r * std::cos(t), r * std::sin(t));
  }
  return p;
}

Polygon star(int points, double outer, double inner) {
  Polygon p;
  for (int i = 0; i < 2 * points; ++i) {
    double t = -kPi / 2 + kPi * i / points;
    double r = i % 2 ? inner : outer;
    p.emplace_back(r * std::cos(t), r * std::sin(t));
  }
  return p;
}

Polygon circle(double r, double cx = 0, double cy = 0) {
  return radial([=](double t) { return cv::Point2d(cx + r * std::cos(t), cy + r * std::sin(t)); });
}

Polygon rotated(const Polygon& polygon, double degrees) {
  const double c = std::cos(degrees * kPi / 180), s = std::sin(degrees * kPi / 180);
  Polygon out;
  for (const auto& q : polygon) out.emplace_back(c * q.x - s * q.y, s * q.x + c * q.y);
  return out;
}

Polygon plus_sign(double arm) {
  const double a = arm;
  return {{-a, -1}, {a, -1}, {a, -a}, {1, -a}, {1, a}, {a, a}, {a, 1}, {-a, 1}, {-a, a}, {-1, a}, {-1, -a}, {-a, -a}};
}

Outline solid(Polygon fill) { return {{std::move(fill)}, {}}; }
Outline with_hole(Polygon fill, Polygon hole) { return {{std::move(fill)}, {std::move(hole)}}; }

Polygon heart() {
  return radial([](double t) {
    double x = 16 * std::pow(std::sin(t), 3);
    double y = -(13 * std::cos(t) - 5 * std::cos(2 * t) - 2 * std::cos(3 * t) - std::cos(4 * t));
    return cv::Point2d(x / 16.5, (y + 2) / 16.5);
  });
}

Polygon teardrop() {
  return radial([](double t) { return cv::Point2d(0.85 * std::sin(t) * std::sin(t / 2), -std::cos(t)); });
}

Polygon ellipse() { return radial([](double t) { return cv::Point2d(std::cos(t), 0.55 * std::sin(t)); }); }

Polygon flower(int petals) {
  return radial([petals](double t) {
    double r = 0.65 + 0.35 * std::cos(petals * t);
    return cv::Point2d(r * std::cos(t), r * std::sin(t));
  });
}

Polygon gear_rim() {
  return radial(
      [](double t) {
        double r = std::fmod(t * 10 / (2 * kPi), 1.0) < 0.5 ? 1.0 : 0.78;
        return cv::Point2d(r * std::cos(t), r * std::sin(t));
      },
      400);
}

Polygon semicircle() {
  return radial([](double t) {
    double a = kPi + t / 2;  // the upper half, closed by the straight edge
    return cv::Point2d(std::cos(a), std::sin(a) + 0.45);
  });
}

// The shapes given by their corners.
Polygon corners(ToyShape shape) {
  switch (shape) {
    case ToyShape::rectangle: return {{-1, -0.45}, {1, -0.45}, {1, 0.45}, {-1, 0.45}};
    case ToyShape::arrow: return {{-1, -0.22}, {0.2, -0.22}, {0.2, -0.6}, {1, 0}, {0.2, 0.6}, {0.2, 0.22}, {-1, 0.22}};
    case ToyShape::house: return {{0, -1}, {0.9, -0.2}, {0.65, -0.2}, {0.65, 1}, {-0.65, 1}, {-0.65, -0.2}, {-0.9, -0.2}};
    case ToyShape::hourglass: return {{-0.7, -1}, {0.7, -1}, {0.12, 0}, {0.7, 1}, {-0.7, 1}, {-0.12, 0}};
    case ToyShape::diamond: return {{0, -1}, {0.6, 0}, {0, 1}, {-0.6, 0}};
    case ToyShape::trapezoid: return {{-0.5, -0.6}, {0.5, -0.6}, {1, 0.6}, {-1, 0.6}};
    case ToyShape::t_shape:
      return {{-1, -0.9}, {1, -0.9}, {1, -0.45}, {0.25, -0.45}, {0.25, 1}, {-0.25, 1}, {-0.25, -0.45}, {-1, -0.45}};
    case ToyShape::l_shape: return {{-0.7, -1}, {-0.2, -1}, {-0.2, 0.5}, {0.7, 0.5}, {0.7, 1}, {-0.7, 1}};
    case ToyShape::parallelogram: return {{-0.5, -0.55}, {1, -0.55}, {0.5, 0.55}, {-1, 0.55}};
    default: throw Error("toy shape " + std::to_string(static_cast<int>(shape)) + " is not given by its corners");
  }
}

Outline raw_outline(ToyShape shape) {
  switch (shape) {
    case ToyShape::circle: return solid(circle(1));
    case ToyShape::triangle: return solid(regular(3, 1.05, -90));
    case ToyShape::star5: return solid(star(5, 1, 0.42));
    case ToyShape::cross: return solid(plus_sign(0.32));
    case ToyShape::heart: return solid(heart());
    case ToyShape::crescent: return with_hole(circle(1), circle(0.8, 0.45, -0.2));
    case ToyShape::ring: return with_hole(circle(1), circle(0.55));
    case ToyShape::hexagon: return solid(regular(6, 1, 0));
    case ToyShape::teardrop: return solid(teardrop());
    case ToyShape::square: return solid(regular(4, 1, 45));
    case ToyShape::ellipse: return solid(ellipse());
    case ToyShape::pentagon: return solid(regular(5, 1, -90));
    case ToyShape::octagon: return solid(regular(8, 1, 22.5));
    case ToyShape::star4: return solid(star(4, 1, 0.33));
    case ToyShape::star6: return solid(star(6, 1, 0.55));
    case ToyShape::star8: return solid(star(8, 1, 0.68));
    case ToyShape::flower3: return with_hole(flower(3), circle(0.18));
    case ToyShape::flower4: return with_hole(flower(4), circle(0.18));
    case ToyShape::flower6: return with_hole(flower(6), circle(0.18));
    case ToyShape::gear: return with_hole(gear_rim(), circle(0.3));
    case ToyShape::x_cross: return solid(rotated(plus_sign(0.25), 45));
    case ToyShape::semicircle: return solid(semicircle());
    case ToyShape::frame: return with_hole(regular(4, 1, 45), regular(4, 0.6, 45));
    case ToyShape::rectangle:
    case ToyShape::arrow:
    case ToyShape::house:
    case ToyShape::hourglass:
    case ToyShape::diamond:
    case ToyShape::trapezoid:
    case ToyShape::t_shape:
    case ToyShape::l_shape:
    case ToyShape::parallelogram: return solid(corners(shape));
  }
  throw Error("unknown toy shape");
}

// The outline scaled to fit the unit disc, so that a pose's scale bounds the object whatever its shape.
Outline outline_of(ToyShape shape) {
  Outline outline = raw_outline(shape);
  double extent = 0;
  for (const auto& polygon : outline.fills)
    for (const auto& q : polygon) extent = std::max(extent, std::hypot(q.x, q.y));
  for (auto* polygons : {&outline.fills, &outline.holes})
    for (auto& polygon : *polygons)
      for (auto& q : polygon) q /= extent;
  return outline;
}

const char* const kShapeNames[] = {
    "circle", "triangle", "star5", "cross", "heart", "crescent", "rectangle", "ring", "arrow", "hexagon", "teardrop",
    "house", "hourglass", "square", "ellipse", "diamond", "pentagon", "octagon", "star4", "star6", "star8", "flower3",
    "flower4", "flower6", "gear", "x_cross", "semicircle", "trapezoid", "t_shape", "l_shape", "parallelogram", "frame"};
const char* const kTextureNames[] = {"solid", "stripes", "dots", "checks", "rings", "grid"};
constexpr int kShapeCount = sizeof kShapeNames / sizeof kShapeNames[0];
constexpr int kTextureCount = sizeof kTextureNames / sizeof kTextureNames[0];

// Ten well-separated RGB colours.
const std::array<uint8_t, 3> kPalette[] = {{215, 40, 40},  {245, 140, 20}, {235, 205, 25}, {40, 165, 60},
                                           {20, 165, 175}, {40, 80, 215},  {140, 60, 190}, {240, 120, 180},
                                           {135, 85, 40},  {110, 110, 110}};
constexpr int kPaletteSize = sizeof kPalette / sizeof kPalette[0];

// Whether the texture marks the point (u, v) of the object's frame (units of the object radius).
bool texture_mark(ToyTexture texture, double u, double v, double frequency, double phase) {
  auto frac = [](double x) { return x - std::floor(x); };
  const double a = u * frequency + phase, b = v * frequency + phase;
  switch (texture) {
    case ToyTexture::solid: return false;
    case ToyTexture::stripes: return frac(a) < 0.45;
    case ToyTexture::dots: {
      double du = frac(a) - 0.5, dv = frac(b) - 0.5;
      return du * du + dv * dv < 0.09;
    }
    case ToyTexture::checks: return (static_cast<long>(std::floor(a)) + static_cast<long>(std::floor(b))) % 2 != 0;
    case ToyTexture::rings: return frac(std::sqrt(u * u + v * v) * frequency * 1.2 + phase) < 0.45;
    case ToyTexture::grid: return std::min(frac(a), frac(b)) < 0.2;
  }
  return false;
}

std::vector<std::vector<cv::Point>> to_pixels(const std::vector<Polygon>& polygons, double cx, double cy, double radius,
                                              double angle_degrees, int shift) {
  const double c = std::cos(angle_degrees * kPi / 180), s = std::sin(angle_degrees * kPi / 180);
  const double unit = 1 << shift;  // fillPoly's fixed point, for sub-pixel outlines
  std::vector<std::vector<cv::Point>> out;
  for (const auto& polygon : polygons) {
    std::vector<cv::Point> points;
    for (const auto& q : polygon) {
      double x = cx + radius * (c * q.x - s * q.y), y = cy + radius * (s * q.x + c * q.y);
      points.emplace_back(static_cast<int>(std::lround(x * unit)), static_cast<int>(std::lround(y * unit)));
    }
    out.push_back(std::move(points));
  }
  return out;
}

uint8_t clamp_byte(double value) { return static_cast<uint8_t>(std::clamp(std::lround(value), 0L, 255L)); }

}  // namespace

int toy_style_count() { return kShapeCount; }

ToyStyle toy_style(int index, ToyLook look) {
  if (index < 0 || index >= kShapeCount)
    throw Error("toy style " + std::to_string(index) + " does not exist (there are " + std::to_string(kShapeCount) + ")");
  ToyStyle style;
  style.shape = static_cast<ToyShape>(index);
  // Half the textures each: familiar solid/stripes/dots, novel checks/rings/grid.
  const int half = kTextureCount / 2;
  style.texture = static_cast<ToyTexture>(index % half + (look == ToyLook::novel ? half : 0));
  style.colour = kPalette[index % kPaletteSize];
  // 3i + 5 and i differ in parity mod 10, so the marks never share the body's colour.
  style.pattern = kPalette[(3 * index + 5) % kPaletteSize];
  return style;
}

std::string toy_shape_name(ToyShape shape) { return kShapeNames[static_cast<int>(shape)]; }
std::string toy_texture_name(ToyTexture texture) { return kTextureNames[static_cast<int>(texture)]; }

std::string toy_source_name(int source) {
  if (source < 0 || source >= toy_source_count)
    throw Error("toy image source " + std::to_string(source) + " does not exist");
  return source == 0 ? "toy_a" : "toy_b";
}

namespace {

// Draws one object over what `image` (BGR, square) already holds: white for a single object, the
// objects drawn before it for a scene.
void draw_toy_object(cv::Mat& image, const ToyStyle& style, const ToyPose& pose) {
  toy_source_name(pose.source);  // validates
  const int size = image.rows;
  const double half = size / 2.0;
  const double radius = pose.scale * half, cx = half + pose.dx * half, cy = half + pose.dy * half;
  constexpr int shift = 4;
  Outline outline = outline_of(style.shape);
  cv::Mat mask(size, size, CV_8U, cv::Scalar(0));
  cv::fillPoly(mask, to_pixels(outline.fills, cx, cy, radius, pose.angle, shift), cv::Scalar(255), cv::LINE_AA, shift);
  if (!outline.holes.empty())
    cv::fillPoly(mask, to_pixels(outline.holes, cx, cy, radius, pose.angle, shift), cv::Scalar(0), cv::LINE_AA, shift);

  const bool shaded = pose.source == 1;
  cv::Mat shadow;
  if (shaded) {  // the object's silhouette, offset down-right and blurred
    cv::Mat moved;
    cv::Mat shift_matrix = (cv::Mat_<double>(2, 3) << 1, 0, 0.08 * radius, 0, 1, 0.1 * radius);
    cv::warpAffine(mask, moved, shift_matrix, mask.size(), cv::INTER_NEAREST, cv::BORDER_CONSTANT, cv::Scalar(0));
    cv::GaussianBlur(moved, shadow, cv::Size(0, 0), std::max(1.0, size / 80.0));
  }

  const double c = std::cos(pose.angle * kPi / 180), s = std::sin(pose.angle * kPi / 180);
  const double frequency = 2.2 * pose.texture_scale;
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      // Object frame: undo the rotation so the texture turns with the object.
      const double px = (x + 0.5 - cx) / radius, py = (y + 0.5 - cy) / radius;
      const double u = c * px + s * py, v = -s * px + c * py;
      const auto& base = texture_mark(style.texture, u, v, frequency, pose.texture_phase) ? style.pattern : style.colour;
      // Light from the top of the picture in source b.
      const double light = shaded ? std::clamp(1.15 - 0.3 * (py + 1) / 2, 0.75, 1.15) : 1.0;
      const double alpha = mask.at<uint8_t>(y, x) / 255.0;
      cv::Vec3b& pixel = image.at<cv::Vec3b>(y, x);
      for (int k = 0; k < 3; ++k) {  // BGR in OpenCV, RGB in the style
        // The shadow darkens what lies below in proportion; on white this is 255 - 0.35 * shadow exactly.
        const double below = pixel[k];
        const double background = shaded ? below - 0.35 * shadow.at<uint8_t>(y, x) * (below / 255.0) : below;
        const double body = std::clamp((base[2 - k] + pose.colour_shift[2 - k]) * light, 0.0, 255.0);
        pixel[k] = clamp_byte(background * (1 - alpha) + body * alpha);
      }
    }
  }
  // The outline follows the drawn silhouette, holes included.
  cv::Mat binary;
  cv::threshold(mask, binary, 127, 255, cv::THRESH_BINARY);
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(binary, contours, cv::RETR_LIST, cv::CHAIN_APPROX_NONE);
  const int thickness = shaded ? std::max(2, size / 50) : std::max(1, size / 128);
  const cv::Scalar ink = shaded ? cv::Scalar(75, 75, 75) : cv::Scalar(20, 20, 20);
  cv::drawContours(image, contours, -1, ink, thickness, cv::LINE_AA);
}

std::string encode_png(const cv::Mat& image) {
  std::vector<unsigned char> encoded;
  if (!cv::imencode(".png", image, encoded)) throw Error("cannot encode a toy image as PNG");
  return std::string(encoded.begin(), encoded.end());
}

void check_size(int size) {
  if (size < 16) throw Error("toy image size " + std::to_string(size) + " is too small (at least 16)");
}

}  // namespace

std::string render_toy_png(const ToyStyle& style, const ToyPose& pose, int size) {
  check_size(size);
  cv::Mat image(size, size, CV_8UC3, cv::Scalar(255, 255, 255));
  draw_toy_object(image, style, pose);
  return encode_png(image);
}

std::string render_toy_scene_png(const std::vector<ToyStyle>& styles, const std::vector<ToyPose>& poses, int size) {
  check_size(size);
  if (styles.size() != poses.size())
    throw Error("toy scene: " + std::to_string(styles.size()) + " styles but " + std::to_string(poses.size()) + " poses");
  cv::Mat image(size, size, CV_8UC3, cv::Scalar(255, 255, 255));
  for (size_t i = 0; i < styles.size(); ++i) draw_toy_object(image, styles[i], poses[i]);
  return encode_png(image);
}

void write_toy_image(const std::string& path, const ToyStyle& style, const ToyPose& pose, int size) {
  core::write_file_atomic(path, render_toy_png(style, pose, size));
}

}  // namespace vgs::data
