#pragma once
// UTF-8 checks for what people type: names (Arabic among them) and topics are
// limited in characters, as Zoom counts them, not in bytes.

#include <cstddef>
#include <string_view>

namespace zc {

/// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s);

/// The number of code points in `s`, which must be valid UTF-8.
std::size_t utf8_length(std::string_view s);

} // namespace zc
