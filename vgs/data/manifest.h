// Manifests: the JSON Lines files that list a dataset's audio items, image items and captions
// (docs/formats.md). Relative paths resolve against the manifest's folder. Malformed lines, missing
// fields and duplicate ids raise vgs::Error with "file:line:". Files themselves are not opened here:
// datasets do that, under their on_bad_item policy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vgs::data {

struct AudioItem {
  std::string id;
  std::string path;              // absolute after reading
  std::optional<double> start;   // seconds; the word or utterance is [start, end) of the file
  std::optional<double> end;
  std::string lang;              // "en", "fr", "nl", ...
  std::string label;             // word or class, shared with the image items
  std::string speaker;           // optional
  std::string source;            // optional: corpus the item comes from
  std::string image;             // optional: id of the image this utterance describes (spoken captions)
  int line = 0;                  // line in the manifest, for messages
};

struct ImageItem {
  std::string id;
  std::string path;
  std::string label;
  std::string source;  // optional: image corpus (trials pair images of the same source)
  int line = 0;
};

// A phrase of a caption: code-point offsets [start, end) into the text (Python str indices).
struct PhraseSpan {
  int64_t start = 0;
  int64_t end = 0;
  std::string label;  // optional
};

struct CaptionItem {
  std::string id;
  std::string image;  // image item id
  std::string text;
  std::vector<PhraseSpan> spans;  // optional
  int line = 0;
};

std::vector<AudioItem> read_audio_manifest(const std::string& path);
std::vector<ImageItem> read_image_manifest(const std::string& path);
std::vector<CaptionItem> read_caption_manifest(const std::string& path);

// Atomic writes; paths inside the manifest's folder are stored relative to it.
void write_audio_manifest(const std::string& path, const std::vector<AudioItem>& items);
void write_image_manifest(const std::string& path, const std::vector<ImageItem>& items);
void write_caption_manifest(const std::string& path, const std::vector<CaptionItem>& items);

}  // namespace vgs::data
