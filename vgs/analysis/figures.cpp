// The figures of vgs-analyze (see figures.h), through vgs/report's PLplot figures.
#include "vgs/analysis/figures.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "vgs/metrics/geometry.h"
#include "vgs/metrics/tsne.h"
#include "vgs/report/plot.h"

using json = nlohmann::json;

namespace vgs::analysis {

namespace {
double value_or_nan(const json& v) { return v.is_number() ? v.get<double>() : NAN; }

// sklearn's t-SNE defaults, but a perplexity of at most (N - 1) / 3 so that small samples work (the
// perplexity must stay below N).
metrics::TsneOptions tsne_options(int64_t rows, uint64_t seed) {
  metrics::TsneOptions o;
  o.perplexity = std::min(30.0, static_cast<double>(rows - 1) / 3);
  o.seed = seed;
  return o;
}
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

std::vector<ScatterRows> two_tower_colourings(const ItemSample& audio, const ItemSample& images) {
  ScatterRows words{"words", "by word", {}, {}, {}}, modality{"modality", "by language and modality", {}, {}, {}};
  for (size_t i = 0; i < audio.ids.size(); ++i) {
    words.group.push_back(audio.words[i]);
    words.colour_key.push_back(audio.words[i]);
    modality.group.push_back("audio, " + audio.languages[i]);
    modality.colour_key.push_back(modality.group.back());
  }
  for (const std::string& word : images.words) {
    words.group.push_back(word + " (image)");
    words.colour_key.push_back(word);
    modality.group.push_back("image");
    modality.colour_key.push_back("image");
  }
  words.image.assign(audio.ids.size(), false);
  words.image.resize(words.group.size(), true);
  modality.image = words.image;
  return {words, modality};
}

namespace {
// One scatter plot of `points` [N, 2] coloured as `rows` says.
report::ScatterPlot scatter_of(const at::Tensor& points, const ScatterRows& rows, const std::string& title, const std::string& axis) {
  report::ScatterPlot p{title, axis + "1", axis + "2", {}};
  std::map<std::string, size_t> group_of;
  std::map<std::string, int> colour_of;
  const auto many = std::set<std::string>(rows.colour_key.begin(), rows.colour_key.end()).size() > 1;
  for (size_t row = 0; row < rows.group.size(); ++row) {
    const int colour = many ? colour_of.emplace(rows.colour_key[row], static_cast<int>(colour_of.size())).first->second : -1;
    auto [it, added] = group_of.emplace(rows.group[row], p.groups.size());
    if (added) p.groups.push_back({rows.group[row], {}, {}, colour, rows.image[row] ? '^' : 'o', true});
    p.groups[it->second].xs.push_back(points[static_cast<int64_t>(row)][0].item<double>());
    p.groups[it->second].ys.push_back(points[static_cast<int64_t>(row)][1].item<double>());
  }
  return p;
}
}  // namespace

double FigureWriter::projections(const std::string& method, const at::Tensor& embeddings, const std::vector<ScatterRows>& colourings,
                                 uint64_t seed) {
  const at::Tensor x = embeddings.to(torch::kFloat64);
  at::Tensor points;
  std::string note;
  double kl = NAN;
  if (method == "pca") {
    const metrics::Projection projection = metrics::pca(x, 2);
    points = projection.points;
    char variance[96];
    std::snprintf(variance, sizeof variance, " (PC1 %.0f%%, PC2 %.0f%%)", 100 * projection.explained_variance_ratio[0],
                  100 * projection.explained_variance_ratio[1]);
    note = variance;
  } else {
    const metrics::TsneResult tsne = metrics::tsne(x, tsne_options(x.size(0), seed));
    points = tsne.embedding;
    kl = tsne.kl_divergence;
    char perplexity[96];
    std::snprintf(perplexity, sizeof perplexity, " (perplexity %.0f, KL %.2f)", tsne_options(x.size(0), seed).perplexity, kl);
    note = perplexity;
  }
  const std::string label = method == "pca" ? "PCA" : "t-SNE";
  for (const ScatterRows& rows : colourings) {
    const report::ScatterPlot plot = scatter_of(points, rows, label + " of the embeddings " + rows.title + note, method == "pca" ? "PC" : "t-SNE ");
    for (const std::string& path : paths(method + "_" + rows.name)) report::write_scatter_plot(plot, path);
  }
  return kl;
}

}  // namespace vgs::analysis
