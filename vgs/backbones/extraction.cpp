// Feature extraction over a manifest into the feature store, and hidden-state dumps.
#include "vgs/backbones/extraction.h"

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <future>
#include <thread>

#include "vgs/core/digest.h"
#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/core/progress.h"
#include "vgs/core/strings.h"
#include "vgs/data/manifest.h"
#include "vgs/io/audio.h"
#include "vgs/io/feature_store.h"
#include "vgs/io/hidden_state_dump.h"
#include "vgs/io/options.h"
#include "vgs/nn/device.h"

namespace fs = std::filesystem;

namespace vgs::backbones {

namespace {

struct WorkItem {
  std::string id;
  std::string path;
  io::AudioSegment segment;
  double seconds = 0;  // audio duration, for batching
};

struct LoadedBatch {
  std::vector<std::string> ids;
  at::Tensor input;    // [B, N] audio or [B, 3, H, W] images
  at::Tensor lengths;  // [B] samples (audio)
  double media_seconds = 0;
};

std::vector<WorkItem> audio_work(const std::string& manifest, data::BadItems& bad) {
  std::vector<WorkItem> work;
  for (const auto& item : data::read_audio_manifest(manifest)) {
    WorkItem w{item.id, item.path, {item.start.value_or(0.0), item.end}, 0};
    auto seconds = bad.guard(item.id, [&] {
      return item.end ? *item.end - w.segment.start : io::audio_info(item.path).duration_seconds() - w.segment.start;
    });
    if (!seconds) continue;
    w.seconds = *seconds;
    work.push_back(w);
  }
  // Longest first: a batch that does not fit in memory fails at once, not hours in.
  std::stable_sort(work.begin(), work.end(), [](const WorkItem& a, const WorkItem& b) { return a.seconds > b.seconds; });
  return work;
}

std::vector<WorkItem> image_work(const std::string& manifest) {
  std::vector<WorkItem> work;
  for (const auto& item : data::read_image_manifest(manifest)) work.push_back({item.id, item.path, {}, 0});
  return work;
}

// Consecutive items, at most `batch_size` and (audio) at most `max_seconds` of padded audio.
std::vector<std::vector<WorkItem>> make_batches(const std::vector<WorkItem>& work, int64_t batch_size, double max_seconds) {
  std::vector<std::vector<WorkItem>> batches;
  for (const auto& w : work) {
    bool full = batches.empty() || static_cast<int64_t>(batches.back().size()) >= batch_size ||
                (w.seconds > 0 && (batches.back().size() + 1) * batches.back().front().seconds > max_seconds);
    if (full) batches.emplace_back();
    batches.back().push_back(w);
  }
  return batches;
}

// Runs `decode(i)` for i in [0, n) on `threads` threads.
void parallel_for(size_t n, int threads, const std::function<void(size_t)>& decode) {
  std::atomic<size_t> next{0};
  std::vector<std::exception_ptr> errors(n);
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) {
      try {
        decode(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::min<int>(threads, static_cast<int>(n)); ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// The item's waveform; vgs::Error naming the file when it is too short for the backbone (it would
// fail the whole batch otherwise, and not as a bad item).
std::vector<float> read_audio_for(const WorkItem& item, const Backbone& backbone, int sample_rate) {
  std::vector<float> samples = io::read_audio(item.path, sample_rate, item.segment);
  const auto n = static_cast<int64_t>(samples.size());
  if (n < backbone.min_samples())
    throw Error(item.path + ": " + std::to_string(n) + " samples at " + std::to_string(sample_rate) + " Hz, fewer than the " +
                std::to_string(backbone.min_samples()) + " that " + backbone.name() + " needs for one frame");
  return samples;
}

LoadedBatch load_batch(const std::vector<WorkItem>& items, const Backbone& backbone, const ExtractionOptions& o,
                       data::BadItems& bad) {
  const Modality modality = backbone.modality();
  std::vector<std::optional<std::vector<float>>> audio(items.size());
  std::vector<std::optional<io::Image>> images(items.size());
  parallel_for(items.size(), o.loader_threads, [&](size_t i) {
    if (modality == Modality::audio)
      audio[i] = bad.guard(items[i].id, [&] { return read_audio_for(items[i], backbone, o.sample_rate); });
    else
      images[i] = bad.guard(items[i].id, [&] { return io::load_image(items[i].path, o.image); });
  });
  LoadedBatch batch;
  std::vector<at::Tensor> tensors;
  std::vector<int64_t> lengths;
  for (size_t i = 0; i < items.size(); ++i) {
    if (modality == Modality::audio && audio[i]) {
      batch.ids.push_back(items[i].id);
      lengths.push_back(static_cast<int64_t>(audio[i]->size()));
      tensors.push_back(torch::from_blob(audio[i]->data(), {lengths.back()}, at::kFloat).clone());
      batch.media_seconds += static_cast<double>(lengths.back()) / o.sample_rate;
    } else if (modality == Modality::image && images[i]) {
      batch.ids.push_back(items[i].id);
      const io::Image& im = *images[i];
      tensors.push_back(torch::from_blob(const_cast<float*>(im.data.data()), {im.channels, im.height, im.width}, at::kFloat).clone());
    }
  }
  if (tensors.empty()) return batch;
  if (modality == Modality::audio) {
    const int64_t longest = *std::max_element(lengths.begin(), lengths.end());
    batch.input = torch::zeros({static_cast<int64_t>(tensors.size()), longest});
    for (size_t i = 0; i < tensors.size(); ++i) batch.input[static_cast<int64_t>(i)].narrow(0, 0, lengths[i]).copy_(tensors[i]);
    batch.lengths = torch::tensor(lengths, at::kLong);
  } else {
    for (const auto& t : tensors)
      if (t.sizes() != tensors.front().sizes())
        throw Error("images of different sizes in one batch (" + core::join({batch.ids.front(), batch.ids.back()}, ", ") +
                    "): use image.resize_policy square or shorter_side_crop");
    batch.input = torch::stack(tensors);
  }
  return batch;
}

}  // namespace

std::string default_feature_path(const std::string& manifest, const std::string& backbone,
                                 const std::vector<int64_t>& layers, bool all_layers, const std::string& dir) {
  std::vector<std::string> parts;
  for (int64_t l : layers) parts.push_back(std::to_string(l));
  std::string tag = all_layers ? "all" : core::join(parts, "-");
  fs::path folder = dir.empty() ? fs::path(manifest).parent_path() : fs::path(dir);
  return (folder / (fs::path(manifest).stem().string() + "." + backbone + ".l" + tag + ".h5")).string();
}

namespace {

using Batches = std::vector<std::vector<WorkItem>>;

// What one extraction run works with.
struct Run {
  const ExtractionOptions& options;
  Backbone& backbone;
  c10::Device device;
  std::vector<int64_t> layers;
  Modality modality;
};

// extract.all_layers, else extract.layers, else the backbone's default layer.
std::vector<int64_t> chosen_layers(const Backbone& backbone, const ExtractionOptions& o) {
  return o.all_layers ? backbone.all_layers()
         : o.layers.empty() ? std::vector<int64_t>{backbone.default_layer()}
                            : o.layers;
}

// What the store records about where its features came from.
io::FeatureStoreInfo store_info(const Run& run) {
  const ExtractionOptions& o = run.options;
  io::FeatureStoreInfo info;
  info.backbone = o.backbone.name;
  info.weights_digest = run.backbone.weights_digest();
  info.layers = run.layers;
  info.sample_rate = run.modality == Modality::audio ? o.sample_rate : 0;
  info.image_size = run.modality == Modality::image ? run.backbone.image_size() : 0;
  info.image_preprocessing = run.modality == Modality::image ? io::describe_image_preprocessing(o.image) : "";
  info.dtype = o.dtype;
  info.manifest = fs::absolute(o.manifest).string();
  info.manifest_digest = core::file_digest(o.manifest);
  return info;
}

std::string comma_separated(const std::vector<int64_t>& numbers) {
  std::vector<std::string> s;
  for (auto n : numbers) s.push_back(std::to_string(n));
  return core::join(s, ",");
}

// The items of the manifest not yet in the store, longest audio first.
std::vector<WorkItem> work_to_do(const Run& run, const io::FeatureStoreWriter& writer, data::BadItems& bad) {
  const std::string& manifest = run.options.manifest;
  std::vector<WorkItem> work = run.modality == Modality::audio ? audio_work(manifest, bad) : image_work(manifest);
  work.erase(std::remove_if(work.begin(), work.end(), [&](const WorkItem& w) { return writer.contains(w.id); }), work.end());
  return work;
}

// The backbone's features of one decoded batch, item by item into the store.
void store_batch(const Run& run, const LoadedBatch& batch, io::FeatureStoreWriter& writer) {
  BackboneFeatures features = run.backbone.forward(
      batch.input.to(run.device), batch.lengths.defined() ? batch.lengths.to(run.device) : at::Tensor(), run.layers);
  at::Tensor valid = features.lengths.to(at::kCPU);
  for (size_t b = 0; b < batch.ids.size(); ++b) {
    const int64_t frames = valid[static_cast<int64_t>(b)].item<int64_t>();
    std::vector<at::Tensor> per_layer;
    for (const auto& layer : features.layers) per_layer.push_back(layer[static_cast<int64_t>(b)].narrow(0, 0, frames).to(at::kCPU));
    writer.add(batch.ids[b], per_layer.size() == 1 ? per_layer[0] : torch::stack(per_layer));  // [T, D] or [L, T, D]
  }
}

std::future<LoadedBatch> load_in_background(const Run& run, const std::vector<WorkItem>& items, data::BadItems& bad) {
  return std::async(std::launch::async, load_batch, std::cref(items), std::cref(run.backbone), std::cref(run.options),
                    std::ref(bad));
}

// The extraction loop, timed into the report: decodes batch k+1 while the backbone runs batch k.
void extract_batches(const Run& run, const Batches& batches, data::BadItems& bad, io::FeatureStoreWriter& writer,
                     ExtractionReport& report) {
  int64_t items = 0;
  for (const auto& items_of_batch : batches) items += static_cast<int64_t>(items_of_batch.size());
  core::Progress progress("[extract]", items);
  auto start = std::chrono::steady_clock::now();
  std::future<LoadedBatch> next;
  if (!batches.empty()) next = load_in_background(run, batches[0], bad);
  for (size_t k = 0; k < batches.size(); ++k) {
    LoadedBatch batch = next.get();
    if (k + 1 < batches.size()) next = load_in_background(run, batches[k + 1], bad);
    if (!batch.ids.empty()) {
      store_batch(run, batch, writer);
      report.stored += static_cast<int64_t>(batch.ids.size());
      report.media_seconds += batch.media_seconds;
    }
    progress.advance(static_cast<int64_t>(batches[k].size()));
  }
  writer.finish();
  progress.finish();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

ExtractionReport run_extraction(const ExtractionOptions& o) {
  std::unique_ptr<Backbone> backbone = make_backbone(o.backbone);
  c10::Device device = nn::resolve_device(o.device, "extract.device");
  backbone->to(device);
  const Run run{o, *backbone, device, chosen_layers(*backbone, o), backbone->modality()};
  backbone->check_layers(run.layers);
  const io::FeatureStoreInfo info = store_info(run);

  ExtractionReport report;
  report.output = o.output.empty() ? default_feature_path(o.manifest, o.backbone.name, run.layers, o.all_layers, o.features_dir) : o.output;
  if (!fs::path(report.output).parent_path().empty()) fs::create_directories(fs::path(report.output).parent_path());
  io::FeatureStoreWriter writer(report.output, info, o.items_per_shard);
  report.resumed = writer.resumed_count();

  data::BadItems bad(o.on_bad_item);
  const std::vector<WorkItem> work = work_to_do(run, writer, bad);
  const Batches batches = make_batches(work, o.batch_size, o.max_batch_seconds);
  log::info("[extract] ", o.backbone.name, " layers ", comma_separated(run.layers), " over ", work.size(), " items (",
            report.resumed, " already done) in ", batches.size(), " batches on ", device.str(), " -> ", report.output);
  extract_batches(run, batches, bad, writer, report);
  report.skipped = bad.skipped();
  bad.report();
  return report;
}

struct OnlineFeatures::Items {
  std::map<std::string, WorkItem> by_id;
};

OnlineFeatures::OnlineFeatures(const ExtractionOptions& o) : options_(o), items_(std::make_unique<Items>()) {
  backbone_ = make_backbone(o.backbone);
  device_ = nn::resolve_device(o.device, "extract.device");
  backbone_->to(device_);
  layers_ = o.all_layers ? backbone_->all_layers() : o.layers.empty() ? std::vector<int64_t>{backbone_->default_layer()} : o.layers;
  backbone_->check_layers(layers_);
  dim_ = backbone_->feature_dim(layers_.front());
  options_.on_bad_item = data::BadItemPolicy::error;  // a training step cannot leave an item out
  if (backbone_->modality() == Modality::audio) {
    for (const auto& item : data::read_audio_manifest(o.manifest))
      items_->by_id[item.id] = WorkItem{item.id, item.path, {item.start.value_or(0.0), item.end}, 0};
  } else {
    for (const auto& w : image_work(o.manifest)) items_->by_id[w.id] = w;
  }
  for (const auto& entry : items_->by_id) ids_.push_back(entry.first);
  log::info("[features] ", o.backbone.name, " computed online over ", ids_.size(), " items of ", o.manifest, " on ",
            device_.str());
}

OnlineFeatures::~OnlineFeatures() = default;

bool OnlineFeatures::contains(const std::string& id) const { return items_->by_id.count(id) > 0; }

std::vector<at::Tensor> OnlineFeatures::compute(const std::vector<std::string>& ids) const {
  torch::InferenceMode inference;
  std::vector<WorkItem> work;
  for (const auto& id : ids) {
    auto it = items_->by_id.find(id);
    if (it == items_->by_id.end()) throw Error(options_.manifest + ": no item '" + id + "' to compute features of");
    work.push_back(it->second);
  }
  data::BadItems bad(data::BadItemPolicy::error);
  LoadedBatch batch = load_batch(work, *backbone_, options_, bad);
  BackboneFeatures features = backbone_->forward(batch.input.to(device_), batch.lengths.defined() ? batch.lengths.to(device_) : at::Tensor(), layers_);
  at::Tensor valid = features.lengths.to(at::kCPU);
  std::vector<at::Tensor> out;
  for (size_t b = 0; b < ids.size(); ++b) {
    const int64_t frames = valid[static_cast<int64_t>(b)].item<int64_t>();
    std::vector<at::Tensor> per_layer;
    for (const auto& layer : features.layers) per_layer.push_back(layer[static_cast<int64_t>(b)].narrow(0, 0, frames).to(at::kCPU, at::kFloat).clone());
    out.push_back(per_layer.size() == 1 ? per_layer[0] : torch::stack(per_layer));
  }
  return out;
}

void dump_hidden_states(const BackboneRequest& request, const std::vector<std::string>& inputs, const std::string& output,
                        const io::ImageOptions& image, int sample_rate) {
  std::unique_ptr<Backbone> backbone = make_backbone(request);
  std::vector<int64_t> layers = backbone->all_layers();
  std::vector<io::HiddenStates> items;
  for (const auto& path : inputs) {
    at::Tensor input;
    if (backbone->modality() == Modality::audio) {
      std::vector<float> samples = io::read_audio(path, sample_rate);
      input = torch::from_blob(samples.data(), {1, static_cast<int64_t>(samples.size())}, at::kFloat).clone();
    } else {
      io::Image im = io::load_image(path, image);
      input = torch::from_blob(im.data.data(), {1, im.channels, im.height, im.width}, at::kFloat).clone();
    }
    BackboneFeatures features = backbone->forward(input, at::Tensor(), layers);
    io::HiddenStates item{path, layers, {}};
    for (const auto& layer : features.layers) item.states.push_back(layer[0]);
    items.push_back(std::move(item));
  }
  io::write_hidden_state_dump(output, request.name, backbone->weights_digest(), items);
}

}  // namespace vgs::backbones
