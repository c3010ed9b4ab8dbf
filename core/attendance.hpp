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

/// The part of time that counts: [start, end] less `gaps`; `ended` says whether the meeting
/// really ended at `end` or `end` is only the "as of" time of a meeting still running.
struct Window {
  Seconds start;
  Seconds end;
  bool ended = false;
  /// Times inside [start, end] when the meeting was not running: between the end of one run
  /// and the start of the next (sorted, disjoint).
  std::vector<std::pair<Seconds, Seconds>> gaps;

  /// Length of the window in seconds, gaps left out (never negative).
  [[nodiscard]] std::int64_t seconds() const;
};

/// One run of a meeting, from its meeting.started to its meeting.ended: a Zoom meeting
/// instance. A class the instructor ended by mistake and started again has two runs.
/// Either end may be unknown (an event that never came).
struct Run {
  std::optional<Seconds> start;
  std::optional<Seconds> end;
};

/// `runs` in time order: by start, or by end when the start is unknown.
std::vector<Run> order_runs(std::vector<Run> runs);

/// What the runs of a meeting (in time order) say about the session.
struct RunsSummary {
  std::optional<Seconds> start; ///< the earliest start
  std::optional<Seconds> end;   ///< the latest end, unless the last run is still going
  bool live = false;            ///< the last run has not ended
};
RunsSummary summarize(std::span<const Run> runs);

/// The gaps between runs (in time order) whose end and next start are both known.
std::vector<std::pair<Seconds, Seconds>> gaps_between(std::span<const Run> runs);

/// Where a join at `join` that no leave closed ends, given the meeting's runs in time
/// order: at the end of the run it is in; when that run's end is unknown but a later run
/// started, at that start (Zoom ends a meeting, and sends everyone out, before it runs it
/// again). Nothing while its run is still going, after the last run's end, or with no runs.
std::optional<Seconds> inferred_leave(std::span<const Run> runs, Seconds join);

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
