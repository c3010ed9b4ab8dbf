#include "test_attendance_support.hpp"

#include "core/attendance.hpp"

#include <doctest/doctest.h>

#include <vector>

using zc::attendance::Interval;
using zc::attendance::make_window;
using zc_test::at;

namespace {

// A one-hour meeting, 10:00-11:00, that has ended.
zc::attendance::Window hour()
{
  return make_window(at("2026-01-10T10:00:00Z"), at("2026-01-10T11:00:00Z"), at("2026-01-10T12:00:00Z"));
}

Interval iv(const char* join, const char* leave)
{
  Interval i;
  if (join != nullptr) {
    i.join = at(join);
  }
  if (leave != nullptr) {
    i.leave = at(leave);
  }
  return i;
}

} // namespace

TEST_CASE("attendance::make_window")
{
  const auto w = hour();
  CHECK(w.seconds() == 3600);
  CHECK(w.ended);
  const auto running = make_window(at("2026-01-10T10:00:00Z"), std::nullopt, at("2026-01-10T10:30:00Z"));
  CHECK_FALSE(running.ended);
  CHECK(running.seconds() == 1800);
  const auto backwards =
      make_window(at("2026-01-10T10:00:00Z"), at("2026-01-10T09:00:00Z"), at("2026-01-10T12:00:00Z"));
  CHECK(backwards.seconds() == 0);
}

TEST_CASE("attendance::compute a single full visit")
{
  const std::vector<Interval> v{iv("2026-01-10T10:00:00Z", "2026-01-10T11:00:00Z")};
  const auto t = zc::attendance::compute(hour(), v);
  CHECK(t.seconds == 3600);
  CHECK(t.percent == doctest::Approx(100.0));
  CHECK(t.present);
  CHECK(t.first_join == at("2026-01-10T10:00:00Z"));
  CHECK(t.last_leave == at("2026-01-10T11:00:00Z"));
}

TEST_CASE("attendance::compute a rejoin sums both visits")
{
  const std::vector<Interval> v{iv("2026-01-10T10:00:00Z", "2026-01-10T10:20:00Z"),
                                iv("2026-01-10T10:30:00Z", "2026-01-10T11:00:00Z")};
  const auto t = zc::attendance::compute(hour(), v);
  CHECK(t.seconds == 3000);
  CHECK(t.merged.size() == 2);
  CHECK(t.present); // 83.3 %
  CHECK(t.last_leave == at("2026-01-10T11:00:00Z"));
}

TEST_CASE("attendance::compute two overlapping devices count once")
{
  const std::vector<Interval> v{iv("2026-01-10T10:00:00Z", "2026-01-10T10:40:00Z"),
                                iv("2026-01-10T10:10:00Z", "2026-01-10T10:30:00Z"),  // inside the first
                                iv("2026-01-10T10:35:00Z", "2026-01-10T10:50:00Z")}; // overlaps its end
  const auto t = zc::attendance::compute(hour(), v);
  CHECK(t.seconds == 50 * 60);
  CHECK(t.merged.size() == 1);
  // The same interval twice (a duplicate row) also counts once.
  const std::vector<Interval> dup{iv("2026-01-10T10:00:00Z", "2026-01-10T10:30:00Z"),
                                  iv("2026-01-10T10:00:00Z", "2026-01-10T10:30:00Z")};
  CHECK(zc::attendance::compute(hour(), dup).seconds == 1800);
}

TEST_CASE("attendance::compute zero-length visits")
{
  const std::vector<Interval> v{iv("2026-01-10T10:15:00Z", "2026-01-10T10:15:00Z")};
  const auto t = zc::attendance::compute(hour(), v);
  CHECK(t.seconds == 0);
  CHECK_FALSE(t.present);
  CHECK(t.first_join == at("2026-01-10T10:15:00Z"));
  // A leave before its join is bad data and counts nothing.
  const std::vector<Interval> bad{iv("2026-01-10T10:15:00Z", "2026-01-10T10:10:00Z")};
  CHECK(zc::attendance::compute(hour(), bad).seconds == 0);
}

TEST_CASE("attendance::compute a leave without any join counts nothing")
{
  const std::vector<Interval> v{iv(nullptr, "2026-01-10T10:50:00Z")};
  const auto t = zc::attendance::compute(hour(), v);
  CHECK(t.seconds == 0);
  CHECK_FALSE(t.first_join);
  CHECK(t.last_leave == at("2026-01-10T10:50:00Z"));
}

TEST_CASE("attendance::compute a leave without join closes the same person's open join")
{
  // Zoom changed the per-join user_id between join and leave (2019 payloads): two half rows.
  const std::vector<Interval> v{iv("2026-01-10T10:05:00Z", nullptr), iv(nullptr, "2026-01-10T10:45:00Z")};
  const auto t = zc::attendance::compute(hour(), v);
  CHECK(t.seconds == 40 * 60);
  CHECK(t.last_leave == at("2026-01-10T10:45:00Z"));
  // An orphan leave before the open join does not close it.
  const std::vector<Interval> w{iv("2026-01-10T10:30:00Z", nullptr), iv(nullptr, "2026-01-10T10:20:00Z")};
  CHECK(zc::attendance::compute(hour(), w).seconds == 30 * 60);
}

TEST_CASE("attendance::compute a join after the end counts nothing")
{
  const std::vector<Interval> v{iv("2026-01-10T11:05:00Z", "2026-01-10T11:10:00Z"),
                                iv("2026-01-10T11:20:00Z", nullptr)};
  const auto t = zc::attendance::compute(hour(), v);
  CHECK(t.seconds == 0);
  CHECK_FALSE(t.present);
}

TEST_CASE("attendance::compute a join before the start is clipped")
{
  const std::vector<Interval> v{iv("2026-01-10T09:30:00Z", "2026-01-10T10:30:00Z")};
  const auto t = zc::attendance::compute(hour(), v);
  CHECK(t.seconds == 1800);
  CHECK(t.first_join == at("2026-01-10T09:30:00Z")); // reported as Zoom sent it
  CHECK(t.merged.front().first == at("2026-01-10T10:00:00Z"));
}

TEST_CASE("attendance::compute an open interval runs to the meeting's end")
{
  const std::vector<Interval> v{iv("2026-01-10T10:10:00Z", nullptr)};
  const auto t = zc::attendance::compute(hour(), v);
  CHECK(t.seconds == 50 * 60);
  CHECK(t.last_leave == at("2026-01-10T11:00:00Z"));
}

TEST_CASE("attendance::compute a meeting that never ended is clipped at as_of")
{
  const auto w = make_window(at("2026-01-10T10:00:00Z"), std::nullopt, at("2026-01-10T10:40:00Z"));
  const std::vector<Interval> v{iv("2026-01-10T10:10:00Z", nullptr)};
  const auto t = zc::attendance::compute(w, v);
  CHECK(t.seconds == 30 * 60);
  CHECK(t.percent == doctest::Approx(75.0));
  CHECK(t.present);          // exactly at the threshold
  CHECK_FALSE(t.last_leave); // still in the meeting
}

TEST_CASE("attendance::compute threshold is configurable and exact")
{
  const std::vector<Interval> v{iv("2026-01-10T10:00:00Z", "2026-01-10T10:45:00Z")}; // 75 %
  CHECK(zc::attendance::compute(hour(), v, 75).present);
  CHECK_FALSE(zc::attendance::compute(hour(), v, 76).present);
  CHECK(zc::attendance::compute(hour(), v, 50).present);
  const std::vector<Interval> just_under{iv("2026-01-10T10:00:00Z", "2026-01-10T10:44:59Z")};
  CHECK_FALSE(zc::attendance::compute(hour(), just_under, 75).present);
  CHECK_FALSE(zc::attendance::is_present(0, 0, 0)); // an empty meeting has nobody present
}

TEST_CASE("attendance::compute uses join/leave times even when deliveries were skewed")
{
  // The events were delivered minutes late (event_ts 10:20 and 10:55); only payload times matter here.
  const std::vector<Interval> v{iv("2026-01-10T10:02:00Z", "2026-01-10T10:50:00Z")};
  CHECK(zc::attendance::compute(hour(), v).seconds == 48 * 60);
}

TEST_CASE("attendance::compute nobody")
{
  const auto t = zc::attendance::compute(hour(), {});
  CHECK(t.seconds == 0);
  CHECK(t.percent == doctest::Approx(0.0));
  CHECK_FALSE(t.first_join);
  CHECK_FALSE(t.last_leave);
}

TEST_CASE("attendance::cohort_percent")
{
  CHECK(zc::attendance::cohort_percent(3, 4) == doctest::Approx(75.0));
  CHECK(zc::attendance::cohort_percent(0, 0) == doctest::Approx(0.0));
}

namespace {

using zc::attendance::Run;

Run run(const char* start, const char* end)
{
  Run r;
  if (start != nullptr) {
    r.start = at(start);
  }
  if (end != nullptr) {
    r.end = at(end);
  }
  return r;
}

} // namespace

TEST_CASE("attendance::order_runs sorts by start, or by end when the start is unknown")
{
  const auto runs =
      zc::attendance::order_runs({run("2026-01-10T10:30:00Z", nullptr), run(nullptr, "2026-01-10T10:20:00Z"),
                                  run("2026-01-10T10:00:00Z", "2026-01-10T10:10:00Z")});
  REQUIRE(runs.size() == 3);
  CHECK(runs[0].start == at("2026-01-10T10:00:00Z"));
  CHECK(runs[1].end == at("2026-01-10T10:20:00Z"));
  CHECK(runs[2].start == at("2026-01-10T10:30:00Z"));
}

TEST_CASE("attendance::summarize: a restarted meeting is live again and has no end")
{
  const std::vector<Run> ended{run("2026-01-10T10:00:00Z", "2026-01-10T10:20:00Z"),
                               run("2026-01-10T10:25:00Z", "2026-01-10T11:00:00Z")};
  auto s = zc::attendance::summarize(ended);
  CHECK_FALSE(s.live);
  CHECK(s.start == at("2026-01-10T10:00:00Z"));
  CHECK(s.end == at("2026-01-10T11:00:00Z"));

  const std::vector<Run> restarted{run("2026-01-10T10:00:00Z", "2026-01-10T10:20:00Z"),
                                   run("2026-01-10T10:25:00Z", nullptr)};
  s = zc::attendance::summarize(restarted);
  CHECK(s.live);
  CHECK(s.start == at("2026-01-10T10:00:00Z"));
  CHECK_FALSE(s.end.has_value());

  // The first run's end was lost: the second run's end still ends the meeting.
  const std::vector<Run> lost{run("2026-01-10T10:00:00Z", nullptr),
                              run("2026-01-10T10:25:00Z", "2026-01-10T11:00:00Z")};
  s = zc::attendance::summarize(lost);
  CHECK_FALSE(s.live);
  CHECK(s.end == at("2026-01-10T11:00:00Z"));
  CHECK_FALSE(zc::attendance::summarize({}).live);
}

TEST_CASE("attendance::inferred_leave closes a join at the end of its own run")
{
  const std::vector<Run> runs{run("2026-01-10T10:00:00Z", "2026-01-10T10:20:00Z"),
                              run("2026-01-10T10:25:00Z", "2026-01-10T11:00:00Z")};
  using zc::attendance::inferred_leave;
  CHECK(inferred_leave(runs, at("2026-01-10T10:05:00Z")) == at("2026-01-10T10:20:00Z"));
  CHECK(inferred_leave(runs, at("2026-01-10T10:20:00Z")) == at("2026-01-10T10:20:00Z"));
  CHECK(inferred_leave(runs, at("2026-01-10T10:30:00Z")) == at("2026-01-10T11:00:00Z"));
  // Stamped a second before meeting.started's start: the first run.
  CHECK(inferred_leave(runs, at("2026-01-10T09:59:59Z")) == at("2026-01-10T10:20:00Z"));
  // Between the runs: the next run.
  CHECK(inferred_leave(runs, at("2026-01-10T10:22:00Z")) == at("2026-01-10T11:00:00Z"));
  // After the last end: nothing to infer.
  CHECK_FALSE(inferred_leave(runs, at("2026-01-10T11:05:00Z")).has_value());
  CHECK_FALSE(inferred_leave({}, at("2026-01-10T10:05:00Z")).has_value());

  // The first run's end was lost: out when the meeting started again.
  const std::vector<Run> lost{run("2026-01-10T10:00:00Z", nullptr), run("2026-01-10T10:25:00Z", nullptr)};
  CHECK(inferred_leave(lost, at("2026-01-10T10:05:00Z")) == at("2026-01-10T10:25:00Z"));
  // The last run is still going.
  CHECK_FALSE(inferred_leave(lost, at("2026-01-10T10:30:00Z")).has_value());
}

TEST_CASE("attendance::compute leaves the gap between runs out of meeting and person time")
{
  const std::vector<Run> runs{run("2026-01-10T10:00:00Z", "2026-01-10T10:20:00Z"),
                              run("2026-01-10T10:25:00Z", "2026-01-10T11:00:00Z")};
  auto w = make_window(at("2026-01-10T10:00:00Z"), at("2026-01-10T11:00:00Z"), at("2026-01-10T12:00:00Z"));
  w.gaps = zc::attendance::gaps_between(runs);
  REQUIRE(w.gaps.size() == 1);
  CHECK(w.seconds() == 55 * 60);
  // A stored interval that spans the gap (a leave inferred before restarts were known) counts only run time.
  const std::vector<Interval> v{iv("2026-01-10T10:10:00Z", "2026-01-10T10:40:00Z")};
  const auto t = zc::attendance::compute(w, v);
  CHECK(t.seconds == 25 * 60);
  REQUIRE(t.merged.size() == 2);
  CHECK(t.merged[0].second == at("2026-01-10T10:20:00Z"));
  CHECK(t.merged[1].first == at("2026-01-10T10:25:00Z"));
  CHECK(t.percent == doctest::Approx(25.0 * 100.0 / 55.0));
}
