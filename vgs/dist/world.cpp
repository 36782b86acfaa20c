// Ranks from the environment (see world.h).
#include "vgs/dist/world.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "vgs/core/error.h"

namespace vgs::dist {

namespace {

const char* variable(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

int integer_variable(const char* name, int minimum) {
  const char* text = variable(name);
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < minimum || value > (1 << 24))
    throw Error(std::string("environment: ") + name + "='" + text + "' is not an integer >= " + std::to_string(minimum));
  return static_cast<int>(value);
}

// The first of `names` that is set, or nullptr.
const char* first_set(std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (variable(name)) return name;
  return nullptr;
}

}  // namespace

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const int error = errno;
  if (fd >= 0) ::close(fd);
  if (!ok) throw Error(std::string("cannot find a free TCP port: ") + std::strerror(error));
  return ntohs(address.sin_port);
}

std::string first_host_of_nodelist(const std::string& nodelist) {
  const size_t bracket = nodelist.find('['), comma = nodelist.find(',');
  if (bracket == std::string::npos || (comma != std::string::npos && comma < bracket))
    return nodelist.substr(0, comma);
  // "prefix[03-05,9]": the prefix and the first number as written (leading zeros kept).
  const size_t end = nodelist.find_first_of("-,]", bracket + 1);
  return nodelist.substr(0, bracket) + nodelist.substr(bracket + 1, end - bracket - 1);
}

WorldInfo world_from_environment() {
  WorldInfo w;
  const bool torchrun = variable("WORLD_SIZE") != nullptr;
  const bool slurm = !torchrun && variable("SLURM_NTASKS") && variable("SLURM_PROCID");
  if (!torchrun && !slurm) return w;
  w.source = torchrun ? "torchrun variables" : "Slurm";
  w.size = integer_variable(torchrun ? "WORLD_SIZE" : "SLURM_NTASKS", 1);
  const char* rank = torchrun ? first_set({"RANK"}) : "SLURM_PROCID";
  if (!rank) throw Error("environment: WORLD_SIZE is set but RANK is not");
  w.rank = integer_variable(rank, 0);
  if (w.rank >= w.size)
    throw Error(std::string("environment: ") + rank + "=" + std::to_string(w.rank) + " is not below the world size " +
                std::to_string(w.size));
  if (const char* local = first_set(torchrun ? std::initializer_list<const char*>{"LOCAL_RANK"}
                                             : std::initializer_list<const char*>{"SLURM_LOCALID"}))
    w.local_rank = integer_variable(local, 0);
  if (const char* addr = variable("MASTER_ADDR")) w.master_addr = addr;
  else if (slurm && variable("SLURM_JOB_NODELIST")) w.master_addr = first_host_of_nodelist(variable("SLURM_JOB_NODELIST"));
  if (variable("MASTER_PORT")) w.master_port = integer_variable("MASTER_PORT", 1);
  else if (slurm && variable("SLURM_JOB_ID")) w.master_port = 20000 + integer_variable("SLURM_JOB_ID", 0) % 20000;
  return w;
}

}  // namespace vgs::dist
