// RFC 4180 CSV reading (see csv.h).
#include "vgs/data/csv.h"

#include <filesystem>

#include "vgs/core/error.h"
#include "vgs/core/fs.h"
#include "vgs/core/strings.h"

namespace vgs::data {

namespace {

// Splits CSV text into records of fields. Each record remembers the line it starts on. A quote
// opens a quoted field only at the start of a field; inside one, "" is a quote and commas and line
// breaks are text. A record's end is "\n" or "\r\n" outside quotes.
struct Record {
  std::vector<std::string> fields;
  int line = 0;
};

class CsvParser {
 public:
  CsvParser(const std::string& text, const std::string& path) : text_(text), path_(path) {}

  // The next record, false at the end of the text.
  bool next(Record& record) {
    skip_blank_lines();
    if (pos_ >= text_.size()) return false;
    record = Record{{}, line_};
    for (;;) {
      record.fields.push_back(field());
      if (pos_ >= text_.size()) return true;
      const char c = text_[pos_++];
      if (c == ',') continue;
      if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
      ++line_;
      return true;
    }
  }

 private:
  void skip_blank_lines() {
    while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
      if (text_[pos_] == '\n') ++line_;
      ++pos_;
    }
  }

  std::string field() {
    if (pos_ < text_.size() && text_[pos_] == '"') return quoted_field();
    const size_t end = text_.find_first_of(",\r\n", pos_);
    std::string out = text_.substr(pos_, end == std::string::npos ? std::string::npos : end - pos_);
    pos_ = end == std::string::npos ? text_.size() : end;
    return out;
  }

  std::string quoted_field() {
    const int start = line_;
    std::string out;
    for (++pos_; pos_ < text_.size(); ++pos_) {
      const char c = text_[pos_];
      if (c == '"' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') { out += '"'; ++pos_; continue; }
      if (c == '"') { ++pos_; return out; }
      if (c == '\n') ++line_;
      out += c;
    }
    throw Error(path_ + ":" + std::to_string(start) + ": a quoted field is never closed");
  }

  const std::string& text_;
  const std::string& path_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

const std::string& CsvRow::at(const std::string& column) const {
  const auto it = columns_->find(column);
  if (it == columns_->end()) throw Error(where_ + ": the file has no column '" + column + "'");
  return fields_[it->second];
}

void for_each_csv_row(const std::string& path, const std::string& what, const std::vector<std::string>& required,
                      const std::function<void(const CsvRow& row, int64_t index)>& visit) {
  if (!std::filesystem::is_regular_file(path)) throw Error(path + ": " + what + " not found or not a file");
  const std::string text = core::read_file(path);
  CsvParser parser(text, path);
  Record header;
  if (!parser.next(header)) throw Error(path + ": empty " + what + " (expected a header row)");
  std::map<std::string, size_t> columns;
  for (size_t i = 0; i < header.fields.size(); ++i) columns.emplace(header.fields[i], i);
  std::vector<std::string> absent;
  for (const std::string& name : required)
    if (!columns.count(name)) absent.push_back(name);
  if (!absent.empty()) throw Error(path + ": no column(s) " + core::join(absent, ", ") + " in the header of this " + what);
  Record record;
  for (int64_t index = 0; parser.next(record); ++index) {
    const std::string where = path + ":" + std::to_string(record.line);
    if (record.fields.size() != header.fields.size())
      throw Error(where + ": " + std::to_string(record.fields.size()) + " fields where the header has " +
                  std::to_string(header.fields.size()));
    visit(CsvRow(&columns, std::move(record.fields), where), index);
  }
}

}  // namespace vgs::data
