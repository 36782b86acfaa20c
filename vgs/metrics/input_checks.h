// Input checks shared by the representation-analysis measures (cka, separability, rsa): each
// function's inputs as float64 CPU matrices, with a one-line vgs::Error naming the function and the
// argument when the shape is wrong.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vgs::metrics::detail {

// "[N, E]", or "undefined".
std::string shape_of(const at::Tensor& t);

// vgs::Error("<function>: <message>") unless ok.
void require(bool ok, const char* function, const std::string& message);

// `x` as float64 [N, E] on the CPU, with at least min_rows rows; `name` is the argument in messages.
at::Tensor rows64(const at::Tensor& x, int64_t min_rows, const char* function, const char* name = "x");

// One label per row of `name`, which has `rows` rows.
void require_one_label_per_row(const std::vector<std::string>& labels, int64_t rows, const char* function,
                               const char* name = "x");

// Each row's class index into `classes`, which lists the distinct labels in sorted order (numpy's
// np.unique, sklearn's classes_).
std::vector<int64_t> class_indices(const std::vector<std::string>& labels, std::vector<std::string>* classes);

// Labelled rows: x as float64 with one label per row, and each row's class.
struct LabelledRows {
  at::Tensor x;                      // float64 [N, E]
  std::vector<std::string> classes;  // the distinct labels, sorted
  std::vector<int64_t> own;          // each row's index into classes
};
LabelledRows labelled_rows(const at::Tensor& x, const std::vector<std::string>& labels, const char* function);

}  // namespace vgs::metrics::detail
