// File helpers: atomic writes (temp file + fsync + rename) so that an interrupted run never leaves a
// half-written config, checkpoint or result where a complete one is expected, and a full disk is
// an error naming the file rather than a truncated file renamed into place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace vgs::core {

// Writes one file through "<path>.tmp.<pid>": every write, the fsync and the close are checked, and
// commit() renames the temporary file into place. A writer destroyed before commit() (an error on
// the way) removes its temporary file, so a failed write leaves neither a partial file nor litter.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);  // creates missing parent folders
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // vgs::Error naming the file and the reason (e.g. "No space left on device").
  void write(const void* data, size_t size);
  void write(const std::string& bytes) { write(bytes.data(), bytes.size()); }
  int64_t bytes_written() const { return written_; }
  // Flushes to disk, runs `verify` on the finished temporary file (it throws when the file is not
  // whole) and renames into place; vgs::Error (and no new file at `path`) on failure.
  void commit(const std::function<void(const std::string& temp)>& verify = {});

 private:
  [[noreturn]] void fail(const std::string& what, int error);
  std::string path_, temp_;
  int fd_ = -1;
  int64_t written_ = 0;
};

// Writes `content` to `path` atomically: a reader sees the old file or the new one, never a mix.
void write_file_atomic(const std::string& path, const std::string& content);

// Renames `from` onto `to` atomically after flushing `from` to disk and running `verify` on it;
// when either fails, `from` is removed and vgs::Error names `to`.
void commit_file(const std::string& from, const std::string& to,
                 const std::function<void(const std::string& temp)>& verify = {});

// The temporary name used next to `path` while writing it ("<path>.tmp.<pid>").
std::string temp_path_for(const std::string& path);

// Bytes free for an unprivileged writer on the file system holding `path` (or its nearest existing
// parent); -1 when that cannot be found out.
int64_t free_bytes(const std::string& path);

// Reserves disk blocks for `bytes` more of the existing file `path` without changing its size, so
// that later writes into them cannot fail for want of space (for libraries that do not survive a
// failed write). vgs::Error naming `label` when the space is not there; nothing where the file
// system cannot reserve.
void reserve_space(const std::string& path, int64_t bytes, const std::string& label);

// An exclusive fcntl lock on `path` (created if missing), released when the object goes or its
// process ends: a killed holder never leaves a stale lock.
class FileLock {
 public:
  // Takes the lock without waiting: vgs::Error "<what>: in use by process N<hint>" when another
  // process has it.
  static FileLock take(const std::string& path, const std::string& what, const std::string& hint = "");
  // Waits for the lock, calling `on_wait(holder pid)` once first when another process has it.
  static FileLock wait(const std::string& path, const std::function<void(int pid)>& on_wait);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// The whole file as a string; vgs::Error naming the file when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace vgs::core
