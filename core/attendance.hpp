#pragma once
// Attendance arithmetic without a database: a person's join/leave intervals
// become the union of their time inside the meeting, a percentage of the
// meeting's length and present/absent against a threshold.

#include "core/util/time.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace zc::attendance {

/// Default percentage of meeting time that counts as present (ZOOMCTL_ATTENDANCE_THRESHOLD).
inline constexpr int k_default_threshold = 75;

/// The part of time that counts: [start, end]; `ended` says whether the meeting really ended
/// at `end` or `end` is only the "as of" time of a meeting still running.
struct Window {
  Seconds start;
  Seconds end;
  bool ended = false;

  /// Length of the window in seconds (never negative).
  [[nodiscard]] std::int64_t seconds() const;
};

/// The window of a meeting that started at `actual_start` and ended at
/// `actual_end`, or, when it has not ended, runs until `as_of`; an end before
/// the start gives an empty window.
Window make_window(Seconds actual_start, std::optional<Seconds> actual_end, Seconds as_of);

/// One join/leave cycle as stored: either end may be missing (a leave that
/// arrived without its join, or a participant still in the meeting).
struct Interval {
  std::optional<Seconds> join;
  std::optional<Seconds> leave;
};

/// What one person's intervals amount to.
struct PersonTotals {
  std::int64_t seconds = 0;                        ///< union of the intervals inside the window
  double percent = 0.0;                            ///< `seconds` / window length * 100 (0 for an empty window)
  bool present = false;                            ///< percent >= threshold (never for an empty window)
  std::optional<Seconds> first_join;               ///< earliest join as Zoom sent it (not clipped)
  std::optional<Seconds> last_leave;               ///< latest leave; the meeting end for someone there at the end;
                                                   ///< empty while they are still in a running meeting
  std::vector<std::pair<Seconds, Seconds>> merged; ///< the disjoint, sorted, clipped intervals counted
};

/// Computes `PersonTotals` for `intervals` inside `window` at `threshold` percent.
/// Intervals are resolved first: a leave without a join closes this person's
/// latest earlier open join (Zoom may change the per-join id between join and
/// leave), remaining open joins run to the window's end, a leave that closes
/// nothing counts no time. Then the intervals are clipped to the window and
/// merged, so overlapping devices and duplicates count once.
PersonTotals compute(const Window& window, std::span<const Interval> intervals, int threshold = k_default_threshold);

/// True when `seconds` out of `meeting_seconds` reaches `threshold` percent (integer arithmetic, no rounding).
bool is_present(std::int64_t seconds, std::int64_t meeting_seconds, int threshold);

/// `part` / `whole` * 100, or 0 when `whole` is 0.
double percent(std::int64_t part, std::int64_t whole);

/// The percentage of a cohort present: `present` / `enrolled` * 100, 0 when nobody is enrolled.
double cohort_percent(std::int64_t present, std::int64_t enrolled);

} // namespace zc::attendance
