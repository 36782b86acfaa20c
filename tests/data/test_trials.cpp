// Tests of two-way trials: hand-checked small cases, same-source negatives, seeds, portable draws,
// the file format with its line-numbered errors, and check_trials.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/data/trials.h"

using namespace vgs;
using Catch::Contains;

namespace {

data::AudioItem make_audio(const std::string& id, const std::string& lang, const std::string& label) {
  data::AudioItem item;
  item.id = id;
  item.path = id + ".wav";
  item.lang = lang;
  item.label = label;
  return item;
}

data::ImageItem make_image(const std::string& id, const std::string& label, const std::string& source) {
  return data::ImageItem{id, id + ".png", label, source, 0};
}

// dog, cat, cow familiar; ball novel. Image sources: dog a+b, cat a, cow a+b; ball a and c, where no
// familiar image is of source c, so ball_c can never be a positive.
// Ten English audio per familiar word, so that a word allows 20-30 distinct trials (lists hold none twice).
std::vector<data::AudioItem> small_audio() {
  std::vector<data::AudioItem> audio{make_audio("fr_dog_1", "fr", "dog"), make_audio("en_ball_1", "en", "ball"),
                                     make_audio("en_ball_2", "en", "ball")};
  for (const char* word : {"dog", "cat", "cow"})
    for (int i = 1; i <= 10; ++i) audio.push_back(make_audio("en_" + std::string(word) + "_" + std::to_string(i), "en", word));
  return audio;
}
std::vector<data::ImageItem> small_images() {
  return {make_image("dog_a", "dog", "a"), make_image("dog_b", "dog", "b"),   make_image("cat_a", "cat", "a"),
          make_image("cow_a", "cow", "a"), make_image("cow_b", "cow", "b"),   make_image("ball_a", "ball", "a"),
          make_image("ball_c", "ball", "c")};
}
const std::vector<std::string> kFamiliar{"dog", "cat", "cow"};

std::map<std::string, data::ImageItem> by_id(const std::vector<data::ImageItem>& items) {
  std::map<std::string, data::ImageItem> out;
  for (const auto& item : items) out[item.id] = item;
  return out;
}

using vgs::test::error_of;

bool same(const std::vector<data::Trial>& a, const std::vector<data::Trial>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].id != b[i].id || a[i].audio != b[i].audio || a[i].positive != b[i].positive || a[i].negative != b[i].negative)
      return false;
  return true;
}

}  // namespace

TEST_CASE("trials: familiar trials pair each word with a same-source image of another familiar word") {
  auto images = small_images();
  auto trials = data::familiar_trials(small_audio(), images, "en", kFamiliar, 20, 7);
  REQUIRE(trials.size() == 60);
  CHECK(trials.front().id == "familiar-en-000001");
  CHECK(trials.back().id == "familiar-en-000060");
  auto items = by_id(images);
  std::set<std::string> cat_negatives, dog_audio;
  for (size_t i = 0; i < trials.size(); ++i) {
    const auto& t = trials[i];
    CHECK(t.test == "familiar");
    CHECK(t.lang == "en");
    CHECK(t.word == kFamiliar[i / 20]);  // words in the given order, per_word each
    CHECK(items[t.positive].label == t.word);
    CHECK(items[t.negative].label != t.word);
    CHECK(items[t.negative].label != "ball");
    CHECK(items[t.negative].source == items[t.positive].source);
    if (t.word == "cat") cat_negatives.insert(t.negative);
    if (t.word == "dog") dog_audio.insert(t.audio);
  }
  // cat's only image is of source a, whose other familiar images are dog_a and cow_a.
  CHECK(cat_negatives == std::set<std::string>{"dog_a", "cow_a"});
  // 20 draws from the English dog recordings, never the French one.
  CHECK(dog_audio.size() > 1);
  for (const auto& id : dog_audio) CHECK(id.rfind("en_dog_", 0) == 0);
  CHECK_NOTHROW(data::check_trials(trials, small_audio(), images));
}

TEST_CASE("trials: ME trials pair a novel image with a familiar image of its source") {
  auto images = small_images();
  auto trials = data::me_trials(small_audio(), images, "en", {"ball"}, kFamiliar, 6, 3);
  REQUIRE(trials.size() == 6);
  CHECK(trials.front().id == "me-en-000001");
  auto items = by_id(images);
  std::set<std::string> negatives;
  for (const auto& t : trials) {
    CHECK(t.test == "me");
    CHECK(t.word == "ball");
    CHECK(t.positive == "ball_a");  // ball_c has no familiar image of its source
    negatives.insert(t.negative);
  }
  CHECK(negatives == std::set<std::string>{"dog_a", "cat_a", "cow_a"});
  CHECK_NOTHROW(data::check_trials(trials, small_audio(), images));
}

TEST_CASE("trials: deterministic for a seed and independent of manifest order") {
  auto a = data::familiar_trials(small_audio(), small_images(), "en", kFamiliar, 20, 11);
  auto b = data::familiar_trials(small_audio(), small_images(), "en", kFamiliar, 20, 11);
  CHECK(same(a, b));
  auto other = data::familiar_trials(small_audio(), small_images(), "en", kFamiliar, 20, 12);
  CHECK_FALSE(same(a, other));
  auto audio = small_audio();
  auto images = small_images();
  std::reverse(audio.begin(), audio.end());
  std::reverse(images.begin(), images.end());
  CHECK(same(a, data::familiar_trials(audio, images, "en", kFamiliar, 20, 11)));
}

TEST_CASE("trials: generation errors say what is missing") {
  auto audio = small_audio();
  auto images = small_images();
  CHECK(error_of([&] { data::familiar_trials(audio, images, "nl", kFamiliar, 5, 1); }) ==
        "familiar trials in 'nl': no audio of 'dog' in 'nl'");
  audio.push_back(make_audio("en_horse_1", "en", "horse"));
  CHECK(error_of([&] { data::familiar_trials(audio, images, "en", {"horse", "dog"}, 5, 1); }) ==
        "familiar trials in 'en': no image of 'horse'");
  // dog only in source a, cat only in source b: no negative for either.
  std::vector<data::ImageItem> apart{make_image("dog_a", "dog", "a"), make_image("cat_b", "cat", "b")};
  CHECK_THAT(error_of([&] { data::familiar_trials(audio, apart, "en", {"dog", "cat"}, 5, 1); }),
             Contains("no image of 'dog' has a negative of the same source"));
  CHECK_THAT(error_of([&] { data::familiar_trials(audio, images, "en", kFamiliar, 0, 1); }),
             Contains("trials per word must be positive"));
  CHECK_THAT(error_of([&] { data::me_trials(audio, images, "en", {"ball"}, {}, 5, 1); }),
             Contains("no familiar words"));
}

TEST_CASE("trials: portable bounded draws") {
  // The engine's output is fixed by the standard (10000th value of the default seed: 9981545732273789042),
  // and so are these draws: the first default-seeded value 14514284786278117030 mod 10 is 0.
  std::mt19937_64 rng;
  CHECK(data::uniform_index(rng, 10) == 0);
  std::mt19937_64 check;
  check.discard(9999);
  CHECK(check() == 9981545732273789042ULL);
  std::mt19937_64 r(5);
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 30000; ++i) ++counts[data::uniform_index(r, 3)];
  for (int c : counts) CHECK(std::abs(c - 10000) < 400);
  for (int i = 0; i < 1000; ++i) {
    double x = data::uniform_real(r, -2.0, 3.0);
    CHECK((x >= -2.0 && x < 3.0));
  }
  CHECK(data::uniform_index(r, 1) == 0);
  CHECK_THROWS_AS(data::uniform_index(r, 0), Error);
}

TEST_CASE("trials: files round-trip through write and read") {
  test::TempDir dir;
  auto trials = data::me_trials(small_audio(), small_images(), "en", {"ball"}, kFamiliar, 4, 9);
  const std::string path = dir.file("trials/me_test_en.jsonl");
  data::write_trials(path, trials);
  const std::string text = core::read_file(path);
  CHECK(text.rfind("{\"id\":\"me-en-000001\",\"test\":\"me\",\"lang\":\"en\",\"word\":\"ball\",\"audio\":\"", 0) == 0);
  auto back = data::read_trials(path);
  CHECK(same(trials, back));
  REQUIRE(back.size() == 4);
  CHECK(back[2].line == 3);
  CHECK(back[2].test == "me");
  CHECK(back[2].lang == "en");
  CHECK(back[2].word == "ball");
}

TEST_CASE("trials: reading errors name the file and the line") {
  test::TempDir dir;
  const std::string ok =
      "{\"id\": \"t1\", \"test\": \"familiar\", \"lang\": \"en\", \"word\": \"dog\", \"audio\": \"a\", \"positive\": "
      "\"p\", \"negative\": \"n\"}\n";
  const std::string f = dir.file("t.jsonl");
  auto read_error = [&](const std::string& body) {
    dir.write("t.jsonl", body);
    return error_of([&] { data::read_trials(f); });
  };
  CHECK_THAT(read_error(ok + "{\"id\": \n"), Contains(f + ":2: malformed JSON"));
  CHECK(read_error(ok + "\n[1]\n") == f + ":3: expected a JSON object");
  CHECK(read_error("{\"id\": \"t1\", \"test\": \"familiar\", \"lang\": \"en\", \"word\": \"dog\", \"audio\": \"a\", "
                   "\"positive\": \"p\"}\n") == f + ":1: missing field 'negative'");
  std::string bad_test = ok;
  bad_test.replace(bad_test.find("familiar"), 8, "novel");
  CHECK(read_error(bad_test) == f + ":1: field 'test' must be 'familiar' or 'me', got 'novel'");
  std::string number_word = ok;
  number_word.replace(number_word.find("\"dog\""), 5, "7");
  CHECK(read_error(number_word) == f + ":1: field 'word' must be a string");
  CHECK(read_error(ok + ok) == f + ":2: duplicate id 't1' (first on line 1)");
  CHECK(read_error("\n\n") == f + ": trial file holds no trials");
  CHECK_THAT(error_of([&] { data::read_trials(dir.file("missing.jsonl")); }), Contains("not found"));
}

TEST_CASE("trials: check_trials names the line of the first bad reference") {
  test::TempDir dir;
  auto audio = small_audio();
  auto images = small_images();
  auto trials = data::familiar_trials(audio, images, "en", kFamiliar, 2, 5);
  const std::string path = dir.file("familiar.jsonl");
  auto check_with = [&](const std::function<void(std::vector<data::Trial>&)>& spoil) {
    auto copy = trials;
    spoil(copy);
    data::write_trials(path, copy);
    return error_of([&] { data::check_trials(data::read_trials(path), audio, images, path); });
  };
  CHECK(check_with([](auto&) {}) == "(no error)");
  CHECK(check_with([](auto& t) { t[2].positive = "nope"; }) == path + ":3: positive 'nope' is not in the image manifest");
  CHECK(check_with([](auto& t) { t[1].audio = "gone"; t[4].audio = "gone"; }) ==
        path + ":2: audio 'gone' is not in the audio manifest");
  CHECK(check_with([](auto& t) { t[0].audio = "fr_dog_1"; }) == path + ":1: audio 'fr_dog_1' is in 'fr', the trial in 'en'");
  CHECK(check_with([](auto& t) { t[0].audio = "en_cat_1"; }) ==
        path + ":1: audio 'en_cat_1' is labelled 'cat', the trial's word is 'dog'");
  CHECK(check_with([](auto& t) { t[0].negative = "dog_b"; }) ==
        path + ":1: negative 'dog_b' is an image of the trial's word 'dog'");
  CHECK(check_with([](auto& t) { t[2].negative = "missing"; }) == path + ":3: negative 'missing' is not in the image manifest");
  // A cat trial (source a) given a negative of source b.
  CHECK_THAT(check_with([](auto& t) { t[2].negative = "cow_b"; }), Contains(":3: negative 'cow_b' has source 'b'"));
  // Generated trials have no line: the id is named instead.
  trials[1].positive = "nope";
  CHECK(error_of([&] { data::check_trials(trials, audio, images); }) ==
        "trial 'familiar-en-000002': positive 'nope' is not in the image manifest");
}

TEST_CASE("trials: episodes hold one trial per familiar and per novel word with same-source negatives") {
  auto images = small_images();
  auto trials = data::episode_trials(small_audio(), images, "en", kFamiliar, {"ball"}, 25, 4);
  REQUIRE(trials.size() == 25 * (3 + 1));
  CHECK(trials[0].id == "episode-en-000001-familiar-dog");
  CHECK(trials[3].id == "episode-en-000001-me-ball");
  CHECK(trials.back().id == "episode-en-000025-me-ball");
  auto items = by_id(images);
  std::map<int, std::multiset<std::string>> words_of_episode;
  std::set<std::string> ids;
  std::set<std::string> ball_negatives;
  for (size_t i = 0; i < trials.size(); ++i) {
    const auto& t = trials[i];
    CHECK(t.episode == static_cast<int>(i / 4) + 1);  // episodes in order, 4 trials each
    CHECK(t.lang == "en");
    CHECK(t.test == (t.word == "ball" ? "me" : "familiar"));
    CHECK(items[t.positive].label == t.word);
    CHECK(items[t.negative].label != t.word);
    CHECK(items[t.negative].label != "ball");  // negatives are familiar images
    CHECK(items[t.negative].source == items[t.positive].source);
    if (t.word == "ball") {
      CHECK(t.positive == "ball_a");  // ball_c has no familiar image of its source
      ball_negatives.insert(t.negative);
    }
    words_of_episode[t.episode].insert(t.word);
    ids.insert(t.id);
  }
  CHECK(ids.size() == trials.size());  // no duplicate ids
  REQUIRE(words_of_episode.size() == 25);
  for (const auto& [episode, words] : words_of_episode)
    CHECK(words == std::multiset<std::string>{"dog", "cat", "cow", "ball"});
  CHECK(ball_negatives == std::set<std::string>{"dog_a", "cat_a", "cow_a"});
  CHECK_NOTHROW(data::check_trials(trials, small_audio(), images));
}

TEST_CASE("trials: episodes are deterministic for a seed and independent of manifest order") {
  auto a = data::episode_trials(small_audio(), small_images(), "en", kFamiliar, {"ball"}, 30, 11);
  CHECK(same(a, data::episode_trials(small_audio(), small_images(), "en", kFamiliar, {"ball"}, 30, 11)));
  CHECK_FALSE(same(a, data::episode_trials(small_audio(), small_images(), "en", kFamiliar, {"ball"}, 30, 12)));
  auto audio = small_audio();
  auto images = small_images();
  std::reverse(audio.begin(), audio.end());
  std::reverse(images.begin(), images.end());
  CHECK(same(a, data::episode_trials(audio, images, "en", kFamiliar, {"ball"}, 30, 11)));
}

TEST_CASE("trials: episode generation errors") {
  auto audio = small_audio();
  auto images = small_images();
  CHECK(error_of([&] { data::episode_trials(audio, images, "en", kFamiliar, {"ball"}, 0, 1); }) ==
        "episode trials in 'en': the number of episodes must be positive, got 0");
  CHECK(error_of([&] { data::episode_trials(audio, images, "en", {}, {"ball"}, 5, 1); }) ==
        "episode trials in 'en': no familiar words");
  CHECK(error_of([&] { data::episode_trials(audio, images, "fr", kFamiliar, {"ball"}, 5, 1); }) ==
        "episode trials in 'fr': no audio of 'cat' in 'fr'");
  CHECK(error_of([&] { data::episode_trials(audio, images, "en", kFamiliar, {"cup"}, 5, 1); }) ==
        "episode trials in 'en': no audio of 'cup' in 'en'");
  CHECK(error_of([&] { data::episode_trials(audio, images, "en", {"dog", "cat", "dog"}, {"ball"}, 5, 1); }) ==
        "episode trials in 'en': 'dog' is listed twice as familiar");
  CHECK(error_of([&] { data::episode_trials(audio, images, "en", kFamiliar, {"ball", "cat"}, 5, 1); }) ==
        "episode trials in 'en': 'cat' is listed as familiar and as novel");
}

TEST_CASE("trials: the episode field round-trips and old lines without it read as 0") {
  test::TempDir dir;
  auto trials = data::episode_trials(small_audio(), small_images(), "en", kFamiliar, {"ball"}, 3, 9);
  const std::string path = dir.file("episodes.jsonl");
  data::write_trials(path, trials);
  const std::string text = core::read_file(path);
  CHECK(text.find(",\"episode\":1}\n") != std::string::npos);
  auto back = data::read_trials(path);
  REQUIRE(back.size() == trials.size());
  CHECK(same(trials, back));
  for (size_t i = 0; i < back.size(); ++i) {
    CHECK(back[i].episode == trials[i].episode);
    CHECK(back[i].test == trials[i].test);
    CHECK(back[i].word == trials[i].word);
  }
  CHECK(back.back().episode == 3);
  // Familiar and ME lists write no episode field, and a line without one reads as episode 0.
  const std::string familiar = dir.file("familiar.jsonl");
  data::write_trials(familiar, data::familiar_trials(small_audio(), small_images(), "en", kFamiliar, 2, 9));
  CHECK(core::read_file(familiar).find("episode") == std::string::npos);
  for (const auto& t : data::read_trials(familiar)) CHECK(t.episode == 0);
  const std::string old = dir.write("old.jsonl",
                                    "{\"id\": \"t1\", \"test\": \"me\", \"lang\": \"en\", \"word\": \"ball\", \"audio\": "
                                    "\"en_ball_1\", \"positive\": \"ball_a\", \"negative\": \"dog_a\"}\n");
  auto old_trials = data::read_trials(old);
  REQUIRE(old_trials.size() == 1);
  CHECK(old_trials[0].episode == 0);
  CHECK_NOTHROW(data::check_trials(old_trials, small_audio(), small_images(), old));
  // A bad episode value names the line.
  const std::string line2 = "{\"id\": \"t2\", \"test\": \"me\", \"lang\": \"en\", \"word\": \"ball\", \"audio\": \"a\", "
                            "\"positive\": \"p\", \"negative\": \"n\", \"episode\": ";
  dir.write("bad.jsonl", core::read_file(old) + line2 + "\"1\"}\n");
  CHECK(error_of([&] { data::read_trials(dir.file("bad.jsonl")); }) ==
        dir.file("bad.jsonl") + ":2: field 'episode' must be a non-negative integer");
  dir.write("bad.jsonl", core::read_file(old) + line2 + "-1}\n");
  CHECK(error_of([&] { data::read_trials(dir.file("bad.jsonl")); }) ==
        dir.file("bad.jsonl") + ":2: field 'episode' must be a non-negative integer");
}

TEST_CASE("trials: a list holds no trial twice, and a pool too small for the count is an error") {
  // cat: 10 audio x (cat_a with negatives dog_a, cow_a) = 20 distinct trials; ask for all of them.
  auto trials = data::familiar_trials(small_audio(), small_images(), "en", kFamiliar, 20, 4);
  std::set<std::tuple<std::string, std::string, std::string>> distinct;
  for (const auto& t : trials) distinct.emplace(t.audio, t.positive, t.negative);
  CHECK(distinct.size() == trials.size());
  CHECK(trials.size() == 60);
  CHECK(error_of([&] { data::familiar_trials(small_audio(), small_images(), "en", kFamiliar, 21, 4); }) ==
        "familiar trials in 'en': 'cat' allows only 20 distinct trials, fewer than 21 per word; lower the trials per "
        "word or add items");
}
