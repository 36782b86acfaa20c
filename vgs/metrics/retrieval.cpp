// Retrieval recall and ranks (see retrieval.h).
#include "vgs/metrics/retrieval.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <map>

#include "vgs/core/error.h"
#include "vgs/core/log.h"

namespace vgs::metrics {

namespace {

// Queries scored per block, so that a large evaluation never holds the whole [Q, G] score matrix.
constexpr int64_t kQueryBlock = 1024;

std::string shape_of(const at::Tensor& t) { return t.defined() ? log::cat(t.sizes()) : std::string("undefined"); }

void require(bool ok, const char* function, const std::string& message) {
  if (!ok) throw Error(std::string(function) + ": " + message);
}

void check_inputs(const at::Tensor& queries, const at::Tensor& gallery, const char* function) {
  for (const auto& [name, t] : {std::pair<const char*, const at::Tensor&>{"queries", queries}, {"gallery", gallery}}) {
    require(t.defined() && t.dim() == 2 && t.is_floating_point(), function,
            log::cat(name, " must be floating point [rows, E], got ", shape_of(t)));
    require(t.size(0) >= 1, function, log::cat(name, " must have at least one row, got ", shape_of(t)));
  }
  require(queries.size(1) == gallery.size(1), function,
          log::cat("queries and gallery must have the same embedding size, got queries ", shape_of(queries),
                   " and gallery ", shape_of(gallery)));
}

// One query's rank from its row of scores: 1 + the rows scoring strictly above its best relevant row.
int64_t rank_of(const double* scores, int64_t G, const std::vector<int64_t>& relevant) {
  double best = scores[relevant.front()];
  for (int64_t g : relevant) best = std::max(best, scores[g]);
  int64_t above = 0;
  for (int64_t g = 0; g < G; ++g) above += scores[g] > best ? 1 : 0;
  return 1 + above;
}

double median(std::vector<int64_t> ranks) {
  std::sort(ranks.begin(), ranks.end());
  const size_t n = ranks.size();
  return n % 2 == 1 ? static_cast<double>(ranks[n / 2]) : (ranks[n / 2 - 1] + ranks[n / 2]) / 2.0;
}

RetrievalResult summarize_ranks(const std::vector<int64_t>& ranks) {
  RetrievalResult r;
  r.queries = static_cast<int64_t>(ranks.size());
  double sum = 0;
  for (int64_t rank : ranks) {
    r.r1 += rank <= 1;
    r.r5 += rank <= 5;
    r.r10 += rank <= 10;
    sum += static_cast<double>(rank);
  }
  const double n = static_cast<double>(ranks.size());
  r.r1 /= n;
  r.r5 /= n;
  r.r10 /= n;
  r.mean_rank = sum / n;
  r.median_rank = median(ranks);
  return r;
}

}  // namespace

RetrievalResult retrieval(const at::Tensor& queries, const at::Tensor& gallery,
                          const std::vector<std::vector<int64_t>>& relevant) {
  constexpr const char* function = "retrieval";
  check_inputs(queries, gallery, function);
  const int64_t Q = queries.size(0), G = gallery.size(0);
  require(static_cast<int64_t>(relevant.size()) == Q, function,
          log::cat("one list of relevant gallery rows per query needed, got ", relevant.size(), " lists for ", Q, " queries"));
  for (int64_t q = 0; q < Q; ++q) {
    require(!relevant[q].empty(), function, log::cat("query ", q, " has no relevant gallery row"));
    for (int64_t g : relevant[q]) {
      require(g >= 0 && g < G, function,
              log::cat("query ", q, "'s relevant row ", g, " is outside the gallery's ", G, " rows (0..", G - 1, ")"));
    }
  }
  std::vector<int64_t> ranks;
  ranks.reserve(Q);
  // Scored in the embeddings' own dtype (as the model's similarity would be; the wider of the two if
  // they differ), compared in double.
  const at::ScalarType dtype = at::promote_types(queries.scalar_type(), gallery.scalar_type());
  const at::Tensor gallery_t = gallery.to(dtype).t();
  for (int64_t start = 0; start < Q; start += kQueryBlock) {
    const int64_t rows = std::min(kQueryBlock, Q - start);
    const at::Tensor block = queries.narrow(0, start, rows).to(dtype);
    const at::Tensor scores = at::matmul(block, gallery_t).to(at::kCPU, at::kDouble).contiguous();
    const double* data = scores.data_ptr<double>();
    for (int64_t i = 0; i < rows; ++i) ranks.push_back(rank_of(data + i * G, G, relevant[start + i]));
  }
  return summarize_ranks(ranks);
}

RetrievalResult retrieval_by_label(const at::Tensor& queries, const std::vector<std::string>& query_labels,
                                   const at::Tensor& gallery, const std::vector<std::string>& gallery_labels) {
  constexpr const char* function = "retrieval_by_label";
  check_inputs(queries, gallery, function);
  require(static_cast<int64_t>(query_labels.size()) == queries.size(0), function,
          log::cat("one label per query needed, got ", query_labels.size(), " labels for ", queries.size(0), " queries"));
  require(static_cast<int64_t>(gallery_labels.size()) == gallery.size(0), function,
          log::cat("one label per gallery row needed, got ", gallery_labels.size(), " labels for ", gallery.size(0),
                   " rows"));
  std::map<std::string, std::vector<int64_t>> rows_of;
  for (size_t g = 0; g < gallery_labels.size(); ++g) rows_of[gallery_labels[g]].push_back(static_cast<int64_t>(g));
  std::vector<std::vector<int64_t>> relevant;
  relevant.reserve(query_labels.size());
  for (size_t q = 0; q < query_labels.size(); ++q) {
    auto found = rows_of.find(query_labels[q]);
    require(found != rows_of.end(), function,
            log::cat("query ", q, "'s label \"", query_labels[q], "\" has no row in the gallery"));
    relevant.push_back(found->second);
  }
  return retrieval(queries, gallery, relevant);
}

}  // namespace vgs::metrics
