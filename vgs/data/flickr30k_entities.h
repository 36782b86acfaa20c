// Flickr30K Entities sentence files (Sentences/<image id>.txt, github.com/BryanPlummer/flickr30k_entities):
// one caption a line, its groundable phrases marked "[/EN#<entity id>/<type>[/<type>...] <words>]".
// The parser gives the plain caption and each phrase's code-point span in it, so the spans become
// CaptionItem spans (vgs/data/manifest.h) with no markup left in the text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vgs::data {

// One marked phrase: [start, end) in code points of the plain caption (Python str indices).
struct EntityPhrase {
  int64_t start = 0;
  int64_t end = 0;
  int64_t entity = 0;              // 0 is "notvisual": the phrase has no box
  std::vector<std::string> types;  // "people", "bodyparts", "clothing", "other", ...
};

struct EntityCaption {
  std::string text;  // the words joined by single spaces, markup removed
  std::vector<EntityPhrase> phrases;
  int line = 0;      // line in the sentence file
};

// Parses one marked line; vgs::Error "<where>: <what is wrong>" for unbalanced brackets, a phrase
// without "/EN#", a non-numeric entity id, a phrase without type or words, and text that is not UTF-8.
EntityCaption parse_flickr30k_entities_line(const std::string& line, const std::string& where);

// Every non-blank line of a sentence file; errors name "<path>:<line>".
std::vector<EntityCaption> read_flickr30k_entities_sentences(const std::string& path);

// The span label written to caption manifests: "EN#<entity>/<type>[/<type>...]", the markup's own form.
std::string entity_phrase_label(const EntityPhrase& phrase);

}  // namespace vgs::data
