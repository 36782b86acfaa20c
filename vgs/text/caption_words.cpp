// Words of a caption, token -> word and phrase -> words (see caption_words.h).
#include "vgs/text/caption_words.h"

#include <utf8proc.h>

#include "vgs/core/error.h"
#include "vgs/text/spanned_text.h"

namespace vgs::text {

CaptionWords caption_words(const std::string& caption) {
  CaptionWords out;
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(caption.data());
  const auto size = static_cast<utf8proc_ssize_t>(caption.size());
  bool in_word = false;
  int64_t chars = 0;
  for (utf8proc_ssize_t at = 0; at < size; ++chars) {
    utf8proc_int32_t c = 0;
    const utf8proc_ssize_t length = utf8proc_iterate(bytes + at, size - at, &c);
    if (length <= 0) throw Error("caption is not valid UTF-8 at byte " + std::to_string(at) + ": " + caption);
    const bool space = is_python_space(static_cast<char32_t>(c));
    if (!space && !in_word) {
      out.words.emplace_back();
      out.begin.push_back(at);
      out.begin_char.push_back(chars);
      out.end.push_back(at);
      out.end_char.push_back(chars);
    }
    if (!space) {
      out.words.back().append(caption, static_cast<size_t>(at), static_cast<size_t>(length));
      out.end.back() = at + length;
      out.end_char.back() = chars + 1;
    }
    in_word = !space;
    at += length;
  }
  out.characters = chars;
  return out;
}

std::vector<int64_t> token_words(const CaptionWords& words, const std::vector<Token>& tokens) {
  std::vector<int64_t> out(tokens.size(), -1);
  for (size_t t = 0; t < tokens.size(); ++t) {
    if (tokens[t].end <= tokens[t].begin) continue;
    for (size_t w = 0; w < words.words.size(); ++w) {
      if (words.begin[w] < tokens[t].end && tokens[t].begin < words.end[w]) {
        out[t] = static_cast<int64_t>(w);
        break;
      }
    }
  }
  return out;
}

std::vector<std::vector<int64_t>> phrase_words(const CaptionWords& words, const std::vector<data::PhraseSpan>& spans,
                                               const std::string& where) {
  std::vector<std::vector<int64_t>> out;
  for (const data::PhraseSpan& span : spans) {
    if (span.start < 0 || span.end < span.start)
      throw Error(where + ": phrase span [" + std::to_string(span.start) + ", " + std::to_string(span.end) + ") is not a range");
    if (span.end > words.characters)
      throw Error(where + ": phrase span [" + std::to_string(span.start) + ", " + std::to_string(span.end) +
                  ") ends past the caption (" + std::to_string(words.characters) + " characters)");
    std::vector<int64_t> covered;
    for (size_t w = 0; w < words.words.size(); ++w)
      if (words.begin_char[w] < span.end && span.start < words.end_char[w]) covered.push_back(static_cast<int64_t>(w));
    if (!covered.empty()) out.push_back(std::move(covered));
  }
  return out;
}

}  // namespace vgs::text
