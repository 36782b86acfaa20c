// libFuzzer target: the safetensors header parser on arbitrary bytes. It must either accept the
// file or throw vgs::Error; an accepted header, laid out again by the writer, must parse back to
// the same tensors. Built by scripts/fuzz.sh (clang, ASan, UBSan; no LibTorch).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "vgs/core/error.h"
#include "vgs/io/safetensors_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vgs::io::SafetensorsHeader header;
  try {
    header = vgs::io::parse_safetensors_header(data, size, "fuzz");
  } catch (const vgs::Error&) {
    return 0;
  }
  // Round trip: the writer's layout of the same tensors is a valid file with the same entries.
  std::vector<vgs::io::SafetensorsEntry> entries = header.tensors;
  uint64_t data_size = size - header.data_start;
  std::string file = vgs::io::layout_safetensors(entries, header.metadata);
  file.append(data_size, '\0');
  vgs::io::SafetensorsHeader again =
      vgs::io::parse_safetensors_header(reinterpret_cast<const uint8_t*>(file.data()), file.size(), "round trip");
  if (again.tensors.size() != header.tensors.size() || again.metadata != header.metadata) std::abort();
  for (size_t k = 0; k < entries.size(); ++k) {
    const auto& a = again.tensors[k];
    const auto& b = entries[k];
    if (a.name != b.name || a.dtype != b.dtype || a.shape != b.shape || a.begin != b.begin || a.end != b.end) std::abort();
  }
  return 0;
}
