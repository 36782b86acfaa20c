// All-gather with a gradient (see gather.h).
#include "vgs/dist/gather.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>

#include "vgs/core/error.h"
#include "vgs/dist/group.h"

namespace vgs::dist {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Pads every rank's rows to the largest count (all-gather needs one shape), gathers, and drops the padding.
at::Tensor gather_rows(const at::Tensor& local, const std::vector<int64_t>& sizes, Group& group) {
  const int64_t most = *std::max_element(sizes.begin(), sizes.end());
  std::vector<int64_t> shape(local.sizes().begin(), local.sizes().end());
  shape[0] = most;
  at::Tensor padded = at::zeros(shape, local.options());
  if (local.size(0) > 0) padded.narrow(0, 0, local.size(0)).copy_(local);
  at::Tensor gathered = group.all_gather(padded);  // [W, most, ...]
  std::vector<at::Tensor> rows;
  for (size_t r = 0; r < sizes.size(); ++r) rows.push_back(gathered[static_cast<int64_t>(r)].narrow(0, 0, sizes[r]));
  return at::cat(rows);
}

struct AllGatherRows : public torch::autograd::Function<AllGatherRows> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& local, std::vector<int64_t> sizes, Group* group) {
    ctx->saved_data["offset"] = std::accumulate(sizes.begin(), sizes.begin() + group->rank(), int64_t{0});
    ctx->saved_data["rows"] = sizes[static_cast<size_t>(group->rank())];
    ctx->saved_data["group"] = reinterpret_cast<int64_t>(group);
    return gather_rows(local.detach(), sizes, *group);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto* group = reinterpret_cast<Group*>(ctx->saved_data["group"].toInt());
    at::Tensor summed = grads[0].contiguous().clone();
    group->all_reduce_sum_(summed);  // every rank's gradient for every row
    at::Tensor own = summed.narrow(0, ctx->saved_data["offset"].toInt(), ctx->saved_data["rows"].toInt());
    return {own, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor all_gather_rows_with_grad(const at::Tensor& local, const std::vector<int64_t>& sizes, Group& group) {
  if (static_cast<int>(sizes.size()) != group.size() || local.size(0) != sizes[static_cast<size_t>(group.rank())])
    throw std::logic_error("all_gather_rows_with_grad: sizes do not match the ranks' rows");
  return AllGatherRows::apply(local, sizes, &group);
}

}  // namespace vgs::dist
