// CRC32C (Castagnoli), the checksum of TFRecord framing (TensorBoard event files), and its "masked"
// form, which TFRecord stores so that a CRC of data that itself holds CRCs stays well distributed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vgs::io {

// Extends `crc` (the CRC32C of the bytes before) over `size` more bytes; crc32c_extend(0, ...) starts.
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size);

// CRC32C of `data` (crc32c("123456789") == 0xE3069283).
uint32_t crc32c(std::string_view data);

// TFRecord's mask: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
uint32_t mask_crc32c(uint32_t crc);

// mask_crc32c(crc32c(data)).
uint32_t masked_crc32c(std::string_view data);

}  // namespace vgs::io
