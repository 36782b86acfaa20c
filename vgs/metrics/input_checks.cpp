// Input checks shared by the representation-analysis measures (see input_checks.h).
#include "vgs/metrics/input_checks.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "vgs/core/error.h"
#include "vgs/core/log.h"

namespace vgs::metrics::detail {

std::string shape_of(const at::Tensor& t) { return t.defined() ? log::cat(t.sizes()) : std::string("undefined"); }

void require(bool ok, const char* function, const std::string& message) {
  if (!ok) throw Error(std::string(function) + ": " + message);
}

at::Tensor rows64(const at::Tensor& x, int64_t min_rows, const char* function, const char* name) {
  require(x.defined() && x.dim() == 2 && x.is_floating_point(), function,
          log::cat(name, " must be floating point [N, E], got ", shape_of(x)));
  require(x.size(0) >= min_rows, function,
          log::cat(name, " needs at least ", min_rows == 1 ? "one row" : log::cat(min_rows, " rows"), ", got ", shape_of(x)));
  return x.to(at::kCPU, at::kDouble).contiguous();
}

void require_one_label_per_row(const std::vector<std::string>& labels, int64_t rows, const char* function,
                               const char* name) {
  require(static_cast<int64_t>(labels.size()) == rows, function,
          log::cat("one label per row of ", name, " needed, got ", labels.size(), " labels for ", rows, " rows"));
}

std::vector<int64_t> class_indices(const std::vector<std::string>& labels, std::vector<std::string>* classes) {
  *classes = labels;
  std::sort(classes->begin(), classes->end());
  classes->erase(std::unique(classes->begin(), classes->end()), classes->end());
  std::vector<int64_t> indices;
  indices.reserve(labels.size());
  for (const std::string& label : labels)
    indices.push_back(std::lower_bound(classes->begin(), classes->end(), label) - classes->begin());
  return indices;
}

LabelledRows labelled_rows(const at::Tensor& x, const std::vector<std::string>& labels, const char* function) {
  LabelledRows r;
  r.x = rows64(x, 1, function);
  require_one_label_per_row(labels, r.x.size(0), function);
  r.own = class_indices(labels, &r.classes);
  return r;
}

}  // namespace vgs::metrics::detail
