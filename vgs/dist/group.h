// A data-parallel process group over PyTorch's c10d: a TCPStore rendezvous at the master, then Gloo
// for CPU tensors or NCCL for CUDA ones. The collectives the trainer needs, each of which turns a
// failure (a rank that ended, or one silent past the timeout) into a vgs::Error naming this rank.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <chrono>
#include <functional>
#include <string>
#include <memory>
#include <vector>

#include "vgs/dist/world.h"

namespace vgs::dist {

class Group {
 public:
  // Connects to every rank of `world` (rank 0 hosts the store); tensors live on `device` (CUDA:
  // NCCL, else Gloo). vgs::Error when the others do not arrive within `timeout`.
  Group(const WorldInfo& world, const c10::Device& device, std::chrono::milliseconds timeout);
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  int rank() const { return world_.rank; }
  int size() const { return world_.size; }
  int local_rank() const { return world_.local_rank; }
  bool is_main() const { return world_.rank == 0; }
  const c10::Device& device() const { return device_; }

  void all_reduce_sum_(at::Tensor& tensor);                 // in place, on every rank
  void broadcast_(at::Tensor& tensor, int root = 0);        // in place
  // Every rank's `tensor` (the same shape everywhere), stacked along a new first dimension.
  at::Tensor all_gather(const at::Tensor& tensor);
  void barrier();
  // True on every rank when `flag` is true on any (a stop signal that reached one rank).
  bool any(bool flag);
  // The mean over ranks of one number (the step's loss).
  double mean(double value);
  // Rank 0 runs `work` first, then the others (e.g. rank 0 extracts features, the others read them).
  // No collective timeout applies to the wait: extraction can take hours. When rank 0's work fails,
  // the others stop with an error saying so.
  void main_first(const std::string& name, const std::function<void()>& work);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  WorldInfo world_;
  c10::Device device_;
};

}  // namespace vgs::dist
