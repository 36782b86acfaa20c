// Tests of audio input: each format, downmixing, resampling (checked on a sine's frequency),
// segments, and the errors for missing, empty, corrupt and truncated files.
#include <catch2/catch.hpp>
#include <sndfile.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/io/audio.h"

using namespace vgs;
using Catch::Contains;

namespace {
std::vector<float> sine(double frequency, int rate, double seconds, double amplitude = 0.5) {
  std::vector<float> s(static_cast<size_t>(rate * seconds));
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<float>(amplitude * std::sin(2 * M_PI * frequency * i / rate));
  return s;
}

// Frequency from the count of upward zero crossings.
double estimate_frequency(const std::vector<float>& s, int rate) {
  int crossings = 0;
  for (size_t i = 1; i < s.size(); ++i) crossings += s[i - 1] < 0 && s[i] >= 0;
  return crossings * static_cast<double>(rate) / s.size();
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float d = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

using vgs::test::error_of;
}  // namespace

TEST_CASE("wav, flac and ogg files read back as mono float at their rate") {
  test::TempDir dir;
  auto tone = sine(440, 16000, 1.0);
  for (auto [name, format, tolerance] : {std::tuple{"a.wav", io::AudioFormat::wav_pcm16, 1e-4f},
                                         std::tuple{"b.wav", io::AudioFormat::wav_float, 1e-7f},
                                         std::tuple{"c.flac", io::AudioFormat::flac, 1e-4f}}) {
    INFO(name);
    std::string path = dir.file(name);
    io::write_audio(path, tone, 16000, format);
    auto back = io::read_audio(path, 16000);
    REQUIRE(back.size() == tone.size());
    CHECK(max_abs_diff(back, tone) < tolerance);
  }
  std::string ogg = dir.file("d.ogg");
  io::write_audio(ogg, tone, 16000, io::AudioFormat::ogg);
  auto info = io::audio_info(ogg);
  CHECK(info.format == "OGG");
  CHECK(info.sample_rate == 16000);
  auto back = io::read_audio(ogg, 16000);
  CHECK(std::abs(static_cast<double>(back.size()) - tone.size()) < 400);
  CHECK(estimate_frequency(back, 16000) == Approx(440).margin(3));  // lossy, but the pitch stays
}

TEST_CASE("stereo is downmixed to the mean of the channels") {
  test::TempDir dir;
  std::string path = dir.file("stereo.wav");
  SF_INFO info{};
  info.samplerate = 16000;
  info.channels = 2;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  REQUIRE(f);
  std::vector<float> frames{0.2f, 0.4f, -0.5f, 0.1f, 1.0f, 0.0f};
  sf_writef_float(f, frames.data(), 3);
  sf_close(f);
  auto mono = io::read_audio(path, 16000);
  REQUIRE(mono.size() == 3);
  CHECK(mono[0] == Approx(0.3f));
  CHECK(mono[1] == Approx(-0.2f));
  CHECK(mono[2] == Approx(0.5f));
  CHECK(io::audio_info(path).channels == 2);
}

TEST_CASE("resampling keeps a sine's frequency and the duration") {
  test::TempDir dir;
  std::string path = dir.file("cd.wav");
  io::write_audio(path, sine(1000, 44100, 2.0), 44100, io::AudioFormat::wav_float);
  auto at16k = io::read_audio(path, 16000);
  CHECK(static_cast<int64_t>(at16k.size()) == Approx(32000).margin(1));
  CHECK(estimate_frequency(at16k, 16000) == Approx(1000).margin(2));
  // Amplitude is kept away from the edges (no gain change).
  float peak = 0;
  for (size_t i = 1000; i < at16k.size() - 1000; ++i) peak = std::max(peak, std::abs(at16k[i]));
  CHECK(peak == Approx(0.5f).margin(0.01f));
  // Upsampling, too.
  std::string low = dir.file("8k.wav");
  io::write_audio(low, sine(300, 8000, 1.0), 8000, io::AudioFormat::wav_float);
  CHECK(estimate_frequency(io::read_audio(low, 16000), 16000) == Approx(300).margin(2));
}

TEST_CASE("a segment from start to end reads exactly those samples") {
  test::TempDir dir;
  std::vector<float> ramp(16000);
  for (size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<float>(i) / 16000.0f;
  for (auto format : {io::AudioFormat::wav_float, io::AudioFormat::flac}) {
    std::string path = dir.file(format == io::AudioFormat::flac ? "ramp.flac" : "ramp.wav");
    io::write_audio(path, ramp, 16000, format);
    auto part = io::read_audio(path, 16000, {0.5, 0.75});
    REQUIRE(part.size() == 4000);
    CHECK(part.front() == Approx(0.5f).margin(1e-4));
    CHECK(part.back() == Approx(11999 / 16000.0f).margin(1e-4));
    auto tail = io::read_audio(path, 16000, {0.9, std::nullopt});
    CHECK(tail.size() == 1600);
  }
}

TEST_CASE("segments outside the file are errors naming it") {
  test::TempDir dir;
  std::string path = dir.file("one.wav");
  io::write_audio(path, sine(440, 16000, 1.0), 16000);
  CHECK_THAT(error_of([&] { io::read_audio(path, 16000, {2.0, 3.0}); }), Contains(path) && Contains("outside the file"));
  CHECK_THAT(error_of([&] { io::read_audio(path, 16000, {0.5, 0.4}); }), Contains("is empty or outside"));
  CHECK_THAT(error_of([&] { io::read_audio(path, 16000, {0.5, 1.5}); }), Contains("past the end"));
}

TEST_CASE("missing, empty, corrupt and truncated audio files are named with the reason") {
  test::TempDir dir;
  CHECK(error_of([&] { io::read_audio(dir.file("none.wav"), 16000); }) == dir.file("none.wav") + ": audio file not found");
  std::string empty = dir.write("empty.wav", "");
  CHECK(error_of([&] { io::read_audio(empty, 16000); }) == empty + ": audio file is empty");
  std::string junk = dir.write("junk.wav", std::string(1000, 'x'));
  CHECK_THAT(error_of([&] { io::read_audio(junk, 16000); }), Contains(junk + ": cannot decode audio"));

  std::string whole = dir.file("whole.wav");
  io::write_audio(whole, sine(440, 16000, 1.0), 16000);
  std::string bytes;
  {
    std::ifstream in(whole, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string cut = dir.write("cut.wav", bytes.substr(0, bytes.size() / 2));
  CHECK_THAT(error_of([&] { io::read_audio(cut, 16000); }), Contains(cut + ": truncated"));

  std::string flac = dir.file("whole.flac");
  io::write_audio(flac, sine(440, 16000, 1.0), 16000, io::AudioFormat::flac);
  {
    std::ifstream in(flac, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string cut_flac = dir.write("cut.flac", bytes.substr(0, bytes.size() / 2));
  CHECK_THAT(error_of([&] { io::read_audio(cut_flac, 16000); }), Contains(cut_flac + ":"));
}
