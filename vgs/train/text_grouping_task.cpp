// The text grouping task (see text_grouping_task.h; docs/text_grouping.md).
#include "vgs/train/text_grouping_task.h"

#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>

#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/core/random.h"
#include "vgs/data/forced_choice.h"
#include "vgs/data/manifest.h"
#include "vgs/data/toy_captions.h"
#include "vgs/dist/group.h"
#include "vgs/losses/text_grouping_loss.h"
#include "vgs/metrics/forced_choice.h"
#include "vgs/metrics/retrieval.h"
#include "vgs/text/caption_words.h"
#include "vgs/text/sentencepiece_tokenizer.h"
#include "vgs/text/tokenizer.h"
#include "vgs/train/feature_bank.h"
#include "vgs/train/grad_cache.h"
#include "vgs/train/text_grouping_ranks.h"

namespace fs = std::filesystem;

namespace vgs::train {

ForcedChoiceSet::ForcedChoiceSet() = default;
ForcedChoiceSet::ForcedChoiceSet(ForcedChoiceSet&&) noexcept = default;
ForcedChoiceSet::~ForcedChoiceSet() = default;

CaptionSplitData::CaptionSplitData() = default;
CaptionSplitData::CaptionSplitData(CaptionSplitData&&) noexcept = default;
CaptionSplitData::~CaptionSplitData() = default;

TokenizedCaptions tokenize_captions(const text::Tokenizer& tokenizer, const std::vector<data::CaptionItem>& captions,
                                    int64_t context_length, const std::string& source) {
  TokenizedCaptions out;
  const auto n = static_cast<int64_t>(captions.size());
  out.ids = torch::full({n, context_length}, tokenizer.pad_id(), torch::kInt64);
  out.keep = torch::zeros({n, context_length}, torch::kBool);
  auto ids = out.ids.accessor<int64_t, 2>();
  auto keep = out.keep.accessor<bool, 2>();
  for (int64_t i = 0; i < n; ++i) {
    const data::CaptionItem& caption = captions[static_cast<size_t>(i)];
    const std::vector<text::Token> tokens = tokenizer.encode(caption.text);
    const std::vector<text::Token> row =
        text::token_row(tokenizer, tokens, context_length, static_cast<int64_t>(caption.text.size()));
    const int64_t real = std::min<int64_t>(static_cast<int64_t>(tokens.size()) + 2, context_length);
    for (int64_t t = 0; t < context_length; ++t) ids[i][t] = row[static_cast<size_t>(t)].id, keep[i][t] = t < real;
    const text::CaptionWords words = text::caption_words(caption.text);
    const std::string where = source + (caption.line ? ":" + std::to_string(caption.line) : "") + " (" + caption.id + ")";
    out.token_words.push_back(text::token_words(words, row));
    out.phrases.push_back(text::phrase_words(words, caption.spans, where));
    out.words.push_back(words.words);
  }
  return out;
}

TextGroupingTask::TextGroupingTask(TextGroupingOptions options) : o_(std::move(options)) {}
TextGroupingTask::~TextGroupingTask() = default;

// captions.toy_world: the toy caption world, made when missing, fills the splits the recipe leaves unset.
void TextGroupingTask::use_toy_captions() {
  if (o_.toy_captions.empty()) return;
  const std::string dir = o_.toy_captions;
  if (!fs::exists(dir + "/manifests/captions_test.jsonl")) {
    log::info("[data] making the toy caption world in ", dir);
    data::make_toy_captions(dir);
  }
  auto fill = [&](CaptionSplit& split, const std::string& name, bool foils) {
    if (split.captions.empty()) split.captions = dir + "/manifests/captions_" + name + ".jsonl";
    if (split.images.empty()) split.images = dir + "/manifests/images_" + name + ".jsonl";
    if (foils && split.forced_choice.empty()) split.forced_choice = {dir + "/foils/foils_" + name + ".jsonl"};
  };
  fill(o_.train, "train", false);
  fill(o_.valid, "val", false);
  fill(o_.test, "test", true);
  if (o_.tokenizer.empty()) o_.tokenizer = dir + "/tokenizer.model";
}

// A SentencePiece model the toy world lacks is trained on its train captions (deterministic).
void TextGroupingTask::prepare_tokenizer() {
  if (o_.tokenizer.empty())
    throw Error("captions.tokenizer is not set: a SentencePiece .model (vgs-tokenizer train) or CLIP's "
                "bpe_simple_vocab_16e6.txt.gz with captions.tokenizer_kind: clip");
  if (!fs::exists(o_.tokenizer) && !o_.toy_captions.empty() && o_.tokenizer_kind == "sentencepiece") {
    log::info("[data] training a SentencePiece BPE of ", o_.tokenizer_vocab_size, " pieces on ", o_.train.captions);
    text::SentencePieceTrainOptions options;
    options.vocab_size = static_cast<int>(o_.tokenizer_vocab_size);
    text::train_sentencepiece_on_manifest(o_.train.captions, options, o_.tokenizer);
  }
  if (!fs::exists(o_.tokenizer)) throw Error("captions.tokenizer: " + o_.tokenizer + " not found");
  tokenizer_ = text::make_tokenizer(o_.tokenizer_kind, o_.tokenizer);
  o_.model.vocab_size = tokenizer_->vocab_size();
}

CaptionSplitData TextGroupingTask::load_caption_split(const CaptionSplit& split, const std::string& name) const {
  for (const auto& [key, path] : {std::pair{"captions." + name, split.captions}, {"captions." + name + "_images", split.images}})
    if (path.empty() || !fs::exists(path)) throw Error(key + ": " + (path.empty() ? "not set" : path + " not found"));
  CaptionSplitData out;
  out.image_features = open_feature_bank(o_.extraction, o_.image_backbone, o_.image_layers, split.images, o_.features);
  std::vector<data::CaptionItem> kept;
  int64_t without_features = 0;
  for (data::CaptionItem& c : data::read_caption_manifest(split.captions)) {
    if (!out.image_features->contains(c.image)) { ++without_features; continue; }
    out.caption_ids.push_back(c.id);
    out.image_ids.push_back(c.image);
    out.texts.push_back(c.text);
    kept.push_back(std::move(c));
  }
  if (without_features > 0)
    log::warn("[data] ", name, ": ", without_features, " captions of images without features left out (", split.images, ")");
  if (kept.empty()) throw Error(split.captions + ": no caption whose image has features");
  out.tokens = tokenize_captions(*tokenizer_, kept, o_.model.max_len, split.captions);
  for (const std::string& file : split.forced_choice) {
    ForcedChoiceSet set;
    set.file = file;
    set.items = data::read_forced_choice(file);
    const std::string beside = (fs::path(file).parent_path() / (fs::path(file).stem().string() + "_images.jsonl")).string();
    if (fs::exists(beside))
      set.image_features = open_feature_bank(o_.extraction, o_.image_backbone, o_.image_layers, beside, o_.features);
    out.forced_choice.push_back(std::move(set));
  }
  log::info("[data] ", name, ": ", kept.size(), " captions");
  return out;
}

void TextGroupingTask::load_data() {
  use_toy_captions();
  if (o_.train.captions.empty())
    throw Error("captions.train is not set: prepare a caption corpus (docs/captions.md) or set captions.toy_world");
  prepare_tokenizer();
  train_ = std::make_unique<CaptionSplitData>(load_caption_split(o_.train, "train"));
  if (!o_.valid.captions.empty()) valid_ = std::make_unique<CaptionSplitData>(load_caption_split(o_.valid, "valid"));
  if (!o_.test.captions.empty()) test_ = std::make_unique<CaptionSplitData>(load_caption_split(o_.test, "test"));
}

void TextGroupingTask::load_test_data() {
  use_toy_captions();
  if (o_.test.captions.empty()) throw Error("captions.test is not set: vgs-eval scores a text grouping run on its test split");
  prepare_tokenizer();
  test_ = std::make_unique<CaptionSplitData>(load_caption_split(o_.test, "test"));
}

const CaptionSplitData& TextGroupingTask::test_data() const {
  if (!test_) throw Error("text grouping task: the test split is not loaded (call load_test_data or load_data first)");
  return *test_;
}

void TextGroupingTask::build_model(const c10::Device& device) {
  device_ = device;
  const CaptionSplitData& sizing = train_ ? *train_ : *test_;
  o_.model.embed_dim = sizing.image_features->dim();  // the text groups live in the image groups' space
  model_ = models::TextGrouping(o_.model);
  model_->to(device_);
  if (group_ && group_->size() > 1 && o_.grad_cache_chunk > 0)
    log::info("[train] GradCache over ", group_->size(), " ranks: every rank computes the whole batch (global negatives "
              "are split over ranks only without train.grad_cache_chunk)");
}

int64_t TextGroupingTask::steps_per_epoch() const {
  const int64_t n = train_->tokens.ids.size(0);
  return (n + o_.batch_size - 1) / o_.batch_size;
}

at::Tensor TextGroupingTask::image_groups(const CaptionSplitData& split, const std::vector<std::string>& image_ids) const {
  return split.image_features->collate(image_ids).first.to(device_, torch::kFloat32);
}

StepLoss TextGroupingTask::batch_loss(const CaptionSplitData& split, const std::vector<int64_t>& rows, bool training) {
  StepLoss out;
  const auto start = std::chrono::steady_clock::now();
  const at::Tensor index = torch::tensor(rows, torch::kInt64);
  at::Tensor keep = split.tokens.keep.index_select(0, index);
  const int64_t length = keep.sum(1).max().item<int64_t>();  // no column of padding only
  keep = keep.narrow(1, 0, length).to(device_);
  const at::Tensor ids = split.tokens.ids.index_select(0, index).narrow(1, 0, length).to(device_);
  std::vector<std::string> images;
  for (int64_t r : rows) images.push_back(split.image_ids[static_cast<size_t>(r)]);
  const at::Tensor groups = image_groups(split, images);
  out.data_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.items = static_cast<int64_t>(rows.size());
  if (training && o_.grad_cache_chunk > 0) {
    out.loss = grad_cache_step(*model_, o_.loss, ids, keep, groups, o_.grad_cache_chunk).loss;
  } else if (training && group_ && group_->size() > 1) {
    out.loss = text_grouping_rank_loss(*model_, o_.loss, ids, keep, groups, *group_);
  } else {
    out.loss = losses::text_grouping_batch_loss(*model_, o_.loss, ids, keep, groups);
  }
  return out;
}

const std::vector<int64_t>& TextGroupingTask::epoch_order(int64_t epoch) {
  if (epoch == order_epoch_) return order_;
  const int64_t n = train_->tokens.ids.size(0);
  order_.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order_[static_cast<size_t>(i)] = i;
  std::mt19937_64 rng(core::mix_seed({o_.seed, 7, static_cast<uint64_t>(epoch)}));
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(order_[static_cast<size_t>(i)], order_[core::uniform_index(rng, static_cast<uint64_t>(i) + 1)]);
  order_epoch_ = epoch;
  return order_;
}

StepLoss TextGroupingTask::step_loss(int64_t epoch, int64_t step) {
  // The epoch's order and the step's random draws (Gumbel noise, dropout) are functions of (seed,
  // epoch, step), so that a resumed run draws what the uninterrupted one would.
  const std::vector<int64_t>& order = epoch_order(epoch);
  const int64_t n = static_cast<int64_t>(order.size());
  const int64_t begin = step * o_.batch_size, end = std::min(n, begin + o_.batch_size);
  torch::manual_seed(core::mix_seed({o_.seed, 8, static_cast<uint64_t>(epoch), static_cast<uint64_t>(step)}));
  return batch_loss(*train_, std::vector<int64_t>(order.begin() + begin, order.begin() + end), true);
}

Metrics TextGroupingTask::step_metrics() const { return {{"train/scale", model_->scale().item<double>()}}; }

Metrics TextGroupingTask::validate() {
  if (!valid_) return {};
  torch::NoGradGuard no_grad;
  model_->eval();
  ItemMean mean;
  const int64_t n = valid_->tokens.ids.size(0);
  for (int64_t begin = 0; begin < n; begin += o_.batch_size) {
    std::vector<int64_t> rows;
    for (int64_t i = begin; i < std::min(n, begin + o_.batch_size); ++i) rows.push_back(i);
    mean.add(batch_loss(*valid_, rows, false));
  }
  Metrics m = score(*valid_, "valid/");
  m["valid/loss"] = mean.value();
  return m;
}

Metrics TextGroupingTask::test() { return test_ ? score(*test_, "test/") : Metrics{}; }

}  // namespace vgs::train
