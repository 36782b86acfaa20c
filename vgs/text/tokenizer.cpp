// The tokenizer factory, the fixed-length rows and the JSON form of vgs-tokenizer encode.
#include "vgs/text/tokenizer.h"

#include <nlohmann/json.hpp>

#include "vgs/core/error.h"
#include "vgs/core/strings.h"
#include "vgs/text/clip_tokenizer.h"
#include "vgs/text/sentencepiece_tokenizer.h"

namespace vgs::text {

std::unique_ptr<Tokenizer> make_tokenizer(const std::string& kind, const std::string& path) {
  if (kind == "clip") return std::make_unique<ClipTokenizer>(path);
  if (kind == "sentencepiece") return std::make_unique<SentencePieceTokenizer>(path);
  throw Error("tokenizer kind " + core::quote(kind) + ": expected clip or sentencepiece");
}

std::unique_ptr<Tokenizer> make_tokenizer(const std::string& spec) {
  const size_t colon = spec.find(':');
  if (colon == std::string::npos || colon + 1 == spec.size()) {
    throw Error("tokenizer " + core::quote(spec) + ": expected clip:VOCAB.txt.gz or sentencepiece:MODEL.model");
  }
  return make_tokenizer(spec.substr(0, colon), spec.substr(colon + 1));
}

std::vector<Token> token_row(const Tokenizer& tokenizer, const std::vector<Token>& tokens,
                             int64_t context_length, int64_t text_bytes) {
  if (context_length < 2) {
    throw Error("context length " + std::to_string(context_length) + ": expected at least 2 ([SOT] and [EOT])");
  }
  std::vector<Token> row;
  row.reserve(static_cast<size_t>(context_length));
  row.push_back({tokenizer.sot_id(), 0, 0});
  const size_t kept = std::min(tokens.size(), static_cast<size_t>(context_length - 2));
  row.insert(row.end(), tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(kept));
  row.push_back({tokenizer.eot_id(), text_bytes, text_bytes});
  while (static_cast<int64_t>(row.size()) < context_length) row.push_back({tokenizer.pad_id(), text_bytes, text_bytes});
  return row;
}

std::vector<int64_t> token_ids(const std::vector<Token>& tokens) {
  std::vector<int64_t> ids;
  ids.reserve(tokens.size());
  for (const Token& t : tokens) ids.push_back(t.id);
  return ids;
}

std::vector<std::pair<int64_t, int64_t>> code_point_spans(const std::string& text, const std::vector<Token>& tokens) {
  std::vector<int64_t> index(text.size() + 1, 0);  // byte offset -> code points before it
  for (size_t b = 0; b < text.size(); ++b) {
    index[b + 1] = index[b] + ((static_cast<unsigned char>(text[b]) & 0xC0) != 0x80 ? 1 : 0);
  }
  std::vector<std::pair<int64_t, int64_t>> spans;
  spans.reserve(tokens.size());
  for (const Token& t : tokens) {
    // an offset inside a character (never made by vgs) counts that character as begun
    spans.emplace_back(index[static_cast<size_t>(t.begin)], index[static_cast<size_t>(t.end)]);
  }
  return spans;
}

std::string tokens_json(const Tokenizer& tokenizer, const std::string& text, int64_t context_length) {
  const std::vector<Token> tokens = tokenizer.encode(text);
  nlohmann::json pieces = nlohmann::json::array(), spans = nlohmann::json::array();
  for (const Token& t : tokens) {
    pieces.push_back(tokenizer.piece(t.id));
    spans.push_back({t.begin, t.end});
  }
  nlohmann::json line = {{"text", text}, {"ids", token_ids(tokens)}, {"pieces", pieces}, {"spans", spans}};
  if (context_length > 0) {
    line["row"] = token_ids(token_row(tokenizer, tokens, context_length, static_cast<int64_t>(text.size())));
  }
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace vgs::text
