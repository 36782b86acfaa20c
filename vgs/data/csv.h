// A reader for comma-separated files as spreadsheets and pandas write them (RFC 4180): a header
// row naming the columns, quoted fields with doubled quotes, commas and line breaks inside quotes.
// Used for released data sets in CSV form (SVO-Probes).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace vgs::data {

// One data row: its fields by column name.
class CsvRow {
 public:
  CsvRow(const std::map<std::string, size_t>* columns, std::vector<std::string> fields, std::string where)
      : columns_(columns), fields_(std::move(fields)), where_(std::move(where)) {}
  // The field of `column`; vgs::Error "<file>:<line>: ..." when the file has no such column.
  const std::string& at(const std::string& column) const;
  // "file:line", for errors about this row.
  const std::string& where() const { return where_; }

 private:
  const std::map<std::string, size_t>* columns_;
  std::vector<std::string> fields_;
  std::string where_;
};

// Calls `visit` for each data row, in order (`index` counts data rows from 0, as pandas does).
// vgs::Error naming the file for a missing file, no header, a header without one of `required`
// (the absent ones named), a row with another number of fields (with its line), or an unclosed
// quote. `what` names the file's kind in those messages.
void for_each_csv_row(const std::string& path, const std::string& what, const std::vector<std::string>& required,
                      const std::function<void(const CsvRow& row, int64_t index)>& visit);

}  // namespace vgs::data
