// Parsing Flickr30K Entities sentence files into plain captions with code-point phrase spans.
#include "vgs/data/flickr30k_entities.h"

#include <fstream>
#include <sstream>

#include "vgs/core/error.h"
#include "vgs/core/strings.h"
#include "vgs/core/utf8.h"

namespace vgs::data {

namespace {

int64_t code_point_count(const std::string& text) {
  int64_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;  // continuation bytes do not start a code point
  return count;
}

// "[/EN#18/people/bodyparts" -> entity 18, types {people, bodyparts}.
EntityPhrase parse_phrase_opening(const std::string& token, const std::string& where) {
  const std::string bad = where + ": phrase opening " + core::quote(token);
  if (!core::starts_with(token, "[/EN#")) throw Error(bad + " does not start with '[/EN#'");
  const std::vector<std::string> parts = core::split(token.substr(5), '/');
  const std::string& id = parts[0];
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos || id.size() > 15)
    throw Error(bad + " has a non-numeric entity id");
  EntityPhrase phrase;
  phrase.entity = std::stoll(id);
  phrase.types.assign(parts.begin() + 1, parts.end());
  if (phrase.types.empty()) throw Error(bad + " has no type");
  for (const auto& type : phrase.types)
    if (type.empty() || type.find_first_of("[]") != std::string::npos) throw Error(bad + " has an empty or bad type");
  return phrase;
}

// Builds the plain text word by word, tracking code-point offsets for the spans.
class CaptionBuilder {
 public:
  void add_word(const std::string& word) {
    if (!caption_.text.empty()) {
      caption_.text += ' ';
      ++length_;
    }
    caption_.text += word;
    length_ += code_point_count(word);
  }
  int64_t length() const { return length_; }
  int64_t next_word_start() const { return caption_.text.empty() ? 0 : length_ + 1; }
  EntityCaption& caption() { return caption_; }

 private:
  EntityCaption caption_;
  int64_t length_ = 0;
};

}  // namespace

EntityCaption parse_flickr30k_entities_line(const std::string& line, const std::string& where) {
  if (!core::valid_utf8(line)) throw Error(where + ": the line is not valid UTF-8");
  CaptionBuilder builder;
  bool in_phrase = false;
  EntityPhrase phrase;
  std::istringstream tokens(line);
  for (std::string token; tokens >> token;) {
    if (token[0] == '[') {
      if (in_phrase) throw Error(where + ": '[' inside a phrase (unbalanced brackets)");
      phrase = parse_phrase_opening(token, where);
      phrase.start = builder.next_word_start();
      in_phrase = true;
      continue;
    }
    const bool closes = token.back() == ']';
    std::string word = closes ? token.substr(0, token.size() - 1) : token;
    if (word.find_first_of("[]") != std::string::npos) throw Error(where + ": stray bracket in " + core::quote(token));
    if (closes && !in_phrase) throw Error(where + ": ']' outside a phrase (unbalanced brackets)");
    if (word.empty()) throw Error(where + ": empty word before ']'");
    builder.add_word(word);
    if (closes) {
      phrase.end = builder.length();
      if (phrase.end <= phrase.start) throw Error(where + ": phrase without words");
      builder.caption().phrases.push_back(phrase);
      in_phrase = false;
    }
  }
  if (in_phrase) throw Error(where + ": phrase not closed with ']' (unbalanced brackets)");
  if (builder.caption().text.empty()) throw Error(where + ": no words");
  return builder.caption();
}

std::vector<EntityCaption> read_flickr30k_entities_sentences(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": sentence file not found or unreadable");
  std::vector<EntityCaption> captions;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (core::trim(line).empty()) continue;
    captions.push_back(parse_flickr30k_entities_line(line, path + ":" + std::to_string(number)));
    captions.back().line = number;
  }
  return captions;
}

std::string entity_phrase_label(const EntityPhrase& phrase) {
  return "EN#" + std::to_string(phrase.entity) + "/" + core::join(phrase.types, "/");
}

}  // namespace vgs::data
