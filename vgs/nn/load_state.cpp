// Copying a state dict into a module with one complete error report.
#include "vgs/nn/load_state.h"

#include <torch/torch.h>

#include <sstream>
#include <vector>

#include "vgs/core/error.h"
#include "vgs/core/strings.h"

namespace vgs::nn {

namespace {
std::string shape_of(const at::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

// At most the first few names, so that a completely wrong file gives a readable line.
std::string listed(const std::vector<std::string>& names) {
  constexpr size_t kShown = 8;
  std::vector<std::string> shown(names.begin(), names.begin() + std::min(names.size(), kShown));
  std::string text = core::join(shown, ", ");
  if (names.size() > kShown) text += ", ... (" + std::to_string(names.size()) + " in all)";
  return "[" + text + "]";
}
}  // namespace

void load_state_dict(torch::nn::Module& module, const io::StateDict& tensors, const std::string& source,
                     const std::string& what, const LoadOptions& options) {
  torch::NoGradGuard no_grad;
  std::vector<std::string> missing, unexpected, mismatched;
  std::set<std::string> used;
  auto copy_into = [&](const std::string& name, at::Tensor& target) {
    auto it = tensors.find(name);
    if (it == tensors.end()) {
      if (!(options.optional && options.optional(name))) missing.push_back(name);
      return;
    }
    used.insert(name);
    if (it->second.sizes() != target.sizes()) {
      mismatched.push_back(name + ": file " + shape_of(it->second) + " vs model " + shape_of(target));
      return;
    }
    target.copy_(it->second.to(target.dtype()));
  };
  for (auto& item : module.named_parameters(/*recurse=*/true)) copy_into(item.key(), item.value());
  for (auto& item : module.named_buffers(/*recurse=*/true)) copy_into(item.key(), item.value());
  for (const auto& [name, tensor] : tensors)
    if (!used.count(name) && !(options.ignored && options.ignored(name))) unexpected.push_back(name);
  if (missing.empty() && unexpected.empty() && mismatched.empty()) return;
  std::vector<std::string> problems;
  if (!missing.empty()) problems.push_back("missing " + listed(missing));
  if (!unexpected.empty()) problems.push_back("unexpected " + listed(unexpected));
  if (!mismatched.empty()) problems.push_back("shape mismatch " + listed(mismatched));
  throw Error(source + ": weights do not match " + what + ": " + core::join(problems, "; "));
}

}  // namespace vgs::nn
