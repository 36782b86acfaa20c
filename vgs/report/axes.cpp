// Tick steps and axes: the 1-2-5 search, exact decimal ticks, labels, and padded data axes.
#include "vgs/report/axes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "vgs/report/plot.h"

namespace vgs::report {

double Step::times(double k) const {
  double v = e >= 0 ? k * m * std::pow(10.0, e) : k * m / std::pow(10.0, -e);
  return v == 0 ? 0.0 : v;  // no -0
}

std::pair<double, double> widen_if_flat(double lo, double hi) {
  double magnitude = std::max({1.0, std::fabs(lo), std::fabs(hi)});
  if (hi - lo > 1e-12 * magnitude) return {lo, hi};
  double mid = (lo + hi) / 2;
  double half = mid == 0 ? 1.0 : std::fabs(mid) * 0.1;
  return {mid - half, mid + half};
}

namespace {

// Index range of the multiples of `step` inside [lo, hi] (a hair of tolerance for rounding).
std::pair<double, double> multiples_between(double lo, double hi, const Step& step) {
  return {std::ceil(lo / step.value() - 1e-9), std::floor(hi / step.value() + 1e-9)};
}

}  // namespace

Step nice_step(double lo, double hi, int max_ticks) {
  double rough = (hi - lo) / max_ticks;
  if (!std::isfinite(rough) || rough <= 0) return Step{1, 307};  // absurd ranges: no crash
  // Start a decade below the rough step (certainly too fine) and walk up 1, 2, 5, 10, 20, ...
  int decade = static_cast<int>(std::floor(std::log10(rough))) - 1;
  for (int e = decade; e < decade + 4; ++e)
    for (int m : {1, 2, 5}) {
      Step step{m, e};
      auto [first, last] = multiples_between(lo, hi, step);
      if (last - first + 1 <= max_ticks) return step;
    }
  return Step{1, decade + 4};  // not reached: ten times the rough step always fits
}

std::vector<double> ticks_with_step(double lo, double hi, const Step& step) {
  auto [first, last] = multiples_between(lo, hi, step);
  std::vector<double> ticks;
  for (double k = first; k <= last; ++k) ticks.push_back(step.times(k));
  return ticks;
}

std::string format_number(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  std::string s = buffer;
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);  // no "-0.0"
  return s;
}

std::string shortest(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

Axis axis_with_step(double lo, double hi, double scale, const Step& step) {
  Axis axis;
  axis.lo = lo;
  axis.hi = hi;
  double a = lo * scale, b = hi * scale;
  for (double t : ticks_with_step(std::min(a, b), std::max(a, b), step)) {
    axis.ticks.push_back(t / scale);
    axis.labels.push_back(format_number(t, step.decimals()));
  }
  return axis;
}

Step printed_step(double lo, double hi, double scale, int max_ticks) {
  double a = lo * scale, b = hi * scale;
  return nice_step(std::min(a, b), std::max(a, b), std::max(max_ticks, 2));
}

Axis padded_axis(double lo, double hi, double pad, int max_ticks, bool integer_steps) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;  // nothing to show: a clean empty axis
  std::tie(lo, hi) = widen_if_flat(lo, hi);
  double margin = pad * (hi - lo);
  lo -= margin, hi += margin;
  Step step = printed_step(lo, hi, 1.0, max_ticks);
  if (integer_steps && step.e < 0) step = Step{1, 0};
  return axis_with_step(lo, hi, 1.0, step);
}

std::vector<double> nice_ticks(double lo, double hi, int max_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
  if (lo > hi) std::swap(lo, hi);
  std::tie(lo, hi) = widen_if_flat(lo, hi);
  return ticks_with_step(lo, hi, nice_step(lo, hi, std::max(max_ticks, 2)));
}

}  // namespace vgs::report
