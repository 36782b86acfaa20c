// Procedural object pictures for the toy world (vgs/data/toy_world.h): each class is a shape, two
// colours and a texture (stripes, dots, checks...), drawn with OpenCV at a random pose on a white
// background, in one of two "sources" that differ in outline and shading as image corpora differ.
// Part of vgs_data, next to its one user, the toy world; it knows nothing of words, only style indices.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vgs::data {

enum class ToyShape {
  circle, triangle, star5, cross, heart, crescent, rectangle, ring, arrow, hexagon, teardrop, house, hourglass,
  square, ellipse, diamond, pentagon, octagon, star4, star6, star8, flower3, flower4, flower6, gear, x_cross,
  semicircle, trapezoid, t_shape, l_shape, parallelogram, frame
};
enum class ToyTexture { solid, stripes, dots, checks, rings, grid };

struct ToyStyle {
  ToyShape shape = ToyShape::circle;
  ToyTexture texture = ToyTexture::solid;
  std::array<uint8_t, 3> colour{0, 0, 0};   // RGB body colour
  std::array<uint8_t, 3> pattern{0, 0, 0};  // RGB colour of the texture's marks
};

// Which textures a class may wear: familiar classes solid, stripes and dots; novel classes checks,
// rings and grid, so that a novel object looks unlike every familiar one (its shape is its own too),
// as the real ME test's novel categories do.
enum class ToyLook { familiar, novel };

// The built-in class styles: every index has its own shape, so classes stay apart whatever the pose.
int toy_style_count();                         // 32
ToyStyle toy_style(int index, ToyLook look);   // vgs::Error outside [0, toy_style_count())
std::string toy_shape_name(ToyShape shape);
std::string toy_texture_name(ToyTexture texture);

// The two image sources: 0 "toy_a" (flat colours, thin black outline), 1 "toy_b" (shaded from the top,
// thick grey outline, a soft shadow).
inline constexpr int toy_source_count = 2;
std::string toy_source_name(int source);

// Everything random about one picture; the toy world draws these from its seed.
struct ToyPose {
  double angle = 0.0;          // rotation in degrees
  double scale = 0.7;          // object radius as a fraction of half the image side
  double dx = 0.0, dy = 0.0;   // centre offset as a fraction of half the image side
  double texture_scale = 1.0;  // texture frequency multiplier
  double texture_phase = 0.0;  // texture offset in periods, [0, 1)
  std::array<double, 3> colour_shift{0, 0, 0};  // added to both colours (RGB, 0-255 units)
  int source = 0;              // see toy_source_name
};

// The picture as PNG bytes (8-bit RGB, size x size); a pure function of its arguments.
std::string render_toy_png(const ToyStyle& style, const ToyPose& pose, int size = 256);
// Several objects in one picture, drawn in order over a white background (later ones on top), each
// at its own pose; one object gives render_toy_png's bytes. vgs::Error when the counts differ.
std::string render_toy_scene_png(const std::vector<ToyStyle>& styles, const std::vector<ToyPose>& poses, int size = 256);
// render_toy_png written atomically to `path`.
void write_toy_image(const std::string& path, const ToyStyle& style, const ToyPose& pose, int size = 256);

}  // namespace vgs::data
