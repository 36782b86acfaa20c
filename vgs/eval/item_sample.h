// The seeded per-key sample of items that vgs-eval's translation and geometry protocols and
// vgs-analyze draw (so that one seed picks the same items in both).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "vgs/core/digest.h"
#include "vgs/core/random.h"

namespace vgs::eval {

// Up to `k` items per key, drawn without replacement by a seeded shuffle of the id-sorted items, so
// that the sample does not depend on manifest order; keys in sorted order.
template <typename Item, typename Key>
std::vector<const Item*> sample_per_key(const std::vector<Item>& items, Key key, int64_t k, uint64_t seed) {
  std::map<std::string, std::vector<const Item*>> by_key;
  for (const auto& item : items) by_key[key(item)].push_back(&item);
  std::vector<const Item*> out;
  for (auto& [name, group] : by_key) {
    std::sort(group.begin(), group.end(), [](const Item* a, const Item* b) { return a->id < b->id; });
    std::mt19937_64 rng(core::mix_seed({seed, core::fnv1a64(name)}));  // portable, unlike std::hash
    for (size_t i = group.size(); i > 1; --i) std::swap(group[i - 1], group[core::uniform_index(rng, i)]);
    group.resize(std::min<size_t>(group.size(), static_cast<size_t>(k)));
    out.insert(out.end(), group.begin(), group.end());
  }
  return out;
}

}  // namespace vgs::eval
