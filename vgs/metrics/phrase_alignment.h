// How well a caption's groups match its gold groundable phrases (Flickr30K Entities): tIoU and F1 of
// word-level groupings (docs/evaluation.md, "Phrase alignment", defines them), the conversion of a
// model's token-level hard assignment into a word-level grouping, and two baselines that group words
// without a model (K equal contiguous chunks, a closed-class-word noun-chunk splitter).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vgs::metrics {

// A word-level grouping: the group of each word of a caption, -1 for a word in no group.
using WordGroups = std::vector<int64_t>;
// Gold phrases: each a set of word indices (0-based, distinct, in range; order does not matter).
using Phrases = std::vector<std::vector<int64_t>>;

// The group of every token from a hard assignment [B, K, L] (one-hot columns; an all-zero column,
// padding, gives -1) -> B rows of L groups. vgs::Error for a tensor that is not [B, K, L].
std::vector<std::vector<int64_t>> token_groups(const at::Tensor& hard_assignment);

// Word groups from token groups: token_words[t] is the word of token t (-1: no word, as SOT, EOT and
// padding), word w's group is the group most of its tokens fall in, the lower group on a tie (-1 when
// none of its tokens is grouped). vgs::Error for token_words and token_groups of different lengths or
// a word index outside 0..words-1.
WordGroups word_groups(const std::vector<int64_t>& token_groups, const std::vector<int64_t>& token_words, int64_t words);

// Counts over captions, added up over a corpus; the figures are micro-averages over all its phrases
// and groups.
struct PhraseAlignment {
  int64_t phrases = 0;          // gold phrases
  double best_iou_sum = 0;      // over gold phrases: the best IoU with any predicted group
  int64_t groups = 0;           // judged predicted groups: non-empty, sharing a word with some gold phrase
  int64_t unjudged_groups = 0;  // non-empty predicted groups sharing no word with any gold phrase
  int64_t matches = 0;          // one-to-one (group, phrase) pairs with IoU >= 0.5

  void add(const PhraseAlignment& other);
  double tiou() const;       // best_iou_sum / phrases (NaN without phrases)
  double precision() const;  // matches / groups (NaN without judged groups)
  double recall() const;     // matches / phrases (NaN without phrases)
  double f1() const;         // 2 P R / (P + R); 0 when P + R = 0; NaN when either is NaN
};

// One caption: groups = word sets of the non-empty groups of `groups` (a word in group -1 is in none).
// Matching: pairs (phrase, group) with IoU >= 0.5 taken greedily by IoU, then phrase, then group
// order, each phrase and group at most once. vgs::Error for a phrase that is empty, repeats a word or
// indexes past the caption's words.
PhraseAlignment align_phrases(const WordGroups& groups, const Phrases& phrases);

// Baseline: `words` words in K contiguous chunks of near-equal size (sizes differ by at most one,
// the longer ones first): word i goes to group floor(i K / words). With fewer words than K, K - words
// groups stay empty. vgs::Error for K < 1.
WordGroups equal_split_groups(int64_t words, int64_t groups);

// Baseline: noun chunks by closed-class words (lowercased; lists in phrase_alignment.cpp). Walking the
// words left to right: a boundary word (preposition, conjunction, a listed verb or auxiliary,
// punctuation) closes the open chunk and joins a run of boundary words, which is a chunk of its own;
// a determiner after a content word closes the open chunk and opens a new one (so "the two dogs" stays
// one chunk); any other word joins the open chunk (opening one at the start or after a boundary run). "a man in a red shirt is riding a bike" -> [a man] [in] [a red shirt]
// [is riding] [a bike]. Groups are numbered 0, 1, ... left to right.
WordGroups noun_chunk_groups(const std::vector<std::string>& words);

}  // namespace vgs::metrics
