// Tests of recipe loading: extends chains, --set overrides, dumps, and every kind of error with
// the file, line and key it names.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/support/temp_dir.h"
#include "vgs/core/config.h"
#include "vgs/core/config_checks.h"
#include "vgs/core/error.h"
#include "vgs/recipe/recipe.h"

using namespace vgs;
using core::Bounds;
using core::Config;
using Catch::Contains;

namespace {
const core::Schema& test_schema() {
  static const core::Schema schema = [] {
    core::Schema s;
    s.group("train", "Optimisation");
    s.add_float("train.lr", 2e-4, "peak learning rate", Bounds::positive());
    s.add_int("train.epochs", 24, "number of epochs", Bounds::at_least(1));
    s.add_bool("train.amp", false, "mixed precision");
    s.add_string("train.optimizer", "adam", "optimizer", {"adam", "adamw"});
    s.add_float_list("train.betas", {0.9, 0.999}, "Adam betas", Bounds::range(0, 1));
    s.add_int_list("model.layers", {12}, "backbone layers");
    s.add_string_list("data.langs", {"en"}, "languages");
    s.add_path("data.manifest", "audio manifest", /*required=*/true);
    s.add_string("run.name", "run", "name");
    return s;
  }();
  return schema;
}

using vgs::test::error_of;
}  // namespace

TEST_CASE("a recipe fills defaults and resolves paths against its folder") {
  test::TempDir dir;
  std::string recipe = dir.write("r/a.yaml", "data:\n  manifest: ../m/audio.jsonl\ntrain:\n  lr: 1e-3\n");
  Config c = Config::load(test_schema(), recipe);
  CHECK(c.get_float("train.lr") == Approx(1e-3));
  CHECK(c.get_int("train.epochs") == 24);
  CHECK(c.get_string("data.manifest") == std::filesystem::path(dir.file("m/audio.jsonl")).lexically_normal().string());
  CHECK(c.source("train.lr").describe() == recipe + ":4");
  CHECK(c.source("train.epochs").describe() == "default");
}

TEST_CASE("extends chains apply bases first, nearest recipe last") {
  test::TempDir dir;
  dir.write("base/common.yaml", "train:\n  lr: 0.1\n  epochs: 5\ndata:\n  manifest: audio.jsonl\n  langs: [en, fr]\n");
  dir.write("base/mid.yaml", "extends: common.yaml\ntrain:\n  epochs: 7\n");
  std::string top = dir.write("top.yaml", "extends: base/mid.yaml\ntrain:\n  optimizer: adamw\n");
  Config c = Config::load(test_schema(), top);
  CHECK(c.get_float("train.lr") == Approx(0.1));
  CHECK(c.get_int("train.epochs") == 7);
  CHECK(c.get_string("train.optimizer") == "adamw");
  CHECK(c.get_string_list("data.langs") == std::vector<std::string>{"en", "fr"});
  // The base's relative path resolves against the base's own folder.
  CHECK(c.get_string("data.manifest") == dir.file("base/audio.jsonl"));
}

TEST_CASE("set overrides change any key and take YAML values") {
  test::TempDir dir;
  std::string recipe = dir.write("a.yaml", "data:\n  manifest: /m.jsonl\n");
  Config c = Config::load(test_schema(), recipe,
                          {"train.lr=5e-5", "model.layers=[6, 12]", "train.amp=true", "data.langs=nl"});
  CHECK(c.get_float("train.lr") == Approx(5e-5));
  CHECK(c.get_int_list("model.layers") == std::vector<int64_t>{6, 12});
  CHECK(c.get_bool("train.amp"));
  CHECK(c.get_string_list("data.langs") == std::vector<std::string>{"nl"});
  CHECK(c.source("train.lr").describe() == "--set");
}

TEST_CASE("an empty value resets a key to its default") {
  test::TempDir dir;
  std::string base = dir.write("b.yaml", "data:\n  manifest: /m.jsonl\ntrain:\n  epochs: 3\n");
  std::string top = dir.write("t.yaml", "extends: b.yaml\ntrain:\n  epochs:\n");
  CHECK(Config::load(test_schema(), top).get_int("train.epochs") == 24);
  (void)base;
}

TEST_CASE("the dump is a recipe that loads to the same config") {
  test::TempDir dir;
  std::string recipe = dir.write("a.yaml", "data:\n  manifest: x.jsonl\ntrain:\n  lr: 0.0003\n  betas: [0.8, 0.95]\n");
  Config c = Config::load(test_schema(), recipe, {"train.epochs=2"});
  std::string dumped = c.dump();
  CHECK_THAT(dumped, Contains("lr: 0.0003"));
  CHECK_THAT(dumped, Contains("epochs: 2"));
  std::string again_path = dir.write("elsewhere/dump.yaml", dumped);
  Config again = Config::load(test_schema(), again_path);
  CHECK(again.dump() == dumped);
  CHECK(again.get_string("data.manifest") == dir.file("x.jsonl"));
  c.save(dir.file("saved.yaml"));
  CHECK(Config::load(test_schema(), dir.file("saved.yaml")).dump() == dumped);
}

TEST_CASE("an unknown key names file, line and the nearest key") {
  test::TempDir dir;
  std::string recipe = dir.write("a.yaml", "data:\n  manifest: m\ntrain:\n  lrr: 0.1\n");
  CHECK(error_of([&] { Config::load(test_schema(), recipe); }) ==
        recipe + ":4: unknown key 'train.lrr' (did you mean 'train.lr'?)");
  std::string top_level = dir.write("b.yaml", "data:\n  manifest: m\nepochs: 3\n");
  CHECK(error_of([&] { Config::load(test_schema(), top_level); }) ==
        top_level + ":3: unknown key 'epochs' (did you mean 'train.epochs'?)");
  std::string unrelated = dir.write("c.yaml", "zebra: 1\n");
  CHECK(error_of([&] { Config::load(test_schema(), unrelated); }) == unrelated + ":1: unknown key 'zebra'");
}

TEST_CASE("a wrong type names the key and what was expected") {
  test::TempDir dir;
  auto load = [&](const std::string& body) {
    return error_of([&] { Config::load(test_schema(), dir.write("a.yaml", "data:\n  manifest: m\n" + body)); });
  };
  std::string file = dir.file("a.yaml");
  CHECK(load("train:\n  lr: fast\n") == file + ":4: train.lr: expected a number > 0, got 'fast'");
  CHECK(load("train:\n  epochs: 2.5\n") == file + ":4: train.epochs: expected an integer >= 1, got '2.5'");
  CHECK(load("train:\n  amp: maybe\n") == file + ":4: train.amp: expected true or false, got 'maybe'");
  CHECK(load("train:\n  lr: [1, 2]\n") == file + ":4: train.lr: expected a number > 0, got a list");
  CHECK(load("train: 3\n") == file + ":3: train: expected a mapping of keys, got '3'");
  CHECK(load("model:\n  layers: [a]\n") == file + ":4: model.layers: expected a list of integers, got 'a'");
}

TEST_CASE("an out-of-range value names the range") {
  test::TempDir dir;
  std::string file = dir.file("a.yaml");
  auto load = [&](const std::string& body) {
    return error_of([&] { Config::load(test_schema(), dir.write("a.yaml", "data:\n  manifest: m\n" + body)); });
  };
  CHECK(load("train:\n  lr: -1\n") == file + ":4: train.lr: expected a number > 0, got '-1'");
  CHECK(load("train:\n  epochs: 0\n") == file + ":4: train.epochs: expected an integer >= 1, got '0'");
  CHECK(load("train:\n  betas: [0.9, 1.5]\n") == file + ":4: train.betas: expected a list of numbers in [0, 1], got '1.5'");
}

TEST_CASE("a value outside the choices suggests the nearest one") {
  test::TempDir dir;
  std::string file = dir.write("a.yaml", "data:\n  manifest: m\ntrain:\n  optimizer: adamm\n");
  CHECK(error_of([&] { Config::load(test_schema(), file); }) ==
        file + ":4: train.optimizer: expected one of adam, adamw, got 'adamm' (did you mean 'adam'?)");
}

TEST_CASE("a missing required key is named with its description") {
  test::TempDir dir;
  std::string file = dir.write("a.yaml", "train:\n  lr: 0.1\n");
  CHECK(error_of([&] { Config::load(test_schema(), file); }) ==
        file + ": missing required key 'data.manifest' (audio manifest)");
}

TEST_CASE("YAML syntax errors, missing recipes and extends cycles are named") {
  test::TempDir dir;
  std::string bad = dir.write("bad.yaml", "train:\n  lr: [1, 2\n");
  CHECK_THAT(error_of([&] { Config::load(test_schema(), bad); }), Contains(bad + ":3:") && Contains("YAML syntax error"));
  CHECK(error_of([&] { Config::load(test_schema(), dir.file("none.yaml")); }) == dir.file("none.yaml") + ": recipe not found");
  dir.write("x.yaml", "extends: y.yaml\n");
  dir.write("y.yaml", "extends: x.yaml\n");
  CHECK_THAT(error_of([&] { Config::load(test_schema(), dir.file("x.yaml")); }), Contains("extends: cycle"));
  std::string list = dir.write("l.yaml", "- 1\n- 2\n");
  CHECK(error_of([&] { Config::load(test_schema(), list); }) == list + ": a recipe must be a mapping of keys, got a list");
}

TEST_CASE("bad --set arguments are named") {
  test::TempDir dir;
  std::string recipe = dir.write("a.yaml", "data:\n  manifest: m\n");
  CHECK(error_of([&] { Config::load(test_schema(), recipe, {"train.lr"}); }) == "--set 'train.lr': expected key=value");
  CHECK(error_of([&] { Config::load(test_schema(), recipe, {"train.lrate=1"}); }) ==
        "--set: unknown key 'train.lrate' (did you mean 'train.lr'?)");
  CHECK(error_of([&] { Config::load(test_schema(), recipe, {"train.epochs=x"}); }) ==
        "--set train.epochs: expected an integer >= 1, got 'x'");
}

TEST_CASE("help text lists every key with default and description") {
  std::string help = test_schema().help_text();
  CHECK_THAT(help, Contains("train.lr (float) = 0.0002"));
  CHECK_THAT(help, Contains("peak learning rate [a number > 0]"));
  CHECK_THAT(help, Contains("data.manifest (path) required"));
  CHECK_THAT(help, Contains("train: Optimisation"));
}

TEST_CASE("the vgs recipe schema loads an empty recipe with all defaults") {
  test::TempDir dir;
  Config c = recipe::load(dir.write("empty.yaml", ""));
  CHECK(c.get_int("audio.sample_rate") == 16000);
  CHECK(c.get_string("image.resize_policy") == "square");
  CHECK(recipe::run_options(c).dir == "runs/run");
  CHECK_FALSE(c.has("data.audio_manifest"));
}

TEST_CASE("a choice key is declared with its enum's table and read back as the enum") {
  enum class Pooling { mean, cls, attention };
  const core::Choices<Pooling> poolings{{Pooling::mean, "mean"}, {Pooling::cls, "cls"}, {Pooling::attention, "attention"}};
  core::Schema s;
  s.group("model", "Model");
  s.add_choice("model.pooling", poolings, Pooling::cls, "how groups are pooled");
  const core::KeySpec* spec = s.find("model.pooling");
  REQUIRE(spec);
  CHECK(spec->choices == std::vector<std::string>{"mean", "cls", "attention"});
  CHECK(core::value_to_string(*spec->default_value) == "cls");
  CHECK(Config::from_overrides(s, {}).get_choice("model.pooling", poolings) == Pooling::cls);
  CHECK(Config::from_overrides(s, {"model.pooling=attention"}).get_choice("model.pooling", poolings) == Pooling::attention);
  CHECK(error_of([&] { Config::from_overrides(s, {"model.pooling=max"}); }) ==
        "--set model.pooling: expected one of mean, cls, attention, got 'max' (did you mean 'mean'?)");
}

TEST_CASE("duplicate keys are found at any depth, in lists too, and aliases do not loop") {
  test::TempDir dir;
  auto load = [&](const std::string& body) {
    return error_of([&] { Config::load(test_schema(), dir.write("a.yaml", "data:\n  manifest: m\n" + body)); });
  };
  const std::string file = dir.file("a.yaml");
  CHECK(load("data:\n  langs: [en]\n") == file + ":3: duplicate key 'data' (first at line 1)");
  CHECK(load("train: {lr: 0.1, epochs: 2, lr: 0.2}\n") == file + ":3: duplicate key 'train.lr' (first at line 3)");
  CHECK(load("model:\n  layers:\n    - {a: 1, a: 2}\n") == file + ":5: duplicate key 'model.layers.a' (first at line 5)");
  // Anchors may share a node many times, or contain themselves: the walk visits each node once.
  CHECK_THAT(load("model:\n  layers: &x [*x]\n"), Contains("model.layers: expected a list of integers"));
  CHECK_THAT(load("run: &a {name: *a}\n"), Contains("run.name: expected a string, got a mapping"));
}

TEST_CASE("schema checks run on every loaded config and blame the key set last") {
  core::Schema s;
  s.group("train", "Optimisation");
  s.add_float("train.lr", 0.1, "peak", Bounds::positive());
  s.add_float("train.min_lr", 0.01, "floor", Bounds::non_negative());
  s.add_float_list("train.betas", {0.9, 0.999}, "betas");
  s.add_check([](const Config& c) {
    core::check_order(c, "train.min_lr", "train.lr", core::Order::at_most);
    core::check_list_size(c, "train.betas", 2, "beta1, beta2");
  });
  CHECK_NOTHROW(Config::from_overrides(s, {"train.min_lr=0.1"}));  // equal is allowed
  CHECK(error_of([&] { Config::from_overrides(s, {"train.lr=0.001"}); }) ==
        "--set: train.lr: expected at least train.min_lr (0.01, the default), got 0.001");
  CHECK(error_of([&] { Config::from_overrides(s, {"train.betas=[0.9]"}); }) ==
        "--set: train.betas: expected 2 values (beta1, beta2), got 1");
  test::TempDir dir;
  const std::string recipe = dir.write("r.yaml", "train:\n  min_lr: 0.5\n");
  CHECK(error_of([&] { Config::load(s, recipe); }) ==
        recipe + ":2: train.min_lr: expected at most train.lr (0.1, the default), got 0.5");
  // A --set on the other key is blamed over the recipe's line.
  CHECK(error_of([&] { Config::load(s, recipe, {"train.lr=0.2"}); }) ==
        "--set: train.lr: expected at least train.min_lr (0.5, from " + recipe + ":2), got 0.2");
}

TEST_CASE("recipe files are one YAML document and an extends target is named where it is referred to") {
  test::TempDir dir;
  const std::string two = dir.write("two.yaml", "data:\n  manifest: m\n\n---\n# the rest\nrun:\n  name: x\n");
  CHECK(error_of([&] { Config::load(test_schema(), two); }) ==
        two + ":4: a second YAML document; a recipe is one document (remove the '---' or split the file)");
  const std::string top = dir.write("top.yaml", "extends:\n  - base.yaml\n  - gone.yaml\n");
  dir.write("base.yaml", "data:\n  manifest: m\n");
  CHECK(error_of([&] { Config::load(test_schema(), top); }) ==
        top + ":3: extends: cannot read 'gone.yaml' (No such file or directory)");
  CHECK(error_of([&] { Config::load(test_schema(), dir.write("bad.yaml", "extends: {a: 1}\n")); }) ==
        dir.file("bad.yaml") + ":1: extends: expected a recipe path or a list of them");
  CHECK_NOTHROW(Config::load(test_schema(), dir.write("none.yaml", "extends:\ndata:\n  manifest: m\n")));
}
