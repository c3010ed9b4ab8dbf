#include "core/csv.hpp"

#include <fmt/format.h>

namespace zc::csv {

Expected<std::vector<Row>> parse(std::string_view text)
{
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
  }
  std::vector<Row> rows;
  Row row;
  std::string field;
  int line = 1;
  row.line = 1;
  bool in_quotes = false;
  bool quoted_field = false;
  bool row_has_data = false;
  std::size_t i = 0;
  auto end_field = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
    quoted_field = false;
  };
  auto end_row = [&] {
    end_field();
    if (row_has_data || row.fields.size() > 1 || !row.fields.front().empty()) {
      rows.push_back(std::move(row));
    }
    row = Row{};
    row_has_data = false;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          i += 2;
          continue;
        }
        in_quotes = false;
        ++i;
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          return make_error(ErrorKind::invalid_input,
                            fmt::format("line {}: text after a closing quote (a quote inside a quoted field must be "
                                        "doubled: \"\")",
                                        line));
        }
        continue;
      }
      if (c == '\n') {
        ++line;
      }
      field += c;
      ++i;
      continue;
    }
    if (c == '"') {
      if (!field.empty()) {
        return make_error(
            ErrorKind::invalid_input,
            fmt::format("line {}: a quote in the middle of an unquoted field (quote the whole field)", line));
      }
      in_quotes = true;
      quoted_field = true;
      row_has_data = true;
      ++i;
      continue;
    }
    if (c == ',') {
      end_field();
      row_has_data = true;
      ++i;
      continue;
    }
    if (c == '\r' || c == '\n') {
      end_row();
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
      ++i;
      ++line;
      row.line = line;
      continue;
    }
    field += c;
    ++i;
  }
  if (in_quotes) {
    return make_error(ErrorKind::invalid_input, fmt::format("line {}: a quoted field is not closed", row.line));
  }
  (void)quoted_field;
  if (!field.empty() || !row.fields.empty() || row_has_data) {
    end_row();
  }
  return rows;
}

} // namespace zc::csv
