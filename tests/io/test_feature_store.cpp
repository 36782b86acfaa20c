// Tests of the HDF5 feature store: round trips, resuming an interrupted extraction, refusing an
// unfinished or mismatched store, and h5py reading what vgs wrote.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>

#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/io/feature_store.h"

using namespace vgs;
using Catch::Contains;

namespace {
io::FeatureStoreInfo info(const std::string& dtype = "float16") {
  io::FeatureStoreInfo i;
  i.backbone = "wavlm_base_plus";
  i.weights_digest = "0123456789abcdef";
  i.layers = {12};
  i.sample_rate = 16000;
  i.dtype = dtype;
  i.manifest = "/data/audio.jsonl";
  i.manifest_digest = "feedfacecafebeef";
  return i;
}

torch::Tensor item(int k, int64_t frames = 3) { return torch::arange(frames * 4, torch::kFloat).reshape({frames, 4}) * 0.5 + k; }

using vgs::test::error_of;
}  // namespace

TEST_CASE("ids are escaped into HDF5 names and back") {
  for (std::string id : {"plain", "en/dog/001", "50%", "%2F", ".", "a.b"}) {
    CHECK(io::feature_id(io::feature_key(id)) == id);
    CHECK(io::feature_key(id).find('/') == std::string::npos);
  }
}

TEST_CASE("features round-trip in float32 and float16, any rank") {
  test::TempDir dir;
  for (std::string dtype : {"float32", "float16"}) {
    std::string path = dir.file(dtype + ".h5");
    torch::manual_seed(0);
    auto a = torch::randn({7, 16}), b = torch::randn({2, 5, 16});
    {
      io::FeatureStoreWriter writer(path, info(dtype));
      writer.add("en/a", a);
      writer.add("b", b);
      writer.finish();
    }
    io::FeatureStore store(path);
    CHECK(store.size() == 2);
    CHECK(store.contains("en/a"));
    CHECK(store.info().backbone == "wavlm_base_plus");
    CHECK(store.info().layers == std::vector<int64_t>{12});
    CHECK(store.info().dtype == dtype);
    double tolerance = dtype == "float32" ? 0.0 : 2e-3;
    CHECK(store.read("en/a").sizes() == a.sizes());
    CHECK((store.read("en/a") - a).abs().max().item<double>() <= tolerance * 4);
    CHECK((store.read("b") - b).abs().max().item<double>() <= tolerance * 4);
    CHECK_THAT(error_of([&] { store.read("nope"); }), Contains("no features for item 'nope'"));
  }
}

TEST_CASE("an interrupted extraction resumes without redoing finished items") {
  test::TempDir dir;
  std::string path = dir.file("feats.h5");
  {
    // The first run writes shards of 2 items, then "crashes": the writer is never destroyed, so
    // item 4 (pending) is lost, and a half-written shard is left behind.
    auto* crashed = new io::FeatureStoreWriter(path, info(), /*items_per_shard=*/2);
    for (int k = 0; k < 5; ++k) crashed->add("utt" + std::to_string(k), item(k));
    dir.write("feats.h5.parts/part-000002.h5.tmp.99999", "half a shard");
  }
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK_THAT(error_of([&] { io::FeatureStore store(path); }), Contains("unfinished feature store"));

  io::FeatureStoreWriter writer(path, info(), 2);
  CHECK(writer.resumed_count() == 4);
  for (int k = 0; k < 4; ++k) CHECK(writer.contains("utt" + std::to_string(k)));
  CHECK_FALSE(writer.contains("utt4"));
  writer.add("utt4", item(4));
  writer.add("utt5", item(5));
  writer.finish();
  CHECK_FALSE(std::filesystem::exists(path + ".parts"));

  io::FeatureStore store(path);
  REQUIRE(store.size() == 6);
  for (int k = 0; k < 6; ++k) CHECK(torch::allclose(store.read("utt" + std::to_string(k)), item(k)));
}

TEST_CASE("a finished store can be extended and a corrupt shard is redone") {
  test::TempDir dir;
  std::string path = dir.file("f.h5");
  {
    io::FeatureStoreWriter w(path, info());
    w.add("x", item(1));
    w.finish();
  }
  dir.write("f.h5.parts/part-000007.h5", "not hdf5");
  io::FeatureStoreWriter w(path, info());
  CHECK(w.resumed_count() == 1);
  CHECK(w.contains("x"));
  w.add("y", item(2));
  CHECK_THAT(error_of([&] { w.add("y", item(2)); }), Contains("'y' is already stored"));
  w.finish();
  io::FeatureStore store(path);
  CHECK(store.size() == 2);
  CHECK(torch::allclose(store.read("x"), item(1)));
}

TEST_CASE("a store made with other settings is not reused") {
  test::TempDir dir;
  std::string path = dir.file("f.h5");
  {
    io::FeatureStoreWriter w(path, info());
    w.add("x", item(1));
    w.finish();
  }
  auto other = info();
  other.layers = {6};
  CHECK(error_of([&] { io::FeatureStoreWriter w(path, other); }) ==
        path + ": was made with other settings (layers: [6] vs [12]); delete it or choose another path");
  std::string junk = dir.write("junk.h5", "definitely not HDF5");
  CHECK_THAT(error_of([&] { io::FeatureStore s(junk); }), Contains(junk + ": not a readable HDF5 file"));
  CHECK(error_of([&] { io::FeatureStore s(dir.file("none.h5")); }) == dir.file("none.h5") + ": feature store not found");
}

TEST_CASE("an image store made with other preprocessing, or before vgs recorded it, is not reused") {
  test::TempDir dir;
  std::string path = dir.file("images.h5");
  auto images = info();
  images.sample_rate = 0;
  images.image_size = 224;
  images.image_preprocessing = "shorter_side_crop 256 crop 224, pil_bicubic, no normalize";
  {
    io::FeatureStoreWriter w(path, images);
    w.add("x", item(1));
    w.finish();
  }
  CHECK(io::FeatureStore(path).info().image_preprocessing == images.image_preprocessing);
  auto other = images;
  other.image_preprocessing = "shorter_side_crop 256 crop 224, pil_bilinear, no normalize";
  CHECK(error_of([&] { io::FeatureStoreWriter w(path, other); }) ==
        path + ": was made with other settings (image preprocessing: shorter_side_crop 256 crop 224, pil_bilinear, "
               "no normalize vs shorter_side_crop 256 crop 224, pil_bicubic, no normalize); delete it or choose another path");
  auto dropped = test::run_python("drop_h5_attribute.py", path + " image_preprocessing");  // as older stores
  INFO(dropped.output);
  REQUIRE(dropped.exit_code == 0);
  CHECK(error_of([&] { io::FeatureStoreWriter w(path, images); }) ==
        path + ": was made with other settings (image preprocessing: shorter_side_crop 256 crop 224, pil_bicubic, "
               "no normalize vs (not recorded)); delete it or choose another path");
}

TEST_CASE("h5py reads the layout vgs writes") {
  test::TempDir dir;
  std::string path = dir.file("for_python.h5");
  {
    io::FeatureStoreWriter w(path, info("float16"));
    w.add("utt/1", torch::arange(12, torch::kFloat).reshape({3, 4}) * 0.5);
    w.add("a%b", torch::ones({2, 2, 5}));
    w.finish();
  }
  auto result = test::run_python("check_feature_store.py", path);
  INFO(result.output);
  CHECK(result.exit_code == 0);
}
