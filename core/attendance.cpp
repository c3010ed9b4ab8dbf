#include "core/attendance.hpp"

#include <algorithm>

namespace zc::attendance {

std::int64_t Window::seconds() const
{
  return end > start ? (end - start).count() : 0;
}

Window make_window(Seconds actual_start, std::optional<Seconds> actual_end, Seconds as_of)
{
  Window w{actual_start, actual_end.value_or(as_of), actual_end.has_value()};
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
  for (const auto& iv : clipped) {
    if (!out.merged.empty() && iv.first <= out.merged.back().second) {
      out.merged.back().second = std::max(out.merged.back().second, iv.second);
    } else {
      out.merged.push_back(iv);
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
