// The colours every figure shares: the Okabe-Ito palette of series and groups, and the viridis map of
// heatmaps. The figures themselves are in bar_chart.cpp, scatter_plot.cpp, heatmap.cpp and
// line_plot.cpp, drawn through canvas.h (PLplot).
#include "vgs/report/plot.h"

#include <algorithm>
#include <cmath>

namespace vgs::report {

namespace {

// Okabe & Ito (2008): distinguishable with every common colour-vision deficiency. Yellow is last
// because it is faint on white; black comes before it as it stays legible.
constexpr Rgb kPalette[] = {
    {0, 114, 178},    // blue
    {230, 159, 0},    // orange
    {0, 158, 115},    // bluish green
    {213, 94, 0},     // vermillion
    {204, 121, 167},  // reddish purple
    {86, 180, 233},   // sky blue
    {0, 0, 0},        // black
    {240, 228, 66},   // yellow
};
constexpr int kPaletteSize = static_cast<int>(sizeof(kPalette) / sizeof(kPalette[0]));

// Viridis (van der Walt and Smith, matplotlib) at t = 0, 0.1, ..., 1; linear in between.
constexpr Rgb kViridis[] = {{68, 1, 84},    {72, 36, 117},  {65, 68, 135},  {53, 95, 141},
                            {42, 120, 142}, {33, 145, 140}, {34, 168, 132}, {68, 191, 112},
                            {122, 209, 81}, {189, 223, 38}, {253, 231, 37}};
constexpr int kViridisSteps = static_cast<int>(sizeof(kViridis) / sizeof(kViridis[0])) - 1;

}  // namespace

Rgb palette_colour(int index) { return kPalette[((index % kPaletteSize) + kPaletteSize) % kPaletteSize]; }

int palette_size() { return kPaletteSize; }

Rgb heatmap_colour(double t) {
  if (!std::isfinite(t)) t = 0;
  double position = std::clamp(t, 0.0, 1.0) * kViridisSteps;
  int i = std::min(static_cast<int>(position), kViridisSteps - 1);
  double f = position - i;
  auto mix = [f](unsigned char a, unsigned char b) {
    return static_cast<unsigned char>(std::lround(a + (b - a) * f));
  };
  const Rgb &a = kViridis[i], &b = kViridis[i + 1];
  return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

}  // namespace vgs::report
