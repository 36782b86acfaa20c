// vgs-extract: runs a frozen backbone over a manifest into the HDF5 feature store (resumable), or
// dumps every hidden state of a few files for analysis and parity checks.
#include <iostream>

#include "vgs/backbones/extraction.h"
#include "vgs/backbones/options.h"
#include "vgs/cli/common.h"
#include "vgs/io/options.h"
#include "vgs/recipe/recipe.h"

int main(int argc, char** argv) {
  CLI::App app{"Extract frozen-backbone features into a feature store", "vgs-extract"};
  vgs::cli::RecipeArguments args;
  vgs::cli::FlagOverrides flags;
  std::string log_level = "info", dump;
  std::vector<std::string> inputs;
  vgs::cli::add_recipe_arguments(app, args);
  vgs::cli::add_log_level_argument(app, log_level);
  flags.add(app, "--backbone", "extract.backbone", "backbone name");
  flags.add(app, "--weights", "extract.weights", "weights file");
  flags.add(app, "--manifest", "extract.manifest", "manifest to extract");
  flags.add(app, "--layers", "extract.layers", "layers to store: 12, [6,12] or all", [](const std::string& layers) {
    return layers == "all" ? std::string("extract.all_layers=true") : "extract.layers=" + layers;
  });
  flags.add(app, "--output", "extract.output", "feature store to write");
  app.add_option("--dump-hidden-states", dump, "write every hidden state of the --input files to this HDF5 file");
  app.add_option("--input", inputs, "audio or image files for --dump-hidden-states");
  return vgs::cli::run_program(app, argc, argv, log_level, [&] {
    if (vgs::cli::handle_config_requests(args, nullptr)) return 0;
    vgs::core::Config config = vgs::recipe::load(args.recipe, flags.overrides(args.overrides));
    if (vgs::cli::handle_config_requests(args, &config)) return 0;
    if (!dump.empty()) {
      vgs::backbones::dump_hidden_states(vgs::backbones::backbone_request(config), inputs, dump,
                                         vgs::io::image_options(config), vgs::io::audio_options(config).sample_rate);
      std::cout << "wrote every hidden state of " << inputs.size() << " inputs to " << dump << "\n";
      return 0;
    }
    auto report = vgs::backbones::run_extraction(vgs::backbones::extraction_options(config));
    std::cout << "stored " << report.stored << " items (" << report.resumed << " already done, " << report.skipped
              << " skipped) in " << report.output << "\n";
    if (report.seconds > 0 && report.stored > 0) {
      std::cout << "throughput: " << report.stored / report.seconds << " items/s";
      if (report.media_seconds > 0) std::cout << ", real-time factor " << report.seconds / report.media_seconds;
      std::cout << "\n";
    }
    return 0;
  });
}
