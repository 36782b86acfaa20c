// A caption's words and the maps that phrase alignment needs: which word each token of a tokenizer
// comes from (tokens carry byte spans, text/tokenizer.h), and which words each gold phrase covers
// (phrase spans are code-point offsets, data/manifest.h, as Flickr30K Entities and Python count).
// A word is a maximal run of characters other than white space as Python's str.split() sees it (the
// tokenizers' own test, spanned_text.h); Flickr30K's sentences are
// tokenized already ("A man in an orange hat .", punctuation a word of its own).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vgs/data/manifest.h"
#include "vgs/text/tokenizer.h"

namespace vgs::text {

struct CaptionWords {
  std::vector<std::string> words;
  std::vector<int64_t> begin, end;              // byte range of each word in the caption
  std::vector<int64_t> begin_char, end_char;    // code-point range of each word
  int64_t characters = 0;                       // code points of the whole caption
};

// The words of `caption` (UTF-8). vgs::Error for text that is not valid UTF-8.
CaptionWords caption_words(const std::string& caption);

// The word of each token: the word its span starts in, or the word it overlaps first; -1 for a token
// with an empty span ([SOT], [EOT], padding) or one that falls only on white space.
std::vector<int64_t> token_words(const CaptionWords& words, const std::vector<Token>& tokens);

// The words each phrase covers (a word counts when it overlaps the phrase's code points); a phrase
// that covers no word is dropped. vgs::Error "<where>: ..." for a span that is not a range or ends
// past the caption.
std::vector<std::vector<int64_t>> phrase_words(const CaptionWords& words, const std::vector<data::PhraseSpan>& spans,
                                               const std::string& where);

}  // namespace vgs::text
