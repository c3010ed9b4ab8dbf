#include "core/zoom/retry.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <thread>

namespace zc::zoom {

namespace {

bool contains_ci(std::string_view haystack, std::string_view needle)
{
  const auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != haystack.end();
}

std::string_view trim(std::string_view s)
{
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
    s.remove_suffix(1);
  }
  return s;
}

// Exponential step for `attempt` (1-based: the wait after the first attempt is `base`), capped.
std::chrono::milliseconds backoff_step(int attempt, const RetryPolicy& policy)
{
  const int shift = std::clamp(attempt - 1, 0, 30);
  const double step = static_cast<double>(policy.base_delay.count()) * std::pow(2.0, shift);
  const double capped = std::min(step, static_cast<double>(policy.max_delay.count()));
  return std::chrono::milliseconds(static_cast<std::int64_t>(capped));
}

} // namespace

const char* to_string(RateCategory category)
{
  switch (category) {
  case RateCategory::light:
    return "light";
  case RateCategory::medium:
    return "medium";
  case RateCategory::heavy:
    return "heavy";
  case RateCategory::resource_intensive:
    return "resource_intensive";
  }
  return "light";
}

RateCategory category_for(Method method, std::string_view path)
{
  if (const auto q = path.find('?'); q != std::string_view::npos) {
    path = path.substr(0, q);
  }
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
  }
  if (path.starts_with("/report/") || path.starts_with("/metrics/")) {
    return RateCategory::heavy;
  }
  if (path.starts_with("/past_meetings/")) {
    return RateCategory::medium;
  }
  if (path == "/users") {
    return method == Method::get ? RateCategory::medium : RateCategory::light;
  }
  if (path.starts_with("/users/") && path.ends_with("/meetings")) {
    return RateCategory::medium; // create and list meetings
  }
  return RateCategory::light;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, Seconds now)
{
  value = trim(value);
  if (value.empty()) {
    return std::nullopt;
  }
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    if (value.size() > 9) {
      return std::chrono::milliseconds(std::chrono::hours(24 * 365));
    }
    std::int64_t n = 0;
    for (const char c : value) {
      n = n * 10 + (c - '0');
    }
    return std::chrono::milliseconds(n * 1000);
  }
  std::optional<Seconds> at = parse_http_date(value);
  if (!at) {
    at = parse_iso8601(value, true);
  }
  if (!at) {
    return std::nullopt;
  }
  if (*at <= now) {
    return std::chrono::milliseconds(0);
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(*at - now);
}

Seconds next_utc_midnight(Seconds now)
{
  return std::chrono::floor<std::chrono::days>(now) + std::chrono::days(1);
}

RetryDecision decide(int attempt, long status, const Headers& headers, std::chrono::milliseconds elapsed,
                     const RetryPolicy& policy, Seconds now, double jitter, Resend resend, bool unsent)
{
  RetryDecision d;
  const bool network = status == 0;
  const bool too_many = status == 429;
  const bool server = status >= 500 && status <= 599;
  d.rate_limited = too_many;
  if (!network && !too_many && !server) {
    return d; // success or a final client error
  }
  if (network && resend == Resend::only_if_unsent && !unsent) {
    return d; // the server may have acted on it: resending could create twice
  }

  std::optional<std::chrono::milliseconds> retry_after;
  if (auto v = headers.get("Retry-After")) {
    retry_after = parse_retry_after(*v, now);
  }
  if (too_many) {
    const auto type = headers.get("X-RateLimit-Type");
    if (type && contains_ci(*type, "daily")) {
      d.action = RetryAction::daily_limit;
      d.resets_at = retry_after ? now + std::chrono::ceil<std::chrono::seconds>(*retry_after) : next_utc_midnight(now);
      return d;
    }
  }

  if (attempt >= policy.max_attempts || elapsed >= policy.max_total) {
    d.action = RetryAction::give_up;
    return d;
  }
  const auto remaining = policy.max_total - elapsed;
  if (retry_after) {
    if (*retry_after > remaining) {
      d.action = RetryAction::give_up; // Zoom asked us to stay away longer than we may wait
      return d;
    }
    d.action = RetryAction::retry;
    d.delay = *retry_after;
    return d;
  }
  const double j = std::clamp(jitter, 0.0, 1.0);
  const auto step = backoff_step(attempt, policy);
  auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(step.count()) * j));
  d.action = RetryAction::retry;
  d.delay = std::min(delay, remaining);
  return d;
}

TokenBucket::TokenBucket(double rate, double burst)
    : m_rate(std::max(rate, 1e-6)), m_burst(std::max(burst, 1.0)), m_tokens(m_burst)
{}

std::chrono::nanoseconds TokenBucket::reserve(std::chrono::steady_clock::time_point now)
{
  if (m_last) {
    const double dt = std::chrono::duration<double>(now - *m_last).count();
    if (dt > 0) {
      m_tokens = std::min(m_burst, m_tokens + dt * m_rate);
      m_last = now;
    }
  } else {
    m_last = now;
  }
  m_tokens -= 1.0;
  if (m_tokens >= 0) {
    return std::chrono::nanoseconds(0);
  }
  // In debt: the caller waits until the bucket has refilled to zero.
  const double wait_s = -m_tokens / m_rate;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(wait_s * 1e9));
}

// One token of burst: requests are spaced evenly, so no one-second window sees
// more than the label's limit plus one.
RateLimiter::RateLimiter(RateLimits limits)
    : m_light(limits.light, 1), m_medium(limits.medium, 1), m_heavy(limits.heavy, 1),
      m_resource(limits.resource_intensive, 1)
{}

std::chrono::nanoseconds RateLimiter::acquire(RateCategory category)
{
  std::chrono::nanoseconds wait{0};
  {
    const std::lock_guard lock(m_mutex);
    const auto now = std::chrono::steady_clock::now();
    switch (category) {
    case RateCategory::light:
      wait = m_light.reserve(now);
      break;
    case RateCategory::medium:
      wait = m_medium.reserve(now);
      break;
    case RateCategory::heavy:
      wait = m_heavy.reserve(now);
      break;
    case RateCategory::resource_intensive:
      wait = m_resource.reserve(now);
      break;
    }
  }
  if (wait.count() > 0) {
    metrics().rate_limit_waits.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(wait);
  }
  return wait;
}

Metrics& metrics()
{
  static Metrics m;
  return m;
}

std::vector<std::pair<std::string, std::uint64_t>> metric_values(const Metrics& m)
{
  constexpr auto relaxed = std::memory_order_relaxed;
  return {
      {"zoomctl_zoom_calls_total", m.calls.load(relaxed)},
      {"zoomctl_zoom_retries_total", m.retries.load(relaxed)},
      {"zoomctl_zoom_rate_limited_total", m.rate_limited.load(relaxed)},
      {"zoomctl_zoom_rate_limit_waits_total", m.rate_limit_waits.load(relaxed)},
      {"zoomctl_zoom_token_fetches_total", m.token_fetches.load(relaxed)},
      {"zoomctl_zoom_token_refreshes_total", m.token_refreshes.load(relaxed)},
      {"zoomctl_zoom_errors_total", m.errors.load(relaxed)},
  };
}

RateLimiter& rate_limiter()
{
  static RateLimiter limiter;
  return limiter;
}

} // namespace zc::zoom
