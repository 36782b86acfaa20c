// The Flickr30K Entities sentence parser on a file written here in the public format: plain text
// without markup, phrase spans in code points (a non-ASCII word before a phrase shifts bytes, not
// code points), entity ids and several types, and errors that name the file and line.
#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"
#include "vgs/data/flickr30k_entities.h"

using namespace vgs;

namespace {

// The phrase's text in code points, as Python's text[start:end] gives it.
std::string code_point_slice(const std::string& text, int64_t start, int64_t end) {
  std::string out;
  int64_t index = -1;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++index;
    if (index >= start && index < end) out += static_cast<char>(c);
  }
  return out;
}

const char* kSentences =
    "[/EN#18/people A girl] in [/EN#20/clothing a pink dress] climbs [/EN#19/other into a wooden playhouse] .\n"
    "A café [/EN#7/people/bodyparts owner's hands] hold [/EN#0/notvisual the crème brûlée] .\n"
    "\n"
    "Nothing marked here .\n";

}  // namespace

TEST_CASE("Flickr30K Entities sentences give plain captions with code-point phrase spans") {
  test::TempDir dir;
  const auto captions = data::read_flickr30k_entities_sentences(dir.write("Sentences/1000092795.txt", kSentences));
  REQUIRE(captions.size() == 3);

  const auto& first = captions[0];
  CHECK(first.text == "A girl in a pink dress climbs into a wooden playhouse .");
  CHECK(first.line == 1);
  REQUIRE(first.phrases.size() == 3);
  CHECK(code_point_slice(first.text, first.phrases[0].start, first.phrases[0].end) == "A girl");
  CHECK(first.phrases[0].start == 0);
  CHECK(first.phrases[0].end == 6);
  CHECK(first.phrases[0].entity == 18);
  CHECK(first.phrases[0].types == std::vector<std::string>{"people"});
  CHECK(code_point_slice(first.text, first.phrases[1].start, first.phrases[1].end) == "a pink dress");
  CHECK(code_point_slice(first.text, first.phrases[2].start, first.phrases[2].end) == "into a wooden playhouse");
  CHECK(data::entity_phrase_label(first.phrases[2]) == "EN#19/other");

  const auto& second = captions[1];
  CHECK(second.text == "A café owner's hands hold the crème brûlée .");
  REQUIRE(second.phrases.size() == 2);
  CHECK(second.phrases[0].start == 7);  // "A café " is 7 code points but 8 bytes
  CHECK(code_point_slice(second.text, second.phrases[0].start, second.phrases[0].end) == "owner's hands");
  CHECK(second.phrases[0].types == std::vector<std::string>{"people", "bodyparts"});
  CHECK(data::entity_phrase_label(second.phrases[0]) == "EN#7/people/bodyparts");
  CHECK(second.phrases[1].entity == 0);
  CHECK(second.phrases[1].end == 42);
  CHECK(code_point_slice(second.text, second.phrases[1].start, second.phrases[1].end) == "the crème brûlée");

  CHECK(captions[2].line == 4);
  CHECK(captions[2].phrases.empty());
}

TEST_CASE("bad Flickr30K Entities markup is an error naming the file and line") {
  test::TempDir dir;
  auto error_for = [&](const std::string& line) {
    const std::string path = dir.write("bad.txt", "[/EN#1/people A man] runs .\n" + line + "\n");
    return test::error_of([&] { data::read_flickr30k_entities_sentences(path); });
  };
  const std::string where = dir.file("bad.txt") + ":2: ";
  CHECK(error_for("[/EN#1/people A man runs .") == where + "phrase not closed with ']' (unbalanced brackets)");
  CHECK(error_for("A man] runs .") == where + "']' outside a phrase (unbalanced brackets)");
  CHECK(error_for("[/EN#1/people A [/EN#2/people man]] .") == where + "'[' inside a phrase (unbalanced brackets)");
  CHECK(error_for("[/people A man] runs .") == where + "phrase opening '[/people' does not start with '[/EN#'");
  CHECK(error_for("[/EN#x1/people A man] runs .") == where + "phrase opening '[/EN#x1/people' has a non-numeric entity id");
  CHECK(error_for("[/EN#3 A man] runs .") == where + "phrase opening '[/EN#3' has no type");
  CHECK(test::error_of([&] { data::read_flickr30k_entities_sentences(dir.file("none.txt")); }) ==
        dir.file("none.txt") + ": sentence file not found or unreadable");
}
