// Real Gloo process groups of several ranks as threads of the test process, for tests of
// data-parallel code (tests/dist, tests/train).
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <stdexcept>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "vgs/dist/group.h"
#include "vgs/dist/world.h"

namespace vgs::test {

// Catch2's CHECK and INFO are not thread-safe: inside a rank's body, a check throws instead, and
// on_ranks reports it, naming the rank, once every thread has joined. (A rank that throws leaves the
// others waiting in their next collective until the group's timeout.)
inline void expect_on_rank(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("expected " + what);
}

// Runs body(group) on `ranks` threads, one Gloo rank each, on a fresh port; an exception on a rank is
// a failed check naming the rank.
inline void on_ranks(int ranks, const std::function<void(dist::Group&)>& body) {
  const int port = dist::free_port();
  std::vector<std::thread> threads;
  std::vector<std::string> errors(static_cast<size_t>(ranks));
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      try {
        dist::WorldInfo w;
        w.rank = r, w.size = ranks, w.local_rank = r, w.master_port = port;
        dist::Group group(w, c10::Device(c10::kCPU), std::chrono::seconds(30));
        body(group);
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(r)] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (int r = 0; r < ranks; ++r) {
    INFO("rank " << r);
    CHECK(errors[static_cast<size_t>(r)] == "");
  }
}

}  // namespace vgs::test
