// The ZIP reader behind torch.save files: locates the (ZIP64) end record, walks the central
// directory, and checks every offset and size against the buffer before anything is read.
#include "vgs/io/zip_reader.h"

#include "vgs/core/error.h"
#include "vgs/core/strings.h"

namespace vgs::io {

namespace {

constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kEnd64Signature = 0x06064b50;
constexpr uint32_t kLocator64Signature = 0x07064b50;
constexpr size_t kEndSize = 22, kLocator64Size = 20, kEnd64Size = 56, kCentralSize = 46, kLocalSize = 30;

uint64_t le(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int k = bytes - 1; k >= 0; --k) v = (v << 8) | p[k];
  return v;
}
uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(le(p, 2)); }
uint32_t le32(const uint8_t* p) { return static_cast<uint32_t>(le(p, 4)); }
uint64_t le64(const uint8_t* p) { return le(p, 8); }

// Values too big for the classic fields (0xFFFFFFFF there) live in the ZIP64 extra field, in
// this order, each present only when its classic field is saturated.
void apply_zip64_extra(const uint8_t* extra, size_t extra_size, ZipEntry& entry, uint32_t size32, uint32_t csize32,
                       uint32_t offset32, const std::string& where) {
  bool need = size32 == 0xFFFFFFFF || csize32 == 0xFFFFFFFF || offset32 == 0xFFFFFFFF;
  size_t pos = 0;
  while (pos + 4 <= extra_size) {
    uint16_t id = le16(extra + pos), length = le16(extra + pos + 2);
    if (length > extra_size - pos - 4) throw Error(where + ": extra field runs past its entry");
    if (id == 0x0001) {
      const uint8_t* field = extra + pos + 4;
      size_t left = length;
      auto take = [&](uint64_t& value) {
        if (left < 8) throw Error(where + ": ZIP64 extra field too short");
        value = le64(field);
        field += 8;
        left -= 8;
      };
      if (size32 == 0xFFFFFFFF) take(entry.size);
      if (csize32 == 0xFFFFFFFF) take(entry.compressed_size);
      if (offset32 == 0xFFFFFFFF) take(entry.local_header);
      return;
    }
    pos += 4 + length;
  }
  if (need) throw Error(where + ": ZIP64 sizes without a ZIP64 extra field");
}

}  // namespace

bool looks_like_zip(const uint8_t* data, size_t size) { return size >= 4 && le32(data) == kLocalSignature; }

ZipReader::ZipReader(const uint8_t* data, size_t size, std::string source) : data_(data), size_(size), source_(std::move(source)) {
  if (size < kEndSize) throw Error(source_ + ": truncated zip archive (" + std::to_string(size) + " bytes)");
  // The end record is the last thing in the file, followed only by its comment (up to 64 KB).
  size_t lowest = size - kEndSize > 0xFFFF ? size - kEndSize - 0xFFFF : 0;
  size_t end = size - kEndSize;
  while (!(le32(data + end) == kEndSignature && end + kEndSize + le16(data + end + 20) == size)) {
    if (end == lowest)
      throw Error(source_ + ": truncated or damaged zip archive (no end-of-central-directory record)");
    --end;
  }
  const uint8_t* record = data + end;
  uint64_t disk = le16(record + 4), directory_disk = le16(record + 6);
  uint64_t count = le16(record + 10), directory_size = le32(record + 12), directory_offset = le32(record + 16);
  uint64_t directory_limit = end;  // the directory must end before the end record(s)
  if (end >= kLocator64Size && le32(record - kLocator64Size) == kLocator64Signature) {
    uint64_t end64 = le64(record - kLocator64Size + 8);
    directory_limit = end - kLocator64Size;
    if (end64 > directory_limit || directory_limit - end64 < kEnd64Size || le32(data + end64) != kEnd64Signature)
      throw Error(source_ + ": damaged zip archive (bad ZIP64 end record)");
    const uint8_t* record64 = data + end64;
    disk = le32(record64 + 16);
    directory_disk = le32(record64 + 20);
    count = le64(record64 + 32);
    directory_size = le64(record64 + 40);
    directory_offset = le64(record64 + 48);
    directory_limit = end64;
  } else if (count == 0xFFFF || directory_size == 0xFFFFFFFF || directory_offset == 0xFFFFFFFF) {
    throw Error(source_ + ": damaged zip archive (ZIP64 sizes without a ZIP64 end record)");
  }
  if (disk != 0 || directory_disk != 0) throw Error(source_ + ": multi-part zip archives are not supported");
  if (directory_offset > directory_limit || directory_size > directory_limit - directory_offset)
    throw Error(source_ + ": truncated or damaged zip archive (the central directory runs past the end)");
  if (count > directory_size / kCentralSize)
    throw Error(source_ + ": damaged zip archive (" + std::to_string(count) + " entries cannot fit a central directory of " +
                std::to_string(directory_size) + " bytes)");
  read_directory(directory_offset, directory_size, count);
}

void ZipReader::read_directory(uint64_t offset, uint64_t size, uint64_t count) {
  const uint8_t* p = data_ + offset;
  const uint8_t* end = p + size;
  entries_.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    std::string where = source_ + ": zip directory entry " + std::to_string(i);
    if (static_cast<size_t>(end - p) < kCentralSize || le32(p) != kCentralSignature)
      throw Error(where + " is damaged (bad central directory)");
    size_t name_size = le16(p + 28), extra_size = le16(p + 30), comment_size = le16(p + 32);
    if (static_cast<size_t>(end - p) - kCentralSize < name_size + extra_size + comment_size)
      throw Error(where + " runs past the central directory");
    ZipEntry entry;
    entry.flags = le16(p + 8);
    entry.method = le16(p + 10);
    uint32_t csize32 = le32(p + 20), size32 = le32(p + 24), offset32 = le32(p + 42);
    entry.compressed_size = csize32;
    entry.size = size32;
    entry.local_header = offset32;
    entry.name.assign(reinterpret_cast<const char*>(p + kCentralSize), name_size);
    where = source_ + ": zip entry '" + core::printable(entry.name) + "'";
    apply_zip64_extra(p + kCentralSize + name_size, extra_size, entry, size32, csize32, offset32, where);
    if (entry.method == 0 && entry.size != entry.compressed_size)
      throw Error(where + " is stored but its sizes differ (" + std::to_string(entry.size) + " vs " +
                  std::to_string(entry.compressed_size) + ")");
    if (entry.local_header >= offset) throw Error(where + " starts past the data (bad offset)");
    if (!index_.emplace(entry.name, entries_.size()).second) throw Error(where + " appears twice in the archive");
    entries_.push_back(std::move(entry));
    p += kCentralSize + name_size + extra_size + comment_size;
  }
}

const ZipEntry* ZipReader::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

const uint8_t* ZipReader::contents(const ZipEntry& entry) const {
  std::string where = source_ + ": zip entry '" + core::printable(entry.name) + "'";
  if (entry.flags & 1) throw Error(where + " is encrypted");
  if (entry.method != 0)
    throw Error(where + " is compressed (method " + std::to_string(entry.method) +
                "); torch.save stores entries uncompressed, so re-save the file with torch.save");
  uint64_t local = entry.local_header;
  if (local > size_ || size_ - local < kLocalSize || le32(data_ + local) != kLocalSignature)
    throw Error(where + " has a damaged local header");
  uint64_t start = local + kLocalSize + le16(data_ + local + 26) + le16(data_ + local + 28);
  if (start > size_ || entry.size > size_ - start)
    throw Error(where + " runs past the end of the archive (" + std::to_string(entry.size) + " bytes at offset " +
                std::to_string(start) + ", file has " + std::to_string(size_) + "; truncated?)");
  return data_ + start;
}

}  // namespace vgs::io
