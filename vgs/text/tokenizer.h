// The tokenizer interface of vgs: text -> token ids, every token with the byte range of the caption
// it came from, so a text model's tokens map back to the caption's words and phrases. Two kinds:
// CLIP's byte-level BPE (clip_tokenizer.h) and SentencePiece (sentencepiece_tokenizer.h).
//
//   auto tokenizer = vgs::text::make_tokenizer("clip:bpe_simple_vocab_16e6.txt.gz");
//   std::vector<Token> tokens = tokenizer->encode("A dog's ball.");
//   std::vector<Token> row = vgs::text::token_row(*tokenizer, tokens, 77);  // [SOT] .. [EOT] pad
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vgs::text {

struct Token {
  int64_t id = 0;
  // Byte offsets [begin, end) into the ORIGINAL text (UTF-8). Tokens of one word tile it; a token
  // whose bytes split a character shares that character's span. Added [SOT]/[EOT]/padding: empty.
  int64_t begin = 0;
  int64_t end = 0;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // The tokens of `text` (no [SOT]/[EOT]; token_row adds them).
  virtual std::vector<Token> encode(const std::string& text) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual int64_t sot_id() const = 0;
  virtual int64_t eot_id() const = 0;
  virtual int64_t pad_id() const = 0;
  // The vocabulary entry of `id` as the tokenizer spells it (CLIP: byte characters and "</w>";
  // SentencePiece: "▁" for a space).
  virtual std::string piece(int64_t id) const = 0;
  // The bytes of text `ids` stand for (CLIP: "</w>" becomes a space; SentencePiece: its decoder).
  // One token's bytes may end inside a character.
  virtual std::string decode(const std::vector<int64_t>& ids) const = 0;
  // "clip" or "sentencepiece"
  virtual std::string kind() const = 0;
};

// kind "clip" (path: CLIP's bpe_simple_vocab_16e6.txt.gz) or "sentencepiece" (path: a .model).
std::unique_ptr<Tokenizer> make_tokenizer(const std::string& kind, const std::string& path);
// "clip:PATH" or "sentencepiece:PATH"
std::unique_ptr<Tokenizer> make_tokenizer(const std::string& spec);

// The fixed-length row a text model reads (GroupViT, CLIP): [SOT] + tokens + [EOT], cut to
// `context_length` with [EOT] kept last, then padded with pad tokens. `text_bytes` places the
// empty spans of [EOT] and padding at the text's end.
std::vector<Token> token_row(const Tokenizer& tokenizer, const std::vector<Token>& tokens,
                             int64_t context_length, int64_t text_bytes);
std::vector<int64_t> token_ids(const std::vector<Token>& tokens);

// The tokens' spans in code points of `text` (Python str indices, the unit of data::PhraseSpan),
// for aligning tokens with gold phrases.
std::vector<std::pair<int64_t, int64_t>> code_point_spans(const std::string& text, const std::vector<Token>& tokens);

// One JSON object (one line) describing `text`'s tokens: text, ids, pieces, spans [[begin, end]],
// and with context_length > 0 the fixed-length row.
std::string tokens_json(const Tokenizer& tokenizer, const std::string& text, int64_t context_length = 0);

}  // namespace vgs::text
