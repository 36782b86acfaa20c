// What every task shares: the item-weighted mean of batch losses (see task.h).
#include "vgs/train/task.h"

#include <torch/torch.h>

#include <cmath>

namespace vgs::train {

void ItemMean::add(const StepLoss& batch) {
  weighted_sum_ += batch.loss.total.item<double>() * static_cast<double>(batch.items);
  items_ += batch.items;
}

double ItemMean::value() const { return items_ > 0 ? weighted_sum_ / static_cast<double>(items_) : NAN; }

}  // namespace vgs::train
