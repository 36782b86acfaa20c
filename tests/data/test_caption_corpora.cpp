// vgs-prepare captions on tiny corpora written here in each public layout (Flickr30K Entities, COCO
// captions 2017, Conceptual Captions TSV): the caption manifest with spans, the image manifest beside
// it, images not on disk counted and left out, and bad lines named by file and line.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"
#include "vgs/data/caption_corpora.h"
#include "vgs/data/manifest.h"

using namespace vgs;
using Catch::Contains;
using nlohmann::json;

namespace {

test::CommandResult prepare_captions(const std::string& corpus, const std::string& root, const std::string& split,
                                     const std::string& out) {
  std::string command = test::program("vgs-prepare") + " captions --corpus " + corpus + " --root " + root + " --out " + out;
  if (!split.empty()) command += " --split " + split;
  return test::run_command(command + " 2>&1");
}

// The picture files only need to exist: vgs-prepare does not decode them.
void write_fake_images(const test::TempDir& dir, const std::vector<std::string>& names) {
  for (const auto& name : names) dir.write(name, "not really a JPEG");
}

}  // namespace

TEST_CASE("vgs-prepare captions reads Flickr30K Entities with phrase spans and split lists") {
  test::TempDir dir;
  dir.write("f30k/Sentences/111.txt",
            "[/EN#1/people A man] rides [/EN#2/other a bike] .\n[/EN#1/people Someone] cycles .\n");
  dir.write("f30k/Sentences/222.txt", "[/EN#5/animals A dog] runs .\n");
  dir.write("f30k/Sentences/333.txt", "[/EN#9/scene A beach] .\n");
  dir.write("f30k/train.txt", "111\n333\n");
  write_fake_images(dir, {"f30k/flickr30k-images/111.jpg", "f30k/flickr30k-images/222.jpg"});

  const auto result = prepare_captions("flickr30k_entities", dir.file("f30k"), "train", dir.file("out/captions.jsonl"));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.output, Contains("2 captions of 1 images") && Contains("1 listed images not on disk"));
  const auto captions = data::read_caption_manifest(dir.file("out/captions.jsonl"));
  REQUIRE(captions.size() == 2);
  CHECK(captions[0].id == "111_0");
  CHECK(captions[0].image == "111");
  CHECK(captions[0].text == "A man rides a bike .");
  REQUIRE(captions[0].spans.size() == 2);
  CHECK(captions[0].spans[1].start == 12);
  CHECK(captions[0].spans[1].end == 18);
  CHECK(captions[0].spans[1].label == "EN#2/other");
  const auto images = data::read_image_manifest(dir.file("out/captions_images.jsonl"));
  REQUIRE(images.size() == 1);
  CHECK(images[0].path == dir.file("f30k/flickr30k-images/111.jpg"));
  CHECK(images[0].source == "flickr30k");

  // Without --split every sentence file is read, in id order.
  REQUIRE(prepare_captions("flickr30k_entities", dir.file("f30k"), "", dir.file("all.jsonl")).exit_code == 0);
  CHECK(data::read_caption_manifest(dir.file("all.jsonl")).size() == 3);
  dir.write("f30k/Sentences/222.txt", "[/EN#5/animals A dog runs .\n");
  CHECK_THAT(prepare_captions("flickr30k_entities", dir.file("f30k"), "", dir.file("bad.jsonl")).output,
             Contains(dir.file("f30k/Sentences/222.txt") + ":1: phrase not closed"));
}

TEST_CASE("vgs-prepare captions reads COCO captions 2017") {
  test::TempDir dir;
  const json document = {
      {"images", {{{"id", 42}, {"file_name", "000000000042.jpg"}}, {{"id", 7}, {"file_name", "000000000007.jpg"}}}},
      {"annotations", {{{"image_id", 42}, {"id", 1001}, {"caption", "A cat on a mat. "}},
                       {{"image_id", 7}, {"id", 1002}, {"caption", "Missing picture."}},
                       {{"image_id", 42}, {"id", 1003}, {"caption", "A sleepy cat."}}}}};
  dir.write("coco/annotations/captions_val2017.json", document.dump());
  write_fake_images(dir, {"coco/val2017/000000000042.jpg"});

  const auto result = prepare_captions("coco", dir.file("coco"), "val", dir.file("coco_val.jsonl"));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto captions = data::read_caption_manifest(dir.file("coco_val.jsonl"));
  REQUIRE(captions.size() == 2);
  CHECK(captions[0].id == "1001");
  CHECK(captions[0].image == "42");
  CHECK(captions[0].text == "A cat on a mat.");
  CHECK(captions[1].id == "1003");
  const auto images = data::read_image_manifest(dir.file("coco_val_images.jsonl"));
  REQUIRE(images.size() == 1);
  CHECK(images[0].path == dir.file("coco/val2017/000000000042.jpg"));

  json bad = document;
  bad["annotations"][1].erase("caption");
  dir.write("coco/annotations/captions_val2017.json", bad.dump());
  CHECK_THAT(prepare_captions("coco", dir.file("coco"), "val", dir.file("bad.jsonl")).output,
             Contains(dir.file("coco/annotations/captions_val2017.json") +
                      ": annotations[1]: missing or mistyped field 'caption'"));
  CHECK_THAT(prepare_captions("coco", dir.file("coco"), "", dir.file("bad.jsonl")).output,
             Contains("--split is required for --corpus coco"));
}

TEST_CASE("vgs-prepare captions reads Conceptual Captions TSV with images named by line") {
  test::TempDir dir;
  dir.write("cc/Validation_GCC-1.1.0-Validation.tsv",
            "a dog on a sofa\thttp://example.com/1.jpg\nnot downloaded\thttp://example.com/2.jpg\n"
            "a red boat\thttp://example.com/3.jpg\n");
  write_fake_images(dir, {"cc/images/1.jpg", "cc/images/3.jpg"});

  const auto result = prepare_captions("cc", dir.file("cc"), "val", dir.file("cc.jsonl"));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.output, Contains("2 captions of 2 images") && Contains("(1 listed images not on disk"));
  const auto captions = data::read_caption_manifest(dir.file("cc.jsonl"));
  REQUIRE(captions.size() == 2);
  CHECK(captions[1].id == "3");
  CHECK(captions[1].text == "a red boat");
  CHECK(data::read_image_manifest(dir.file("cc_images.jsonl"))[1].path == dir.file("cc/images/3.jpg"));

  dir.write("cc/Validation_GCC-1.1.0-Validation.tsv", "a dog\thttp://example.com/1.jpg\nno url here\n");
  CHECK(test::error_of([&] { data::read_conceptual_captions(dir.file("cc"), "val"); }) ==
        dir.file("cc/Validation_GCC-1.1.0-Validation.tsv") + ":2: expected 'caption<TAB>url'");
}
