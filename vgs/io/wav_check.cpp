// A structural check of RIFF/WAVE files: the data chunk must be as long as its header says.
#include "vgs/io/wav_check.h"

#include <cstdint>
#include <cstring>
#include <fstream>

namespace vgs::io {

namespace {
uint32_t little_endian_u32(const unsigned char* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
}  // namespace

std::string wav_damage(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const uint64_t file_size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  unsigned char riff[12];
  if (!in.read(reinterpret_cast<char*>(riff), 12)) return "";
  if (std::memcmp(riff, "RIFF", 4) != 0 || std::memcmp(riff + 8, "WAVE", 4) != 0) return "";
  uint64_t offset = 12;
  while (offset + 8 <= file_size) {
    unsigned char header[8];
    in.seekg(static_cast<std::streamoff>(offset));
    if (!in.read(reinterpret_cast<char*>(header), 8)) break;
    uint32_t size = little_endian_u32(header + 4);
    if (std::memcmp(header, "data", 4) == 0) {
      // Streaming writers leave 0 or 0xFFFFFFFF when the length is unknown: nothing to check.
      if (size == 0 || size == 0xFFFFFFFFu) return "";
      uint64_t available = file_size - offset - 8;
      if (size > available)
        return "truncated: the data chunk declares " + std::to_string(size) + " bytes but the file holds " +
               std::to_string(available);
      return "";
    }
    offset += 8 + size + (size & 1);  // chunks are padded to even sizes
  }
  return "no data chunk (truncated header?)";
}

}  // namespace vgs::io
