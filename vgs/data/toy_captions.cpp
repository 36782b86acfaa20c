// Making the toy caption world: scenes drawn from the seed, templated captions with phrase spans,
// one-phrase foils, and the files of each split.
#include "vgs/data/toy_captions.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/random.h"
#include "vgs/data/manifest.h"
#include "vgs/data/toy_images.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace vgs::data {

namespace {

struct NamedShape {
  const char* name;
  ToyShape shape;
};
// Shapes whose everyday English name a caption can use.
const NamedShape kShapes[] = {{"circle", ToyShape::circle},   {"triangle", ToyShape::triangle},
                              {"square", ToyShape::square},   {"star", ToyShape::star5},
                              {"heart", ToyShape::heart},     {"cross", ToyShape::cross},
                              {"diamond", ToyShape::diamond}, {"hexagon", ToyShape::hexagon}};
struct NamedColour {
  const char* name;
  std::array<uint8_t, 3> rgb;
};
const NamedColour kColours[] = {{"red", {215, 40, 40}},   {"orange", {245, 140, 20}}, {"yellow", {235, 205, 25}},
                                {"green", {40, 165, 60}}, {"blue", {40, 80, 215}},    {"purple", {140, 60, 190}},
                                {"pink", {240, 120, 180}}, {"brown", {135, 85, 40}}};
constexpr int kShapeCount = sizeof kShapes / sizeof kShapes[0];
constexpr int kColourCount = sizeof kColours / sizeof kColours[0];

struct SceneObject {
  int shape = 0, colour = 0;
  bool large = false;
  double x = 0, y = 0, radius = 0;  // centre and radius as fractions of half the image side
};

// A scene: its objects from left to right.
using Scene = std::vector<SceneObject>;

struct Phrased {
  std::string text;
  std::vector<PhraseSpan> spans;
};

Scene draw_scene(std::mt19937_64& rng) {
  const int count = 1 + static_cast<int>(core::uniform_index(rng, 4));
  const double slot = 2.0 / count;  // objects sit in equal slots across the picture, left to right
  Scene scene(count);
  for (int i = 0; i < count; ++i) {
    SceneObject& o = scene[i];
    o.shape = static_cast<int>(core::uniform_index(rng, kShapeCount));
    o.colour = static_cast<int>(core::uniform_index(rng, kColourCount));
    o.large = core::uniform_index(rng, 2) == 1;
    const double room = std::min(0.45 * slot, 0.6);
    o.radius = room * (o.large ? 0.95 : 0.5);
    o.x = -1 + slot * (i + 0.5) + core::uniform_real(rng, -0.2, 0.2) * (room - o.radius);
    o.y = core::uniform_real(rng, -1, 1) * (0.9 - o.radius);
  }
  return scene;
}

std::string noun_phrase(const SceneObject& o) {
  return std::string("a ") + (o.large ? "large " : "small ") + kColours[o.colour].name + " " + kShapes[o.shape].name;
}

// Appends the phrase of object `index` to `out`, recording its span in code points (the words are ASCII).
void add_phrase(Phrased& out, const Scene& scene, int index) {
  const std::string phrase = noun_phrase(scene[index]);
  const auto start = static_cast<int64_t>(out.text.size());
  out.text += phrase;
  out.spans.push_back(PhraseSpan{start, static_cast<int64_t>(out.text.size()), std::to_string(index)});
}

// The caption's template depends on the object count and, for two objects, on `mirrored` ("B right of A").
Phrased describe(const Scene& scene, bool mirrored) {
  Phrased out;
  const int n = static_cast<int>(scene.size());
  if (n == 1) add_phrase(out, scene, 0);
  if (n == 2) {
    add_phrase(out, scene, mirrored ? 1 : 0);
    out.text += mirrored ? " right of " : " left of ";
    add_phrase(out, scene, mirrored ? 0 : 1);
  }
  if (n >= 3) {
    out.text += "from left to right: ";
    for (int i = 0; i < n; ++i) {
      if (i > 0) out.text += i + 1 == n ? " and " : ", ";
      add_phrase(out, scene, i);
    }
  }
  return out;
}

const char* kFoilCategories[] = {"colour", "size", "shape", "object"};

// The scene with one object changed in the named way, so its caption is false for the picture.
Scene foil_scene(const Scene& scene, int index, const std::string& category, std::mt19937_64& rng) {
  Scene foil = scene;
  SceneObject& o = foil[index];
  auto other = [&](int current, int count) {  // any value but the current one
    return (current + 1 + static_cast<int>(core::uniform_index(rng, count - 1))) % count;
  };
  if (category == "colour" || category == "object") o.colour = other(o.colour, kColourCount);
  if (category == "shape" || category == "object") o.shape = other(o.shape, kShapeCount);
  if (category == "size") o.large = !o.large;
  return foil;
}

}  // namespace

namespace {

ToyStyle style_of(const SceneObject& o) {
  ToyStyle style;
  style.shape = kShapes[o.shape].shape;
  style.texture = ToyTexture::solid;  // colour names must be the whole story of an object's look
  style.colour = kColours[o.colour].rgb;
  style.pattern = style.colour;
  return style;
}

ToyPose pose_of(const SceneObject& o) {
  ToyPose pose;
  pose.angle = 0;  // upright: a turned square would be a diamond
  pose.scale = o.radius;
  pose.dx = o.x;
  pose.dy = o.y;
  return pose;
}

std::string render_scene(const Scene& scene, int size) {
  std::vector<ToyStyle> styles;
  std::vector<ToyPose> poses;
  for (const auto& o : scene) {
    styles.push_back(style_of(o));
    poses.push_back(pose_of(o));
  }
  return render_toy_scene_png(styles, poses, size);
}

json scene_line(const std::string& image, const Scene& scene) {
  json objects = json::array();
  for (const auto& o : scene)
    objects.push_back({{"shape", kShapes[o.shape].name}, {"colour", kColours[o.colour].name},
                       {"size", o.large ? "large" : "small"}, {"x", o.x}, {"y", o.y}, {"radius", o.radius}});
  return {{"image", image}, {"objects", objects}};
}

json spans_json(const std::vector<PhraseSpan>& spans) {
  json out = json::array();
  for (const auto& s : spans) out.push_back({{"start", s.start}, {"end", s.end}, {"label", s.label}});
  return out;
}

void write_json_lines(const std::string& path, const std::vector<json>& lines) {
  std::string text;
  for (const auto& line : lines) text += line.dump() + "\n";
  core::write_file_atomic(path, text);
}

// Everything one split writes, gathered before the files are written.
struct SplitFiles {
  std::vector<ImageItem> images;
  std::vector<CaptionItem> captions;
  std::vector<json> scenes, foils, labels;
};

// Draws, renders and describes scene `i` of the split, with its foil.
void add_scene(SplitFiles& files, const std::string& image_dir, const std::string& id, int size, std::mt19937_64& rng) {
  const Scene scene = draw_scene(rng);
  const bool mirrored = core::uniform_index(rng, 2) == 1;
  const Phrased caption = describe(scene, mirrored);
  const std::string path = image_dir + "/" + id + ".png";
  core::write_file_atomic(path, render_scene(scene, size));
  files.images.push_back(ImageItem{id, path, id, "toy_captions", 0});
  files.captions.push_back(CaptionItem{id, id, caption.text, caption.spans, 0});
  files.scenes.push_back(scene_line(id, scene));
  files.labels.push_back({{"image", id}, {"label", std::to_string(scene.size()) + (scene.size() == 1 ? " object" : " objects")}});

  const int index = static_cast<int>(core::uniform_index(rng, scene.size()));
  const std::string category = kFoilCategories[core::uniform_index(rng, std::size(kFoilCategories))];
  const Phrased foil = describe(foil_scene(scene, index, category, rng), mirrored);
  files.foils.push_back({{"id", id}, {"image", id}, {"caption", caption.text}, {"foil", foil.text},
                         {"foil_spans", spans_json(foil.spans)}, {"category", category}});
}

void make_split(const std::string& dir, const std::string& split, int split_index, int scenes,
                const ToyCaptionsOptions& options, ToyCaptionsResult& result) {
  if (scenes < 0) throw Error("toy captions: the " + split + " split needs a scene count >= 0");
  if (scenes == 0) return;
  std::mt19937_64 rng(core::mix_seed({options.seed, static_cast<uint64_t>(split_index)}));
  SplitFiles files;
  const std::string image_dir = dir + "/images/" + split;
  fs::create_directories(image_dir);
  for (int i = 0; i < scenes; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "%s_%05d", split.c_str(), i);
    add_scene(files, image_dir, id, options.image_size, rng);
  }
  write_image_manifest(dir + "/manifests/images_" + split + ".jsonl", files.images);
  write_caption_manifest(dir + "/manifests/captions_" + split + ".jsonl", files.captions);
  write_json_lines(dir + "/manifests/scenes_" + split + ".jsonl", files.scenes);
  write_json_lines(dir + "/manifests/labels_" + split + ".jsonl", files.labels);
  write_json_lines(dir + "/foils/foils_" + split + ".jsonl", files.foils);
  result.images += scenes;
  result.captions += scenes;
  result.foils += scenes;
}

}  // namespace

ToyCaptionsResult make_toy_captions(const std::string& out_dir, const ToyCaptionsOptions& options) {
  if (options.image_size < 32) throw Error("toy captions: --image-size must be at least 32");
  ToyCaptionsResult result;
  result.dir = fs::absolute(out_dir).lexically_normal().string();
  fs::create_directories(result.dir + "/manifests");
  fs::create_directories(result.dir + "/foils");
  make_split(result.dir, "train", 0, options.train_scenes, options, result);
  make_split(result.dir, "val", 1, options.val_scenes, options, result);
  make_split(result.dir, "test", 2, options.test_scenes, options, result);
  return result;
}

}  // namespace vgs::data
