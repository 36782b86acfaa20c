// Building blocks for Schema checks (Schema::add_check): rules across keys that every program runs
// when it loads a recipe. Each error is one line that starts where the key at fault was set:
// "r.yaml:4: train.min_lr: expected at most train.lr (0.0002, from r.yaml:3), got 0.001".
#pragma once

#include <string>

#include "vgs/core/config.h"

namespace vgs::core {

// The start of an error about `key`: "r.yaml:4: train.lr", "--set: train.lr" or "default: train.lr".
std::string where(const Config& config, const std::string& key);

// Where a value came from, for the other key of a cross-key error: "from r.yaml:3", "from --set",
// "the default".
std::string origin(const Config& config, const std::string& key);

enum class Order { less, at_most };

// Checks config[low] < config[high] (Order::less) or <= (Order::at_most); both are number keys
// (int or float). The error blames the key set last (--set over a recipe over a default), since
// that is the one the user just changed, and names the other with its value and origin.
void check_order(const Config& config, const std::string& low, const std::string& high, Order order);

// Checks that the list at `key` has `size` values; `what` says what they are ("R, G, B").
void check_list_size(const Config& config, const std::string& key, size_t size, const std::string& what);

}  // namespace vgs::core
