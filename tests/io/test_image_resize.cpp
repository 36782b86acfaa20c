// Tests of the image resize against the reference: PNGs written here go through PIL and torchvision
// (tests/python/ref_pil_resize.py) as me-vgs and DINO's eval transforms apply them, and vgs must
// give the same pixels; also the image.interpolation key and what a feature store records of it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>

#include "tests/support/temp_dir.h"
#include "vgs/core/config.h"
#include "vgs/core/error.h"
#include "vgs/core/schema.h"
#include "vgs/io/image.h"
#include "vgs/io/options.h"
#include "vgs/io/pil_resample.h"

using namespace vgs;
using Catch::Contains;

namespace {

io::Image8 make_image8(int h, int w, const std::function<int(int, int, int)>& value) {
  io::Image8 image;
  image.height = h;
  image.width = w;
  image.data.resize(static_cast<size_t>(3) * h * w);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) image.data[(static_cast<size_t>(y) * w + x) * 3 + c] = static_cast<uint8_t>(value(c, y, x));
  return image;
}

io::Image8 noise(int h, int w, unsigned seed) {
  std::mt19937 random(seed);
  return make_image8(h, w, [&](int, int, int) { return static_cast<int>(random() % 256); });
}

// Saturated checkerboard, stripes and one-pixel lines: where a filter's overshoot and antialiasing
// show the most (bicubic's negative lobes must clamp at 0 and 255).
io::Image8 sharp_edges(int h, int w) {
  return make_image8(h, w, [w](int c, int y, int x) {
    if (x < w / 3) return ((x / 7 + y / 7 + c) % 2) * 255;
    if (x < 2 * w / 3) return ((x + 2 * y) / 5 % 2 == 0) == (c != 1) ? 255 : 0;
    return (x % 4 == 0 || y % 5 == 0) ? 255 : 10 * c;
  });
}

io::Image8 gradient(int h, int w) {
  return make_image8(h, w, [h, w](int c, int y, int x) {
    const double t = c == 0 ? double(x) / (w - 1) : c == 1 ? double(y) / (h - 1) : 0.5 + 0.5 * std::sin(0.05 * (x + y));
    return static_cast<int>(std::lround(255 * t));
  });
}

struct Reference {
  int channels = 0, height = 0, width = 0;
  std::vector<float> values;
};

Reference read_reference(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  int32_t shape[3];
  in.read(reinterpret_cast<char*>(shape), sizeof shape);
  Reference r{shape[0], shape[1], shape[2], {}};
  r.values.resize(static_cast<size_t>(r.channels) * r.height * r.width);
  in.read(reinterpret_cast<char*>(r.values.data()), static_cast<std::streamsize>(r.values.size() * sizeof(float)));
  REQUIRE(in);
  return r;
}

// The largest |vgs - reference| in grey levels (1/255), after checking the shapes agree.
double max_grey_level_difference(const io::Image& ours, const Reference& reference, float scale) {
  REQUIRE(ours.channels == reference.channels);
  REQUIRE(ours.height == reference.height);
  REQUIRE(ours.width == reference.width);
  double worst = 0;
  for (size_t i = 0; i < ours.data.size(); ++i)
    worst = std::max(worst, std::abs(double(ours.data[i]) - double(reference.values[i])) * scale);
  return worst;
}

struct Case {
  const char* name;  // the reference's, tests/python/ref_pil_resize.py
  io::ResizePolicy policy;
  io::Interpolation interpolation;
  bool normalize;
  bool horizontal_first;  // false: torchvision with the installed Pillow's pass order
};

const Case kCases[] = {
    {"square_bilinear", io::ResizePolicy::square, io::Interpolation::pil_bilinear, false, false},
    {"square_bicubic", io::ResizePolicy::square, io::Interpolation::pil_bicubic, false, false},
    {"crop_bilinear", io::ResizePolicy::shorter_side_crop, io::Interpolation::pil_bilinear, false, false},
    {"crop_bicubic", io::ResizePolicy::shorter_side_crop, io::Interpolation::pil_bicubic, false, false},
    {"square_bilinear_normalized", io::ResizePolicy::square, io::Interpolation::pil_bilinear, true, false},
    {"square_bilinear_hfirst", io::ResizePolicy::square, io::Interpolation::pil_bilinear, false, true},
    {"square_bicubic_hfirst", io::ResizePolicy::square, io::Interpolation::pil_bicubic, false, true},
    {"crop_bilinear_hfirst", io::ResizePolicy::shorter_side_crop, io::Interpolation::pil_bilinear, false, true},
    {"crop_bicubic_hfirst", io::ResizePolicy::shorter_side_crop, io::Interpolation::pil_bicubic, false, true},
};

io::PilPassOrder installed_pillow_order(const std::string& dir) {
  std::ifstream in(dir + "/pass_order.txt");
  std::string word;
  in >> word;
  REQUIRE((word == "pillow13" || word == "horizontal_first"));
  return word == "pillow13" ? io::PilPassOrder::pillow13 : io::PilPassOrder::horizontal_first;
}

// The test images by name (the reference script reads every PNG of the folder).
std::vector<std::pair<std::string, io::Image8>> test_images() {
  return {
      {"noise_375x500", noise(375, 500, 1)},    // non-square, downscaled by 1.46 and 1.95
      {"noise_500x375", noise(500, 375, 5)},    // portrait: Pillow 13 runs its vertical pass first
      {"edges_480x640", sharp_edges(480, 640)},  // photo-sized, downscaled by 1.875 and 2.5
      {"edges_999x1000", sharp_edges(999, 1000)},
      {"gradient_200x300", gradient(200, 300)},  // height upscaled, width downscaled
      {"noise_60x100", noise(60, 100, 2)},       // upscaled both ways
      {"tiny_3x5", noise(3, 5, 3)},
      {"noise_256x256", noise(256, 256, 4)},  // square: nothing to resize
      {"edges_400x256", sharp_edges(400, 256)},  // square: only the vertical pass
      {"edges_640x427", sharp_edges(640, 427)},  // portrait photo-sized
  };
}

}  // namespace

TEST_CASE("pil_bilinear and pil_bicubic give torchvision's pixels on PIL images, in either pass order") {
  test::TempDir dir;
  const auto images = test_images();
  for (const auto& [name, image] : images) io::write_image(dir.file(name + ".png"), image);
  auto made = test::run_python("ref_pil_resize.py", dir.path());
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
  const io::PilPassOrder installed = installed_pillow_order(dir.path());
  for (const auto& [name, image] : images)
    for (const Case& c : kCases) {
      io::ImageOptions options{c.policy, c.interpolation, c.horizontal_first ? io::PilPassOrder::horizontal_first : installed,
                               256, 224, c.normalize};
      const io::Image ours = io::load_image(dir.file(name + ".png"), options);
      const Reference reference = read_reference(dir.file(name + "." + c.name + ".f32"));
      // Normalised values are in standard deviations: back to grey levels with the largest std.
      const float scale = c.normalize ? 255.0f * 0.229f : 255.0f;
      const double difference = max_grey_level_difference(ours, reference, scale);
      std::cout << "[resize] " << name << " " << c.name << ": max |vgs - torchvision| = " << difference
                << " grey levels\n";
      INFO(name << " " << c.name);
      CHECK(difference <= 1.0);   // the requirement
      CHECK(difference < 1e-4);   // what PIL's algorithm in vgs gives: the same bytes, the same floats
    }
}

TEST_CASE("opencv_bicubic_float stays available and differs from PIL's bilinear on sharp edges") {
  test::TempDir dir;
  const std::string path = dir.file("edges.png");
  io::write_image(path, sharp_edges(480, 640));
  io::ImageOptions pil{io::ResizePolicy::square, io::Interpolation::pil_bilinear, io::PilPassOrder::horizontal_first,
                      256, 224, false};
  io::ImageOptions opencv = pil;
  opencv.interpolation = io::Interpolation::opencv_bicubic_float;
  const io::Image a = io::load_image(path, pil), b = io::load_image(path, opencv);
  REQUIRE(a.data.size() == b.data.size());
  double worst = 0, total = 0;
  for (size_t i = 0; i < a.data.size(); ++i) {
    const double d = std::abs(double(a.data[i]) - double(b.data[i])) * 255;
    worst = std::max(worst, d);
    total += d;
  }
  std::cout << "[resize] edges_480x640 square: opencv_bicubic_float vs pil_bilinear: max " << worst << ", mean "
            << total / a.data.size() << " grey levels\n";
  CHECK(worst > 20);  // without antialiasing, OpenCV samples the stripes instead of averaging them
}

TEST_CASE("PIL's filters keep constants, and refuse sizes that are not positive") {
  const io::Image8 grey = make_image8(7, 13, [](int c, int, int) { return 40 + 100 * c; });
  for (auto filter : {io::PilFilter::bilinear, io::PilFilter::bicubic}) {
    const io::Image8 big = io::pil_resize(grey, 30, 20, filter), small = io::pil_resize(grey, 2, 3, filter);
    CHECK(big.at(2, 29, 19) == 240);
    CHECK(small.at(1, 1, 2) == 140);
  }
  CHECK(test::error_of([&] { io::pil_resize(grey, 0, 5, io::PilFilter::bilinear); }) ==
        "resize to 0x5: sizes must be positive");
}

TEST_CASE("image.interpolation is read from a recipe, and a bad value is one line naming the choices") {
  test::TempDir dir;
  core::Schema schema;
  io::add_io_options(schema);
  CHECK(io::image_options(core::Config::load(schema, dir.write("default.yaml", ""))).interpolation ==
        io::Interpolation::pil_bilinear);
  const std::string dino = dir.write("dino.yaml", "image:\n  resize_policy: shorter_side_crop\n  interpolation: pil_bicubic\n");
  CHECK(io::image_options(core::Config::load(schema, dino)).interpolation == io::Interpolation::pil_bicubic);
  CHECK(io::image_options(core::Config::load(schema, dino, {"image.pil_pass_order=pillow13"})).pil_pass_order ==
        io::PilPassOrder::pillow13);
  const std::string bad = dir.write("bad.yaml", "image:\n  interpolation: bilinear\n");
  CHECK(test::error_of([&] { core::Config::load(schema, bad); }) ==
        bad + ":2: image.interpolation: expected one of pil_bilinear, pil_bicubic, opencv_bicubic_float, got 'bilinear'");
}

TEST_CASE("a feature store records the image preprocessing in the recipe's words") {
  io::ImageOptions o;
  CHECK(io::describe_image_preprocessing(o) == "square 256, pil_bilinear, mean 0.485,0.456,0.406 std 0.229,0.224,0.225");
  o.policy = io::ResizePolicy::shorter_side_crop;
  o.interpolation = io::Interpolation::pil_bicubic;
  o.normalize = false;
  CHECK(io::describe_image_preprocessing(o) == "shorter_side_crop 256 crop 224, pil_bicubic, no normalize");
  o.pil_pass_order = io::PilPassOrder::pillow13;
  CHECK(io::describe_image_preprocessing(o) == "shorter_side_crop 256 crop 224, pil_bicubic pillow13, no normalize");
  o.policy = io::ResizePolicy::none;
  CHECK(io::describe_image_preprocessing(o) == "none, no normalize");
}
