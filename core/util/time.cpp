#include "core/util/time.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <mutex>

namespace zc {

namespace {

bool read_int(std::string_view& s, std::size_t digits, int& out)
{
  if (s.size() < digits) {
    return false;
  }
  int v = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + (c - '0');
  }
  out = v;
  s.remove_prefix(digits);
  return true;
}

bool expect(std::string_view& s, char c)
{
  if (s.empty() || s.front() != c) {
    return false;
  }
  s.remove_prefix(1);
  return true;
}

std::mutex g_clock_mutex;
std::function<Seconds()> g_clock; // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

} // namespace

std::optional<Seconds> parse_iso8601(std::string_view s, bool assume_utc)
{
  int y = 0;
  int mo = 0;
  int d = 0;
  int h = 0;
  int mi = 0;
  int sec = 0;
  if (!read_int(s, 4, y) || !expect(s, '-') || !read_int(s, 2, mo) || !expect(s, '-') || !read_int(s, 2, d)) {
    return std::nullopt;
  }
  if (s.empty() || (s.front() != 'T' && s.front() != 't' && s.front() != ' ')) {
    return std::nullopt;
  }
  s.remove_prefix(1);
  if (!read_int(s, 2, h) || !expect(s, ':') || !read_int(s, 2, mi)) {
    return std::nullopt;
  }
  if (!s.empty() && s.front() == ':') {
    s.remove_prefix(1);
    if (!read_int(s, 2, sec)) {
      return std::nullopt;
    }
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      std::size_t n = 0;
      while (n < s.size() && s[n] >= '0' && s[n] <= '9') {
        ++n;
      }
      if (n == 0) {
        return std::nullopt;
      }
      s.remove_prefix(n);
    }
  }
  int offset_minutes = 0;
  if (s.empty()) {
    if (!assume_utc) {
      return std::nullopt;
    }
  } else if (s == "Z" || s == "z") {
    s.remove_prefix(1);
  } else if (s.front() == '+' || s.front() == '-') {
    const int sign = s.front() == '-' ? -1 : 1;
    s.remove_prefix(1);
    int oh = 0;
    int om = 0;
    if (!read_int(s, 2, oh)) {
      return std::nullopt;
    }
    if (!s.empty() && s.front() == ':') {
      s.remove_prefix(1);
    }
    if (!read_int(s, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (!s.empty()) {
    return std::nullopt;
  }
  if (h > 23 || mi > 59 || sec > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  const auto t = std::chrono::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
                 std::chrono::seconds{sec} - std::chrono::minutes{offset_minutes};
  return std::chrono::time_point_cast<std::chrono::seconds>(t);
}

std::string format_iso8601(Seconds t)
{
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{t - day};
  std::array<char, 96> buf{}; // room for any value the compiler can imagine, not only real dates
  std::snprintf(buf.data(), buf.size(),
                "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", // NOLINT(cppcoreguidelines-pro-type-vararg)
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long>(hms.seconds().count()));
  return buf.data();
}

std::optional<Seconds> parse_http_date(std::string_view s)
{
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  static constexpr std::array<std::string_view, 12> k_months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto comma = s.find(", ");
  if (comma == std::string_view::npos) {
    return std::nullopt;
  }
  s.remove_prefix(comma + 2);
  int d = 0;
  int y = 0;
  int h = 0;
  int mi = 0;
  int sec = 0;
  if (!read_int(s, 2, d) || !expect(s, ' ') || s.size() < 4) {
    return std::nullopt;
  }
  unsigned month = 0;
  for (unsigned i = 0; i < k_months.size(); ++i) {
    if (s.substr(0, 3) == k_months[i]) {
      month = i + 1;
    }
  }
  if (month == 0) {
    return std::nullopt;
  }
  s.remove_prefix(3);
  if (!expect(s, ' ') || !read_int(s, 4, y) || !expect(s, ' ') || !read_int(s, 2, h) || !expect(s, ':') ||
      !read_int(s, 2, mi) || !expect(s, ':') || !read_int(s, 2, sec) || s != " GMT") {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{month},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::sys_days{ymd} + std::chrono::hours{h} +
                                                            std::chrono::minutes{mi} + std::chrono::seconds{sec});
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text)
{
  if (text.empty()) {
    return std::nullopt;
  }
  long long n = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc{} || n < 0) {
    return std::nullopt;
  }
  const std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
  long long mult = 0;
  if (unit.empty() || unit == "s") {
    mult = 1;
  } else if (unit == "m") {
    mult = 60;
  } else if (unit == "h") {
    mult = 3600;
  } else if (unit == "d") {
    mult = 86400;
  } else {
    return std::nullopt;
  }
  return std::chrono::seconds{n * mult};
}

Seconds now()
{
  {
    const std::lock_guard lock(g_clock_mutex);
    if (g_clock) {
      return g_clock();
    }
  }
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

void set_clock(std::function<Seconds()> clock)
{
  const std::lock_guard lock(g_clock_mutex);
  g_clock = std::move(clock);
}

} // namespace zc
