#pragma once
// Zoom's own word on whether a meeting is running (`GET /meetings/{id}`, field `status`):
// the fallback that lets learners join when the meeting.started webhook is late or lost.
// Answers are cached per meeting for a short time and fetched by one caller at a time,
// so a page polled by hundreds of learners costs Zoom at most one call per meeting per
// `k_status_ttl`; a check has a budget of about `k_status_budget` so a slow Zoom cannot
// hold a page.

#include "core/config.hpp"
#include "core/db.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace zc::services {

/// How long Zoom's answer about one meeting is reused.
inline constexpr std::chrono::seconds k_status_ttl{20};
/// How long a failed check is remembered (no new call to Zoom for that meeting meanwhile).
inline constexpr std::chrono::seconds k_status_failure_ttl{10};
/// How long after a session's scheduled end Zoom is still asked (classes overrun).
inline constexpr std::chrono::minutes k_status_grace{60};
/// About how long one check may take, retries included, before it counts as failed.
inline constexpr std::chrono::milliseconds k_status_budget{3000};

/// What Zoom said about a meeting.
enum class LiveStatus { started, waiting, error };

/// "started", "waiting" or "error" (the `outcome` label of the metric).
const char* to_string(LiveStatus s);

/// One answer of Zoom about a meeting.
struct MeetingCheck {
  LiveStatus status = LiveStatus::error;
  std::string password; ///< the meeting's passcode when Zoom answered (empty otherwise)
};

/// Calls to Zoom made by `check_meeting_status`, by outcome: for the daemon's /metrics.
struct StatusCheckCounts {
  std::atomic<std::uint64_t> started{0};
  std::atomic<std::uint64_t> waiting{0};
  std::atomic<std::uint64_t> error{0};
};

/// The process-wide counts.
StatusCheckCounts& status_check_counts();

/// A per-meeting cache with single flight: while one caller fetches a meeting's status,
/// others asking for the same meeting wait for that answer instead of fetching again.
/// Thread-safe.
class MeetingStatusCache
{
public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  using Fetch = std::function<MeetingCheck()>;

  /// A cache keeping answers for `ttl` and errors for `failure_ttl`, reading time from `clock`.
  explicit MeetingStatusCache(
      std::chrono::steady_clock::duration ttl = k_status_ttl,
      std::chrono::steady_clock::duration failure_ttl = k_status_failure_ttl,
      Clock clock = [] { return std::chrono::steady_clock::now(); });

  /// The answer for `meeting_id`: the cached one while fresh, else the result of `fetch`
  /// (called by exactly one of the concurrent callers; an exception counts as an error).
  MeetingCheck get(std::int64_t meeting_id, const Fetch& fetch);

  /// Forgets every answer.
  void clear();

private:
  struct Entry {
    std::optional<MeetingCheck> value;
    std::chrono::steady_clock::time_point expires;
    bool in_flight = false;
  };
  void prune(std::chrono::steady_clock::time_point now);

  std::chrono::steady_clock::duration m_ttl;
  std::chrono::steady_clock::duration m_failure_ttl;
  Clock m_clock;
  std::mutex m_mutex;
  std::condition_variable m_done;
  std::map<std::int64_t, Entry> m_entries;
};

/// The process-wide cache used by `check_meeting_status`.
MeetingStatusCache& meeting_status_cache();

/// Zoom's status of meeting `meeting_id` through the process-wide cache: on a miss,
/// `GET /meetings/{id}` with a budget of about `k_status_budget` (tokens cached in `db`),
/// counted in `status_check_counts()`; a failure is logged as a warning and answered
/// (and cached) as `LiveStatus::error`. Never throws for Zoom or network trouble.
MeetingCheck check_meeting_status(db::Database& db, const config::Config& cfg, std::int64_t meeting_id);

} // namespace zc::services
