#pragma once
// Reading CSV files the operators give zoomctl (session import, user import).

#include "core/util/expected.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace zc::csv {

/// One record as read (1-based line number of its first line).
struct Row {
  int line = 0;
  std::vector<std::string> fields;
};

/// Parses RFC 4180 CSV (quoted fields, "" escapes, CRLF or LF, line breaks inside
/// quotes, a leading UTF-8 BOM dropped); the error names the line of malformed input.
Expected<std::vector<Row>> parse(std::string_view text);

} // namespace zc::csv
