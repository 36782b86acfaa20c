// File helpers: atomic writes and whole-file reads with errors that name the file.
#include "vgs/core/fs.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "vgs/core/error.h"

namespace vgs::core {

namespace {
// fsync on a fresh descriptor; the errno of a failure, 0 on success. Folders are synced after a
// rename so that the rename itself survives a power cut.
int fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int error = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return error == EINVAL ? 0 : error;  // EINVAL: a file system that cannot sync (nothing to lose)
}

void sync_parent(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  fsync_path(parent.empty() ? "." : parent.string());
}
}  // namespace

std::string temp_path_for(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid());
}

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)), temp_(temp_path_for(path_)) {
  auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(path_ + ": cannot write: " + std::strerror(errno));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFileWriter::fail(const std::string& what, int error) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_.c_str());
  temp_.clear();
  throw Error(path_ + ": " + what + ": " + std::strerror(error));
}

void AtomicFileWriter::write(const void* data, size_t size) {
  if (fd_ < 0) throw std::logic_error("AtomicFileWriter: write after commit or failure");
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_, bytes, std::min<size_t>(size, size_t{1} << 30));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write failed after " + std::to_string(written_) + " bytes", errno);
    bytes += n;
    size -= static_cast<size_t>(n);
    written_ += n;
  }
}

namespace {
// Runs `verify` on the flushed file `from`, then renames it onto `to`; `from` is removed on failure.
void verify_and_rename(const std::string& from, const std::string& to,
                       const std::function<void(const std::string& temp)>& verify) {
  try {
    if (verify) verify(from);
  } catch (...) {
    ::unlink(from.c_str());
    throw;
  }
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    int error = errno;
    ::unlink(from.c_str());
    throw Error(to + ": cannot rename " + from + " into place: " + std::strerror(error));
  }
  sync_parent(to);
}
}  // namespace

void AtomicFileWriter::commit(const std::function<void(const std::string& temp)>& verify) {
  if (fd_ < 0) throw std::logic_error("AtomicFileWriter: commit twice");
  // Delayed allocation can report a full disk only here, so both are checked.
  if (::fsync(fd_) != 0 && errno != EINVAL) fail("cannot flush to disk", errno);
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) fail("cannot close", errno);
  verify_and_rename(std::exchange(temp_, std::string()), path_, verify);  // flushed already
}

void commit_file(const std::string& from, const std::string& to,
                 const std::function<void(const std::string& temp)>& verify) {
  if (int error = fsync_path(from); error != 0) {
    ::unlink(from.c_str());
    throw Error(to + ": cannot flush to disk: " + std::strerror(error));
  }
  verify_and_rename(from, to, verify);
}

void write_file_atomic(const std::string& path, const std::string& content) {
  AtomicFileWriter out(path);
  out.write(content);
  out.commit();
}

int64_t free_bytes(const std::string& path) {
  std::filesystem::path existing = path;
  std::error_code ec;
  while (!existing.empty() && !std::filesystem::exists(existing, ec)) existing = existing.parent_path();
  struct statvfs info{};
  if (::statvfs(existing.empty() ? "." : existing.c_str(), &info) != 0) return -1;
  return static_cast<int64_t>(info.f_bavail) * static_cast<int64_t>(info.f_frsize);
}

void reserve_space(const std::string& path, int64_t bytes, const std::string& label) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw Error(label + ": cannot open " + path + ": " + std::strerror(errno));
  int error = ::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, bytes) == 0 ? 0 : errno;
  ::close(fd);
  if (error == ENOSPC || error == EFBIG || error == EDQUOT)
    throw Error(label + ": cannot reserve " + std::to_string(bytes >> 20) + " MiB: " + std::strerror(error));
}

namespace {
int open_lock_file(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(path + ": cannot open the lock file (" + std::strerror(errno) + ")");
  return fd;
}

// The pid holding a lock on `fd`, or 0 when unknown.
int lock_holder(int fd) {
  struct flock holder {};
  holder.l_type = F_WRLCK;
  holder.l_whence = SEEK_SET;
  return ::fcntl(fd, F_GETLK, &holder) == 0 && holder.l_type != F_UNLCK ? holder.l_pid : 0;
}

bool try_lock(int fd, bool wait) {
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  while (::fcntl(fd, wait ? F_SETLKW : F_SETLK, &lock) != 0) {
    if (errno == EINTR) continue;
    if (errno == EACCES || errno == EAGAIN) return false;
    throw Error(std::string("cannot take a file lock: ") + std::strerror(errno));
  }
  return true;
}
}  // namespace

FileLock FileLock::take(const std::string& path, const std::string& what, const std::string& hint) {
  const int fd = open_lock_file(path);
  if (try_lock(fd, false)) return FileLock(fd);
  const int pid = lock_holder(fd);
  ::close(fd);
  throw Error(what + ": in use by " + (pid ? "process " + std::to_string(pid) : std::string("another process")) + hint);
}

FileLock FileLock::wait(const std::string& path, const std::function<void(int pid)>& on_wait) {
  const int fd = open_lock_file(path);
  if (!try_lock(fd, false)) {
    on_wait(lock_holder(fd));
    try_lock(fd, true);
  }
  return FileLock(fd);
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace vgs::core
