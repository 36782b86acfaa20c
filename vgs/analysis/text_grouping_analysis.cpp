// vgs-analyze on a text grouping run (see text_grouping_analysis.h): load the checkpoint and the
// test captions, sample them by label, build the stacks, measure, draw, write results.json.
#include "vgs/analysis/text_grouping_analysis.h"

#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "vgs/analysis/figures.h"
#include "vgs/analysis/layerwise.h"
#include "vgs/analysis/representations.h"
#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/log.h"
#include "vgs/data/json_lines.h"
#include "vgs/data/manifest.h"
#include "vgs/eval/item_sample.h"
#include "vgs/losses/text_grouping_loss.h"
#include "vgs/metrics/preference.h"
#include "vgs/nn/device.h"
#include "vgs/train/checkpoint.h"
#include "vgs/train/feature_bank.h"
#include "vgs/train/run.h"
#include "vgs/train/text_grouping_task.h"

using json = nlohmann::json;

namespace vgs::analysis {

namespace {

// analyze.labels: each caption's label, by caption id or by image (every caption of that image).
std::map<std::string, std::string> read_caption_labels(const std::string& path, const train::CaptionSplitData& test) {
  const std::set<std::string> captions(test.caption_ids.begin(), test.caption_ids.end());
  const std::set<std::string> images(test.image_ids.begin(), test.image_ids.end());
  std::map<std::string, std::string> by_caption, by_image;
  data::for_each_json_line(path, "caption labels", [&](const json& line, const std::string& where, int) {
    const std::string label = data::nonempty_string(line, "label", where);
    if (line.contains("id")) {
      const std::string id = data::nonempty_string(line, "id", where);
      if (!captions.count(id)) throw Error(where + ": caption '" + id + "' is not in the run's test captions");
      by_caption[id] = label;
    } else if (line.contains("image")) {
      const std::string image = data::nonempty_string(line, "image", where);
      if (!images.count(image)) throw Error(where + ": no test caption describes image '" + image + "'");
      by_image[image] = label;
    } else {
      throw Error(where + ": a label line needs \"id\" (a caption id) or \"image\" (an image id), and \"label\"");
    }
  });
  std::map<std::string, std::string> labels;
  for (size_t i = 0; i < test.caption_ids.size(); ++i) {
    auto caption = by_caption.find(test.caption_ids[i]);
    auto image = by_image.find(test.image_ids[i]);
    if (caption != by_caption.end()) labels[test.caption_ids[i]] = caption->second;
    else if (image != by_image.end()) labels[test.caption_ids[i]] = image->second;
  }
  return labels;
}

// The analysed captions: items (ids, labels in `words`), their rows in the test split, their images.
struct CaptionSample {
  ItemSample items;
  std::vector<int64_t> rows;
  std::vector<std::string> images;
};

struct LabelledCaption {
  std::string id, label;
  int64_t row = 0;
};

// Up to analyze.items_per_word captions per label, by vgs-eval's seeded per-key draw.
CaptionSample sample_captions(const train::CaptionSplitData& test, const AnalyzeOptions& o) {
  const std::map<std::string, std::string> labels = o.labels.empty() ? std::map<std::string, std::string>{} : read_caption_labels(o.labels, test);
  std::vector<LabelledCaption> all;
  for (size_t i = 0; i < test.caption_ids.size(); ++i) {
    auto it = labels.find(test.caption_ids[i]);
    if (!o.labels.empty() && it == labels.end()) continue;  // unlabelled captions are left out
    all.push_back({test.caption_ids[i], o.labels.empty() ? test.image_ids[i] : it->second, static_cast<int64_t>(i)});
  }
  if (all.empty()) throw Error(o.labels.empty() ? "vgs-analyze: the run's test split has no captions" : o.labels + ": no test caption has a label");
  CaptionSample s;
  for (const LabelledCaption* c : eval::sample_per_key(all, [](const LabelledCaption& c) { return c.label; }, o.items_per_word, o.seed)) {
    s.items.ids.push_back(c->id);
    s.items.words.push_back(c->label);
    s.rows.push_back(c->row);
    s.images.push_back(test.image_ids[static_cast<size_t>(c->row)]);
  }
  return s;
}

// The text encoder's stages (TextGroupingImpl::stages) for the given rows of tokenized captions.
std::vector<at::Tensor> caption_stages(models::TextGroupingImpl& model, const train::TokenizedCaptions& tokens,
                                       const std::vector<int64_t>& rows, const c10::Device& device) {
  torch::NoGradGuard no_grad;
  model.eval();
  std::vector<std::vector<at::Tensor>> parts;
  for (size_t begin = 0; begin < rows.size(); begin += 64) {
    const std::vector<int64_t> chunk(rows.begin() + static_cast<int64_t>(begin), rows.begin() + static_cast<int64_t>(std::min(rows.size(), begin + 64)));
    const at::Tensor index = torch::tensor(chunk, torch::kInt64);
    at::Tensor keep = tokens.keep.index_select(0, index);
    const int64_t length = keep.sum(1).max().item<int64_t>();
    const at::Tensor ids = tokens.ids.index_select(0, index).narrow(1, 0, length).to(device);
    const std::vector<at::Tensor> stages = model.stages(ids, keep.narrow(1, 0, length).to(device));
    parts.resize(stages.size());
    for (size_t s = 0; s < stages.size(); ++s) parts[s].push_back(stages[s].to(torch::kCPU, torch::kFloat64));
  }
  std::vector<at::Tensor> out;
  for (auto& p : parts) out.push_back(torch::cat(p));
  return out;
}

LayerStack text_stack(train::TextGroupingTask& task, const CaptionSample& sample) {
  models::TextGroupingImpl& model = task.grouping_model();
  LayerStack stack{"text_encoder", {"input"}, caption_stages(model, task.test_data().tokens, sample.rows, task.device())};
  for (int64_t l = 1; l <= model.config().encoder_layers; ++l) stack.layer_names.push_back("layer " + std::to_string(l));
  stack.layer_names.push_back("groups");
  for (int64_t l = 1; l <= model.config().group_layers; ++l) stack.layer_names.push_back("group layer " + std::to_string(l));
  stack.layer_names.push_back("embedding");
  return stack;
}

// The images' embeddings as the loss sees them: the cached groups, mean-pooled and L2-normalised.
at::Tensor image_embeddings(const train::FeatureBank& bank, const std::vector<std::string>& ids) {
  std::vector<at::Tensor> parts;
  for (size_t begin = 0; begin < ids.size(); begin += 256) {
    const std::vector<std::string> chunk(ids.begin() + static_cast<int64_t>(begin), ids.begin() + static_cast<int64_t>(std::min(ids.size(), begin + 256)));
    parts.push_back(losses::pool_image_groups(bank.collate(chunk).first.to(torch::kFloat32)).to(torch::kFloat64));
  }
  return torch::cat(parts);
}

// Silhouette and LDA need at least two labels and more items than labels + 1; a caption sample
// labelled by image with one caption an image has neither.
std::string separability_refusal(const ItemSample& items) {
  const std::set<std::string> labels(items.words.begin(), items.words.end());
  if (labels.size() >= 2 && items.ids.size() > labels.size() + 1) return "";
  return "silhouette and LDA need at least 2 labels and more captions than labels + 1; the sample has " +
         std::to_string(items.ids.size()) + " captions of " + std::to_string(labels.size()) +
         " labels (give analyze.labels, or a test split with several captions an image)";
}

// The layerwise stacks: the text encoder and the files (text), GroupViT's stages of each caption's
// image (image). Silhouette and LDA take the image stages only with analyze.labels: by image they
// would separate copies of the same image.
void layerwise(json& results, FigureWriter& figures, train::TextGroupingTask& task, const CaptionSample& sample, const LayerStack& text,
               const AnalyzeOptions& o) {
  std::vector<LayerStack> stacks, separated;
  if (wants_modality(o, "text")) {
    stacks.push_back(text);
    for (const std::string& file : o.hidden_states) stacks.push_back(file_stack(file, sample.items));
    separated = stacks;
  }
  if (wants_modality(o, "image")) {
    const train::TextGroupingOptions& run = task.options();
    stacks.push_back(image_layer_stack(run.extraction, run.image_backbone, run.test.images, {}, sample.images));
    if (!o.labels.empty()) separated.push_back(stacks.back());
  }
  if (wants(o, "cka")) cka_pairs(results, figures, stacks, sample.items, o);
  if (!wants(o, "silhouette") && !wants(o, "lda")) return;
  const std::string refusal = separability_refusal(sample.items);
  if (refusal.empty()) return layerwise_measures(results, separated, sample.items, o);
  log::warn("[analyze] ", refusal);
  results["separability_skipped"] = refusal;
}

// Each distinct image of the sample once, labelled by its first caption's label.
void sample_images(const CaptionSample& sample, std::vector<std::string>* ids, std::vector<std::string>* labels) {
  std::set<std::string> seen;
  for (size_t i = 0; i < sample.images.size(); ++i)
    if (seen.insert(sample.images[i]).second) ids->push_back(sample.images[i]), labels->push_back(sample.items.words[i]);
}

// PCA and t-SNE of the captions' embeddings and their images': by label and by modality.
void embedding_pictures(json& results, FigureWriter& figures, train::TextGroupingTask& task, const CaptionSample& sample,
                        const LayerStack& text, const AnalyzeOptions& o) {
  std::vector<std::string> image_ids, image_labels;
  sample_images(sample, &image_ids, &image_labels);
  const at::Tensor embeddings = torch::cat({text.layers.back(), image_embeddings(*task.test_data().image_features, image_ids)});
  ScatterRows by_label{"labels", "by label", {}, {}, {}}, by_modality{"modality", "by modality", {}, {}, {}};
  for (const std::string& label : sample.items.words) by_label.group.push_back(label), by_label.colour_key.push_back(label);
  for (const std::string& label : image_labels) by_label.group.push_back(label + " (image)"), by_label.colour_key.push_back(label);
  by_label.image.assign(sample.items.ids.size(), false);
  by_label.image.resize(by_label.group.size(), true);
  for (bool image : by_label.image) by_modality.group.push_back(image ? "image" : "caption");
  by_modality.colour_key = by_modality.group;
  by_modality.image = by_label.image;
  for (const std::string method : {"pca", "tsne"})
    if (wants(o, method)) {
      const double kl = figures.projections(method, embeddings, {by_label, by_modality}, o.seed);
      if (method == "tsne") results["tsne"] = {{"points", embeddings.size(0)}, {"kl_divergence", kl}};
    }
}

// Forced choice against people on captions: {"image", "caption_a", "caption_b", "human_a"} (two
// captions for an image) or {"caption", "image_a", "image_b", "human_a"} (two images for a caption);
// captions are text, images ids of the test split; the model's score is the cosine of the caption's
// and the image's embeddings.
json caption_forced_choice(train::TextGroupingTask& task, const std::string& path) {
  const train::FeatureBank& bank = *task.test_data().image_features;
  std::vector<data::CaptionItem> texts_a, texts_b;
  std::vector<std::string> images_a, images_b;
  std::vector<double> human;
  data::for_each_json_line(path, "human choices", [&](const json& line, const std::string& where, int number) {
    const bool two_captions = line.contains("caption_a");
    const std::string id = std::to_string(number);
    if (two_captions) {
      const std::string image = data::nonempty_string(line, "image", where);
      texts_a.push_back({id + "a", image, data::nonempty_string(line, "caption_a", where), {}, number});
      texts_b.push_back({id + "b", image, data::nonempty_string(line, "caption_b", where), {}, number});
      images_a.push_back(image), images_b.push_back(image);
    } else {
      const std::string caption = data::nonempty_string(line, "caption", where);
      images_a.push_back(data::nonempty_string(line, "image_a", where));
      images_b.push_back(data::nonempty_string(line, "image_b", where));
      texts_a.push_back({id + "a", images_a.back(), caption, {}, number});
      texts_b.push_back({id + "b", images_b.back(), caption, {}, number});
    }
    for (const std::string& image : {images_a.back(), images_b.back()})
      if (!bank.contains(image)) throw Error(where + ": image '" + image + "' is not in the test split");
    if (!line.contains("human_a") || !line["human_a"].is_number() || line["human_a"].get<double>() < 0 || line["human_a"].get<double>() > 1)
      throw Error(where + ": 'human_a' must be the share of people choosing a, a number in [0, 1]; each line is {image, caption_a, "
                          "caption_b, human_a} or {caption, image_a, image_b, human_a}");
    human.push_back(line["human_a"].get<double>());
  });
  if (human.empty()) throw Error(path + ": no human choices");
  models::TextGroupingImpl& model = task.grouping_model();
  auto embed = [&](const std::vector<data::CaptionItem>& texts) {
    const train::TokenizedCaptions tokens = train::tokenize_captions(task.tokenizer(), texts, model.config().max_len, path);
    std::vector<int64_t> rows(texts.size());
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(i);
    return caption_stages(model, tokens, rows, task.device()).back();
  };
  const at::Tensor a = (embed(texts_a) * image_embeddings(bank, images_a)).sum(1);
  const at::Tensor b = (embed(texts_b) * image_embeddings(bank, images_b)).sum(1);
  std::vector<metrics::PreferenceItem> items;
  for (size_t i = 0; i < human.size(); ++i)
    items.push_back({a[static_cast<int64_t>(i)].item<double>(), b[static_cast<int64_t>(i)].item<double>(), human[i]});
  const metrics::PreferenceResult r = metrics::model_human_agreement(items);
  auto number = [](double v) { return std::isnan(v) ? json(nullptr) : json(v); };
  return {{"items", r.items}, {"agreements", r.agreements}, {"ties", r.ties}, {"agreement", number(r.agreement)},
          {"correlation", number(r.correlation)}};
}

}  // namespace

AnalysisOutput analyze_text_grouping_run(const std::string& run_dir, train::TextGroupingOptions run, const AnalyzeOptions& o) {
  const std::string out_dir = o.out.empty() ? run_dir + "/analysis" : o.out;
  std::filesystem::create_directories(out_dir);
  const std::string checkpoint = train::RunFolder::open(run_dir).checkpoint_for_evaluation(o.checkpoint);
  train::TextGroupingTask task(run);
  task.load_test_data();
  task.build_model(nn::resolve_device(o.device, "analyze.device"));
  train::load_model_weights(checkpoint, task.model());
  log::info("[analyze] ", run_dir, ": checkpoint ", checkpoint);
  const CaptionSample sample = sample_captions(task.test_data(), o);
  const std::set<std::string> labels(sample.items.words.begin(), sample.items.words.end());
  json results = {{"schema", "vgs-analyze/1"}, {"family", "text_grouping"}, {"run", run_dir}, {"checkpoint", checkpoint},
                  {"measures", o.measures}, {"items", sample.items.ids.size()}, {"labels", labels.size()},
                  {"label_source", o.labels.empty() ? "image" : o.labels}, {"item_ids", sample.items.ids}};
  FigureWriter figures(out_dir, o.formats);
  const LayerStack text = text_stack(task, sample);
  if (wants(o, "cka") || wants(o, "silhouette") || wants(o, "lda")) layerwise(results, figures, task, sample, text, o);
  layerwise_figures(results, figures, o, "label");
  if (wants(o, "pca") || wants(o, "tsne")) embedding_pictures(results, figures, task, sample, text, o);
  if (wants(o, "forced_choice")) results["forced_choice"] = caption_forced_choice(task, o.human_choices);
  results["figures"] = figures.written();
  AnalysisOutput output{out_dir + "/results.json", figures.written(), summary_lines(results)};
  core::write_file_atomic(output.results_json, results.dump(1) + "\n");
  return output;
}

}  // namespace vgs::analysis
