// vgs-convert: turns a torch.save checkpoint (or a safetensors file) into safetensors, read
// without running any of the pickle's code, so published .pt/.pth weights can be used and shared
// as plain tensors. Non-tensor entries (a 'cfg' dict) go into the file's __metadata__ as text.
#include <iostream>

#include "vgs/cli/common.h"
#include "vgs/io/weights.h"

int main(int argc, char** argv) {
  CLI::App app{"Convert a torch.save checkpoint to safetensors (no pickle code is run)", "vgs-convert"};
  std::string input, output, log_level = "warn";
  app.add_option("input", input, "torch.save file (.pt/.pth/.ckpt, zip format) or safetensors")->required();
  app.add_option("output", output, "safetensors file to write")->required();
  vgs::cli::add_log_level_argument(app, log_level);
  return vgs::cli::run_program(app, argc, argv, log_level, [&] {
    vgs::io::Checkpoint checkpoint = vgs::io::read_checkpoint(input);
    // transformers refuses safetensors files whose metadata lacks format=pt.
    checkpoint.metadata.emplace("format", "pt");
    vgs::io::write_safetensors(output, checkpoint.tensors, checkpoint.metadata);
    int64_t bytes = 0;
    for (const auto& [name, tensor] : checkpoint.tensors) bytes += tensor.numel() * tensor.element_size();
    std::cout << "wrote " << checkpoint.tensors.size() << " tensors (" << bytes << " bytes of data) and "
              << checkpoint.metadata.size() << " metadata entries to " << output << "\n";
    return 0;
  });
}
