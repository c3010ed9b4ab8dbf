// libFuzzer target: the CSV parser of session import and user import.

#include "core/csv.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view text(reinterpret_cast<const char*>(data), size); // NOLINT
  auto rows = zc::csv::parse(text);
  if (rows) {
    int last = 0;
    for (const auto& r : *rows) {
      // Line numbers are positive and increase.
      if (r.line <= last) {
        __builtin_trap();
      }
      last = r.line;
    }
  }
  return 0;
}
