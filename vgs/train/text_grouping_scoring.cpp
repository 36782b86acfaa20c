// What the text grouping task reports on a split (TextGroupingTask::score): phrase alignment of the
// model's groups with the gold phrases (tIoU, F1) beside the equal-split and noun-chunk baselines,
// text <-> image retrieval, and forced-choice accuracy (docs/evaluation.md defines each).
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <set>

#include "vgs/core/error.h"
#include "vgs/data/forced_choice.h"
#include "vgs/data/manifest.h"
#include "vgs/losses/text_grouping_loss.h"
#include "vgs/metrics/forced_choice.h"
#include "vgs/metrics/phrase_alignment.h"
#include "vgs/metrics/retrieval.h"
#include "vgs/text/tokenizer.h"
#include "vgs/train/feature_bank.h"
#include "vgs/train/text_grouping_task.h"

namespace vgs::train {

namespace {

struct EmbeddedCaptions {
  at::Tensor pooled;                               // [N, D] on the CPU
  std::vector<std::vector<int64_t>> token_groups;  // [N][L]: each row position's group, -1 for none
};

// The captions through the model in eval mode, a batch at a time.
EmbeddedCaptions embed_captions(models::TextGroupingImpl& model, const TokenizedCaptions& tokens, int64_t batch,
                                const c10::Device& device) {
  torch::NoGradGuard no_grad;
  model.eval();
  EmbeddedCaptions out;
  std::vector<at::Tensor> pooled;
  const int64_t n = tokens.ids.size(0), context = tokens.ids.size(1);
  for (int64_t begin = 0; begin < n; begin += batch) {
    const int64_t count = std::min(batch, n - begin);
    at::Tensor keep = tokens.keep.narrow(0, begin, count);
    const int64_t length = keep.sum(1).max().item<int64_t>();
    keep = keep.narrow(1, 0, length).to(device);
    const at::Tensor ids = tokens.ids.narrow(0, begin, count).narrow(1, 0, length).to(device);
    const models::TextGroupingOutput result = model.forward(ids, keep);
    pooled.push_back(result.pooled.to(torch::kCPU, torch::kFloat32));
    for (std::vector<int64_t>& row : metrics::token_groups(result.assignment_hard.cpu())) {
      row.resize(static_cast<size_t>(context), -1);
      out.token_groups.push_back(std::move(row));
    }
  }
  out.pooled = torch::cat(pooled);
  return out;
}

void add_alignment(Metrics& m, const std::string& key, const metrics::PhraseAlignment& a) {
  m[key + "tiou"] = a.tiou();
  m[key + "f1"] = a.f1();
  m[key + "precision"] = a.precision();
  m[key + "recall"] = a.recall();
}

// Phrase alignment of the model's groups and of the two baselines, over the captions with phrases.
void score_phrases(Metrics& m, const std::string& prefix, const TokenizedCaptions& tokens, const EmbeddedCaptions& embedded,
                   int64_t groups) {
  metrics::PhraseAlignment model, equal, chunks;
  int64_t groups_used = 0, captions = 0;  // distinct groups holding a word, summed over captions
  for (size_t i = 0; i < tokens.phrases.size(); ++i) {
    if (tokens.phrases[i].empty()) continue;
    const auto words = static_cast<int64_t>(tokens.words[i].size());
    const metrics::WordGroups grouping = metrics::word_groups(embedded.token_groups[i], tokens.token_words[i], words);
    std::set<int64_t> used(grouping.begin(), grouping.end());
    used.erase(-1);
    groups_used += static_cast<int64_t>(used.size());
    ++captions;
    model.add(metrics::align_phrases(grouping, tokens.phrases[i]));
    equal.add(metrics::align_phrases(metrics::equal_split_groups(words, groups), tokens.phrases[i]));
    chunks.add(metrics::align_phrases(metrics::noun_chunk_groups(tokens.words[i]), tokens.phrases[i]));
  }
  if (model.phrases == 0) return;
  add_alignment(m, prefix + "phrase/", model);
  add_alignment(m, prefix + "phrase/equal_split/", equal);
  add_alignment(m, prefix + "phrase/noun_chunk/", chunks);
  m[prefix + "phrase/phrases"] = static_cast<double>(model.phrases);
  // How many of the K groups a caption's words use: 1 means the groups collapsed into one.
  m[prefix + "phrase/groups_per_caption"] = static_cast<double>(groups_used) / static_cast<double>(captions);
}

// Each distinct image of the split once, in first-use order, with its pooled group embedding.
struct ImageGallery {
  std::vector<std::string> ids;
  std::map<std::string, int64_t> row;
  at::Tensor embeddings;  // [G, D] CPU
};

ImageGallery image_gallery(const FeatureBank& features, const std::vector<std::string>& wanted) {
  ImageGallery g;
  for (const std::string& id : wanted)
    if (g.row.emplace(id, static_cast<int64_t>(g.ids.size())).second) g.ids.push_back(id);
  std::vector<at::Tensor> parts;
  for (size_t begin = 0; begin < g.ids.size(); begin += 256) {
    const std::vector<std::string> chunk(g.ids.begin() + static_cast<int64_t>(begin),
                                         g.ids.begin() + static_cast<int64_t>(std::min(g.ids.size(), begin + 256)));
    parts.push_back(losses::pool_image_groups(features.collate(chunk).first.to(torch::kFloat32)));
  }
  g.embeddings = torch::cat(parts);
  return g;
}

void add_retrieval(Metrics& m, const std::string& key, const metrics::RetrievalResult& r) {
  m[key + "r1"] = r.r1;
  m[key + "r5"] = r.r5;
  m[key + "r10"] = r.r10;
  m[key + "median_rank"] = r.median_rank;
}

void score_retrieval(Metrics& m, const std::string& prefix, const at::Tensor& text, const ImageGallery& images,
                     const std::vector<std::string>& caption_images) {
  std::vector<std::vector<int64_t>> text_to_image, image_to_text(images.ids.size());
  for (size_t c = 0; c < caption_images.size(); ++c) {
    const int64_t row = images.row.at(caption_images[c]);
    text_to_image.push_back({row});
    image_to_text[static_cast<size_t>(row)].push_back(static_cast<int64_t>(c));
  }
  add_retrieval(m, prefix + "retrieval/text_to_image/", metrics::retrieval(text, images.embeddings, text_to_image));
  add_retrieval(m, prefix + "retrieval/image_to_text/", metrics::retrieval(images.embeddings, text, image_to_text));
}

}  // namespace

// Forced choice on one file: the caption and the foil (or the foil image) scored with the image.
static void score_forced_choice(Metrics& m, const std::string& prefix, const ForcedChoiceSet& set,
                                const CaptionSplitData& split, models::TextGroupingImpl& model, const text::Tokenizer& tokenizer, int64_t batch,
                                const c10::Device& device) {
  const std::string& file = set.file;
  const std::vector<data::ForcedChoice>& items = set.items;
  const FeatureBank& features = set.image_features ? *set.image_features : *split.image_features;
  std::vector<data::CaptionItem> texts;
  std::vector<std::string> images;
  for (const data::ForcedChoice& item : items) {
    for (const std::string& image : {item.image, item.foil_image})
      if (!image.empty() && !features.contains(image))
        throw Error(file + ":" + std::to_string(item.line) + ": image '" + image + "' has no features: it is not in " +
                    (set.image_features ? "the image manifest beside the file" : "the split's image manifest"));
    texts.push_back({item.id, item.image, item.caption, {}, item.line});
    texts.push_back({item.id + "/foil", item.image, item.foil.empty() ? item.caption : item.foil, {}, item.line});
    images.push_back(item.image);
    images.push_back(item.foil_image.empty() ? item.image : item.foil_image);
  }
  const TokenizedCaptions tokens = tokenize_captions(tokenizer, texts, model.config().max_len, file);
  const at::Tensor text = embed_captions(model, tokens, batch, device).pooled;
  const ImageGallery gallery = image_gallery(features, images);
  std::vector<double> caption_scores, foil_scores;
  std::vector<std::string> categories;
  for (size_t i = 0; i < items.size(); ++i) {
    auto score = [&](size_t row) {
      return (text[static_cast<int64_t>(row)] * gallery.embeddings[gallery.row.at(images[row])]).sum().item<double>();
    };
    caption_scores.push_back(score(2 * i));
    foil_scores.push_back(score(2 * i + 1));
    categories.push_back(items[i].category);
  }
  const metrics::ForcedChoiceResult r = metrics::forced_choice_accuracy(caption_scores, foil_scores, categories);
  const std::string key = prefix + "forced_choice/" + std::filesystem::path(file).stem().string() + "/";
  m[key + "accuracy"] = r.overall.accuracy();
  m[key + "category_mean"] = r.category_mean();
  for (const auto& [category, count] : r.categories) m[key + "category/" + category] = count.accuracy();
}

Metrics TextGroupingTask::score(const CaptionSplitData& split, const std::string& prefix) {
  Metrics m;
  const EmbeddedCaptions embedded = embed_captions(*model_, split.tokens, o_.batch_size, device_);
  score_phrases(m, prefix, split.tokens, embedded, o_.model.groups);
  score_retrieval(m, prefix, embedded.pooled, image_gallery(*split.image_features, split.image_ids), split.image_ids);
  for (const ForcedChoiceSet& set : split.forced_choice)
    score_forced_choice(m, prefix, set, split, *model_, *tokenizer_, o_.batch_size, device_);
  return m;
}

namespace {
// Each real row position's piece of the caption as people read it: the bytes its span covers (a
// token whose span is empty, or cuts a character, shows its vocabulary spelling instead).
std::vector<std::string> token_labels(const text::Tokenizer& tokenizer, const std::string& caption, int64_t real,
                                      int64_t context) {
  const std::vector<text::Token> row =
      text::token_row(tokenizer, tokenizer.encode(caption), context, static_cast<int64_t>(caption.size()));
  std::vector<std::string> labels;
  for (int64_t t = 0; t < real; ++t) {
    const text::Token& token = row[static_cast<size_t>(t)];
    if (token.id == tokenizer.sot_id()) labels.push_back("<sot>");
    else if (token.id == tokenizer.eot_id()) labels.push_back("<eot>");
    else if (token.end > token.begin) labels.push_back(caption.substr(static_cast<size_t>(token.begin), static_cast<size_t>(token.end - token.begin)));
    else labels.push_back(tokenizer.piece(token.id));
  }
  return labels;
}
}  // namespace

std::vector<AttentionMap> TextGroupingTask::attention_maps(int64_t count) {
  if (!test_) throw Error("attention maps: no test split loaded");
  torch::NoGradGuard no_grad;
  model_->eval();
  std::vector<AttentionMap> maps;
  const int64_t n = std::min<int64_t>(count, test_->tokens.ids.size(0));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t real = test_->tokens.keep[i].sum().item<int64_t>();
    const at::Tensor ids = test_->tokens.ids[i].narrow(0, 0, real).unsqueeze(0).to(device_);
    const at::Tensor keep = test_->tokens.keep[i].narrow(0, 0, real).unsqueeze(0).to(device_);
    const models::TextGroupingOutput out = model_->forward(ids, keep);
    const at::Tensor soft = out.assignment_soft[0].transpose(0, 1).to(torch::kCPU, torch::kFloat64).contiguous();  // [L, K]
    AttentionMap map{test_->caption_ids[static_cast<size_t>(i)], test_->texts[static_cast<size_t>(i)], {}, {}, {}};
    map.tokens = token_labels(*tokenizer_, map.text, real, o_.model.max_len);
    const at::Tensor hard = out.assignment_hard[0].argmax(0).cpu();
    for (int64_t t = 0; t < real; ++t) {
      map.soft.emplace_back(soft[t].data_ptr<double>(), soft[t].data_ptr<double>() + soft.size(1));
      map.hard.push_back(hard[t].item<int64_t>());
    }
    maps.push_back(std::move(map));
  }
  return maps;
}

}  // namespace vgs::train
