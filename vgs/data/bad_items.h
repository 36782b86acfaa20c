// The on_bad_item policy of datasets: with `error` a missing or corrupt file stops the run with a
// message naming it; with `skip` the item is left out, counted, and reported at the end, so one bad
// file among a million does not cost a 10-hour run.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "vgs/core/choices.h"
#include "vgs/core/error.h"

namespace vgs::data {

enum class BadItemPolicy { error, skip };
const core::Choices<BadItemPolicy>& bad_item_policies();  // error, skip

class BadItems {
 public:
  explicit BadItems(BadItemPolicy policy) : policy_(policy) {}

  // Runs `load()`. A vgs::Error from it is rethrown under `error` (prefixed with the item id) and
  // counted under `skip`, returning nothing. Thread-safe.
  template <typename Load>
  auto guard(const std::string& id, Load&& load) -> std::optional<decltype(load())> {
    try {
      return load();
    } catch (const Error& e) {
      if (policy_ == BadItemPolicy::error) throw Error("item '" + id + "': " + e.what());
      record(id, e.what());
      return std::nullopt;
    }
  }

  int64_t skipped() const;
  std::vector<std::string> reasons() const;  // "id: reason", at most the first 10
  // Logs a one-line summary when anything was skipped ("[data] skipped 3 bad items; first: ...").
  void report(const std::string& what = "items") const;

 private:
  void record(const std::string& id, const std::string& reason);
  BadItemPolicy policy_;
  mutable std::mutex mutex_;
  int64_t skipped_ = 0;
  std::vector<std::string> reasons_;
};

}  // namespace vgs::data
