// Audio input with libsndfile + libsoxr: decode, downmix, seek to a segment, resample.
#include "vgs/io/audio.h"

#include <sndfile.h>
#include <soxr.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/io/wav_check.h"

namespace vgs::io {

namespace {

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfileHandle = std::unique_ptr<SNDFILE, SndfileCloser>;

// Opens `path` for reading, with the failure reasons a user can act on.
SndfileHandle open_audio(const std::string& path, SF_INFO& info) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(path + ": audio file not found");
  if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory, not an audio file");
  if (std::filesystem::file_size(path, ec) == 0) throw Error(path + ": audio file is empty");
  info = SF_INFO{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (!file) throw Error(path + ": cannot decode audio: " + sf_strerror(nullptr));
  if (std::string damage = wav_damage(path); !damage.empty()) {
    sf_close(file);
    throw Error(path + ": " + damage);
  }
  if (info.frames <= 0 || info.channels <= 0 || info.samplerate <= 0) {
    sf_close(file);
    throw Error(path + ": audio file holds no samples");
  }
  return SndfileHandle(file);
}

std::string format_name(int format) {
  switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV: case SF_FORMAT_WAVEX: case SF_FORMAT_RF64: return "WAV";
    case SF_FORMAT_FLAC: return "FLAC";
    case SF_FORMAT_OGG: return "OGG";
    case SF_FORMAT_AIFF: return "AIFF";
    default: break;
  }
  SF_FORMAT_INFO f{};
  f.format = format & SF_FORMAT_TYPEMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &f, sizeof f) == 0 && f.name) return f.name;
  return "unknown";
}

// Reads `count` frames from the current position; positions the file at `start` first, by seeking
// when the format allows and by decoding and discarding otherwise.
std::vector<float> read_frames(SNDFILE* file, const SF_INFO& info, int64_t start, int64_t count,
                               const std::string& path) {
  if (start > 0 && sf_seek(file, start, SEEK_SET) < 0) {
    std::vector<float> skip(static_cast<size_t>(4096 * info.channels));
    for (int64_t left = start; left > 0;) {
      sf_count_t n = sf_readf_float(file, skip.data(), std::min<int64_t>(left, 4096));
      if (n <= 0) throw Error(path + ": truncated before " + std::to_string(start) + " frames");
      left -= n;
    }
  }
  std::vector<float> interleaved(static_cast<size_t>(count * info.channels));
  sf_count_t read = sf_readf_float(file, interleaved.data(), count);
  if (sf_error(file) != SF_ERR_NO_ERROR)
    throw Error(path + ": decoding failed: " + sf_strerror(file));
  if (read < count)
    throw Error(path + ": truncated: expected " + std::to_string(count) + " frames from frame " +
                std::to_string(start) + ", decoded " + std::to_string(read));
  if (info.channels == 1) return interleaved;
  std::vector<float> mono(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    float sum = 0;
    for (int c = 0; c < info.channels; ++c) sum += interleaved[static_cast<size_t>(i * info.channels + c)];
    mono[static_cast<size_t>(i)] = sum / info.channels;
  }
  return mono;
}

}  // namespace

AudioInfo audio_info(const std::string& path) {
  SF_INFO info;
  SndfileHandle file = open_audio(path, info);
  return AudioInfo{info.frames, info.samplerate, info.channels, format_name(info.format)};
}

std::vector<float> read_audio(const std::string& path, int sample_rate, const AudioSegment& segment) {
  SF_INFO info;
  SndfileHandle file = open_audio(path, info);
  const double duration = static_cast<double>(info.frames) / info.samplerate;
  const double end = segment.end.value_or(duration);
  if (segment.start < 0 || end <= segment.start || segment.start >= duration)
    throw Error(path + ": segment [" + std::to_string(segment.start) + ", " + std::to_string(end) +
                ") s is empty or outside the file (" + std::to_string(duration) + " s)");
  // Tolerate ends a few milliseconds past the file (forced alignments round); beyond that, error.
  if (end > duration + 0.05)
    throw Error(path + ": segment end " + std::to_string(end) + " s is past the end of the file (" +
                std::to_string(duration) + " s)");
  const int64_t first = static_cast<int64_t>(std::llround(segment.start * info.samplerate));
  const int64_t last = std::min<int64_t>(info.frames, std::llround(end * info.samplerate));
  std::vector<float> mono = read_frames(file.get(), info, first, last - first, path);
  if (info.samplerate == sample_rate) return mono;
  return resample(mono, info.samplerate, sample_rate);
}

std::vector<float> resample(const std::vector<float>& samples, int from_rate, int to_rate) {
  if (from_rate == to_rate || samples.empty()) return samples;
  const size_t out_len = static_cast<size_t>(
      std::llround(static_cast<double>(samples.size()) * to_rate / from_rate));
  std::vector<float> out(out_len);
  size_t produced = 0;
  soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  soxr_error_t error = soxr_oneshot(from_rate, to_rate, 1, samples.data(), samples.size(), nullptr,
                                    out.data(), out.size(), &produced, &io, &quality, nullptr);
  if (error) throw Error(std::string("resampling failed: ") + error);
  out.resize(produced);
  return out;
}

void write_audio(const std::string& path, const std::vector<float>& samples, int sample_rate,
                 AudioFormat format) {
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = 1;
  switch (format) {
    case AudioFormat::wav_pcm16: info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16; break;
    case AudioFormat::wav_float: info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT; break;
    case AudioFormat::flac: info.format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16; break;
    case AudioFormat::ogg: info.format = SF_FORMAT_OGG | SF_FORMAT_VORBIS; break;
  }
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  std::string temp = core::temp_path_for(path);
  SNDFILE* file = sf_open(temp.c_str(), SFM_WRITE, &info);
  if (!file) throw Error(path + ": cannot write audio: " + sf_strerror(nullptr));
  // Clip rather than wrap around when converting to integer PCM.
  sf_command(file, SFC_SET_CLIPPING, nullptr, SF_TRUE);
  sf_count_t written = sf_writef_float(file, samples.data(), static_cast<sf_count_t>(samples.size()));
  sf_close(file);
  if (written != static_cast<sf_count_t>(samples.size())) {
    std::remove(temp.c_str());
    throw Error(path + ": short write (disk full?)");
  }
  core::commit_file(temp, path);
}

}  // namespace vgs::io
