// SentencePiece training (SentencePieceTrainer over the captions, the model kept in memory and
// written atomically) and encoding with byte spans (EncodeAsImmutableProto: each piece's
// begin/end in the input, which SentencePiece tracks through its own normalisation).
#include "vgs/text/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <unordered_map>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/strings.h"
#include "vgs/data/manifest.h"
#include "vgs/text/spanned_text.h"

namespace vgs::text {
namespace {

// The captions, one sentence each, as SentencePiece's trainer reads them.
class TextIterator final : public sentencepiece::SentenceIterator {
 public:
  explicit TextIterator(const std::vector<std::string>& texts) : texts_(texts) {}
  bool done() const override { return at_ >= texts_.size(); }
  void Next() override { ++at_; }
  const std::string& value() const override { return texts_[at_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& texts_;
  size_t at_ = 0;
};

std::unordered_map<std::string, std::string> trainer_arguments(const SentencePieceTrainOptions& options) {
  return {{"model_type", options.model_type},
          {"vocab_size", std::to_string(options.vocab_size)},
          {"character_coverage", std::to_string(options.character_coverage)},
          {"num_threads", std::to_string(options.threads)},
          {"unk_id", "0"},
          {"bos_id", "1"},
          {"eos_id", "2"},
          {"pad_id", "3"},
          {"minloglevel", "2"}};  // errors only: no INFO or WARNING lines on stderr
}

// The span of a piece without the whitespace SentencePiece attaches to it ("▁cat" covers " cat");
// a piece of whitespace only keeps an empty span where that whitespace ends.
void trim_space(std::string_view text, int64_t& begin, int64_t& end) {
  const SpannedText chars = decode_spanned(text.substr(static_cast<size_t>(begin), static_cast<size_t>(end - begin)), "piece");
  size_t first = 0, last = chars.size();
  while (first < last && is_python_space(chars[first].code)) ++first;
  while (last > first && is_python_space(chars[last - 1].code)) --last;
  const int64_t base = begin;
  begin = first < last ? base + chars[first].begin : end;
  end = first < last ? base + chars[last - 1].end : end;
}

// SentencePiece's message without the source location and failed check it starts with
// ("Internal: ./src/trainer_interface.cc(660) [(a) == (b)] Vocabulary size too high ...").
std::string reason(const sentencepiece::util::Status& status, const std::string& fallback) {
  const std::string message = status.error_message();
  const size_t check = message.find("] ");
  const std::string rest = check == std::string::npos ? message : message.substr(check + 2);
  return rest.empty() ? fallback : rest;
}

}  // namespace

void train_sentencepiece(const std::vector<std::string>& texts, const SentencePieceTrainOptions& options,
                         const std::string& out_path) {
  const std::string what = out_path + ": SentencePiece training failed: ";
  if (options.model_type != "bpe" && options.model_type != "unigram") {
    throw Error(what + "model type " + core::quote(options.model_type) + ", expected bpe or unigram");
  }
  if (options.vocab_size < 5) throw Error(what + "vocabulary size " + std::to_string(options.vocab_size) + ", expected at least 5");
  if (texts.empty()) throw Error(what + "no captions to train on");
  sentencepiece::SetRandomGeneratorSeed(options.seed);
  TextIterator iterator(texts);
  std::string model;
  const auto status = sentencepiece::SentencePieceTrainer::Train(trainer_arguments(options), &iterator, &model);
  if (!status.ok()) throw Error(what + reason(status, status.ToString()));
  core::write_file_atomic(out_path, model);
}

void train_sentencepiece_on_manifest(const std::string& manifest, const SentencePieceTrainOptions& options,
                                     const std::string& out_path) {
  std::vector<std::string> texts;
  for (const data::CaptionItem& item : data::read_caption_manifest(manifest)) texts.push_back(item.text);
  if (texts.empty()) throw Error(manifest + ": no captions to train a tokenizer on");
  train_sentencepiece(texts, options, out_path);
}

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& model_path)
    : path_(model_path), processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
  const std::string bytes = core::read_file(model_path);
  const auto status = processor_->LoadFromSerializedProto(bytes);
  if (!status.ok() || processor_->GetPieceSize() <= 0) {
    throw Error(model_path + ": not a SentencePiece model (" + (status.ok() ? "no pieces" : reason(status, "its bytes do not parse as a ModelProto")) + ")");
  }
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::vector<Token> SentencePieceTokenizer::encode(const std::string& text) const {
  decode_spanned(text, "caption '" + core::printable(text) + "'");  // SentencePiece would mangle bad bytes silently
  const sentencepiece::ImmutableSentencePieceText encoded = processor_->EncodeAsImmutableProto(text);
  std::vector<Token> tokens;
  tokens.reserve(encoded.pieces_size());
  for (const auto& piece : encoded.pieces()) {
    int64_t begin = piece.begin(), end = piece.end();
    trim_space(text, begin, end);
    tokens.push_back({static_cast<int64_t>(piece.id()), begin, end});
  }
  return tokens;
}

int64_t SentencePieceTokenizer::vocab_size() const { return processor_->GetPieceSize(); }
int64_t SentencePieceTokenizer::sot_id() const { return processor_->bos_id(); }
int64_t SentencePieceTokenizer::eot_id() const { return processor_->eos_id(); }
int64_t SentencePieceTokenizer::pad_id() const {
  return processor_->pad_id() >= 0 ? processor_->pad_id() : processor_->unk_id();
}

std::string SentencePieceTokenizer::piece(int64_t id) const {
  if (id < 0 || id >= vocab_size()) throw Error(path_ + ": token id " + std::to_string(id) + " out of range");
  return processor_->IdToPiece(static_cast<int>(id));
}

std::string SentencePieceTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::vector<int> narrow;
  for (int64_t id : ids) {
    piece(id);  // range check
    narrow.push_back(static_cast<int>(id));
  }
  return processor_->DecodeIds(narrow);
}

}  // namespace vgs::text
