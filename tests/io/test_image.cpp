// Tests of image input: decoding and channel order, both resize policies against hand-computed
// pixels, normalisation, and the errors for bad files.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/io/image.h"

using namespace vgs;
using Catch::Contains;

namespace {
// A single-channel-per-plane image whose value at (c, y, x) is f(c, y, x).
io::Image make_image(int h, int w, const std::function<float(int, int, int)>& f) {
  io::Image image;
  image.height = h;
  image.width = w;
  image.data.resize(static_cast<size_t>(3 * h * w));
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) image.data[(static_cast<size_t>(c) * h + y) * w + x] = f(c, y, x);
  return image;
}

using vgs::test::error_of;

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

TEST_CASE("a PNG decodes to RGB planes between 0 and 1") {
  test::TempDir dir;
  // Red, green, blue and a grey of 51/255 = 0.2.
  io::Image image = make_image(1, 4, [](int c, int, int x) {
    if (x == 3) return 0.2f;
    return c == x ? 1.0f : 0.0f;
  });
  std::string path = dir.file("rgb.png");
  io::write_image(path, image);
  io::Image back = io::decode_image(path);
  REQUIRE(back.height == 1);
  REQUIRE(back.width == 4);
  CHECK(back.at(0, 0, 0) == 1.0f);
  CHECK(back.at(1, 0, 0) == 0.0f);
  CHECK(back.at(1, 0, 1) == 1.0f);
  CHECK(back.at(2, 0, 2) == 1.0f);
  CHECK(back.at(0, 0, 3) == Approx(0.2f));
}

TEST_CASE("opencv_bicubic_float resize: a linear ramp stays linear inside, constants stay constant") {
  // 8 columns with value 10 * x, resized to 4 (downscale by 2). OpenCV maps output x to input
  // 2x + 0.5; cubic convolution reproduces linear functions, so interior outputs are 10 * (2x + 0.5).
  io::Image ramp = make_image(8, 8, [](int, int, int x) { return 10.0f * x; });
  io::Image small = io::opencv_bicubic_resize(ramp, 4, 4);
  REQUIRE(small.width == 4);
  CHECK(small.at(0, 1, 1) == Approx(25.0f).margin(1e-3));
  CHECK(small.at(2, 2, 2) == Approx(45.0f).margin(1e-3));
  // Upscale 4 -> 8: output x maps to (x + 0.5) / 2 - 0.5, i.e. 1.25 for x = 3 and 1.75 for x = 4.
  // OpenCV's cubic kernel (Keys, a = -0.75) reproduces a ramp only at half-way points, so the
  // expected values come from the kernel itself: sum over taps of w(distance) * 10 * tap.
  auto keys = [](double d) {
    const double a = -0.75;
    d = std::abs(d);
    return d <= 1 ? (a + 2) * d * d * d - (a + 3) * d * d + 1 : a * d * d * d - 5 * a * d * d + 8 * a * d - 4 * a;
  };
  auto expected = [&](double source) {
    double base = std::floor(source), value = 0;
    for (int tap = -1; tap <= 2; ++tap) value += keys(source - (base + tap)) * 10.0 * (base + tap);
    return value;
  };
  io::Image coarse = make_image(4, 4, [](int, int, int x) { return 10.0f * x; });
  io::Image big = io::opencv_bicubic_resize(coarse, 8, 8);
  CHECK(big.at(1, 3, 3) == Approx(expected(1.25)).margin(1e-3));  // 12.96875
  CHECK(big.at(1, 4, 4) == Approx(expected(1.75)).margin(1e-3));  // 17.03125
  CHECK(expected(1.25) == Approx(12.96875));
  io::Image flat = io::opencv_bicubic_resize(make_image(5, 7, [](int c, int, int) { return 0.1f * (c + 1); }), 256, 256);
  CHECK(flat.at(0, 100, 17) == Approx(0.1f));
  CHECK(flat.at(2, 255, 255) == Approx(0.3f));
}

TEST_CASE("shorter side then centre crop follows torchvision's sizes and offsets") {
  // 4 x 8 (h x w): shorter side already 4, so the crop alone decides: columns round((8-4)/2) = 2..5.
  io::Image wide = make_image(4, 8, [](int, int y, int x) { return static_cast<float>(10 * y + x); });
  io::ImageSize same = io::shorter_side_size(4, 8, 4);
  CHECK(same.height == 4);
  CHECK(same.width == 8);
  io::Image cropped = io::center_crop(wide, 4);
  REQUIRE(cropped.height == 4);
  REQUIRE(cropped.width == 4);
  CHECK(cropped.at(0, 0, 0) == 2.0f);
  CHECK(cropped.at(0, 3, 3) == 35.0f);
  // Odd margins round half to even like Python's round(): (7 - 4) / 2 = 1.5 -> 2.
  io::Image odd = make_image(4, 7, [](int, int, int x) { return static_cast<float>(x); });
  CHECK(io::center_crop(odd, 4).at(0, 0, 0) == 2.0f);
  io::Image five = make_image(4, 5, [](int, int, int x) { return static_cast<float>(x); });
  CHECK(io::center_crop(five, 4).at(0, 0, 0) == 0.0f);  // (5 - 4) / 2 = 0.5 -> 0
  // 200 x 300 -> shorter side 256: the long side is int(256 * 300 / 200) = 384.
  io::ImageSize resized = io::shorter_side_size(200, 300, 256);
  CHECK(resized.height == 256);
  CHECK(resized.width == 384);
  io::ImageSize tall = io::shorter_side_size(301, 200, 256);
  CHECK(tall.width == 256);
  CHECK(tall.height == 385);  // int(256 * 301 / 200) = int(385.28)
}

TEST_CASE("normalisation subtracts the mean and divides by the std per channel") {
  io::Image image = make_image(1, 1, [](int c, int, int) { return 0.5f + 0.1f * c; });
  io::normalize_image(image, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f});
  CHECK(image.at(0, 0, 0) == Approx((0.5f - 0.485f) / 0.229f));
  CHECK(image.at(1, 0, 0) == Approx((0.6f - 0.456f) / 0.224f));
  CHECK(image.at(2, 0, 0) == Approx((0.7f - 0.406f) / 0.225f));
}

TEST_CASE("load_image applies both policies end to end") {
  test::TempDir dir;
  std::string path = dir.file("photo.jpg");
  io::write_image(path, make_image(300, 400, [](int c, int y, int x) { return ((x + y + c * 30) % 255) / 255.0f; }));
  io::ImageOptions dino{io::ResizePolicy::shorter_side_crop, io::Interpolation::pil_bicubic,
                        io::PilPassOrder::horizontal_first, 256, 224, true};
  io::Image a = io::load_image(path, dino);
  CHECK(a.height == 224);
  CHECK(a.width == 224);
  io::ImageOptions me_vgs{io::ResizePolicy::square, io::Interpolation::pil_bilinear, io::PilPassOrder::horizontal_first,
                          256, 224, false};
  io::Image b = io::load_image(path, me_vgs);
  CHECK(b.height == 256);
  CHECK(b.width == 256);
  CHECK(b.at(0, 0, 0) >= 0.0f);
}

TEST_CASE("missing, empty, corrupt and truncated images are named with the reason") {
  test::TempDir dir;
  CHECK(error_of([&] { io::decode_image(dir.file("no.png")); }) == dir.file("no.png") + ": image file not found");
  std::string empty = dir.write("empty.png", "");
  CHECK(error_of([&] { io::decode_image(empty); }) == empty + ": image file is empty");
  std::string junk = dir.write("junk.jpg", std::string(500, 'z'));
  CHECK_THAT(error_of([&] { io::decode_image(junk); }), Contains(junk + ": cannot decode image"));

  io::Image picture = make_image(64, 64, [](int c, int y, int x) { return ((x * 7 + y * 3 + c) % 17) / 17.0f; });
  std::string jpg = dir.file("p.jpg"), png = dir.file("p.png");
  io::write_image(jpg, picture);
  io::write_image(png, picture);
  std::string cut_jpg = dir.write("cut.jpg", file_bytes(jpg).substr(0, file_bytes(jpg).size() / 2));
  CHECK(error_of([&] { io::decode_image(cut_jpg); }) == cut_jpg + ": truncated JPEG (no end-of-image marker)");
  std::string cut_png = dir.write("cut.png", file_bytes(png).substr(0, file_bytes(png).size() / 2));
  CHECK_THAT(error_of([&] { io::decode_image(cut_png); }), Contains(cut_png + ": cannot decode image"));
}
