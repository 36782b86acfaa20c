// The mutual-exclusivity (ME) vocabulary as data: the 13 familiar words a model is trained on and the
// 19 novel words of the ME test (Oneață et al. 2025; "nautilus" is left out, as the paper does), each
// with its English, French and Dutch form. Manifests label items with the English word (the concept);
// the language's own form is what is spoken.
#pragma once

#include <string>
#include <vector>

namespace vgs::data {

enum class WordKind { familiar, novel };

struct Word {
  std::string english;  // the concept: the label in manifests and trials
  std::string french;
  std::string dutch;
  WordKind kind = WordKind::familiar;
  // The spoken form in `lang` ("en", "fr" or "nl"); vgs::Error for another language.
  const std::string& form(const std::string& lang) const;
};

// The 13 familiar words, in the paper's order (LN-MDS data/seen.txt).
const std::vector<Word>& familiar_words();
// The 19 novel words of the ME test, in the paper's order (data/unseen.txt without "nautilus").
const std::vector<Word>& novel_words();
// Familiar words first, then novel words: 32 in all. A word's position here is its index.
const std::vector<Word>& all_words();

// The novel word the paper lists but leaves out of the ME test and its analyses.
inline constexpr const char* excluded_novel_word = "nautilus";

// The languages the vocabulary has forms for: "en", "fr", "nl".
const std::vector<std::string>& vocabulary_languages();

// The word whose English form is `english`, or nullptr.
const Word* find_word(const std::string& english);
// As find_word, but vgs::Error (with a suggestion for a typo) when there is no such word.
const Word& word(const std::string& english);
// The position of `english` in all_words(); vgs::Error when there is no such word.
int word_index(const std::string& english);

// English forms of a list of words, e.g. for trial generation.
std::vector<std::string> english_forms(const std::vector<Word>& words);

}  // namespace vgs::data
