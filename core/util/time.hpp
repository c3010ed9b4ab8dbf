#pragma once
// UTC time points, ISO 8601 parsing and formatting, and an injectable clock.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace zc {

using Seconds = std::chrono::sys_seconds;

/// Parses an ISO 8601 date-time: `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed by `Z`
/// or `±HH:MM`; without a zone the time is taken as UTC only when
/// `assume_utc` is set. Returns nothing when `text` is not such a time.
std::optional<Seconds> parse_iso8601(std::string_view text, bool assume_utc = false);

/// Formats `t` as `YYYY-MM-DDTHH:MM:SSZ`.
std::string format_iso8601(Seconds t);

/// Parses an HTTP-date (RFC 7231 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`).
std::optional<Seconds> parse_http_date(std::string_view text);

/// Parses a duration such as `90s`, `15m`, `2h`, `7d` or a plain number of seconds.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

/// The process's notion of "now". Tests replace it with `set_clock`.
Seconds now();

/// Replaces the clock `now()` reads (nullptr restores the system clock).
void set_clock(std::function<Seconds()> clock);

} // namespace zc
