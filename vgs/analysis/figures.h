// The figures of vgs-analyze, drawn from its results (docs/analysis.md): CKA heatmaps with layer
// axes, silhouette and LDA curves by layer (LDA with its confidence band), per-word ME accuracy
// against centroid distance, and PCA scatter plots by word and by language and modality. Each is
// written once per format in analyze.formats (png, svg, pdf).
#pragma once

#include <ATen/core/Tensor.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vgs/analysis/representations.h"

namespace vgs::analysis {

class FigureWriter {
 public:
  FigureWriter(std::string out_dir, std::vector<std::string> formats) : out_(std::move(out_dir)), formats_(std::move(formats)) {}

  void cka(const std::string& name, const std::string& a, const std::string& b, const nlohmann::json& result);
  void by_layer(const std::string& name, const std::string& title, const std::string& y_label, const nlohmann::json& per_stack,
                const std::string& values_key, bool bands);
  void me_words(const nlohmann::json& result);
  // PCA of the embeddings of audio [N, E] and images [M, E] (rows as in the samples).
  void pca(const at::Tensor& audio, const ItemSample& audio_items, const at::Tensor& images, const ItemSample& image_items);

  const std::vector<std::string>& written() const { return written_; }

 private:
  // out/<stem>.<format> for every format.
  std::vector<std::string> paths(const std::string& stem);
  std::string out_;
  std::vector<std::string> formats_, written_;
};

}  // namespace vgs::analysis
