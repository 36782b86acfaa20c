// The on_bad_item policy: count and report skipped items.
#include "vgs/data/bad_items.h"

#include "vgs/core/log.h"

namespace vgs::data {

const core::Choices<BadItemPolicy>& bad_item_policies() {
  static const core::Choices<BadItemPolicy> choices{{BadItemPolicy::error, "error"}, {BadItemPolicy::skip, "skip"}};
  return choices;
}

void BadItems::record(const std::string& id, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++skipped_;
  if (reasons_.size() < 10) reasons_.push_back(id + ": " + reason);
  log::warn("[data] skipping item '", id, "': ", reason);
}

int64_t BadItems::skipped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return skipped_;
}

std::vector<std::string> BadItems::reasons() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reasons_;
}

void BadItems::report(const std::string& what) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (skipped_ == 0) return;
  log::warn("[data] skipped ", skipped_, " bad ", what, " (on_bad_item: skip); first: ", reasons_.front());
}

}  // namespace vgs::data
