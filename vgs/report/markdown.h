// Markdown tables for evaluation reports: GitHub-flavoured, and padded so the raw text lines up in a
// terminal as well as rendering on GitHub.
#pragma once

#include <string>
#include <vector>

namespace vgs::report {

// A table with `header` as its first line. The first column is left-aligned (names), the others
// right-aligned (numbers). '|' in a cell becomes "\|" and line breaks become spaces, so a cell
// never breaks the table. Every line ends with '\n'. vgs::Error when the header is empty or a row
// (numbered from 0) has a different number of cells than the header.
std::string markdown_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

}  // namespace vgs::report
