// File helpers: atomic writes (temp file + fsync + rename) so that an interrupted run never leaves a
// half-written config, checkpoint or result where a complete one is expected.
#pragma once

#include <string>

namespace vgs::core {

// Writes `content` to `path` atomically: a reader sees the old file or the new one, never a mix.
void write_file_atomic(const std::string& path, const std::string& content);

// Renames `from` onto `to` atomically after flushing `from` to disk.
void commit_file(const std::string& from, const std::string& to);

// The temporary name used next to `path` while writing it ("<path>.tmp.<pid>").
std::string temp_path_for(const std::string& path);

// The whole file as a string; vgs::Error naming the file when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace vgs::core
