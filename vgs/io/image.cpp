// Image input with OpenCV: decode, resize policies, normalisation; and writing for the toy world.
#include "vgs/io/image.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "vgs/core/error.h"
#include "vgs/io/image_header.h"
#include "vgs/core/fs.h"

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

}  // namespace

Image decode_image(const std::string& path, int64_t max_pixels) {
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
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  rgb.convertTo(rgb, CV_32F, 1.0 / 255.0);
  return from_mat(rgb);
}

Image resize_image(const Image& image, int height, int width) {
  if (height <= 0 || width <= 0) throw Error("resize to " + std::to_string(height) + "x" + std::to_string(width) + ": sizes must be positive");
  if (height == image.height && width == image.width) return image;
  cv::Mat resized;
  cv::resize(to_mat(image), resized, cv::Size(width, height), 0, 0, cv::INTER_CUBIC);
  return from_mat(resized);
}

Image resize_shorter_side(const Image& image, int size) {
  if (image.height <= image.width)
    return resize_image(image, size, static_cast<int>(static_cast<double>(size) * image.width / image.height));
  return resize_image(image, static_cast<int>(static_cast<double>(size) * image.height / image.width), size);
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

Image load_image(const std::string& path, const ImageOptions& options) {
  Image image = decode_image(path, options.max_pixels);
  switch (options.policy) {
    case ResizePolicy::none: break;
    case ResizePolicy::shorter_side_crop:
      image = center_crop(resize_shorter_side(image, options.resize), options.crop);
      break;
    case ResizePolicy::square: image = resize_image(image, options.resize, options.resize); break;
  }
  if (options.normalize) normalize_image(image, options.mean, options.std);
  return image;
}

void write_image(const std::string& path, const Image& image) {
  cv::Mat rgb = to_mat(image), bgr, bytes8;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  bgr.convertTo(bytes8, CV_8U, 255.0);
  std::vector<unsigned char> encoded;
  std::string extension = std::filesystem::path(path).extension().string();
  if (!cv::imencode(extension.empty() ? ".png" : extension, bytes8, encoded))
    throw Error(path + ": cannot encode image (unknown extension?)");
  core::write_file_atomic(path, std::string(encoded.begin(), encoded.end()));
}

}  // namespace vgs::io
