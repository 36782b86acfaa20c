// Portable random draws. std::mt19937_64's output is fixed by the C++ standard but the standard
// distributions' are not, so everything that must be reproducible across machines and standard
// libraries (trial lists, the toy world, training samplers) draws through these.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <random>

namespace vgs::core {

// Uniform integer in [0, n), unbiased (rejection of the engine's top remainder); n > 0.
uint64_t uniform_index(std::mt19937_64& rng, uint64_t n);
// Uniform double in [lo, hi), from the top 53 bits of one draw.
double uniform_real(std::mt19937_64& rng, double lo, double hi);
// A well-mixed seed from several counters (splitmix64), so that (seed, epoch, step) addresses an
// independent stream: samplers need no saved state to resume or to split across ranks.
uint64_t mix_seed(std::initializer_list<uint64_t> parts);

}  // namespace vgs::core
