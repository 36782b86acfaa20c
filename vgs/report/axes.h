// Linear axes of the figures: round tick steps (1, 2 or 5 x 10^k, kept symbolic so that labels are
// exact decimals), the ticks and printed labels over a range, and the map from data to pixels.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vgs::report {

// A tick step m x 10^e with m in {1, 2, 5}.
struct Step {
  int m = 1, e = 0;
  // k steps, computed so that 3 x 0.2 is the double nearest 0.6, not 0.6000000000000001.
  double times(double k) const;
  double value() const { return times(1); }
  int decimals() const { return e >= 0 ? 0 : -e; }  // 0.2 -> 1, 0.05 -> 2, 5 -> 0
};

// Data range, tick positions (data units) and their printed labels.
struct Axis {
  double lo = 0, hi = 1;
  std::vector<double> ticks;
  std::vector<std::string> labels;
};

// Widens an empty range around its value, so that all-equal data still gets a readable axis.
std::pair<double, double> widen_if_flat(double lo, double hi);

// The finest step giving at most max_ticks ticks in [lo, hi] (lo < hi, both finite).
Step nice_step(double lo, double hi, int max_ticks);

std::vector<double> ticks_with_step(double lo, double hi, const Step& step);

// `v` with `decimals` decimals, never "-0.0".
std::string format_number(double v, int decimals);

// A number in an error message: as given, without trailing zeros ("0.5", "1e-07").
std::string shortest(double v);

// An axis over [lo, hi] (data units) with ticks every `step` of the printed units (data x scale).
Axis axis_with_step(double lo, double hi, double scale, const Step& step);

// The printed-units step for an axis over [lo, hi] data units.
Step printed_step(double lo, double hi, double scale, int max_ticks);

// An axis over finite data [lo, hi] (NaN/inf = nothing: 0..1), padded by `pad` of its span on each
// side, with at most max_ticks ticks; `integer_steps` keeps the step at 1 or more (layers, epochs).
Axis padded_axis(double lo, double hi, double pad, int max_ticks, bool integer_steps = false);

// Maps data values to pixels along one side of the plot rectangle.
struct Scale {
  double lo, hi;
  double p0, p1;  // pixel positions of lo and hi (p1 < p0 on a y axis: pixels grow downwards)
  double operator()(double v) const { return p0 + (v - lo) / (hi - lo) * (p1 - p0); }
};

}  // namespace vgs::report
