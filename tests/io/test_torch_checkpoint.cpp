// Tests of reading torch.save checkpoints: files written by torch.save (state dicts, unilm's,
// GroupViT's and fairseq's layouts with an argparse.Namespace or omegaconf DictConfig beside the
// weights, every dtype, non-contiguous and shared views, Parameters, pickle protocol 4) load to the
// tensors the safetensors library wrote alongside; hostile and broken files are refused
// with one clear line and no code runs; vgs-convert turns a checkpoint into safetensors.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <functional>

#include "tests/support/temp_dir.h"
#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/io/pickle_reader.h"
#include "vgs/io/safetensors.h"
#include "vgs/io/torch_checkpoint.h"

using namespace vgs;
using Catch::Contains;
using Catch::StartsWith;
using namespace std::string_literals;  // pickle bytes hold NULs

namespace {

using vgs::test::error_of;

// The files tests/python/make_torch_checkpoints.py writes, made once per test process.
const test::TempDir& checkpoints() {
  static test::TempDir dir;
  static bool made = false;
  if (!made) {
    auto result = test::run_python("make_torch_checkpoints.py", dir.path());
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    made = true;
  }
  return dir;
}

void check_identical(const io::StateDict& got, const io::StateDict& expected) {
  REQUIRE(got.size() == expected.size());
  for (const auto& [name, e] : expected) {
    INFO(name);
    REQUIRE(got.count(name));
    const auto& g = got.at(name);
    CHECK(g.scalar_type() == e.scalar_type());
    CHECK(g.sizes() == e.sizes());
    CHECK(g.is_contiguous());
    CHECK(torch::equal(g, e));
  }
}

io::Checkpoint load_and_compare(const std::string& name) {
  const auto& dir = checkpoints();
  io::Checkpoint checkpoint = io::read_checkpoint(dir.file(name + ".pth"));
  check_identical(checkpoint.tensors, io::read_safetensors(dir.file(name + ".expected.safetensors")).tensors);
  return checkpoint;
}

// Raw pickle bytes, for the unpickler's own tests.
io::PickledCheckpoint unpickle(const std::string& bytes) {
  return io::read_torch_pickle(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "test.pkl");
}

}  // namespace

TEST_CASE("torch.save state dicts load to identical tensors") {
  for (std::string name : {"state_dict", "dtypes", "views", "groupvit", "unilm", "protocol4", "many"}) {
    INFO(name);
    load_and_compare(name);
  }
  io::Checkpoint module = load_and_compare("state_dict");
  CHECK(module.tensors.at("1.num_batches_tracked").scalar_type() == torch::kInt64);
  CHECK(module.tensors.at("1.num_batches_tracked").item<int64_t>() == 1);
  CHECK(module.metadata.empty());  // the OrderedDict's _metadata attribute is not an entry
  io::Checkpoint dtypes = load_and_compare("dtypes");
  CHECK(dtypes.tensors.at("float16").scalar_type() == torch::kHalf);
  CHECK(dtypes.tensors.at("bfloat16").scalar_type() == torch::kBFloat16);
  CHECK(dtypes.tensors.at("scalar").dim() == 0);
  CHECK(dtypes.tensors.at("empty").sizes() == torch::IntArrayRef{0, 3});
}

TEST_CASE("the unilm layout keeps cfg values as metadata") {
  io::Checkpoint checkpoint = load_and_compare("unilm");
  std::map<std::string, std::string> expected = {
      {"cfg.encoder_layers", "12"},
      {"cfg.dropout", "0.1"},
      {"cfg.activation_fn", "gelu"},
      {"cfg.layer_norm_first", "true"},
      {"cfg.extractor_mode", "default"},
      {"cfg.normalize", "false"},
      {"cfg.label_rate", "None"},
      {"cfg.tiny", "1e-05"},
      {"cfg.huge", "1e+20"},
      {"cfg.conv_feature_layers", "[(512,10,5)] + [(512,3,2)] * 4"},
      {"cfg.conv_pos", "[128, 16]"},
      {"cfg.pair", "(3, 'x')"},
      {"cfg.big", "1180591620717411303424"},
      {"cfg.negative", "-7"},
      {"cfg.nested.depth", "2"},
      {"cfg.nested.empty", "{}"},
  };
  CHECK(checkpoint.metadata == expected);
  CHECK(checkpoint.tensors.count("model.0.weight"));
  CHECK(checkpoint.tensors.count("model.1.running_var"));

  io::Checkpoint groupvit = load_and_compare("groupvit");
  CHECK(groupvit.metadata == std::map<std::string, std::string>{{"epoch", "29"}});
  CHECK(groupvit.tensors.at("model.logit_scale").dim() == 0);
}

TEST_CASE("fairseq checkpoints load: a Namespace's attributes become metadata, a DictConfig is left out") {
  io::Checkpoint args = load_and_compare("fairseq_args");
  std::map<std::string, std::string> expected = {
      {"args.arch", "wav2vec2"},
      {"args.encoder_layers", "12"},
      {"args.layer_norm_first", "false"},
      {"args.dropout", "0.1"},
      {"args.labels", "None"},
      {"args.conv_feature_layers", "[(512, 10, 5)]"},
      {"args.latent_temp", "(2, 0.5, 0.999995)"},
      {"args.w2v_args.normalize", "true"},
      {"cfg", "None"},
  };
  CHECK(args.metadata == expected);
  // omegaconf's DictConfig (pickle protocols 2 and 4): the weights load, the config gives nothing.
  for (std::string name : {"fairseq_dictconfig", "fairseq_dictconfig_p4"}) {
    INFO(name);
    io::Checkpoint hydra = load_and_compare(name);
    for (const auto& [key, value] : hydra.metadata) CHECK(key == "args");
    CHECK(hydra.tensors.count("model.0.weight"));
  }
  // Every other object is refused as before, naming its class.
  const std::string dictionary = checkpoints().file("fairseq_dictionary.pth");
  CHECK_THAT(error_of([&] { io::read_checkpoint(dictionary); }),
             StartsWith(dictionary + ": refusing to load: the pickle calls fairseq.data.dictionary.Dictionary, "
                                     "which a state dict never needs"));
}

TEST_CASE("configuration objects are inert: only their own opcodes, never a call") {
  std::string proto = "\x80\x02"s;
  std::string namespace_of = "cargparse\nNamespace\n)\x81"s;
  // BUILD with the attributes; a defaultdict(dict) with items (omegaconf's resolver cache) is inert.
  auto namespaced = unpickle(proto + "}X\x01\0\0\0a"s + namespace_of + "}X\x01\0\0\0nK\x03sbs."s);
  CHECK(namespaced.metadata == std::vector<std::pair<std::string, std::string>>{{"a.n", "3"}});
  auto inert = unpickle(proto + "}X\x01\0\0\0dccollections\ndefaultdict\nc__builtin__\ndict\n\x85RX\x01\0\0\0kK\x01ss."s);
  CHECK(inert.metadata.empty());
  CHECK_THAT(error_of([&] { unpickle(proto + "}X\x01\0\0\0a"s + namespace_of + "K\x01" "bs."s); }),
             Contains("test.pkl: bad pickle: BUILD of argparse.Namespace with an int"));
  // NEWOBJ of anything else, and other globals next to the accepted ones, are still refused.
  CHECK_THAT(error_of([&] { unpickle(proto + "ccollections\nOrderedDict\n)\x81."s); }),
             Contains("refusing to load: the pickle constructs an object of collections.OrderedDict"));
  CHECK_THAT(error_of([&] { unpickle(proto + "cargparse\nArgumentParser\n)\x81."s); }),
             Contains("refusing to load: the pickle calls argparse.ArgumentParser, which a state dict never needs"));
  CHECK_THAT(error_of([&] { unpickle(proto + "comegaconf\nOmegaConf\n)\x81."s); }),
             Contains("the pickle calls omegaconf.OmegaConf"));
  CHECK_THAT(error_of([&] { unpickle(proto + "c__builtin__\neval\n."s); }), Contains("the pickle calls __builtin__.eval"));
}

TEST_CASE("views of one storage load as separate contiguous tensors") {
  io::Checkpoint checkpoint = load_and_compare("views");
  auto& t = checkpoint.tensors;
  auto base = torch::arange(60, torch::kFloat32).reshape({6, 10});
  CHECK(torch::equal(t.at("transposed"), base.t()));
  CHECK(torch::equal(t.at("slice"), base.slice(0, 2, 5).slice(1, 3, 7)));
  CHECK(torch::equal(t.at("row"), base[4]));
  CHECK(torch::equal(t.at("column"), base.select(1, 9)));
  CHECK(torch::equal(t.at("expanded"), torch::arange(4, torch::kFloat32).expand({3, 4})));
  // Views that shared one storage in the file no longer alias each other.
  t.at("row").fill_(-1);
  CHECK(torch::equal(t.at("transposed"), base.t()));
  CHECK(t.at("expanded").data_ptr() != t.at("transposed").data_ptr());
}

TEST_CASE("a hand-made archive with another folder name and unaligned records loads") {
  io::Checkpoint checkpoint = io::read_checkpoint(checkpoints().file("handmade.pth"));
  CHECK(torch::equal(checkpoint.tensors.at("a"), torch::tensor({{0.5f, 1.5f}, {1.0f, 2.0f}})));
  CHECK(torch::equal(checkpoint.tensors.at("b"), torch::arange(6, torch::kFloat32) * 0.5));
}

TEST_CASE("hostile pickles are refused before any code runs") {
  const auto& dir = checkpoints();
  struct Case {
    std::string file, message;
  };
  for (const auto& c : std::vector<Case>{
           {"os_system.pth", "refusing to load: the pickle calls os.system, which a state dict never needs"},
           {"eval.pth", "refusing to load: the pickle calls builtins.eval, which a state dict never needs"},
           {"reduce_storage.pth", "refusing to load: the pickle calls torch.FloatStorage, which vgs does not load"},
       }) {
    INFO(c.file);
    std::string message = error_of([&] { io::read_checkpoint(dir.file(c.file)); });
    CHECK_THAT(message, StartsWith(dir.file(c.file) + ": ") && Contains(c.message));
  }
  CHECK_FALSE(std::filesystem::exists(dir.file("pwned")));
}

TEST_CASE("broken torch.save files are refused with clear messages") {
  const auto& dir = checkpoints();
  std::string whole = core::read_file(dir.file("state_dict.pth"));
  test::TempDir scratch;
  struct Case {
    std::string path, message;
  };
  std::vector<Case> cases = {
      {scratch.write("half.pth", whole.substr(0, whole.size() / 2)), "truncated or damaged zip archive"},
      {scratch.write("end_cut.pth", whole.substr(0, whole.size() - 10)), "truncated or damaged zip archive"},
      {dir.file("offset_past_end.pth"),
       "a tensor's elements (offset 4, last element 7) run past the end of its storage '0' of 6 elements"},
      {dir.file("short_record.pth"), "storage record data/0 holds 24 bytes, less than the 10 F32 elements the pickle says"},
      {dir.file("missing_record.pth"), "storage record data/0 is missing from the archive"},
      {dir.file("compressed.pth"), "is compressed (method 8)"},
      {dir.file("legacy.pth"), "legacy torch.save format, re-save with torch>=1.6"},
      {scratch.write("text.pth", "hello, world\n"), "neither a safetensors file nor a torch.save checkpoint"},
      {scratch.write("empty.pth", ""), "empty file"},
  };
  // A zip that is not a checkpoint, and one whose directory points past the end of the file.
  std::string not_checkpoint = whole;
  for (size_t at = not_checkpoint.find("data.pkl"); at != std::string::npos; at = not_checkpoint.find("data.pkl", at + 1))
    not_checkpoint[at] = 'D';
  cases.push_back({scratch.write("other.zip", not_checkpoint), "not a torch.save checkpoint"});
  std::string bad_directory = whole;
  size_t end64 = bad_directory.rfind("PK\x06\x06");
  REQUIRE(end64 != std::string::npos);
  bad_directory[end64 + 48 + 6] = '\x7f';  // the ZIP64 end record's directory offset, far past the end
  cases.push_back({scratch.write("bad_directory.pth", bad_directory), "the central directory runs past the end"});
  for (const auto& c : cases) {
    INFO(c.path);
    std::string message = error_of([&] { io::read_checkpoint(c.path); });
    CHECK_THAT(message, StartsWith(c.path + ": ") && Contains(c.message));
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("the unpickler refuses globals and opcodes outside its allow list") {
  std::string proto = "\x80\x02"s;
  CHECK_THAT(error_of([&] { unpickle(proto + "cposix\nsystem\nX\x01\0\0\0x\x85R."s); }),
             Contains("test.pkl: refusing to load: the pickle calls posix.system, which a state dict never needs"));
  CHECK_THAT(error_of([&] { unpickle("\x80\x04\x8c\x08" "builtins\x8c\x04" "exec\x93."s); }),
             Contains("the pickle calls builtins.exec"));
  CHECK_THAT(error_of([&] { unpickle(proto + "ctorch._utils\n_rebuild_qtensor\n."s); }),
             Contains("the pickle calls torch._utils._rebuild_qtensor, which vgs does not load"));
  CHECK_THAT(error_of([&] { unpickle(proto + "(X\x01\0\0\0xios\nsystem\n."s); }), Contains("refusing to load: the pickle constructs"));
  CHECK_THAT(error_of([&] { unpickle(proto + "X\x01\0\0\0x)R."s); }), Contains("REDUCE calls a string"));
  CHECK_THAT(error_of([&] { unpickle(proto + "}X\x01\0\0\0a"s); }), Contains("truncated pickle"));
  CHECK_THAT(error_of([&] { unpickle(proto + "}X\xff\xff\xff\x7f" "a."s); }), Contains("truncated pickle"));
  CHECK_THAT(error_of([&] { unpickle(proto + "h\x05."s); }), Contains("memo entry 5 is undefined"));
  CHECK_THAT(error_of([&] { unpickle(proto + "s."s); }), Contains("stack underflow"));
  CHECK_THAT(error_of([&] { unpickle(proto + "S'x'\n."s); }), Contains("unsupported opcode 0x53"));
  CHECK_THAT(error_of([&] { unpickle(proto + "K\x01."s); }), Contains("the checkpoint holds an int, not a dictionary"));
}

TEST_CASE("cyclic and hugely shared pickles are refused or cut short") {
  std::string proto = "\x80\x02"s;
  // A list that contains itself.
  CHECK_THAT(error_of([&] { unpickle(proto + "]q\0h\0a}X\x01\0\0\0kh\0s."s); }), Contains("nested more than 100 levels"));
  // 40 levels of a list holding the previous one twice: 2^40 paths to the leaf over 40 objects.
  auto bomb = [&](const std::string& leaf) {
    std::string bytes = proto + leaf + "q\x01"s;
    for (int k = 0; k < 40; ++k) bytes += "(h\x01h\x01lq\x01"s;
    return bytes + "}q\x02X\x01\0\0\0kh\x01s0h\x02."s;
  };
  // Text leaves: the rendered value is cut at 1 MB.
  auto text = unpickle(bomb("]"));
  REQUIRE(text.metadata.size() == 1);
  CHECK(text.metadata[0].second.size() < (1u << 20) + 1000);
  // Tensor leaves: flattening would name 2^40 tensors.
  std::string tensor =
      "ctorch._utils\n_rebuild_tensor_v2\n((X\x07\0\0\0storagectorch\nFloatStorage\nX\x01\0\0\0"
      "0X\x03\0\0\0cpuK\x01tQK\0K\x01\x85K\x01\x85\x89" "ccollections\nOrderedDict\n)RtR"s;
  CHECK(unpickle(proto + "}X\x01\0\0\0w"s + tensor + "s."s).tensors.size() == 1);
  CHECK_THAT(error_of([&] { unpickle(bomb(tensor)); }), Contains("test.pkl: the pickle shares objects too often"));
}

TEST_CASE("floats print as Python prints them") {
  CHECK(io::python_float_repr(0.1) == "0.1");
  CHECK(io::python_float_repr(1.0) == "1.0");
  CHECK(io::python_float_repr(-2.5) == "-2.5");
  CHECK(io::python_float_repr(1e-05) == "1e-05");
  CHECK(io::python_float_repr(0.0001) == "0.0001");
  CHECK(io::python_float_repr(1e16) == "1e+16");
  CHECK(io::python_float_repr(123456789012345.0) == "123456789012345.0");
  CHECK(io::python_float_repr(1.2345678901234568e+17) == "1.2345678901234568e+17");
  CHECK(io::python_float_repr(1e22) == "1e+22");
  CHECK(io::python_float_repr(3.141592653589793) == "3.141592653589793");
  CHECK(io::python_float_repr(-0.0) == "-0.0");
  CHECK(io::python_float_repr(1.0 / 0.0) == "inf");
}

TEST_CASE("vgs-convert turns a torch.save checkpoint into safetensors") {
  const auto& dir = checkpoints();
  test::TempDir out;
  std::string converted = out.file("unilm.safetensors");
  auto run = test::run_command(test::program("vgs-convert") + " " + dir.file("unilm.pth") + " " + converted);
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("wrote 9 tensors"));
  auto check = test::run_python("check_safetensors.py", "converted " + converted + " " + dir.file("unilm.pth"));
  INFO(check.output);
  CHECK(check.exit_code == 0);

  auto refused = test::run_command(test::program("vgs-convert") + " " + dir.file("os_system.pth") + " " + out.file("x.safetensors"));
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.output, Contains("refusing to load: the pickle calls os.system"));
  CHECK_FALSE(std::filesystem::exists(out.file("x.safetensors")));
}
