// The text grouping task (model.family: text_grouping): captions tokenized once, each paired with the
// cached group embeddings of its image (a frozen GroupViT), the text grouping model trained with
// in-batch InfoNCE plus reconstruction (GradCache for large batches); validation loss and, on the
// test split, phrase alignment (tIoU, F1) with its baselines, retrieval and forced choice.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vgs/metrics/phrase_alignment.h"
#include "vgs/models/text_grouping.h"
#include "vgs/train/task.h"
#include "vgs/train/text_grouping_options.h"

namespace vgs::data {
struct CaptionItem;
struct ForcedChoice;
}  // namespace vgs::data
namespace vgs::text {
class Tokenizer;
}  // namespace vgs::text
namespace vgs::dist {
class Group;
}  // namespace vgs::dist

namespace vgs::train {

class FeatureBank;

// Captions as the model reads them: fixed-length token rows, and the word maps phrase alignment needs.
struct TokenizedCaptions {
  at::Tensor ids, keep;                                // [N, L] int64 and bool
  std::vector<std::vector<int64_t>> token_words;       // [N][L]: the word of each row position, -1 for none
  std::vector<std::vector<std::string>> words;         // each caption's words
  std::vector<metrics::Phrases> phrases;               // each caption's gold phrases (word indices)
};
// `source` names the captions' file in errors (a phrase span past its caption).
TokenizedCaptions tokenize_captions(const text::Tokenizer& tokenizer, const std::vector<data::CaptionItem>& captions,
                                    int64_t context_length, const std::string& source);

// A forced-choice set: its items and, when an image manifest lies beside the file
// (<file without .jsonl>_images.jsonl, as vgs-prepare foil-coco and svo-probes write it), the
// features of those images; otherwise its images are the split's.
struct ForcedChoiceSet {
  std::string file;
  std::vector<data::ForcedChoice> items;
  std::unique_ptr<FeatureBank> image_features;  // null: the split's
  ForcedChoiceSet();
  ForcedChoiceSet(ForcedChoiceSet&&) noexcept;
  ~ForcedChoiceSet();
};

// One split: its captions, the image each belongs to, their tokens and the image features.
struct CaptionSplitData {
  std::vector<std::string> caption_ids, image_ids, texts;  // per caption
  TokenizedCaptions tokens;
  std::unique_ptr<FeatureBank> image_features;
  std::vector<ForcedChoiceSet> forced_choice;
  CaptionSplitData();
  CaptionSplitData(CaptionSplitData&&) noexcept;
  ~CaptionSplitData();
};

// How the grouping block divides one caption among the groups (a picture for people, not a metric).
struct AttentionMap {
  std::string caption_id, text;
  std::vector<std::string> tokens;               // each real row position's piece of the caption ("<sot>", "<eot>")
  std::vector<std::vector<double>> soft;         // [token][group]: the noise-free softmax over the groups
  std::vector<int64_t> hard;                     // per token: the group its hard assignment picks
};

class TextGroupingTask : public Task {
 public:
  explicit TextGroupingTask(TextGroupingOptions options);
  ~TextGroupingTask() override;

  void load_data() override;
  void build_model(const c10::Device& device) override;
  // Several ranks: whole-batch steps split the batch with global negatives (text_grouping_ranks.h);
  // GradCache steps compute the whole batch on every rank (correct, not faster).
  void use_group(dist::Group* group) override { group_ = group; }
  std::string describe() const override { return "text grouping model"; }
  torch::nn::Module& model() override { return *model_; }
  int64_t steps_per_epoch() const override;
  StepLoss step_loss(int64_t epoch, int64_t step) override;
  void after_optimizer_step() override { model_->clamp_logit_scale(); }
  Metrics step_metrics() const override;
  Metrics validate() override;
  bool has_test() const override { return test_ != nullptr; }
  Metrics test() override;

  // For vgs-eval: the tokenizer and the test split only (no training data is read); build_model then
  // sizes the model by the test split's image features.
  void load_test_data();
  // The attention maps of the first `count` test captions (fewer when the split has fewer).
  std::vector<AttentionMap> attention_maps(int64_t count);
  // For vgs-analyze, after load_test_data and build_model: the options with the toy world's paths
  // filled in, the test split, the tokenizer, the model and where it runs.
  const TextGroupingOptions& options() const { return o_; }
  const CaptionSplitData& test_data() const;
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }
  models::TextGroupingImpl& grouping_model() { return *model_; }
  const c10::Device& device() const { return device_; }

 private:
  void use_toy_captions();
  // The train captions' shuffled order for an epoch, a function of (seed, epoch); kept for the
  // epoch's steps rather than drawn again at each.
  const std::vector<int64_t>& epoch_order(int64_t epoch);
  void prepare_tokenizer();
  CaptionSplitData load_caption_split(const CaptionSplit& split, const std::string& name) const;
  // The batch's loss: whole (graph attached) or by GradCache (gradients already accumulated, loss detached).
  StepLoss batch_loss(const CaptionSplitData& split, const std::vector<int64_t>& rows, bool training);
  at::Tensor image_groups(const CaptionSplitData& split, const std::vector<std::string>& image_ids) const;
  Metrics score(const CaptionSplitData& split, const std::string& prefix);

  TextGroupingOptions o_;
  c10::Device device_{c10::kCPU};
  std::unique_ptr<text::Tokenizer> tokenizer_;
  std::unique_ptr<CaptionSplitData> train_, valid_, test_;
  models::TextGrouping model_{nullptr};
  dist::Group* group_ = nullptr;
  int64_t order_epoch_ = -1;
  std::vector<int64_t> order_;
};

}  // namespace vgs::train
