#include "core/attendance.hpp"

#include <algorithm>

namespace zc::attendance {

namespace {

// Seconds of [a, b] that fall inside `gaps`, clipped to it.
std::int64_t seconds_in_gaps(Seconds a, Seconds b, const std::vector<std::pair<Seconds, Seconds>>& gaps)
{
  std::int64_t total = 0;
  for (const auto& [ga, gb] : gaps) {
    const auto s = std::max(a, ga);
    const auto e = std::min(b, gb);
    if (e > s) {
      total += (e - s).count();
    }
  }
  return total;
}

Seconds order_key(const Run& r)
{
  return r.start ? *r.start : r.end.value_or(Seconds{});
}

} // namespace

std::int64_t Window::seconds() const
{
  return end > start ? (end - start).count() - seconds_in_gaps(start, end, gaps) : 0;
}

std::vector<Run> order_runs(std::vector<Run> runs)
{
  std::stable_sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return order_key(a) < order_key(b); });
  return runs;
}

RunsSummary summarize(std::span<const Run> runs)
{
  RunsSummary out;
  for (const auto& r : runs) {
    if (r.start && (!out.start || *r.start < *out.start)) {
      out.start = r.start;
    }
    if (r.end && (!out.end || *r.end > *out.end)) {
      out.end = r.end;
    }
  }
  out.live = !runs.empty() && !runs.back().end;
  if (out.live) {
    out.end.reset();
  }
  return out;
}

std::vector<std::pair<Seconds, Seconds>> gaps_between(std::span<const Run> runs)
{
  std::vector<std::pair<Seconds, Seconds>> out;
  for (std::size_t i = 0; i + 1 < runs.size(); ++i) {
    const auto& end = runs[i].end;
    const auto& next = runs[i + 1].start;
    if (end && next && *next > *end) {
      out.emplace_back(*end, *next);
    }
  }
  return out;
}

std::optional<Seconds> inferred_leave(std::span<const Run> runs, Seconds join)
{
  // The run the join is in: the last one to begin at or before it (the first when it is earlier
  // than all of them, as a join stamped a second before meeting.started's start can be).
  std::size_t i = 0;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    if (order_key(runs[k]) <= join) {
      i = k;
    }
  }
  for (; i < runs.size(); ++i) {
    const auto& r = runs[i];
    if (r.end) {
      if (join <= *r.end) {
        return r.end;
      }
      continue; // joined after this run ended: it belongs to the next one, if any
    }
    if (i + 1 < runs.size() && runs[i + 1].start) {
      return std::max(join, *runs[i + 1].start);
    }
    if (i + 1 == runs.size()) {
      return std::nullopt; // the last run is still going
    }
  }
  return std::nullopt;
}

Window make_window(Seconds actual_start, std::optional<Seconds> actual_end, Seconds as_of)
{
  Window w{actual_start, actual_end.value_or(as_of), actual_end.has_value(), {}};
  if (w.end < w.start) {
    w.end = w.start;
  }
  return w;
}

bool is_present(std::int64_t seconds, std::int64_t meeting_seconds, int threshold)
{
  if (meeting_seconds <= 0) {
    return false;
  }
  return seconds * 100 >= static_cast<std::int64_t>(threshold) * meeting_seconds;
}

double percent(std::int64_t part, std::int64_t whole)
{
  if (whole <= 0) {
    return 0.0;
  }
  return static_cast<double>(part) * 100.0 / static_cast<double>(whole);
}

double cohort_percent(std::int64_t present, std::int64_t enrolled)
{
  return percent(present, enrolled);
}

PersonTotals compute(const Window& window, std::span<const Interval> intervals, int threshold)
{
  PersonTotals out;
  std::vector<std::pair<Seconds, Seconds>> closed;
  std::vector<Seconds> open_joins;
  std::vector<Seconds> orphan_leaves;
  std::optional<Seconds> last_real_leave;
  for (const auto& iv : intervals) {
    if (iv.join && (!out.first_join || *iv.join < *out.first_join)) {
      out.first_join = iv.join;
    }
    if (iv.leave && (!last_real_leave || *iv.leave > *last_real_leave)) {
      last_real_leave = iv.leave;
    }
    if (iv.join && iv.leave) {
      // A leave before its join is bad data; it counts as a zero-length visit.
      closed.emplace_back(*iv.join, std::max(*iv.join, *iv.leave));
    } else if (iv.join) {
      open_joins.push_back(*iv.join);
    } else if (iv.leave) {
      orphan_leaves.push_back(*iv.leave);
    }
  }

  // Pair each orphan leave (in time order) with the latest open join not after it.
  std::sort(open_joins.begin(), open_joins.end());
  std::sort(orphan_leaves.begin(), orphan_leaves.end());
  std::vector<Seconds> pending; // open joins seen so far, unpaired, ascending
  std::size_t j = 0;
  for (const auto leave : orphan_leaves) {
    while (j < open_joins.size() && open_joins[j] <= leave) {
      pending.push_back(open_joins[j++]);
    }
    if (!pending.empty()) {
      closed.emplace_back(pending.back(), leave);
      pending.pop_back();
    }
  }
  while (j < open_joins.size()) {
    pending.push_back(open_joins[j++]);
  }

  std::optional<Seconds> last_leave = last_real_leave;
  bool still_in = false;
  for (const auto join : pending) {
    closed.emplace_back(join, std::max(join, window.end));
    if (join <= window.end) {
      if (window.ended) {
        if (!last_leave || window.end > *last_leave) {
          last_leave = window.end;
        }
      } else {
        still_in = true;
      }
    }
  }
  out.last_leave = still_in ? std::nullopt : last_leave;

  // Clip to the window, then merge overlapping or touching intervals.
  std::vector<std::pair<Seconds, Seconds>> clipped;
  clipped.reserve(closed.size());
  for (const auto& [a, b] : closed) {
    const auto s = std::max(a, window.start);
    const auto e = std::min(b, window.end);
    if (e > s) {
      clipped.emplace_back(s, e);
    }
  }
  std::sort(clipped.begin(), clipped.end());
  std::vector<std::pair<Seconds, Seconds>> merged;
  for (const auto& iv : clipped) {
    if (!merged.empty() && iv.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, iv.second);
    } else {
      merged.push_back(iv);
    }
  }
  // Cut out the gaps between runs: nobody attends a meeting that is not running.
  for (auto [a, b] : merged) {
    for (const auto& [ga, gb] : window.gaps) {
      if (gb <= a || ga >= b) {
        continue;
      }
      if (ga > a) {
        out.merged.emplace_back(a, ga);
      }
      a = std::max(a, gb);
    }
    if (b > a) {
      out.merged.emplace_back(a, b);
    }
  }
  for (const auto& [a, b] : out.merged) {
    out.seconds += (b - a).count();
  }
  const auto meeting_seconds = window.seconds();
  out.percent = percent(out.seconds, meeting_seconds);
  out.present = is_present(out.seconds, meeting_seconds, threshold);
  return out;
}

} // namespace zc::attendance
