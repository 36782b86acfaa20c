// The ME vocabulary: familiar and novel words with their English, French and Dutch forms.
#include "vgs/data/vocabulary.h"

#include "vgs/core/error.h"
#include "vgs/core/strings.h"

namespace vgs::data {

namespace {

// English, Dutch, French: the column order of the paper's concepts.txt, so the table reads like it.
Word make(const char* en, const char* nl, const char* fr, WordKind kind) { return Word{en, fr, nl, kind}; }

std::vector<Word> make_familiar() {
  const WordKind k = WordKind::familiar;
  return {make("dog", "hond", "chien", k),          make("boat", "boot", "bateau", k),
          make("cow", "koe", "vache", k),           make("bear", "beer", "ours", k),
          make("horse", "paard", "cheval", k),      make("scissors", "schaar", "ciseaux", k),
          make("umbrella", "paraplu", "parapluie", k), make("car", "auto", "voiture", k),
          make("bird", "vogel", "oiseau", k),       make("clock", "klok", "horloge", k),
          make("elephant", "olifant", "éléphant", k), make("cat", "kat", "chat", k),
          make("sheep", "schaap", "mouton", k)};
}

std::vector<Word> make_novel() {
  const WordKind k = WordKind::novel;
  return {make("ball", "bal", "balle", k),          make("cake", "taart", "gâteau", k),
          make("trumpet", "trompet", "trompette", k), make("lamp", "lamp", "lampe", k),
          make("bench", "bank", "banc", k),         make("cannon", "kanon", "canon", k),
          make("piano", "piano", "piano", k),       make("barrel", "ton", "tonneau", k),
          make("camera", "camera", "caméra", k),    make("fan", "ventilator", "ventilateur", k),
          make("revolver", "revolver", "revolver", k), make("buck", "bok", "cerf", k),
          make("toilet", "toilet", "toilettes", k), make("butterfly", "vlinder", "papillon", k),
          make("cup", "kop", "tasse", k),           make("guitar", "gitaar", "guitare", k),
          make("fork", "vork", "fourchette", k),    make("bus", "bus", "bus", k),
          make("chair", "stoel", "chaise", k)};
}

}  // namespace

const std::string& Word::form(const std::string& lang) const {
  if (lang == "en") return english;
  if (lang == "fr") return french;
  if (lang == "nl") return dutch;
  throw Error("language '" + lang + "' is not in the vocabulary (expected one of en, fr, nl)");
}

const std::vector<Word>& familiar_words() {
  static const std::vector<Word> words = make_familiar();
  return words;
}

const std::vector<Word>& novel_words() {
  static const std::vector<Word> words = make_novel();
  return words;
}

const std::vector<Word>& all_words() {
  static const std::vector<Word> words = [] {
    std::vector<Word> all = familiar_words();
    all.insert(all.end(), novel_words().begin(), novel_words().end());
    return all;
  }();
  return words;
}

const std::vector<std::string>& vocabulary_languages() {
  static const std::vector<std::string> languages{"en", "fr", "nl"};
  return languages;
}

const Word* find_word(const std::string& english) {
  for (const Word& w : all_words())
    if (w.english == english) return &w;
  return nullptr;
}

const Word& word(const std::string& english) {
  if (const Word* w = find_word(english)) return *w;
  std::string message = "'" + english + "' is not a word of the ME vocabulary";
  if (english == excluded_novel_word) message += " (the ME test leaves it out, as the paper does)";
  else if (std::string guess = core::closest_match(english, english_forms(all_words())); !guess.empty())
    message += " (did you mean '" + guess + "'?)";
  throw Error(message);
}

int word_index(const std::string& english) {
  const Word& w = word(english);
  return static_cast<int>(&w - all_words().data());
}

std::vector<std::string> english_forms(const std::vector<Word>& words) {
  std::vector<std::string> forms;
  forms.reserve(words.size());
  for (const Word& w : words) forms.push_back(w.english);
  return forms;
}

}  // namespace vgs::data
