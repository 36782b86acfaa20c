// The figures of vgs-analyze, drawn from its results (docs/analysis.md): CKA heatmaps with layer
// axes, silhouette and LDA curves by layer (LDA with its confidence band), per-word ME accuracy
// against centroid distance, and PCA and t-SNE scatter plots by word, label, language and modality. Each is
// written once per format in analyze.formats (png, svg, pdf).
#pragma once

#include <ATen/core/Tensor.h>

#include <nlohmann/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "vgs/analysis/representations.h"

namespace vgs::analysis {

// How the rows of a 2-D picture of embeddings are drawn: `group` is each row's legend entry, rows
// with the same `colour_key` share a colour, and `image` rows are triangles (else filled circles).
struct ScatterRows {
  std::string name, title;  // file stem part ("words") and what the colours show ("by word")
  std::vector<std::string> group, colour_key;
  std::vector<bool> image;
};

// The two-tower colourings of [audio ; images] rows: by word (a word's images share its colour) and
// by language and modality.
std::vector<ScatterRows> two_tower_colourings(const ItemSample& audio, const ItemSample& images);

class FigureWriter {
 public:
  FigureWriter(std::string out_dir, std::vector<std::string> formats) : out_(std::move(out_dir)), formats_(std::move(formats)) {}

  void cka(const std::string& name, const std::string& a, const std::string& b, const nlohmann::json& result);
  void by_layer(const std::string& name, const std::string& title, const std::string& y_label, const nlohmann::json& per_stack,
                const std::string& values_key, bool bands);
  void me_words(const nlohmann::json& result);
  // 2-D pictures of embeddings [N, E] by `method` ("pca" or "tsne"; t-SNE seeded by `seed`), one per
  // colouring: <method>_<colouring.name>.<format> each. Returns t-SNE's final KL divergence (NaN for PCA).
  double projections(const std::string& method, const at::Tensor& embeddings, const std::vector<ScatterRows>& colourings,
                     uint64_t seed);

  const std::vector<std::string>& written() const { return written_; }

 private:
  // out/<stem>.<format> for every format.
  std::vector<std::string> paths(const std::string& stem);
  std::string out_;
  std::vector<std::string> formats_, written_;
};

}  // namespace vgs::analysis
