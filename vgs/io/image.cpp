// Image input: OpenCV decodes to 8-bit RGB, the resize runs in 8 bits as PIL's (pil_resample.cpp) or
// in float as OpenCV's bicubic, then float and normalisation; and writing for the toy world.
#include "vgs/io/image.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/io/image_header.h"
#include "vgs/io/pil_resample.h"

namespace vgs::io {

namespace {

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(path + ": image file not found");
  if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory, not an image");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read image");
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.empty()) throw Error(path + ": image file is empty");
  return bytes;
}

// libjpeg decodes a truncated JPEG into a grey-padded picture with only a warning; the end-of-image
// marker tells a whole file from a cut one.
bool is_truncated_jpeg(const std::vector<unsigned char>& bytes) {
  if (bytes.size() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) return false;  // not a JPEG
  size_t tail = bytes.size() > 64 ? bytes.size() - 64 : 2;
  for (size_t i = bytes.size() - 1; i > tail; --i)
    if (bytes[i - 1] == 0xFF && bytes[i] == 0xD9) return false;
  return true;
}

// HWC float RGB Mat -> planar Image.
Image from_mat(const cv::Mat& rgb) {
  Image image;
  image.channels = rgb.channels();
  image.height = rgb.rows;
  image.width = rgb.cols;
  image.data.resize(static_cast<size_t>(image.channels) * image.height * image.width);
  std::vector<cv::Mat> planes;
  for (int c = 0; c < image.channels; ++c)
    planes.emplace_back(image.height, image.width, CV_32F,
                        image.data.data() + static_cast<size_t>(c) * image.height * image.width);
  cv::split(rgb, planes);
  return image;
}

// Planar Image -> HWC float Mat (a copy).
cv::Mat to_mat(const Image& image) {
  std::vector<cv::Mat> planes;
  for (int c = 0; c < image.channels; ++c)
    planes.emplace_back(image.height, image.width, CV_32F,
                        const_cast<float*>(image.data.data()) + static_cast<size_t>(c) * image.height * image.width);
  cv::Mat merged;
  cv::merge(planes, merged);
  return merged;
}

// Encodes 8-bit BGR by the path's extension (PNG when none) and writes it atomically.
void encode_to_file(const std::string& path, const cv::Mat& bgr) {
  std::vector<unsigned char> encoded;
  std::string extension = std::filesystem::path(path).extension().string();
  if (!cv::imencode(extension.empty() ? ".png" : extension, bgr, encoded))
    throw Error(path + ": cannot encode image (unknown extension?)");
  core::write_file_atomic(path, std::string(encoded.begin(), encoded.end()));
}

}  // namespace

Image8 decode_image8(const std::string& path, int64_t max_pixels) {
  std::vector<unsigned char> bytes = read_bytes(path);
  if (auto size = image_size_from_header(bytes); size && size->pixels() > max_pixels)
    throw Error(path + ": the image claims " + std::to_string(size->width) + "x" + std::to_string(size->height) +
                " pixels, more than image.max_pixels (" + std::to_string(max_pixels) + ")");
  if (is_truncated_jpeg(bytes)) throw Error(path + ": truncated JPEG (no end-of-image marker)");
  cv::Mat bgr;
  try {
    bgr = cv::imdecode(bytes, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw Error(path + ": cannot decode image: " + e.msg);
  }
  if (bgr.empty()) throw Error(path + ": cannot decode image (corrupt, truncated or unknown format)");
  cv::Mat rgb;  // freshly allocated, hence continuous
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  Image8 image;
  image.height = rgb.rows;
  image.width = rgb.cols;
  image.data.assign(rgb.data, rgb.data + rgb.total() * rgb.elemSize());
  return image;
}

Image decode_image(const std::string& path, int64_t max_pixels) { return to_float_image(decode_image8(path, max_pixels)); }

Image to_float_image(const Image8& image) {
  Image out;
  out.channels = image.channels;
  out.height = image.height;
  out.width = image.width;
  out.data.resize(image.data.size());
  const size_t plane = static_cast<size_t>(image.height) * image.width;
  for (size_t i = 0; i < plane; ++i)
    for (int c = 0; c < image.channels; ++c)  // a float division, as ToTensor's div(255)
      out.data[c * plane + i] = static_cast<float>(image.data[i * image.channels + c]) / 255.0f;
  return out;
}

Image opencv_bicubic_resize(const Image& image, int height, int width) {
  if (height <= 0 || width <= 0) throw Error("resize to " + std::to_string(height) + "x" + std::to_string(width) + ": sizes must be positive");
  if (height == image.height && width == image.width) return image;
  cv::Mat resized;
  cv::resize(to_mat(image), resized, cv::Size(width, height), 0, 0, cv::INTER_CUBIC);
  return from_mat(resized);
}

Image resize_to_float(const Image8& image, int height, int width, Interpolation interpolation, PilPassOrder order) {
  switch (interpolation) {
    case Interpolation::pil_bilinear: return to_float_image(pil_resize(image, height, width, PilFilter::bilinear, order));
    case Interpolation::pil_bicubic: return to_float_image(pil_resize(image, height, width, PilFilter::bicubic, order));
    case Interpolation::opencv_bicubic_float: return opencv_bicubic_resize(to_float_image(image), height, width);
  }
  throw std::logic_error("resize_to_float: an unknown interpolation");
}

ImageSize shorter_side_size(int height, int width, int size) {
  if (height <= width) return {static_cast<int>(static_cast<double>(size) * width / height), size};
  return {size, static_cast<int>(static_cast<double>(size) * height / width)};  // ImageSize is {width, height}
}

Image center_crop(const Image& image, int crop) {
  if (crop > image.height || crop > image.width)
    throw Error("centre crop " + std::to_string(crop) + " is larger than the image (" +
                std::to_string(image.height) + "x" + std::to_string(image.width) + ")");
  // Python's round() (half to even), as torchvision computes the offsets.
  const int top = static_cast<int>(std::nearbyint((image.height - crop) / 2.0));
  const int left = static_cast<int>(std::nearbyint((image.width - crop) / 2.0));
  Image out;
  out.channels = image.channels;
  out.height = out.width = crop;
  out.data.resize(static_cast<size_t>(image.channels) * crop * crop);
  for (int c = 0; c < image.channels; ++c)
    for (int y = 0; y < crop; ++y)
      for (int x = 0; x < crop; ++x)
        out.data[(static_cast<size_t>(c) * crop + y) * crop + x] = image.at(c, top + y, left + x);
  return out;
}

void normalize_image(Image& image, const std::array<float, 3>& mean, const std::array<float, 3>& std) {
  const size_t plane = static_cast<size_t>(image.height) * image.width;
  for (int c = 0; c < image.channels; ++c)
    for (size_t i = 0; i < plane; ++i)
      image.data[c * plane + i] = (image.data[c * plane + i] - mean[c]) / std[c];
}

Image preprocess_image(const Image8& decoded, const ImageOptions& options) {
  Image image;
  switch (options.policy) {
    case ResizePolicy::none: image = to_float_image(decoded); break;
    case ResizePolicy::square:
      image = resize_to_float(decoded, options.resize, options.resize, options.interpolation, options.pil_pass_order);
      break;
    case ResizePolicy::shorter_side_crop: {
      const ImageSize size = shorter_side_size(decoded.height, decoded.width, options.resize);
      image = center_crop(
          resize_to_float(decoded, static_cast<int>(size.height), static_cast<int>(size.width), options.interpolation,
                          options.pil_pass_order),
          options.crop);
      break;
    }
  }
  if (options.normalize) normalize_image(image, options.mean, options.std);
  return image;
}

Image load_image(const std::string& path, const ImageOptions& options) {
  return preprocess_image(decode_image8(path, options.max_pixels), options);
}

void write_image(const std::string& path, const Image& image) {
  cv::Mat rgb = to_mat(image), bgr, bytes8;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  bgr.convertTo(bytes8, CV_8U, 255.0);
  encode_to_file(path, bytes8);
}

void write_image(const std::string& path, const Image8& image) {
  if (image.channels != 3) throw Error(path + ": can only write RGB images, got " + std::to_string(image.channels) + " channels");
  cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.data.data())), bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  encode_to_file(path, bgr);
}

}  // namespace vgs::io
