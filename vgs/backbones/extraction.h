// Feature extraction: a frozen backbone run over a manifest into the HDF5 feature store, with
// length-sorted batching, decoding threads, inference mode, a progress bar and resumption.
// Batched results equal single-item results (WavLM normalises each item over its own frames).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vgs/backbones/registry.h"
#include "vgs/data/bad_items.h"
#include "vgs/io/image.h"

namespace vgs::backbones {

struct ExtractionOptions {
  BackboneRequest backbone;
  std::vector<int64_t> layers;  // empty: the backbone's default layer
  bool all_layers = false;
  std::string manifest;         // audio or image manifest, by the backbone's modality
  std::string output;           // feature store path ("" = default_feature_path)
  std::string features_dir;     // folder for the default path ("" = next to the manifest)
  std::string dtype = "float16";
  int64_t batch_size = 16;
  double max_batch_seconds = 160.0;  // audio: batch size x longest item, in seconds of audio
  int loader_threads = 2;
  std::string device = "auto";       // auto, cpu or cuda
  int64_t items_per_shard = 256;
  data::BadItemPolicy on_bad_item = data::BadItemPolicy::error;
  io::ImageOptions image;
  int sample_rate = 16000;
};

struct ExtractionReport {
  std::string output;
  int64_t stored = 0;    // items extracted by this run
  int64_t resumed = 0;   // items already in the store
  int64_t skipped = 0;   // bad items left out (on_bad_item: skip)
  double seconds = 0;    // wall time of the extraction loop
  double media_seconds = 0;  // audio extracted, in seconds (0 for images)
};

ExtractionReport run_extraction(const ExtractionOptions& options);

class Backbone;

// Features computed when they are needed instead of read from a store (features.load: online):
// the backbone runs on each batch's media, frozen, in inference mode. Costs the backbone's forward
// pass every step, but no disk and no extraction pass; what a researcher uses to try a backbone or
// layer quickly, or when the media change (augmentation).
class OnlineFeatures {
 public:
  // options: backbone, layers, manifest, image/audio decoding, device, loader threads.
  explicit OnlineFeatures(const ExtractionOptions& options);
  ~OnlineFeatures();
  const std::vector<std::string>& ids() const { return ids_; }
  bool contains(const std::string& id) const;
  int64_t dim() const { return dim_; }
  int64_t layers() const { return static_cast<int64_t>(layers_.size()); }
  // Each item's features on the CPU, as a store holds them: [T, D], or [L, T, D] for several
  // layers. vgs::Error naming the manifest for an unknown id or an unreadable file.
  std::vector<at::Tensor> compute(const std::vector<std::string>& ids) const;

 private:
  ExtractionOptions options_;
  std::unique_ptr<Backbone> backbone_;
  std::vector<int64_t> layers_;
  std::vector<std::string> ids_;
  struct Items;
  std::unique_ptr<Items> items_;
  c10::Device device_{c10::kCPU};
  int64_t dim_ = 0;
};

// "<dir>/<manifest stem>.<backbone>.l<layers>.h5", e.g. train_audio.wavlm_base_plus.l12.h5.
std::string default_feature_path(const std::string& manifest, const std::string& backbone,
                                 const std::vector<int64_t>& layers, bool all_layers, const std::string& dir);

// Every hidden state of the backbone for each input file, written with io::write_hidden_state_dump.
void dump_hidden_states(const BackboneRequest& backbone, const std::vector<std::string>& inputs,
                        const std::string& output, const io::ImageOptions& image, int sample_rate);

}  // namespace vgs::backbones
