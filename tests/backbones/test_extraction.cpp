// Tests of vgs-extract's pipeline: batched equals single-item extraction, an interrupted run
// resumes without redoing stored items, the registry's errors, and the hidden-state dump layout.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"
#include "vgs/backbones/extraction.h"
#include "vgs/backbones/registry.h"
#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/data/manifest.h"
#include "vgs/io/audio.h"
#include "vgs/io/feature_store.h"
#include "vgs/io/image.h"

using namespace vgs;
using Catch::Contains;

namespace {

// Five utterances of different lengths (a chirp each), at 22.05 kHz so that resampling runs too.
std::string write_audio_manifest(const test::TempDir& dir) {
  std::vector<data::AudioItem> items;
  for (int i = 0; i < 5; ++i) {
    const int rate = 22050, n = 6000 + 3100 * i;
    std::vector<float> s(n);
    for (int t = 0; t < n; ++t) s[t] = 0.4f * std::sin(0.02f * t * (1 + 0.3f * i) + 0.00001f * t * t);
    std::string path = dir.file("wav/u" + std::to_string(i) + ".flac");
    io::write_audio(path, s, rate, io::AudioFormat::flac);
    data::AudioItem item;
    item.id = "u" + std::to_string(i);
    item.path = path;
    item.lang = "en";
    item.label = "w" + std::to_string(i % 2);
    items.push_back(item);
  }
  std::string manifest = dir.file("audio.jsonl");
  data::write_audio_manifest(manifest, items);
  return manifest;
}

backbones::ExtractionOptions options(const std::string& backbone, const std::string& manifest, const std::string& output) {
  backbones::ExtractionOptions o;
  o.backbone.name = backbone;
  o.backbone.seed = 7;
  o.manifest = manifest;
  o.output = output;
  o.dtype = "float32";
  o.device = "cpu";
  return o;
}

double max_store_difference(const std::string& a, const std::string& b) {
  io::FeatureStore x(a), y(b);
  REQUIRE(x.ids().size() == y.ids().size());
  double worst = 0;
  for (const auto& id : x.ids()) {
    REQUIRE(x.read(id).sizes() == y.read(id).sizes());
    worst = std::max(worst, (x.read(id) - y.read(id)).abs().max().item<double>());
  }
  return worst;
}

using vgs::test::error_of;

}  // namespace

TEST_CASE("batched WavLM and fbank extraction equals item-by-item extraction") {
  test::TempDir dir;
  std::string manifest = write_audio_manifest(dir);
  for (std::string backbone : {"wavlm_tiny", "fbank"}) {
    INFO(backbone);
    auto batched = options(backbone, manifest, dir.file(backbone + "_batched.h5"));
    batched.batch_size = 4;
    batched.all_layers = true;
    auto single = batched;
    single.batch_size = 1;
    single.output = dir.file(backbone + "_single.h5");
    auto report = backbones::run_extraction(batched);
    CHECK(report.stored == 5);
    CHECK(report.media_seconds > 0);
    backbones::run_extraction(single);
    CHECK(max_store_difference(batched.output, single.output) <= 1e-4);
  }
  io::FeatureStore store(dir.file("wavlm_tiny_batched.h5"));
  CHECK(store.info().layers == std::vector<int64_t>{0, 1, 2});
  CHECK(store.read("u0").sizes() == torch::IntArrayRef{3, store.read("u0").size(1), 64});
}

TEST_CASE("an interrupted extraction resumes where it stopped") {
  test::TempDir dir;
  std::string manifest = write_audio_manifest(dir);
  // The shortest item (extracted last: longest first) is a FLAC cut in half: its header reads,
  // its samples do not, so the run stops after storing the other four.
  std::string victim = dir.file("wav/u0.flac");
  std::string whole;
  {
    std::ifstream in(victim, std::ios::binary);
    whole.assign(std::istreambuf_iterator<char>(in), {});
  }
  dir.write("wav/u0.flac", whole.substr(0, whole.size() / 2));
  auto o = options("wavlm_tiny", manifest, dir.file("f.h5"));
  o.batch_size = 1;
  o.items_per_shard = 1;
  CHECK_THAT(error_of([&] { backbones::run_extraction(o); }), Contains("item 'u0'") && Contains("u0.flac"));
  CHECK_FALSE(std::filesystem::exists(o.output));
  CHECK(std::filesystem::exists(o.output + ".parts"));

  dir.write("wav/u0.flac", whole);  // the file is repaired; the run is started again
  auto report = backbones::run_extraction(o);
  CHECK(report.resumed == 4);
  CHECK(report.stored == 1);

  auto fresh = o;
  fresh.output = dir.file("fresh.h5");
  backbones::run_extraction(fresh);
  CHECK(max_store_difference(o.output, fresh.output) == 0.0);
}

TEST_CASE("skip leaves bad items out of the store and counts them") {
  test::TempDir dir;
  std::string manifest = write_audio_manifest(dir);
  dir.write("wav/u3.flac", "not audio");
  auto o = options("fbank", manifest, dir.file("f.h5"));
  o.on_bad_item = data::BadItemPolicy::skip;
  auto report = backbones::run_extraction(o);
  CHECK(report.stored == 4);
  CHECK(report.skipped == 1);
  CHECK_FALSE(io::FeatureStore(o.output).contains("u3"));
}

TEST_CASE("image backbones extract token maps of the configured size") {
  test::TempDir dir;
  std::vector<data::ImageItem> items;
  for (int i = 0; i < 3; ++i) {
    io::Image im;
    im.height = 40 + 10 * i;
    im.width = 50;
    im.data.assign(static_cast<size_t>(3 * im.height * im.width), 0.1f * i);
    std::string path = dir.file("img/" + std::to_string(i) + ".png");
    io::write_image(path, im);
    items.push_back({"i" + std::to_string(i), path, "ball", "toy", 0});
  }
  data::write_image_manifest(dir.file("images.jsonl"), items);
  auto o = options("resnet_tiny", dir.file("images.jsonl"), dir.file("r.h5"));
  o.image.policy = io::ResizePolicy::square;
  o.image.resize = 64;
  o.backbone.image_size = 64;
  backbones::run_extraction(o);
  io::FeatureStore store(o.output);
  CHECK(store.info().image_size == 64);
  CHECK(store.read("i1").sizes() == torch::IntArrayRef{4, 256});  // 64 / 32 = 2 x 2 tokens of 8 * 32 channels
  o.backbone.name = "patches";
  o.output = dir.file("p.h5");
  backbones::run_extraction(o);
  CHECK(io::FeatureStore(o.output).read("i2").sizes() == torch::IntArrayRef{16, 768});
}

TEST_CASE("the registry names unknown backbones and missing weights") {
  CHECK_THAT(error_of([] { backbones::make_backbone({"wavlm_base_pluss"}); }),
             Contains("unknown backbone 'wavlm_base_pluss' (did you mean 'wavlm_base_plus'?)"));
  CHECK_THAT(error_of([] { backbones::make_backbone({"wavlm_base_plus"}); }), Contains("needs a weights file"));
  CHECK_THAT(error_of([] { backbones::make_backbone({"dino_resnet50", "/nope/dino.pth"}); }),
             Contains("/nope/dino.pth: weights file not found"));
  auto tiny = backbones::make_backbone({"wavlm_tiny"});
  CHECK_THAT(error_of([&] { tiny->check_layers({3}); }), Contains("layer 3 does not exist (layers 0..2)"));
  for (const auto& info : backbones::backbone_catalogue())
    if (!info.needs_weights) CHECK(backbones::make_backbone({info.name})->last_layer() >= 0);
}

TEST_CASE("vgs-extract dumps every hidden state in the documented layout") {
  test::TempDir dir;
  std::string manifest = write_audio_manifest(dir);
  std::string dump = dir.file("dump.h5");
  auto r = test::run_command(test::program("vgs-extract") + " --backbone wavlm_tiny --dump-hidden-states " + dump +
                             " --input " + dir.file("wav/u1.flac") + " --input " + dir.file("wav/u2.flac"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  auto check = test::run_python("check_hidden_state_dump.py", dump + " 2 3 64");
  INFO(check.output);
  CHECK(check.exit_code == 0);
  auto bad = test::run_command(test::program("vgs-extract") + " --backbone wavlm_tiny");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, Contains("extract.manifest is not set"));
}

TEST_CASE("two vgs-extract of one store at once: the second waits for the first and both end with the whole store") {
  test::TempDir dir;
  std::string manifest = write_audio_manifest(dir);
  const std::string store = dir.file("shared.h5");
  const std::string extract = test::program("vgs-extract") + " --backbone wavlm_tiny --manifest " + manifest +
                              " --output " + store + " --set extract.items_per_shard=1";
  auto r = test::run_command("(" + extract + " > " + dir.file("a.log") + " 2>&1; echo $? > " + dir.file("a.rc") + ") & " +
                             extract + " > " + dir.file("b.log") + " 2>&1; echo $? > " + dir.file("b.rc") + "; wait");
  INFO(r.output);
  INFO(core::read_file(dir.file("a.log")) + core::read_file(dir.file("b.log")));
  CHECK(core::read_file(dir.file("a.rc")) == "0\n");
  CHECK(core::read_file(dir.file("b.rc")) == "0\n");
  io::FeatureStore features(store);
  CHECK(features.size() == 5);
}
