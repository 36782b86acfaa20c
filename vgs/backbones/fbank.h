// Kaldi-compatible log-mel filterbank (torchaudio.compliance.kaldi.fbank semantics, 80 bins by
// default): a weight-free audio front end giving [T, 80] frames every 10 ms.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace vgs::backbones {

// torchaudio.compliance.kaldi.fbank's defaults except num_mel_bins (80, not 23). Fixed as in that
// function's defaults: povey window, use_log_fbank, use_power, dither 0, no energy column, no VTLN.
// The scale of the waveform is whatever the caller gives: Kaldi recipes feed int16-scaled samples
// (x * 32768), and the result matches torchaudio for the same tensor either way.
struct FbankOptions {
  int64_t num_mel_bins = 80;
  double sample_rate = 16000.0;
  double frame_length_ms = 25.0;
  double frame_shift_ms = 10.0;
  double low_freq = 20.0;
  double high_freq = 0.0;  // <= 0: offset from Nyquist (0 = Nyquist)
  double preemphasis = 0.97;
  bool remove_dc_offset = true;
  bool round_to_power_of_two = true;
  bool snip_edges = true;  // false: Kaldi's reflected edges, frames = round(N / shift)
  // Per-utterance mean/variance normalisation over time, per mel bin (Kaldi apply-cmvn
  // --norm-vars: population variance floored at 1e-20). Not in torchaudio; off by default.
  bool normalize = false;
};

// A padded batch of filterbanks.
struct FbankBatch {
  at::Tensor features;  // [B, T_max, num_mel_bins], zeros after each utterance's frames
  at::Tensor frames;    // [B] int64: the number of valid frames of each utterance
};

// Holds the window and the mel banks, so that calls on many utterances compute them once.
class Fbank {
 public:
  explicit Fbank(FbankOptions options = {});

  // waveform: [N] float32 or float64 (any device) -> [T, num_mel_bins] same dtype.
  // Throws vgs::Error when N is shorter than one window (400 samples at 16 kHz).
  at::Tensor operator()(const at::Tensor& waveform) const;
  // waveforms: [B, N_max] zero-padded, lengths: [B] samples of each -> padded features and frame counts.
  FbankBatch operator()(const at::Tensor& waveforms, const at::Tensor& lengths) const;

  // Frames for a waveform of `num_samples` samples (0 when shorter than one window with snip_edges).
  int64_t num_frames(int64_t num_samples) const;
  int64_t window_size() const { return window_size_; }    // 400 at 16 kHz
  int64_t window_shift() const { return window_shift_; }  // 160 at 16 kHz
  int64_t fft_size() const { return padded_size_; }        // 512 at 16 kHz
  const FbankOptions& options() const { return options_; }
  // [num_mel_bins, fft_size / 2 + 1] triangular filters (last column zero), float32, as torchaudio builds them.
  const at::Tensor& mel_banks() const { return mel_banks_; }

 private:
  at::Tensor frames_of(const at::Tensor& waveform) const;   // [N] -> [T, window_size]
  at::Tensor features_of(const at::Tensor& frames) const;   // [T, window_size] -> [T, num_mel_bins]

  FbankOptions options_;
  int64_t window_size_ = 0, window_shift_ = 0, padded_size_ = 0;
  at::Tensor window_;     // [window_size] povey window, float32 (made in float64 on use with float64 input)
  at::Tensor mel_banks_;  // [num_mel_bins, padded_size / 2 + 1] float32
};

// One-off convenience: Fbank(options)(waveform).
at::Tensor fbank(const at::Tensor& waveform, const FbankOptions& options = {});

}  // namespace vgs::backbones
