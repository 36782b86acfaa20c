// Forced-choice sets: the JSON Lines form round-trips (caption foils and image foils) and refuses bad
// lines; FOIL-COCO's released annotations (a COCO-style document, originals and foils paired by "id")
// become items with the replaced word as category; SVO-Probes' CSV becomes image-foil items by
// negative kind; vgs-prepare foil-coco and svo-probes write them with an image manifest.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/support/temp_dir.h"
#include "vgs/data/forced_choice.h"

using namespace vgs;
using Catch::Contains;

namespace {

// Two images (one not on disk), one caption with two foils, one foil whose original is missing.
std::string write_foil_coco(const test::TempDir& dir) {
  std::filesystem::create_directories(dir.file("val2014"));
  dir.write("val2014/COCO_val2014_000000000042.jpg", "not decoded here");
  return dir.write("foil.json", R"({
  "images": [{"id": 42, "file_name": "COCO_val2014_000000000042.jpg"},
             {"id": 43, "file_name": "COCO_val2014_000000000043.jpg"}],
  "annotations": [
    {"id": 7, "image_id": 42, "caption": "A dog on a sofa.", "foil": false},
    {"id": 7, "image_id": 42, "caption": "A cat on a sofa.", "foil": true, "target_word": "dog", "foil_word": "cat", "foil_id": 1},
    {"id": 7, "image_id": 42, "caption": "A dog on a bench.", "foil": true, "target_word": "sofa", "foil_word": "bench", "foil_id": 2},
    {"id": 9, "image_id": 43, "caption": "A bus.", "foil": false},
    {"id": 9, "image_id": 43, "caption": "A train.", "foil": true, "target_word": "bus", "foil_word": "train", "foil_id": 3},
    {"id": 11, "image_id": 42, "caption": "A horse.", "foil": true, "target_word": "dog", "foil_word": "horse", "foil_id": 4}
  ]})");
}

// svo_probes.csv as pandas writes it (index column first): a verb negative, a subject negative whose
// sentence holds a comma and quotes, a row with two negative kinds, and an object negative whose
// negative image was not downloaded. Images 11, 12, 21, 22, 31 are on disk (one as .png).
std::string write_svo_probes(const test::TempDir& dir) {
  std::filesystem::create_directories(dir.file("svo_images"));
  for (const char* name : {"11.jpg", "12.jpg", "21.jpg", "22.png", "31.jpg"}) dir.write(std::string("svo_images/") + name, "x");
  return dir.write("svo_probes.csv",
                   ",sentence,pos_triplet,neg_triplet,subj_neg,verb_neg,obj_neg,pos_url,neg_url,pos_image_id,neg_image_id\n"
                   "0,A girl sits on the shore.,\"girl,sit,shore\",\"girl,walk,shore\",False,True,False,http://a,http://b,11,12\n"
                   "1,\"A man, \"\"smiling\"\", rides a horse.\",\"man,ride,horse\",\"woman,ride,horse\",True,False,False,u,v,21,22\n"
                   "2,A dog eats food.,\"dog,eat,food\",\"cat,drink,food\",True,True,False,u,v,11,21\n"
                   "3,A boy kicks a ball.,\"boy,kick,ball\",\"boy,kick,can\",False,False,True,u,v,31,32\n");
}

}  // namespace

TEST_CASE("FOIL-COCO annotations become forced-choice items with the replaced word as category") {
  test::TempDir dir;
  const auto set = data::read_foil_coco(write_foil_coco(dir), dir.file("val2014"));
  REQUIRE(set.items.size() == 2);
  CHECK(set.items[0].image == "42");
  CHECK(set.items[0].caption == "A dog on a sofa.");
  CHECK(set.items[0].foil == "A cat on a sofa.");
  CHECK(set.items[0].category == "dog");
  CHECK(set.items[1].foil == "A dog on a bench.");
  CHECK(set.items[1].category == "sofa");
  CHECK(set.missing_images == 1);  // image 43, and with it the bus/train item
  CHECK(set.unpaired_foils == 1);  // caption 11 has no original
  REQUIRE(set.images.size() == 1);
  CHECK(set.images[0].path == dir.file("val2014/COCO_val2014_000000000042.jpg"));

  data::write_forced_choice(dir.file("fc.jsonl"), set.items);
  const auto back = data::read_forced_choice(dir.file("fc.jsonl"));
  REQUIRE(back.size() == 2);
  CHECK(back[1].id == set.items[1].id);
  CHECK(back[1].line == 2);
}

TEST_CASE("bad forced-choice lines and FOIL entries name the file and where") {
  test::TempDir dir;
  auto read_error = [&](const std::string& content) {
    const std::string path = dir.write("fc.jsonl", content);
    return test::error_of([&] { data::read_forced_choice(path); });
  };
  const std::string path = dir.file("fc.jsonl");
  CHECK(read_error("") == path + ": holds no forced-choice items");
  CHECK(read_error(R"({"id":"a","image":"1","caption":"x","foil":"x","category":"c"})") == path + ":1: the foil equals the caption");
  CHECK(read_error(R"({"id":"a","image":"1","caption":"x","category":"c"})") ==
        path + ":1: missing or empty 'foil' (or 'foil_image')");
  CHECK(read_error(R"({"id":"a","image":"1","caption":"x","foil":"y","category":"c"})" "\n"
                   R"({"id":"a","image":"1","caption":"x","foil":"z","category":"c"})") == path + ":2: id 'a' used twice");
  const std::string bad = dir.write("bad.json", R"({"images": [], "annotations": [{"id": 1, "image_id": 2, "caption": "x"}]})");
  CHECK(test::error_of([&] { data::read_foil_coco(bad, dir.path()); }) ==
        bad + ": annotations[0]: missing or non-boolean 'foil'");
  const std::string coco = dir.write("coco.json", R"({"annotations": []})");
  CHECK(test::error_of([&] { data::read_foil_coco(coco, dir.path()); }) ==
        coco + ": no 'images' list: not a FOIL-COCO annotation file");
}

TEST_CASE("vgs-prepare foil-coco writes the forced-choice file and its image manifest") {
  test::TempDir dir;
  const std::string annotations = write_foil_coco(dir);
  auto r = test::run_command(test::program("vgs-prepare") + " foil-coco --annotations " + annotations + " --image-dir " +
                             dir.file("val2014") + " --out " + dir.file("foil_test.jsonl") + " 2>&1");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("2 forced-choice items of 1 images"));
  CHECK_THAT(r.output, Contains("1 listed images not in --image-dir: left out"));
  CHECK(data::read_forced_choice(dir.file("foil_test.jsonl")).size() == 2);
  CHECK(std::filesystem::exists(dir.file("foil_test_images.jsonl")));
}

TEST_CASE("the toy caption world's foils read as forced-choice items") {
  test::TempDir dir;
  auto r = test::run_command(test::program("vgs-prepare") + " toy-captions " + dir.file("toy") + " 2>&1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto items = data::read_forced_choice(dir.file("toy/foils/foils_test.jsonl"));
  CHECK_FALSE(items.empty());
}

TEST_CASE("SVO-Probes rows become image-foil items by negative kind") {
  test::TempDir dir;
  const auto set = data::read_svo_probes(write_svo_probes(dir), dir.file("svo_images"));
  REQUIRE(set.items.size() == 2);
  CHECK(set.items[0].id == "svo-0");
  CHECK(set.items[0].caption == "A girl sits on the shore.");
  CHECK(set.items[0].image == "11");
  CHECK(set.items[0].foil_image == "12");
  CHECK(set.items[0].foil.empty());
  CHECK(set.items[0].category == "verb");
  CHECK(set.items[1].caption == "A man, \"smiling\", rides a horse.");
  CHECK(set.items[1].category == "subject");
  CHECK(set.unclassified == 1);    // row 2: subject and verb negatives at once
  CHECK(set.missing_images == 1);  // image 32, and with it row 3
  REQUIRE(set.images.size() == 4);  // 11, 12, 21, 22; 31 only served the left-out row
  CHECK(set.images[3].path == dir.file("svo_images/22.png"));

  data::write_forced_choice(dir.file("svo.jsonl"), set.items);
  const auto back = data::read_forced_choice(dir.file("svo.jsonl"));
  REQUIRE(back.size() == 2);
  CHECK(back[1].foil_image == "22");
  CHECK(back[1].foil.empty());
}

TEST_CASE("bad SVO-Probes files and image-foil lines name the file and line") {
  test::TempDir dir;
  const std::string header = "sentence,subj_neg,verb_neg,obj_neg,pos_image_id,neg_image_id\n";
  auto svo_error = [&](const std::string& content) {
    const std::string path = dir.write("svo.csv", content);
    return test::error_of([&] { data::read_svo_probes(path, dir.path()); });
  };
  const std::string path = dir.file("svo.csv");
  CHECK(svo_error("") == path + ": empty SVO-Probes file (expected a header row)");
  CHECK(svo_error("sentence,pos_image_id\n") ==
        path + ": no column(s) neg_image_id, subj_neg, verb_neg, obj_neg in the header of this SVO-Probes file");
  CHECK(svo_error(header + "a,True,False\n") == path + ":2: 3 fields where the header has 6");
  CHECK(svo_error(header + "a,yes,False,False,1,2\n") == path + ":2: column 'subj_neg' is 'yes', expected True or False");
  CHECK(svo_error(header + "\"a,True,False,False,1,2\n") == path + ":2: a quoted field is never closed");
  CHECK(svo_error(header + "a,True,False,False,1,1\n") == path + ":2: the negative image is the positive image (1)");
  CHECK(test::error_of([&] { data::read_svo_probes(dir.file("none.csv"), dir.path()); }) ==
        dir.file("none.csv") + ": SVO-Probes file not found or not a file");

  auto read_error = [&](const std::string& content) {
    const std::string fc = dir.write("fc.jsonl", content);
    return test::error_of([&] { data::read_forced_choice(fc); });
  };
  const std::string fc = dir.file("fc.jsonl");
  CHECK(read_error(R"({"id":"a","image":"1","caption":"x","foil":"y","foil_image":"2","category":"c"})") ==
        fc + ":1: both 'foil' and 'foil_image'; give one");
  CHECK(read_error(R"({"id":"a","image":"1","caption":"x","foil_image":"1","category":"c"})") ==
        fc + ":1: the foil image equals the image");
}

TEST_CASE("vgs-prepare svo-probes writes the forced-choice file and its image manifest") {
  test::TempDir dir;
  const std::string csv = write_svo_probes(dir);
  auto r = test::run_command(test::program("vgs-prepare") + " svo-probes --csv " + csv + " --image-dir " +
                             dir.file("svo_images") + " --out " + dir.file("svo_test.jsonl") + " 2>&1");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("2 forced-choice items of 4 images"));
  CHECK_THAT(r.output, Contains("1 rows whose negative is of no or several kinds: left out"));
  CHECK(data::read_svo_probes(csv, dir.file("svo_images")).items.size() == 2);
  CHECK(std::filesystem::exists(dir.file("svo_test_images.jsonl")));
}
