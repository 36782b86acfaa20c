// Shared by the text grouping tests (tests/models, tests/losses, tests/train): a small model
// configuration and a batch of token ids laid out as CLIP's tokenizer writes them.
#pragma once

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "vgs/models/text_grouping.h"

namespace vgs::test {

// vocab 40, width 32, 4 heads, K = 3, 2 + 1 layers, embed_dim 16, max_len 12.
inline models::TextGroupingConfig small_text_grouping(double dropout = 0.0) {
  models::TextGroupingConfig c;
  c.vocab_size = 40;
  c.width = 32;
  c.heads = 4;
  c.max_len = 12;
  c.groups = 3;
  c.encoder_layers = 2;
  c.group_layers = 1;
  c.embed_dim = 16;
  c.dropout = dropout;
  return c;
}

struct TokenBatch {
  at::Tensor ids;   // [B, L] int64: SOT (vocab - 2), words 1..vocab - 3, EOT (vocab - 1), padding 0
  at::Tensor keep;  // [B, L] bool
};

// One caption per entry of `lengths` (SOT and EOT included, each at most L), word ids drawn from a
// generator seeded with `seed`.
inline TokenBatch token_batch(const std::vector<int64_t>& lengths, int64_t L, int64_t vocab, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto B = static_cast<int64_t>(lengths.size());
  TokenBatch batch;
  batch.ids = torch::zeros({B, L}, torch::kLong);
  batch.keep = torch::zeros({B, L}, torch::kBool);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = lengths[static_cast<size_t>(b)];
    batch.ids[b].narrow(0, 1, n - 2).copy_(at::randint(1, vocab - 2, {n - 2}, gen, torch::kLong));
    batch.ids[b][0] = vocab - 2;
    batch.ids[b][n - 1] = vocab - 1;
    batch.keep[b].narrow(0, 0, n).fill_(true);
  }
  return batch;
}

}  // namespace vgs::test
