// The figures of vgs-analyze (see figures.h), through vgs/report's PLplot figures.
#include "vgs/analysis/figures.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <map>

#include "vgs/metrics/geometry.h"
#include "vgs/report/plot.h"

using json = nlohmann::json;

namespace vgs::analysis {

namespace {
double value_or_nan(const json& v) { return v.is_number() ? v.get<double>() : NAN; }
}  // namespace

std::vector<std::string> FigureWriter::paths(const std::string& stem) {
  std::vector<std::string> out;
  for (const std::string& format : formats_) out.push_back(out_ + "/" + stem + "." + format);
  written_.insert(written_.end(), out.begin(), out.end());
  return out;
}

void FigureWriter::cka(const std::string& name, const std::string& a, const std::string& b, const json& result) {
  report::Heatmap h;
  h.title = (result["estimator"] == "unbiased" ? "Unbiased linear CKA: " : "Linear CKA: ") + a + " vs " + b;
  h.y_label = a + " layer";
  h.x_label = b + " layer";
  h.colour_label = "CKA";
  h.row_labels = result["rows"].get<std::vector<std::string>>();
  h.column_labels = result["columns"].get<std::vector<std::string>>();
  for (const json& row : result["matrix"]) {
    h.values.emplace_back();
    for (const json& v : row) h.values.back().push_back(value_or_nan(v));
  }
  h.v_min = 0;
  h.v_max = 1;
  h.annotate = h.row_labels.size() * h.column_labels.size() <= 400;
  for (const std::string& path : paths(name)) report::write_heatmap(h, path);
}

void FigureWriter::by_layer(const std::string& name, const std::string& title, const std::string& y_label,
                            const json& per_stack, const std::string& values_key, bool bands) {
  report::LinePlot p;
  p.title = title;
  p.x_label = "layer (0 = the first representation of each model)";
  p.y_label = y_label;
  for (const auto& [model, result] : per_stack.items()) {
    report::Curve c;
    c.name = model;
    for (size_t i = 0; i < result[values_key].size(); ++i) {
      c.xs.push_back(static_cast<double>(i));
      c.ys.push_back(value_or_nan(result[values_key][i]));
      if (bands) c.lows.push_back(value_or_nan(result["ci_low"][i])), c.highs.push_back(value_or_nan(result["ci_high"][i]));
    }
    if (result.contains("chance")) p.reference_line = result["chance"].get<double>(), p.reference_label = "chance";
    p.curves.push_back(c);
  }
  for (const std::string& path : paths(name)) report::write_line_plot(p, path);
}

void FigureWriter::me_words(const json& result) {
  report::ScatterPlot p;
  char title[160];
  const json& r = result["accuracy_vs_centroid_distance"];
  std::snprintf(title, sizeof title, "Per-word ME accuracy against audio-image centroid distance (Pearson r = %.2f)",
                value_or_nan(r["pearson"]));
  p.title = title;
  p.x_label = "centroid distance (audio vs image, unit vectors)";
  p.y_label = "ME accuracy";
  for (const auto& [word, w] : result["words"].items())
    p.groups.push_back({word, {w["centroid_distance"].get<double>()}, {w["accuracy"].get<double>()}, -1, 'o', true});
  for (const std::string& path : paths("me_words")) report::write_scatter_plot(p, path);
}

void FigureWriter::pca(const at::Tensor& audio, const ItemSample& audio_items, const at::Tensor& images, const ItemSample& image_items) {
  const at::Tensor all = torch::cat({audio, images}).to(torch::kFloat64);
  const metrics::Projection projection = metrics::pca(all, 2);
  const auto n = static_cast<int64_t>(audio_items.ids.size());
  char variance[96];
  std::snprintf(variance, sizeof variance, " (PC1 %.0f%%, PC2 %.0f%%)", 100 * projection.explained_variance_ratio[0],
                100 * projection.explained_variance_ratio[1]);
  auto point = [&](int64_t row, report::ScatterGroup& g) {
    g.xs.push_back(projection.points[row][0].item<double>());
    g.ys.push_back(projection.points[row][1].item<double>());
  };
  // By word: audio filled circles, images triangles, one colour per word.
  report::ScatterPlot words{std::string("PCA of the embeddings by word") + variance, "PC1", "PC2", {}};
  std::map<std::string, size_t> group_of;
  std::map<std::string, int> colour_of;  // a word's images take its audio's colour
  for (int64_t row = 0; row < all.size(0); ++row) {
    const bool is_audio = row < n;
    const std::string& word = is_audio ? audio_items.words[static_cast<size_t>(row)] : image_items.words[static_cast<size_t>(row - n)];
    const int colour = colour_of.emplace(word, static_cast<int>(colour_of.size())).first->second;
    const std::string key = word + (is_audio ? "" : " (image)");
    auto [it, added] = group_of.emplace(key, words.groups.size());
    if (added) words.groups.push_back({key, {}, {}, colour, is_audio ? 'o' : '^', true});
    point(row, words.groups[it->second]);
  }
  for (const std::string& path : paths("pca_words")) report::write_scatter_plot(words, path);
  // By language and modality.
  report::ScatterPlot modality{std::string("PCA of the embeddings by language and modality") + variance, "PC1", "PC2", {}};
  std::map<std::string, size_t> by_language;
  for (int64_t row = 0; row < all.size(0); ++row) {
    const std::string key = row < n ? "audio, " + audio_items.languages[static_cast<size_t>(row)] : "image";
    auto [it, added] = by_language.emplace(key, modality.groups.size());
    if (added) modality.groups.push_back({key, {}, {}, -1, row < n ? 'o' : '^', true});
    point(row, modality.groups[it->second]);
  }
  for (const std::string& path : paths("pca_modality")) report::write_scatter_plot(modality, path);
}

}  // namespace vgs::analysis
