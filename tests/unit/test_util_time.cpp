#include "core/util/time.hpp"

#include <doctest/doctest.h>

TEST_CASE("util::parse_iso8601 accepts Zoom's forms and offsets")
{
  const auto t = zc::parse_iso8601("2026-11-25T14:00:00Z");
  REQUIRE(t);
  CHECK(zc::format_iso8601(*t) == "2026-11-25T14:00:00Z");
  CHECK(zc::parse_iso8601("2026-11-25T16:00:00+02:00") == t);
  CHECK(zc::parse_iso8601("2026-11-25T14:00:00.123Z") == t);
  CHECK(zc::parse_iso8601("2026-11-25T14:00Z") == t);
  CHECK_FALSE(zc::parse_iso8601("2026-11-25T14:00:00"));
  CHECK(zc::parse_iso8601("2026-11-25T14:00:00", true) == t);
  CHECK_FALSE(zc::parse_iso8601("2026-02-30T14:00:00Z"));
  CHECK_FALSE(zc::parse_iso8601("2026-11-25 14:00:00Zjunk"));
  CHECK_FALSE(zc::parse_iso8601("tomorrow"));
  CHECK_FALSE(zc::parse_iso8601("2026-11-25T25:00:00Z"));
}

TEST_CASE("util::parse_http_date reads IMF-fixdate")
{
  const auto t = zc::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
  REQUIRE(t);
  CHECK(zc::format_iso8601(*t) == "1994-11-06T08:49:37Z");
  CHECK_FALSE(zc::parse_http_date("06 Nov 1994"));
}

TEST_CASE("util::parse_duration")
{
  CHECK(zc::parse_duration("90") == std::chrono::seconds{90});
  CHECK(zc::parse_duration("15m") == std::chrono::seconds{900});
  CHECK(zc::parse_duration("2h") == std::chrono::seconds{7200});
  CHECK(zc::parse_duration("7d") == std::chrono::seconds{604800});
  CHECK_FALSE(zc::parse_duration("-1h"));
  CHECK_FALSE(zc::parse_duration("1w"));
  CHECK_FALSE(zc::parse_duration(""));
}
