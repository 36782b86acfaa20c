// Phrase alignment of word groupings: tIoU, F1 and the two baselines (see phrase_alignment.h).
#include "vgs/metrics/phrase_alignment.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_set>

#include "vgs/core/error.h"
#include "vgs/core/log.h"

namespace vgs::metrics {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

void require(bool ok, const std::string& message) {
  if (!ok) throw Error("phrase alignment: " + message);
}

double ratio(double a, int64_t b) { return b > 0 ? a / static_cast<double>(b) : nan; }

std::set<int64_t> checked_phrase(const std::vector<int64_t>& phrase, int64_t words, size_t index) {
  std::set<int64_t> set(phrase.begin(), phrase.end());
  require(!phrase.empty() && set.size() == phrase.size() && *set.begin() >= 0 && *set.rbegin() < words,
          log::cat("phrase ", index, " must be distinct word indices in 0..", words - 1, ", got ", log::cat(phrase.size()),
                   " indices ", phrase.empty() ? std::string("(none)") : log::cat(*set.begin(), "..", *set.rbegin())));
  return set;
}

double iou(const std::set<int64_t>& a, const std::set<int64_t>& b) {
  std::vector<int64_t> both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
  const auto common = static_cast<double>(both.size());
  return common / (static_cast<double>(a.size() + b.size()) - common);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Closed-class words of English captions. Determiners (and numerals of one to ten, which open noun
// phrases as determiners do: "two dogs").
const std::unordered_set<std::string>& determiners() {
  static const std::unordered_set<std::string> words{
      "a", "an", "the", "this", "that", "these", "those", "his", "her", "its", "their", "my", "your", "our",
      "some", "several", "many", "few", "each", "every", "another", "other", "one", "two", "three", "four",
      "five", "six", "seven", "eight", "nine", "ten"};
  return words;
}

// Words that end a chunk: prepositions, conjunctions, auxiliaries and the verbs most frequent in
// image captions (COCO, Flickr30K), and punctuation.
const std::unordered_set<std::string>& boundaries() {
  static const std::unordered_set<std::string> words{
      // prepositions
      "in", "on", "at", "of", "with", "by", "for", "from", "to", "into", "onto", "over", "under", "near", "behind",
      "beside", "between", "through", "across", "along", "around", "above", "below", "down", "up", "inside",
      "outside", "next", "while", "during", "towards", "toward", "against", "past", "off", "out", "like", "as",
      // conjunctions
      "and", "or", "but",
      // auxiliaries and copulas
      "is", "are", "was", "were", "be", "being", "been", "has", "have", "had", "does", "do", "can",
      // frequent caption verbs
      "sitting", "standing", "riding", "holding", "walking", "playing", "wearing", "looking", "running", "eating",
      "laying", "lying", "flying", "carrying", "jumping", "waiting", "watching", "talking", "parked", "sits",
      "stands", "rides", "holds", "walks", "plays", "wears", "looks", "runs", "eats", "lays", "flies", "carries",
      "jumps", "waits", "watches", "covered", "filled", "topped", "made", "shown", "surrounded", "doing",
      "taking", "using", "making", "getting", "going", "working", "swimming", "skiing", "surfing", "posing",
      // punctuation
      ",", ".", ";", ":", "!", "?"};
  return words;
}

}  // namespace

std::vector<std::vector<int64_t>> token_groups(const at::Tensor& hard_assignment) {
  require(hard_assignment.defined() && hard_assignment.dim() == 3,
          "the hard assignment must be [B, K, L], got " +
              (hard_assignment.defined() ? log::cat(hard_assignment.sizes()) : std::string("undefined")));
  at::Tensor a = hard_assignment.detach().to(at::kCPU, at::kFloat);
  at::Tensor group = a.argmax(1), any = a.amax(1) > 0.5;  // [B, L]
  group = at::where(any, group, at::full_like(group, -1)).contiguous();
  std::vector<std::vector<int64_t>> rows;
  for (int64_t b = 0; b < group.size(0); ++b) {
    const int64_t* p = group[b].data_ptr<int64_t>();
    rows.emplace_back(p, p + group.size(1));
  }
  return rows;
}

WordGroups word_groups(const std::vector<int64_t>& token_groups, const std::vector<int64_t>& token_words, int64_t words) {
  require(token_groups.size() == token_words.size(),
          log::cat(token_groups.size(), " token groups for ", token_words.size(), " token words"));
  std::vector<std::map<int64_t, int64_t>> votes(static_cast<size_t>(std::max<int64_t>(words, 0)));
  for (size_t t = 0; t < token_words.size(); ++t) {
    const int64_t w = token_words[t];
    require(w >= -1 && w < words, log::cat("token ", t, " names word ", w, " of a caption of ", words, " words"));
    if (w >= 0 && token_groups[t] >= 0) ++votes[static_cast<size_t>(w)][token_groups[t]];
  }
  WordGroups out(votes.size(), -1);
  for (size_t w = 0; w < votes.size(); ++w) {
    int64_t best = 0;
    for (const auto& [group, count] : votes[w])  // ascending groups: a tie keeps the lower one
      if (count > best) std::tie(best, out[w]) = std::make_tuple(count, group);
  }
  return out;
}

void PhraseAlignment::add(const PhraseAlignment& o) {
  phrases += o.phrases;
  best_iou_sum += o.best_iou_sum;
  groups += o.groups;
  unjudged_groups += o.unjudged_groups;
  matches += o.matches;
}

double PhraseAlignment::tiou() const { return ratio(best_iou_sum, phrases); }
double PhraseAlignment::precision() const { return ratio(static_cast<double>(matches), groups); }
double PhraseAlignment::recall() const { return ratio(static_cast<double>(matches), phrases); }
double PhraseAlignment::f1() const {
  const double p = precision(), r = recall();
  if (std::isnan(p) || std::isnan(r)) return nan;
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

PhraseAlignment align_phrases(const WordGroups& groups, const Phrases& phrases) {
  const auto words = static_cast<int64_t>(groups.size());
  std::vector<std::set<int64_t>> gold;
  std::set<int64_t> gold_words;
  for (size_t j = 0; j < phrases.size(); ++j) {
    gold.push_back(checked_phrase(phrases[j], words, j));
    gold_words.insert(gold.back().begin(), gold.back().end());
  }
  std::map<int64_t, std::set<int64_t>> by_group;  // non-empty groups only
  for (int64_t w = 0; w < words; ++w)
    if (groups[static_cast<size_t>(w)] >= 0) by_group[groups[static_cast<size_t>(w)]].insert(w);
  std::vector<std::set<int64_t>> predicted;
  PhraseAlignment out;
  out.phrases = static_cast<int64_t>(gold.size());
  for (const auto& [group, set] : by_group) {
    const bool judged = std::any_of(set.begin(), set.end(), [&](int64_t w) { return gold_words.count(w) > 0; });
    if (judged) predicted.push_back(set);
    ++(judged ? out.groups : out.unjudged_groups);
  }
  // Candidate pairs, best IoU first (ties: phrase order, then group order), taken one-to-one.
  std::vector<std::tuple<double, size_t, size_t>> pairs;
  for (size_t j = 0; j < gold.size(); ++j) {
    double best = 0;
    for (size_t g = 0; g < predicted.size(); ++g) {
      const double v = iou(gold[j], predicted[g]);
      best = std::max(best, v);
      if (v >= 0.5) pairs.emplace_back(-v, j, g);
    }
    out.best_iou_sum += best;
  }
  std::sort(pairs.begin(), pairs.end());
  std::vector<bool> phrase_used(gold.size()), group_used(predicted.size());
  for (const auto& [v, j, g] : pairs) {
    if (phrase_used[j] || group_used[g]) continue;
    phrase_used[j] = group_used[g] = true;
    ++out.matches;
  }
  return out;
}

WordGroups equal_split_groups(int64_t words, int64_t groups) {
  require(groups >= 1, log::cat("the equal split needs at least one group, got ", groups));
  WordGroups out;
  for (int64_t i = 0; i < words; ++i) out.push_back(i * groups / words);
  return out;
}

WordGroups noun_chunk_groups(const std::vector<std::string>& words) {
  WordGroups out;
  int64_t next = 0;                     // groups opened so far
  bool in_boundary_run = false, content_open = false, has_content = false;
  for (const std::string& raw : words) {
    const std::string w = lower(raw);
    if (boundaries().count(w)) {
      if (!in_boundary_run) ++next;  // a new boundary run
      in_boundary_run = true;
      content_open = false;
    } else {
      // A new chunk: after a boundary run or at the start, or at a determiner that follows content
      // ("the two dogs" stays one chunk, "a man a dog" is two).
      const bool determiner = determiners().count(w) > 0;
      if (!content_open || (determiner && has_content)) {
        ++next;
        has_content = false;
      }
      has_content = has_content || !determiner;
      in_boundary_run = false;
      content_open = true;
    }
    out.push_back(next - 1);
  }
  return out;
}

}  // namespace vgs::metrics
