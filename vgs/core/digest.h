// Content digests (64-bit FNV-1a, hex) used to record which weights or manifest produced a cached
// feature file, so a stale cache is detected instead of silently reused.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vgs::core {

uint64_t fnv1a64(std::string_view bytes, uint64_t seed = 0xcbf29ce484222325ULL);
std::string digest_hex(uint64_t digest);  // 16 lower-case hex digits
// Digest of a file's bytes; vgs::Error naming the file when it cannot be read.
std::string file_digest(const std::string& path);

}  // namespace vgs::core
