// Markdown tables: escaping, column widths and alignment, for the reports vgs-eval writes.
#include "vgs/report/markdown.h"

#include <algorithm>

#include "vgs/core/error.h"

namespace vgs::report {

namespace {

// Renderers need at least three dashes in the delimiter row; narrower columns are padded.
constexpr size_t kMinWidth = 3;

// A cell as it must appear in the table: a '|' would end the cell and a newline the row.
std::string escape_cell(const std::string& cell) {
  std::string out;
  for (char c : cell) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

// Width in characters, not bytes: UTF-8 continuation bytes take no column.
size_t display_width(const std::string& text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string padded(const std::string& text, size_t width, bool left_aligned) {
  std::string fill(width - std::min(width, display_width(text)), ' ');
  return left_aligned ? text + fill : fill + text;
}

std::string format_row(const std::vector<std::string>& cells, const std::vector<size_t>& widths) {
  std::string line = "|";
  for (size_t c = 0; c < cells.size(); ++c) line += " " + padded(cells[c], widths[c], c == 0) + " |";
  return line + "\n";
}

// "|:-----|------:|": the first column left-aligned, the rest right-aligned.
std::string delimiter_row(const std::vector<size_t>& widths) {
  std::string line = "|";
  for (size_t c = 0; c < widths.size(); ++c) {
    std::string dashes(widths[c] + 1, '-');
    line += (c == 0 ? ":" + dashes : dashes + ":") + "|";
  }
  return line + "\n";
}

}  // namespace

std::string markdown_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  if (header.empty()) throw Error("markdown table: the header has no columns");
  std::vector<std::vector<std::string>> cells{header};  // header first, then the rows
  cells.reserve(rows.size() + 1);
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].size() != header.size())
      throw Error("markdown table: row " + std::to_string(r) + " has " + std::to_string(rows[r].size()) +
                  " cells but the header has " + std::to_string(header.size()));
    cells.push_back(rows[r]);
  }
  std::vector<size_t> widths(header.size(), kMinWidth);
  for (auto& row : cells)
    for (size_t c = 0; c < row.size(); ++c) {
      row[c] = escape_cell(row[c]);
      widths[c] = std::max(widths[c], display_width(row[c]));
    }
  std::string table = format_row(cells[0], widths) + delimiter_row(widths);
  for (size_t r = 1; r < cells.size(); ++r) table += format_row(cells[r], widths);
  return table;
}

}  // namespace vgs::report
