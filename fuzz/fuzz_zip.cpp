// libFuzzer target: the zip reader on arbitrary bytes, then the unpickler on any data.pkl found,
// as read_checkpoint does with a torch.save file. Built by scripts/fuzz.sh (no LibTorch).
#include <cstdint>
#include <cstdlib>

#include "vgs/core/error.h"
#include "vgs/io/pickle_reader.h"
#include "vgs/io/zip_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    vgs::io::ZipReader zip(data, size, "fuzz");
    for (const auto& entry : zip.entries()) {
      const uint8_t* contents = zip.contents(entry);
      if (contents < data || contents + entry.size > data + size) std::abort();
      if (entry.name.size() >= 9 && entry.name.compare(entry.name.size() - 9, 9, "/data.pkl") == 0)
        vgs::io::read_torch_pickle(contents, entry.size, "fuzz");
    }
  } catch (const vgs::Error&) {
  }
  return 0;
}
