// Tests of `vgs-prepare trials` as a user runs it, on a small toy world: the familiar, ME and episode
// lists (the line printed, a file that reads back and passes check_trials) and one-line errors.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "tests/support/temp_dir.h"
#include "tests/support/toy_fixture.h"
#include "vgs/core/fs.h"
#include "vgs/data/manifest.h"
#include "vgs/data/toy_world.h"
#include "vgs/data/trials.h"

using namespace vgs;
using Catch::Contains;

namespace {

const std::string& small_world() { return test::small_toy_world(2, 0, 2, 32); }

std::string manifest(const std::string& kind) { return small_world() + "/manifests/" + kind + "_test.jsonl"; }

// vgs-prepare trials on the toy world's test manifests, in English, writing `out`.
test::CommandResult prepare(const std::string& out, const std::string& arguments) {
  return test::run_command(test::program("vgs-prepare") + " trials --audio " + manifest("audio") + " --images " +
                           manifest("images") + " --lang en --out " + out + " " + arguments);
}

// Reads the written list back and checks it against the manifests.
std::vector<data::Trial> read_back(const std::string& out) {
  auto trials = data::read_trials(out);
  CHECK_NOTHROW(data::check_trials(trials, data::read_audio_manifest(manifest("audio")),
                                   data::read_image_manifest(manifest("images")), out));
  return trials;
}

}  // namespace

TEST_CASE("vgs-prepare trials writes a familiar list") {
  test::TempDir dir;
  const std::string out = dir.file("lists/familiar.jsonl");
  auto r = prepare(out, "--test familiar --per-word 4 --seed 3 --familiar-words dog,cat,car");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output == "12 familiar trials (3 words x 4, en) in " + out + "\n");
  auto trials = read_back(out);
  REQUIRE(trials.size() == 12);
  CHECK(trials[0].id == "familiar-en-000001");
  CHECK(trials[0].word == "dog");
  CHECK(trials[4].word == "cat");
  // The same options give the same file; another seed another one.
  const std::string first = core::read_file(out);
  CHECK(prepare(out, "--test familiar --per-word 4 --seed 3 --familiar-words dog,cat,car").exit_code == 0);
  CHECK(core::read_file(out) == first);
  CHECK(prepare(out, "--test familiar --per-word 4 --seed 4 --familiar-words dog,cat,car").exit_code == 0);
  CHECK(core::read_file(out) != first);
}

TEST_CASE("vgs-prepare trials writes an ME list") {
  test::TempDir dir;
  const std::string out = dir.file("me.jsonl");
  auto r = prepare(out, "--test me --per-word 5 --familiar-words dog,cat,car --novel-words ball,cup");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output == "10 ME trials (2 words x 5, en) in " + out + "\n");
  auto trials = read_back(out);
  REQUIRE(trials.size() == 10);
  for (const auto& t : trials) {
    CHECK(t.test == "me");
    CHECK(t.episode == 0);
  }
  CHECK(trials[0].word == "ball");
  CHECK(trials[9].word == "cup");
}

TEST_CASE("vgs-prepare trials writes an episode list") {
  test::TempDir dir;
  const std::string out = dir.file("episodes.jsonl");
  auto r = prepare(out, "--test episodes --episodes 6 --familiar-words dog,cat,car --novel-words ball,cup");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output == "30 episode trials (6 episodes x (3 familiar + 2 novel words), en) in " + out + "\n");
  auto trials = read_back(out);
  REQUIRE(trials.size() == 30);
  CHECK(trials[0].id == "episode-en-000001-familiar-dog");
  CHECK(trials[4].id == "episode-en-000001-me-cup");
  CHECK(trials[29].id == "episode-en-000006-me-cup");
  std::set<int> episodes;
  for (const auto& t : trials) episodes.insert(t.episode);
  CHECK(episodes == std::set<int>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("vgs-prepare trials errors are one line with exit code 2") {
  test::TempDir dir;
  const std::string out = dir.file("t.jsonl");
  auto bogus = prepare(out, "--test bogus");
  CHECK(bogus.exit_code == 2);
  CHECK(bogus.output == "vgs-prepare: error: --test must be familiar, me or episodes, got 'bogus'\n");
  // The default words are the 13 familiar ones; the toy world has 3 of them.
  auto missing = prepare(out, "--test familiar");
  CHECK(missing.exit_code == 2);
  CHECK(missing.output == "vgs-prepare: error: familiar trials in 'en': no audio of 'boat' in 'en'\n");
  auto word = prepare(out, "--test me --familiar-words dog,cat,car --novel-words ball,kettle");
  CHECK(word.exit_code == 2);
  CHECK(word.output == "vgs-prepare: error: ME trials in 'en': no audio of 'kettle' in 'en'\n");
  auto lang = test::run_command(test::program("vgs-prepare") + " trials --audio " + manifest("audio") + " --images " +
                                manifest("images") + " --lang nl --test familiar --out " + out);
  CHECK(lang.exit_code == 2);
  CHECK(lang.output == "vgs-prepare: error: " + manifest("audio") + ": no audio in 'nl' (languages there: en)\n");
  auto per_word = prepare(out, "--test episodes --per-word 3 --familiar-words dog,cat,car --novel-words ball");
  CHECK(per_word.exit_code == 2);
  CHECK(per_word.output ==
        "vgs-prepare: error: --per-word is for --test familiar and me; --test episodes takes --episodes\n");
  CHECK_FALSE(std::filesystem::exists(out));  // nothing written on an error
}
