#pragma once
// Retries and client-side rate limiting for the Zoom API: a pure decision
// function (what to do after attempt N got status S with headers H), token
// buckets per Zoom rate-limit label, and process-wide counters for /metrics.

#include "core/util/time.hpp"
#include "core/zoom/http.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zc::zoom {

/// Zoom's rate-limit labels (REFERENCE.md section 3).
enum class RateCategory { light, medium, heavy, resource_intensive };

/// The lower-case name of `category` ("light", ...).
const char* to_string(RateCategory category);

/// The label Zoom documents for `method` on `path` (a path below /v2, e.g. "/users/me").
RateCategory category_for(Method method, std::string_view path);

/// How hard to retry.
struct RetryPolicy {
  std::chrono::milliseconds max_total{60'000}; ///< give up once this much time has passed since the first attempt
  std::chrono::milliseconds base_delay{250};   ///< backoff before the 2nd attempt (before jitter)
  std::chrono::milliseconds max_delay{10'000}; ///< cap of one backoff step (before jitter)
  int max_attempts = 12;                       ///< attempts in all, the first included
};

/// What the caller should do after one attempt.
enum class RetryAction {
  done,        ///< the answer is final (success or an error not worth retrying)
  retry,       ///< wait `delay`, then send again
  give_up,     ///< retryable, but the attempt or time budget is spent
  daily_limit, ///< Zoom's daily limit is reached: fail now, it resets at `resets_at`
};

/// The outcome of `decide`.
struct RetryDecision {
  RetryAction action = RetryAction::done;
  std::chrono::milliseconds delay{0}; ///< wait before the next attempt (retry only)
  std::optional<Seconds> resets_at;   ///< when a daily limit resets (daily_limit only)
  bool rate_limited = false;          ///< the attempt got 429
};

/// Whether a request of `method` may be resent after a failure that may have
/// reached the server (POST may create twice, so only when nothing was sent).
enum class Resend { always, only_if_unsent };

/// Decides what to do after attempt number `attempt` (1-based) answered with HTTP
/// `status` (0 = network failure; `unsent` tells whether it surely never reached
/// the server) and `headers`, `elapsed` after the first attempt began. 429, 5xx
/// and network failures are retried with exponential backoff and full jitter
/// (`jitter` in [0,1) scales the step); `Retry-After` (delta-seconds, HTTP-date or
/// ISO 8601, compared with `now`) sets the wait when present; `X-RateLimit-Type:
/// Daily-limit` is never waited out. Pure: same inputs, same answer.
RetryDecision decide(int attempt, long status, const Headers& headers, std::chrono::milliseconds elapsed,
                     const RetryPolicy& policy, Seconds now, double jitter, Resend resend = Resend::always,
                     bool unsent = false);

/// Parses a `Retry-After` value (delta-seconds, HTTP-date or ISO 8601) into a wait from `now` (never negative).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, Seconds now);

/// The next 00:00 UTC strictly after `now`.
Seconds next_utc_midnight(Seconds now);

/// A token bucket: `rate` tokens per second, at most `burst` saved up. Not thread-safe.
class TokenBucket
{
public:
  TokenBucket(double rate, double burst);
  /// Takes one token at `now` (a steady-clock reading); returns how long the caller must wait before using it.
  std::chrono::nanoseconds reserve(std::chrono::steady_clock::time_point now);

private:
  double m_rate;
  double m_burst;
  double m_tokens;
  std::optional<std::chrono::steady_clock::time_point> m_last;
};

/// Requests per second allowed per label (Zoom's Pro plan figures by default).
struct RateLimits {
  double light = 30;
  double medium = 20;
  double heavy = 10;
  double resource_intensive = 10.0 / 60.0;
};

/// Per-label token buckets shared by every client in the process (Zoom counts per account). Thread-safe.
class RateLimiter
{
public:
  explicit RateLimiter(RateLimits limits = {});
  /// Blocks until a request of `category` may go out; returns how long it waited.
  std::chrono::nanoseconds acquire(RateCategory category);

private:
  std::mutex m_mutex;
  TokenBucket m_light;
  TokenBucket m_medium;
  TokenBucket m_heavy;
  TokenBucket m_resource;
};

/// Counters of the Zoom client, readable by the daemon's /metrics at any time.
struct Metrics {
  std::atomic<std::uint64_t> calls{0};            ///< HTTP attempts to the REST API
  std::atomic<std::uint64_t> retries{0};          ///< attempts that were retries
  std::atomic<std::uint64_t> rate_limited{0};     ///< 429 answers received
  std::atomic<std::uint64_t> rate_limit_waits{0}; ///< times the client-side limiter made a request wait
  std::atomic<std::uint64_t> token_fetches{0};    ///< tokens requested from the OAuth endpoint
  std::atomic<std::uint64_t> token_refreshes{0};  ///< tokens dropped after a 401/124 and fetched again
  std::atomic<std::uint64_t> errors{0};           ///< calls that ended in an error
};

/// The process-wide counters.
Metrics& metrics();

/// A snapshot of `m` as (Prometheus-style name, value) pairs, e.g. ("zoomctl_zoom_calls_total", 12).
std::vector<std::pair<std::string, std::uint64_t>> metric_values(const Metrics& m);

/// The process-wide limiter (created with default limits on first use).
RateLimiter& rate_limiter();

} // namespace zc::zoom
