#pragma once
// Logging: one line per event to stderr, as text or as one JSON object per line.
// A disabled level costs one comparison. Secrets are redacted here, at the
// logging layer, not at each call site.

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace zc::log {

/// Severity, in increasing order.
enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

/// Output format of log lines.
enum class Format { text, json };

/// Sets the lowest level that is written.
void set_level(Level level);
/// The lowest level that is written.
Level level();
/// Sets the line format.
void set_format(Format format);
/// Registers an exact secret value to be replaced by `[redacted]` wherever it appears.
void add_secret(std::string_view secret);

/// Removes secrets from `text`: registered values, bearer tokens, `zak=`, `token=`,
/// `access_token`/`signature`/`start_url` JSON fields and the query of start URLs.
std::string redact(std::string_view text);

/// Writes `message` (already formatted) at `level` with the component `where`.
void write(Level level, std::string_view where, std::string_view message);

/// Writes a JSON object line (fields already a JSON object string) or its text rendering.
void write_fields(Level level, std::string_view where, std::string_view message, const std::string& json_fields);

template <typename... Args> void debug(std::string_view where, fmt::format_string<Args...> f, Args&&... args)
{
  if (level() <= Level::debug) {
    write(Level::debug, where, fmt::format(f, std::forward<Args>(args)...));
  }
}
template <typename... Args> void info(std::string_view where, fmt::format_string<Args...> f, Args&&... args)
{
  if (level() <= Level::info) {
    write(Level::info, where, fmt::format(f, std::forward<Args>(args)...));
  }
}
template <typename... Args> void warn(std::string_view where, fmt::format_string<Args...> f, Args&&... args)
{
  if (level() <= Level::warn) {
    write(Level::warn, where, fmt::format(f, std::forward<Args>(args)...));
  }
}
template <typename... Args> void error(std::string_view where, fmt::format_string<Args...> f, Args&&... args)
{
  if (level() <= Level::error) {
    write(Level::error, where, fmt::format(f, std::forward<Args>(args)...));
  }
}

} // namespace zc::log
