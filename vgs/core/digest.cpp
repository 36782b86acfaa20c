// Content digests (64-bit FNV-1a) of strings and files.
#include "vgs/core/digest.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include "vgs/core/error.h"

namespace vgs::core {

uint64_t fnv1a64(std::string_view bytes, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string digest_hex(uint64_t digest) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(digest));
  return buffer;
}

std::string file_digest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read: " + std::strerror(errno));
  std::vector<char> chunk(1 << 20);
  uint64_t h = 0xcbf29ce484222325ULL;
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    h = fnv1a64(std::string_view(chunk.data(), static_cast<size_t>(in.gcount())), h);
  }
  return digest_hex(h);
}

}  // namespace vgs::core
