// The c10d process group (see group.h). NCCL is built when LibTorch has CUDA (nccl_backend.cpp).
#include "vgs/dist/group.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <ATen/ATen.h>

#include "vgs/core/error.h"
#include "vgs/core/log.h"
#include "vgs/dist/nccl_backend.h"

namespace vgs::dist {

struct Group::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> backend;
};

namespace {

// The first line of a c10d error (the rest is a C++ stack).
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

c10::intrusive_ptr<c10d::Store> rendezvous(const WorldInfo& w, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<uint16_t>(w.master_port);
  options.isServer = w.rank == 0;
  options.numWorkers = static_cast<size_t>(w.size);
  options.waitWorkers = true;
  options.timeout = timeout;
  try {
    return c10::make_intrusive<c10d::TCPStore>(w.master_addr, options);
  } catch (const std::exception& e) {
    throw Error("rank " + std::to_string(w.rank) + ": cannot meet the other " + std::to_string(w.size - 1) +
                " ranks at " + w.master_addr + ":" + std::to_string(w.master_port) + " within " +
                std::to_string(timeout.count() / 1000) + " s: " + first_line(e.what()));
  }
}

c10::intrusive_ptr<c10d::Backend> gloo(const c10::intrusive_ptr<c10d::Store>& store, const WorldInfo& w,
                                       std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  // Loopback for a job on one host (no name resolution needed), the host's address otherwise.
  options->devices.push_back(w.master_addr == "127.0.0.1" || w.master_addr == "localhost"
                                 ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                 : c10d::ProcessGroupGloo::createDefaultDevice());
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, w.rank, w.size, options);
}

}  // namespace

Group::Group(const WorldInfo& world, const c10::Device& device, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()), world_(world), device_(device) {
  impl_->store = c10::make_intrusive<c10d::PrefixStore>("vgs", rendezvous(world, timeout));
  try {
    impl_->backend = device.is_cuda() ? make_nccl_backend(impl_->store, world.rank, world.size, timeout)
                                      : gloo(impl_->store, world, timeout);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("rank " + std::to_string(world.rank) + ": cannot set up " + (device.is_cuda() ? "NCCL" : "Gloo") +
                ": " + first_line(e.what()));
  }
  log::info("[dist] rank ", world.rank, " of ", world.size, " (", world.source, ", ", device.is_cuda() ? "NCCL" : "Gloo",
            " on ", device.str(), ")");
}

Group::~Group() = default;

namespace {
// Waits for a collective; a dead or silent peer becomes one line naming this rank.
void wait(const c10::intrusive_ptr<c10d::Work>& work, int rank, const char* what) {
  try {
    work->wait();
  } catch (const std::exception& e) {
    throw Error("rank " + std::to_string(rank) + ": " + what + " failed: another rank ended or stopped answering (" +
                first_line(e.what()) + ")");
  }
}
}  // namespace

void Group::all_reduce_sum_(at::Tensor& tensor) {
  std::vector<at::Tensor> tensors{tensor};
  wait(impl_->backend->allreduce(tensors), rank(), "all-reduce");
}

void Group::broadcast_(at::Tensor& tensor, int root) {
  std::vector<at::Tensor> tensors{tensor};
  c10d::BroadcastOptions options;
  options.rootRank = root;
  wait(impl_->backend->broadcast(tensors, options), rank(), "broadcast");
}

at::Tensor Group::all_gather(const at::Tensor& tensor) {
  at::Tensor input = tensor.contiguous();
  std::vector<at::Tensor> inputs{input};
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (int r = 0; r < size(); ++r) outputs[0].push_back(at::empty_like(input));
  wait(impl_->backend->allgather(outputs, inputs), rank(), "all-gather");
  return at::stack(outputs[0]);
}

void Group::barrier() {
  // A barrier is an all-reduce of one number: the same failure handling, and NCCL needs no device hint.
  at::Tensor one = at::ones({1}, at::TensorOptions().device(device_));
  all_reduce_sum_(one);
}

bool Group::any(bool flag) {
  at::Tensor value = at::full({1}, flag ? 1.0f : 0.0f, at::TensorOptions().device(device_));
  all_reduce_sum_(value);
  return value.item<float>() > 0;
}

double Group::mean(double value) {
  at::Tensor t = at::full({1}, value, at::TensorOptions().dtype(at::kDouble).device(device_));
  all_reduce_sum_(t);
  return t.item<double>() / size();
}

void Group::main_first(const std::string& name, const std::function<void()>& work) {
  const std::string key = "main_first/" + name;
  if (is_main()) {
    try {
      work();
    } catch (const std::exception& e) {
      impl_->store->set(key, std::string("failed: ") + e.what());
      throw;
    }
    impl_->store->set(key, std::string("done"));
    return;
  }
  try {
    impl_->store->wait({key}, std::chrono::hours(24 * 7));
  } catch (const std::exception& e) {
    throw Error("rank " + std::to_string(rank()) + ": lost rank 0 while it prepared the " + name + " (" + first_line(e.what()) + ")");
  }
  const std::vector<uint8_t> value = impl_->store->get(key);
  const std::string status(value.begin(), value.end());
  if (status != "done") throw Error("rank " + std::to_string(rank()) + ": rank 0 " + status.substr(0, status.find('\n')));
  work();
}

}  // namespace vgs::dist
