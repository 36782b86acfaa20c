// Tests of image sizes read from headers (real files written by OpenCV in each format) and of the
// pixel limit that refuses an image claiming 100000 x 100000 pixels before decoding it.
#include <catch2/catch.hpp>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "tests/support/temp_dir.h"
#include "vgs/core/fs.h"
#include "vgs/io/image.h"
#include "vgs/io/image_header.h"

using namespace vgs;

namespace {

// A 37 x 23 picture (width x height) encoded as `extension` by OpenCV.
std::vector<unsigned char> encoded(const std::string& extension) {
  cv::Mat picture(23, 37, CV_8UC3, cv::Scalar(10, 200, 90));
  std::vector<unsigned char> bytes;
  REQUIRE(cv::imencode(extension, picture, bytes));
  return bytes;
}

// A real PNG whose header is changed to claim width x height pixels (the pixel data stays small).
std::string png_claiming(const test::TempDir& dir, uint32_t width, uint32_t height) {
  std::vector<unsigned char> bytes = encoded(".png");
  for (int i = 0; i < 4; ++i) {
    bytes[16 + i] = static_cast<unsigned char>(width >> (24 - 8 * i));
    bytes[20 + i] = static_cast<unsigned char>(height >> (24 - 8 * i));
  }
  return dir.write("huge.png", std::string(bytes.begin(), bytes.end()));
}

}  // namespace

TEST_CASE("image sizes are read from the headers of PNG, JPEG, BMP, WebP and PNM files") {
  for (std::string extension : {".png", ".jpg", ".bmp", ".webp", ".ppm"}) {
    INFO(extension);
    auto size = io::image_size_from_header(encoded(extension));
    REQUIRE(size.has_value());
    CHECK(size->width == 37);
    CHECK(size->height == 23);
  }
  const std::string pgm = "P5\n# a comment between the numbers\n37 \n23\n255\n";
  auto commented = io::image_size_from_header({pgm.begin(), pgm.end()});
  REQUIRE(commented.has_value());
  CHECK((commented->width == 37 && commented->height == 23));
  const std::vector<unsigned char> lossless = encoded(".webp");
  CHECK_FALSE(io::image_size_from_header({'G', 'I', 'F'}).has_value());
  CHECK_FALSE(io::image_size_from_header({0x89, 'P', 'N', 'G'}).has_value());  // cut short
  CHECK_FALSE(io::image_size_from_header(std::vector<unsigned char>(lossless.begin(), lossless.begin() + 14)).has_value());
}

TEST_CASE("an image claiming 100000x100000 pixels is refused from its header, before decoding") {
  test::TempDir dir;
  const std::string huge = png_claiming(dir, 100000, 100000);
  CHECK(test::error_of([&] { io::decode_image(huge); }) ==
        huge + ": the image claims 100000x100000 pixels, more than image.max_pixels (89478485)");
  io::ImageOptions options;
  options.max_pixels = 850;
  const std::string small = dir.write("small.png", core::read_file(png_claiming(dir, 37, 23)));
  CHECK(test::error_of([&] { io::load_image(small, options); }) ==
        small + ": the image claims 37x23 pixels, more than image.max_pixels (850)");
  options.max_pixels = 851;  // exactly 37 x 23 is allowed
  CHECK(io::load_image(small, options).height == options.resize);
}
