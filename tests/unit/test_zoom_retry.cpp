#include "test_zoom_support.hpp"

#include "core/zoom/retry.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using zc::zoom::decide;
using zc::zoom::Headers;
using zc::zoom::RetryAction;
using zc::zoom::RetryPolicy;

namespace {

Headers headers(std::initializer_list<std::pair<std::string, std::string>> fields)
{
  Headers h;
  for (const auto& [k, v] : fields) {
    h.set(k, v);
  }
  return h;
}

} // namespace

TEST_CASE("zoom::retry decide leaves successes and client errors alone")
{
  const auto now = zc::zoom::test::noon();
  for (long status : {200L, 201L, 204L, 400L, 401L, 403L, 404L, 409L}) {
    const auto d = decide(1, status, {}, 0ms, RetryPolicy{}, now, 0.5);
    CHECK(d.action == RetryAction::done);
    CHECK_FALSE(d.rate_limited);
  }
}

TEST_CASE("zoom::retry decide backs off exponentially with full jitter on 5xx")
{
  const auto now = zc::zoom::test::noon();
  RetryPolicy p;
  p.base_delay = 100ms;
  p.max_delay = 1000ms;
  // jitter 1.0 shows the full step: 100, 200, 400, 800, then capped at 1000.
  CHECK(decide(1, 503, {}, 0ms, p, now, 1.0).delay == 100ms);
  CHECK(decide(2, 500, {}, 0ms, p, now, 1.0).delay == 200ms);
  CHECK(decide(3, 502, {}, 0ms, p, now, 1.0).delay == 400ms);
  CHECK(decide(4, 504, {}, 0ms, p, now, 1.0).delay == 800ms);
  CHECK(decide(5, 503, {}, 0ms, p, now, 1.0).delay == 1000ms);
  CHECK(decide(9, 503, {}, 0ms, p, now, 1.0).delay == 1000ms);
  // Full jitter: anywhere from 0 to the step.
  CHECK(decide(3, 503, {}, 0ms, p, now, 0.0).delay == 0ms);
  CHECK(decide(3, 503, {}, 0ms, p, now, 0.25).delay == 100ms);
  CHECK(decide(3, 503, {}, 0ms, p, now, 0.25).action == RetryAction::retry);
}

TEST_CASE("zoom::retry decide stops at the attempt and time budget")
{
  const auto now = zc::zoom::test::noon();
  RetryPolicy p;
  p.max_attempts = 3;
  p.max_total = 10s;
  CHECK(decide(2, 503, {}, 0ms, p, now, 0.5).action == RetryAction::retry);
  CHECK(decide(3, 503, {}, 0ms, p, now, 0.5).action == RetryAction::give_up);
  CHECK(decide(1, 503, {}, 10s, p, now, 0.5).action == RetryAction::give_up);
  // A backoff step longer than the time left is shortened to end at the deadline.
  p.max_attempts = 20;
  p.base_delay = 5s;
  p.max_delay = 60s;
  const auto d = decide(4, 503, {}, 9500ms, p, now, 1.0);
  CHECK(d.action == RetryAction::retry);
  CHECK(d.delay == 500ms);
}

TEST_CASE("zoom::retry decide retries network failures, but not an ambiguous POST")
{
  const auto now = zc::zoom::test::noon();
  using zc::zoom::Resend;
  CHECK(decide(1, 0, {}, 0ms, RetryPolicy{}, now, 0.5).action == RetryAction::retry);
  CHECK(decide(1, 0, {}, 0ms, RetryPolicy{}, now, 0.5, Resend::only_if_unsent, false).action == RetryAction::done);
  CHECK(decide(1, 0, {}, 0ms, RetryPolicy{}, now, 0.5, Resend::only_if_unsent, true).action == RetryAction::retry);
  // A 503 was answered without acting on it; POST may be resent.
  CHECK(decide(1, 503, {}, 0ms, RetryPolicy{}, now, 0.5, Resend::only_if_unsent).action == RetryAction::retry);
}

TEST_CASE("zoom::retry decide honours Retry-After in its three forms on 429")
{
  const auto now = zc::zoom::test::noon(); // 2026-11-25T12:00:00Z, a Wednesday
  SUBCASE("delta-seconds")
  {
    const auto d = decide(1, 429, headers({{"Retry-After", "3"}}), 0ms, RetryPolicy{}, now, 0.0);
    CHECK(d.action == RetryAction::retry);
    CHECK(d.rate_limited);
    CHECK(d.delay == 3000ms);
  }
  SUBCASE("HTTP-date, header name in any case")
  {
    const auto d =
        decide(1, 429, headers({{"retry-after", "Wed, 25 Nov 2026 12:00:05 GMT"}}), 0ms, RetryPolicy{}, now, 0.0);
    CHECK(d.action == RetryAction::retry);
    CHECK(d.delay == 5000ms);
  }
  SUBCASE("ISO 8601")
  {
    const auto d = decide(1, 429, headers({{"Retry-After", "2026-11-25T12:00:07Z"}}), 0ms, RetryPolicy{}, now, 0.0);
    CHECK(d.action == RetryAction::retry);
    CHECK(d.delay == 7000ms);
  }
  SUBCASE("a date in the past means now")
  {
    const auto d = decide(1, 429, headers({{"Retry-After", "2026-11-25T11:00:00Z"}}), 0ms, RetryPolicy{}, now, 0.0);
    CHECK(d.action == RetryAction::retry);
    CHECK(d.delay == 0ms);
  }
  SUBCASE("longer than the budget allows: give up at once")
  {
    const auto d = decide(1, 429, headers({{"Retry-After", "120"}}), 0ms, RetryPolicy{}, now, 0.0);
    CHECK(d.action == RetryAction::give_up);
  }
  SUBCASE("garbage is ignored and backoff applies")
  {
    RetryPolicy p;
    p.base_delay = 100ms;
    const auto d = decide(1, 429, headers({{"Retry-After", "soon"}}), 0ms, p, now, 1.0);
    CHECK(d.action == RetryAction::retry);
    CHECK(d.delay == 100ms);
  }
}

TEST_CASE("zoom::retry decide fails at once on a daily limit and says when it resets")
{
  const auto now = zc::zoom::test::noon();
  SUBCASE("with Retry-After (Zoom's old docs example headers)")
  {
    const auto d = decide(1, 429,
                          headers({{"X-RateLimit-Category", "Heavy"},
                                   {"X-RateLimit-Type", "Daily-limit"},
                                   {"X-RateLimit-Limit", "30000"},
                                   {"X-RateLimit-Remaining", "0"},
                                   {"Retry-After", "2026-11-26T00:00:00Z"}}),
                          0ms, RetryPolicy{}, now, 0.5);
    CHECK(d.action == RetryAction::daily_limit);
    REQUIRE(d.resets_at);
    CHECK(zc::format_iso8601(*d.resets_at) == "2026-11-26T00:00:00Z");
  }
  SUBCASE("without Retry-After: next 00:00 UTC")
  {
    const auto d = decide(1, 429, headers({{"x-ratelimit-type", "daily-limit"}}), 0ms, RetryPolicy{}, now, 0.5);
    CHECK(d.action == RetryAction::daily_limit);
    REQUIRE(d.resets_at);
    CHECK(zc::format_iso8601(*d.resets_at) == "2026-11-26T00:00:00Z");
  }
}

TEST_CASE("zoom::retry parse_retry_after and next_utc_midnight")
{
  const auto now = zc::zoom::test::noon();
  CHECK(zc::zoom::parse_retry_after("0", now) == 0ms);
  CHECK(zc::zoom::parse_retry_after(" 12 ", now) == 12s);
  CHECK_FALSE(zc::zoom::parse_retry_after("", now));
  CHECK_FALSE(zc::zoom::parse_retry_after("-3", now));
  CHECK_FALSE(zc::zoom::parse_retry_after("tomorrow", now));
  CHECK(zc::zoom::parse_retry_after("Thu, 26 Nov 2026 00:00:00 GMT", now) == 12h);
  CHECK(zc::format_iso8601(zc::zoom::next_utc_midnight(now)) == "2026-11-26T00:00:00Z");
  CHECK(zc::format_iso8601(zc::zoom::next_utc_midnight(zc::parse_iso8601("2026-12-31T23:59:59Z").value())) ==
        "2027-01-01T00:00:00Z");
  CHECK(zc::format_iso8601(zc::zoom::next_utc_midnight(zc::parse_iso8601("2026-11-26T00:00:00Z").value())) ==
        "2026-11-27T00:00:00Z");
}

TEST_CASE("zoom::retry token bucket spaces requests at the configured rate")
{
  zc::zoom::TokenBucket bucket(10.0, 1.0);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  CHECK(bucket.reserve(t0) == 0ns);
  // The second at the same instant waits 1/10 s, the third 2/10 s.
  CHECK(bucket.reserve(t0) == 100ms);
  CHECK(bucket.reserve(t0) == 200ms);
  // After a long pause the bucket is full again, but holds no more than the burst.
  const auto t1 = t0 + 10s;
  CHECK(bucket.reserve(t1) == 0ns);
  CHECK(bucket.reserve(t1) == 100ms);

  zc::zoom::TokenBucket burst(20.0, 5.0);
  int free = 0;
  for (int i = 0; i < 10; ++i) {
    if (burst.reserve(t0) == 0ns) {
      ++free;
    }
  }
  CHECK(free == 5);
}

TEST_CASE("zoom::retry rate limiter waits when a burst exceeds the rate")
{
  zc::zoom::RateLimits limits;
  limits.light = 50; // 20 ms apart
  zc::zoom::RateLimiter limiter(limits);
  const auto before = zc::zoom::metrics().rate_limit_waits.load();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 6; ++i) {
    limiter.acquire(zc::zoom::RateCategory::light);
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took >= 90ms); // 5 waits of 20 ms
  CHECK(zc::zoom::metrics().rate_limit_waits.load() - before >= 5);
}

TEST_CASE("zoom::retry category_for follows Zoom's labels")
{
  using zc::zoom::category_for;
  using zc::zoom::Method;
  using zc::zoom::RateCategory;
  CHECK(category_for(Method::get, "/users") == RateCategory::medium);
  CHECK(category_for(Method::get, "/users?status=active") == RateCategory::medium);
  CHECK(category_for(Method::post, "/users") == RateCategory::light);
  CHECK(category_for(Method::get, "/users/me") == RateCategory::light);
  CHECK(category_for(Method::patch, "/users/abc") == RateCategory::light);
  CHECK(category_for(Method::post, "/users/abc/meetings") == RateCategory::medium);
  CHECK(category_for(Method::get, "/meetings/123") == RateCategory::light);
  CHECK(category_for(Method::del, "/meetings/123") == RateCategory::light);
  CHECK(category_for(Method::get, "/users/abc/token") == RateCategory::light);
  CHECK(category_for(Method::get, "/report/meetings/123/participants") == RateCategory::heavy);
}

TEST_CASE("zoom::retry metric_values names every counter")
{
  zc::zoom::Metrics m;
  m.calls = 5;
  m.token_refreshes = 2;
  const auto values = zc::zoom::metric_values(m);
  CHECK(values.size() == 7);
  CHECK(values.at(0) == std::pair<std::string, std::uint64_t>{"zoomctl_zoom_calls_total", 5});
  bool found = false;
  for (const auto& [name, value] : values) {
    CHECK(name.starts_with("zoomctl_zoom_"));
    CHECK(name.ends_with("_total"));
    if (name == "zoomctl_zoom_token_refreshes_total") {
      found = value == 2;
    }
  }
  CHECK(found);
}
