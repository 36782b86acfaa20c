// libFuzzer target: the restricted unpickler on arbitrary bytes (a torch.save data.pkl). It must
// return plain tensor records that fit their storages, or throw vgs::Error; never crash, leak, run
// past the buffer or loop. Built by scripts/fuzz.sh (clang, ASan, UBSan; no LibTorch).
#include <cstdint>
#include <cstdlib>

#include "vgs/core/error.h"
#include "vgs/io/pickle_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    vgs::io::PickledCheckpoint checkpoint = vgs::io::read_torch_pickle(data, size, "fuzz");
    // Invariants the torch side relies on: every tensor names a storage and stays inside it.
    for (const auto& t : checkpoint.tensors) {
      if (t.storage >= checkpoint.storages.size() || t.shape.size() != t.stride.size() || t.offset < 0) std::abort();
      int64_t last = t.offset;
      bool empty = false;
      for (size_t d = 0; d < t.shape.size(); ++d) {
        if (t.shape[d] == 0) empty = true;
        else last += (t.shape[d] - 1) * t.stride[d];
      }
      if (!empty && last >= checkpoint.storages[t.storage].numel) std::abort();
    }
  } catch (const vgs::Error&) {
  }
  return 0;
}
