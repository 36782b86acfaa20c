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
  std::string log_level = "info", backbone, weights, manifest, layers, output, dump;
  std::vector<std::string> inputs;
  vgs::cli::add_recipe_arguments(app, args);
  vgs::cli::add_log_level_argument(app, log_level);
  app.add_option("--backbone", backbone, "backbone name (extract.backbone)");
  app.add_option("--weights", weights, "weights file (extract.weights)");
  app.add_option("--manifest", manifest, "manifest to extract (extract.manifest)");
  app.add_option("--layers", layers, "layers to store: 12, [6,12] or all (extract.layers)");
  app.add_option("--output", output, "feature store to write (extract.output)");
  app.add_option("--dump-hidden-states", dump, "write every hidden state of the --input files to this HDF5 file");
  app.add_option("--input", inputs, "audio or image files for --dump-hidden-states");
  return vgs::cli::run_program(app, argc, argv, log_level, [&] {
    if (vgs::cli::handle_config_requests(args, nullptr)) return 0;
    // The flags are shorthands for recipe keys, so that a recipe and a command line mix freely.
    std::vector<std::string> overrides;
    if (!backbone.empty()) overrides.push_back("extract.backbone=" + backbone);
    if (!weights.empty()) overrides.push_back("extract.weights=" + weights);
    if (!manifest.empty()) overrides.push_back("extract.manifest=" + manifest);
    if (!output.empty()) overrides.push_back("extract.output=" + output);
    if (layers == "all") overrides.push_back("extract.all_layers=true");
    else if (!layers.empty()) overrides.push_back("extract.layers=" + layers);
    overrides.insert(overrides.end(), args.overrides.begin(), args.overrides.end());
    vgs::core::Config config = args.recipe.empty() ? vgs::core::Config::from_overrides(vgs::recipe::schema(), overrides)
                                                   : vgs::recipe::load(args.recipe, overrides);
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
