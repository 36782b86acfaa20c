// Audio input: any file libsndfile reads (wav, flac, ogg, ...) as float mono at the model's sample
// rate, downmixed and resampled with libsoxr; optionally only the segment [start, end) in seconds,
// read by seeking rather than decoding the whole file. Bad files raise vgs::Error naming the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vgs::io {

struct AudioInfo {
  int64_t frames = 0;  // per channel
  int sample_rate = 0;
  int channels = 0;
  std::string format;  // "WAV", "FLAC", "OGG", ...
  double duration_seconds() const { return sample_rate ? static_cast<double>(frames) / sample_rate : 0; }
};

// Header facts, without decoding.
AudioInfo audio_info(const std::string& path);

struct AudioSegment {
  double start = 0.0;                 // seconds
  std::optional<double> end;          // seconds, exclusive; none = to the end of the file
};

// Mono float samples in [-1, 1] at `sample_rate` (resampled when the file's rate differs).
std::vector<float> read_audio(const std::string& path, int sample_rate, const AudioSegment& segment = {});

// Resamples mono float audio with libsoxr (high quality).
std::vector<float> resample(const std::vector<float>& samples, int from_rate, int to_rate);

enum class AudioFormat { wav_pcm16, wav_float, flac, ogg };
// Writes mono audio atomically; used by the toy world and the tests.
void write_audio(const std::string& path, const std::vector<float>& samples, int sample_rate,
                 AudioFormat format = AudioFormat::wav_pcm16);

}  // namespace vgs::io
