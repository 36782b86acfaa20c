// CLIP's byte-level BPE (OpenAI CLIP / open_clip SimpleTokenizer), read from its vocabulary file
// bpe_simple_vocab_16e6.txt.gz: ids equal open_clip's on cleaned text (clip_clean.h), each token
// with its span in the original caption.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "vgs/text/spanned_text.h"
#include "vgs/text/tokenizer.h"

namespace vgs::text {

class ClipTokenizer final : public Tokenizer {
 public:
  // vgs::Error naming `vocab_path` when it is missing, not gzip, or not CLIP's merge list.
  explicit ClipTokenizer(const std::string& vocab_path);

  std::vector<Token> encode(const std::string& text) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(vocab_.size()); }
  int64_t sot_id() const override { return sot_id_; }
  int64_t eot_id() const override { return eot_id_; }
  int64_t pad_id() const override { return 0; }  // open_clip.tokenize pads with zeros
  std::string piece(int64_t id) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  std::string kind() const override { return "clip"; }

  // The pre-tokens of cleaned text (the SimpleTokenizer pattern): [begin, end) code point ranges.
  static std::vector<std::pair<size_t, size_t>> split_words(const std::u32string& text);

 private:
  void read_vocabulary(const std::string& path);
  // The BPE pieces of one pre-token, in byte characters, "</w>" on the last.
  const std::vector<std::string>& bpe(const std::string& word) const;
  void encode_word(const SpannedText& cleaned, size_t first, size_t last, std::vector<Token>& out) const;

  std::vector<std::string> vocab_;                   // id -> entry
  std::unordered_map<std::string, int64_t> encoder_;  // entry -> id (a repeated entry: its last id)
  std::unordered_map<std::string, int> ranks_;       // "first second" -> merge rank
  std::string byte_chars_[256];                      // byte -> its character, as UTF-8
  std::unordered_map<char32_t, unsigned char> char_bytes_;
  int64_t sot_id_ = 0, eot_id_ = 0;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<std::string>> cache_;
};

}  // namespace vgs::text
