#include "test_attendance_support.hpp"

#include "core/services/attendance_service.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

namespace as = zc::attendance_service;
using zc_test::at;
using zc_test::TestDb;

namespace {

// Session 1 ran 10:00-11:00. Ali: 10:00-10:20 and 10:30-11:00 (rejoin, 50 min, present).
// Sara: phone 10:00-10:40 and laptop 10:20-10:50 (two devices, 50 min, present).
// Omar: 10:15-10:45 (30 min, absent). Layla never joined. The instructor and a guest joined.
void seed_attendance(TestDb& t)
{
  zc_test::seed_class(t);
  t.exec("UPDATE sessions SET status = 'COMPLETED', actual_start = '2026-01-10T10:00:00Z',"
         " actual_end = '2026-01-10T11:00:00Z' WHERE id = 1");
  t.exec("INSERT INTO session_attendance (session_id, user_id, participant_key, participant_name, participant_email,"
         " join_time, leave_time, duration, leave_inferred) VALUES"
         " (1, 2, 'a1', 'Ali', NULL, '2026-01-10T10:00:00Z', '2026-01-10T10:20:00Z', 1200, 0),"
         " (1, 2, 'a2', 'Ali', NULL, '2026-01-10T10:30:00Z', '2026-01-10T11:00:00Z', 1800, 1),"
         " (1, 3, 's1', 'Sara phone', 'sara@example.com', '2026-01-10T10:00:00Z', '2026-01-10T10:40:00Z', 2400, 0),"
         " (1, 3, 's2', 'Sara laptop', 'sara@example.com', '2026-01-10T10:20:00Z', '2026-01-10T10:50:00Z', 1800, 0),"
         " (1, 4, 'o1', 'Omar', NULL, '2026-01-10T10:15:00Z', '2026-01-10T10:45:00Z', 1800, 0),"
         " (1, 1, 'i1', 'Ines', NULL, '2026-01-10T09:55:00Z', '2026-01-10T11:00:00Z', 3900, 0),"
         " (1, NULL, 'g1', 'ضيف زائر', NULL, '2026-01-10T10:00:00Z', '2026-01-10T10:10:00Z', 600, 0)");
}

const as::PersonAttendance* find(const as::Report& r, std::int64_t user_id)
{
  for (const auto& p : r.people) {
    if (p.user_id == user_id) {
      return &p;
    }
  }
  return nullptr;
}

as::Report report_of(TestDb& t, int threshold = 75)
{
  auto r = as::report(t.db(), 1, threshold, at("2026-01-10T12:00:00Z"));
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  return *r;
}

} // namespace

TEST_CASE("attendance_service::report lists every enrolled learner, the instructor and guests")
{
  TestDb t;
  seed_attendance(t);
  const auto r = report_of(t);
  CHECK(r.meeting_seconds == 3600);
  CHECK(r.meeting_ended);
  CHECK(r.enrolled == 4);
  CHECK(r.present == 2);
  CHECK(r.guests == 2);
  CHECK(r.attendance_percent == doctest::Approx(50.0));
  REQUIRE(r.people.size() == 6);
  // Learners first by name, then the instructor, then guests.
  CHECK(r.people[0].name == "Ali Hassan");
  CHECK(r.people[1].name == "Layla Amin");
  CHECK(r.people[2].name == "Omar Zaki");
  CHECK(r.people[3].name == "Sara Nour");
  CHECK(r.people[4].kind == as::PersonKind::instructor);
  CHECK(r.people[5].kind == as::PersonKind::guest);
  CHECK(r.people[5].name == "ضيف زائر");
  CHECK_FALSE(r.people[5].user_id);

  const auto* ali = find(r, 2);
  REQUIRE(ali != nullptr);
  CHECK(ali->duration_seconds == 3000);
  CHECK(ali->cycles == 2);
  CHECK(ali->present);
  CHECK(ali->first_join == at("2026-01-10T10:00:00Z"));
  CHECK(ali->last_leave == at("2026-01-10T11:00:00Z"));
  CHECK(ali->email == "ali@example.com");

  const auto* sara = find(r, 3);
  CHECK(sara->duration_seconds == 3000);
  CHECK(sara->present);

  const auto* omar = find(r, 4);
  CHECK(omar->duration_seconds == 1800);
  CHECK(omar->percent == doctest::Approx(50.0));
  CHECK_FALSE(omar->present);

  const auto* layla = find(r, 5);
  REQUIRE(layla != nullptr);
  CHECK(layla->duration_seconds == 0);
  CHECK_FALSE(layla->first_join);
  CHECK_FALSE(layla->present);
  CHECK(layla->cycles == 0);

  const auto* inst = find(r, 1);
  CHECK(inst->duration_seconds == 3600); // joined before the start: clipped
  CHECK(inst->first_join == at("2026-01-10T09:55:00Z"));

  const auto j = as::to_json(r);
  CHECK(j["people"].size() == 6);
  CHECK(j["people"][0]["first_join"] == "2026-01-10T10:00:00Z");
  CHECK(j["people"][1]["first_join"].is_null());
  CHECK(j["people"][1]["override"].is_null());
  CHECK(j["attendance_percent"] == 50.0);
  CHECK(j["meeting_end"] == "2026-01-10T11:00:00Z");
}

TEST_CASE("attendance_service::report threshold is configurable")
{
  TestDb t;
  seed_attendance(t);
  CHECK(report_of(t, 50).present == 3);
  CHECK(report_of(t, 90).present == 0);
  CHECK_FALSE(as::report(t.db(), 1, 101).has_value());
  CHECK(as::report(t.db(), 42).error().kind == zc::ErrorKind::not_found);
}

TEST_CASE("attendance_service::report of a running meeting is measured until as_of")
{
  TestDb t;
  zc_test::seed_class(t);
  t.exec("UPDATE sessions SET status = 'IN_PROGRESS', actual_start = '2026-01-10T10:00:00Z' WHERE id = 1");
  t.exec("INSERT INTO session_attendance (session_id, user_id, participant_key, join_time) VALUES"
         " (1, 2, 'a1', '2026-01-10T10:10:00Z')");
  auto r = as::report(t.db(), 1, 75, at("2026-01-10T10:40:00Z"));
  REQUIRE(r.has_value());
  CHECK_FALSE(r->meeting_ended);
  CHECK(r->meeting_seconds == 2400);
  CHECK(find(*r, 2)->duration_seconds == 1800);
  CHECK(find(*r, 2)->present);
  CHECK_FALSE(find(*r, 2)->last_leave);
}

TEST_CASE("attendance_service::report of a session that never started")
{
  TestDb t;
  zc_test::seed_class(t);
  auto r = as::report(t.db(), 1, 75, at("2026-01-10T12:00:00Z"));
  REQUIRE(r.has_value());
  CHECK(r->meeting_seconds == 0);
  CHECK(r->enrolled == 4);
  CHECK(r->present == 0);
  CHECK_FALSE(r->meeting_start);
}

TEST_CASE("attendance_service::override_attendance keeps history, audits, and the latest wins")
{
  TestDb t;
  seed_attendance(t);
  zc::set_clock([] { return at("2026-01-10T12:00:00Z"); });
  auto first = as::override_attendance(t.db(), 1, "omar@example.com", as::Presence::present, "camera broken, was there",
                                       "inst@example.com");
  REQUIRE_MESSAGE(first.has_value(), (first ? "" : first.error().message));
  CHECK_FALSE(first->before_present);
  CHECK(first->present);
  auto r = report_of(t);
  const auto* omar = find(r, 4);
  CHECK_FALSE(omar->computed_present);
  REQUIRE(omar->override_info);
  CHECK(omar->override_info->reason == "camera broken, was there");
  CHECK(omar->override_info->actor == "inst@example.com");
  CHECK(omar->override_info->at == "2026-01-10T12:00:00Z");
  CHECK(omar->present);
  CHECK(r.present == 3);

  zc::set_clock([] { return at("2026-01-10T12:05:00Z"); });
  auto second = as::override_attendance(t.db(), 1, "4", as::Presence::absent, "left early after all", "coordinator");
  REQUIRE(second.has_value());
  CHECK(second->before_present);
  zc::set_clock(nullptr);
  CHECK_FALSE(find(report_of(t), 4)->present);
  CHECK(t.count("SELECT COUNT(*) FROM attendance_overrides WHERE session_id = 1 AND user_id = 4") == 2);

  CHECK(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'attendance.override'") == 2);
  CHECK(t.text("SELECT entity FROM audit_log ORDER BY id LIMIT 1") == "session_attendance");
  CHECK(t.text("SELECT entity_id FROM audit_log ORDER BY id LIMIT 1") == "1:4");
  CHECK(t.text("SELECT actor FROM audit_log ORDER BY id LIMIT 1") == "inst@example.com");
  const auto before = nlohmann::json::parse(t.text("SELECT before_json FROM audit_log ORDER BY id DESC LIMIT 1"));
  const auto after = nlohmann::json::parse(t.text("SELECT after_json FROM audit_log ORDER BY id DESC LIMIT 1"));
  CHECK(before["present"] == true);
  CHECK(before["override"]["reason"] == "camera broken, was there");
  CHECK(after["present"] == false);
  CHECK(after["reason"] == "left early after all");

  // Email lookup is case-insensitive.
  CHECK(as::override_attendance(t.db(), 1, "SARA@EXAMPLE.COM", as::Presence::absent, "x", "y").has_value());
}

TEST_CASE("attendance_service::override_attendance audits the before value at the caller's threshold")
{
  TestDb t;
  seed_attendance(t);
  // Someone absent at the default threshold but with some time in the meeting.
  const auto r = report_of(t);
  const as::PersonAttendance* partial = nullptr;
  for (const auto& p : r.people) {
    if (p.user_id && !p.computed_present && p.percent > 1.0) {
      partial = &p;
    }
  }
  REQUIRE(partial != nullptr);
  const int threshold = static_cast<int>(partial->percent) - 1; // present at this threshold
  auto o = as::override_attendance(t.db(), 1, std::to_string(*partial->user_id), as::Presence::absent, "checked",
                                   "inst@example.com", threshold);
  REQUIRE_MESSAGE(o.has_value(), (o ? "" : o.error().message));
  CHECK(o->before_present);
  const auto before = nlohmann::json::parse(t.text("SELECT before_json FROM audit_log ORDER BY id DESC LIMIT 1"));
  CHECK(before["computed_present"] == true);
  CHECK(before["present"] == true);
}

TEST_CASE("attendance_service::override_attendance refuses bad requests with clear messages")
{
  TestDb t;
  seed_attendance(t);
  auto e1 = as::override_attendance(t.db(), 1, "omar@example.com", as::Presence::present, "  ", "inst");
  REQUIRE_FALSE(e1.has_value());
  CHECK(e1.error().kind == zc::ErrorKind::invalid_input);
  CHECK(e1.error().message.find("reason") != std::string::npos);

  auto e2 = as::override_attendance(t.db(), 99, "omar@example.com", as::Presence::present, "r", "inst");
  CHECK(e2.error().kind == zc::ErrorKind::not_found);
  CHECK(e2.error().message == "no session 99");

  auto e3 = as::override_attendance(t.db(), 1, "nobody@example.com", as::Presence::present, "r", "inst");
  CHECK(e3.error().kind == zc::ErrorKind::not_found);
  CHECK(e3.error().message == "no user nobody@example.com");

  auto e4 = as::override_attendance(t.db(), 1, "other@example.com", as::Presence::present, "r", "inst");
  CHECK(e4.error().kind == zc::ErrorKind::invalid_input);
  CHECK(e4.error().message.find("not in cohort") != std::string::npos);

  auto e5 = as::override_attendance(t.db(), 1, "omar@example.com", as::Presence::present, "r", "");
  CHECK(e5.error().kind == zc::ErrorKind::invalid_input);

  CHECK(t.count("SELECT COUNT(*) FROM attendance_overrides") == 0);
  CHECK(t.count("SELECT COUNT(*) FROM audit_log") == 0);
}

TEST_CASE("attendance_service::export_csv is RFC 4180, UTF-8 and safe for spreadsheets")
{
  TestDb t;
  seed_attendance(t);
  t.exec("UPDATE users SET name = 'عمر زكي' WHERE id = 4");
  t.exec("UPDATE users SET name = '=HYPERLINK(\"http://x\",\"y\")' WHERE id = 5");
  t.exec("UPDATE users SET name = 'Ali, \"the\" Hassan' WHERE id = 2");
  REQUIRE(as::override_attendance(t.db(), 1, "3", as::Presence::absent, "+1 said, she was\nnot there", "@inst")
              .has_value());
  const auto r = report_of(t);
  const auto csv = as::export_csv(r);
  CHECK(csv.rfind("user_id,email,name,kind,first_join,last_leave,duration_seconds,percent,computed_present,"
                  "override,override_reason,override_actor,override_at,present\r\n",
                  0) == 0);
  CHECK(csv.find("\xEF\xBB\xBF") == std::string::npos);
  CHECK(csv.find(
            "4,omar@example.com,عمر زكي,learner,2026-01-10T10:15:00Z,2026-01-10T10:45:00Z,1800,50.0,no,,,,,no\r\n") !=
        std::string::npos);
  CHECK(csv.find("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"") != std::string::npos);
  CHECK(csv.find("\"Ali, \"\"the\"\" Hassan\"") != std::string::npos);
  CHECK(csv.find("\"'+1 said, she was\nnot there\",'@inst,") != std::string::npos);
  CHECK(csv.find(",ضيف زائر,guest,") != std::string::npos);
  // One header and one line per person.
  std::size_t lines = 0;
  for (std::size_t i = csv.find("\r\n"); i != std::string::npos; i = csv.find("\r\n", i + 2)) {
    ++lines;
  }
  CHECK(lines == 7);
  const auto with_bom = as::export_csv(r, as::Bom::yes);
  CHECK(with_bom.rfind("\xEF\xBB\xBFuser_id,", 0) == 0);
}

TEST_CASE("attendance_service::reconcile fills what webhooks missed without doubling")
{
  TestDb t;
  seed_attendance(t);
  const auto participants = nlohmann::json::parse(R"([
    {"id":"","user_id":"16778240","name":"Ali","user_email":"ali@example.com","join_time":"2026-01-10T10:00:00Z","leave_time":"2026-01-10T10:20:00Z","duration":1200},
    {"id":"","user_id":"16778241","name":"Ali","user_email":"ali@example.com","join_time":"2026-01-10T10:21:00Z","leave_time":"2026-01-10T10:29:00Z","duration":480},
    {"id":"ZoomOmar123","user_id":"16778250","name":"Omar","user_email":"","join_time":"2026-01-10T10:40:00Z","leave_time":"2026-01-10T10:55:00Z","duration":900},
    {"id":"","user_id":"16778260","name":"Layla","user_email":"","customer_key":"5","join_time":"2026-01-10T10:05:00Z","leave_time":"2026-01-10T10:55:00Z","duration":3000},
    {"id":"","user_id":"16778270","name":"Walk-in","user_email":"","join_time":"2026-01-10T10:00:00Z","leave_time":"2026-01-10T10:30:00Z","duration":1800}
  ])");
  auto r = as::reconcile(t.db(), 1, participants, "ops");
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  CHECK(r->skipped_overlap == 2); // Ali's first visit (equal) and Omar's (overlapping) came by webhook
  CHECK(r->inserted == 3);        // Ali's gap visit, Layla (whose joins were lost), the walk-in guest
  CHECK(t.count("SELECT COUNT(*) FROM session_attendance WHERE source = 'report'") == 3);
  CHECK(t.count("SELECT user_id FROM session_attendance WHERE source = 'report' AND participant_name = 'Layla'") == 5);
  CHECK(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'attendance.reconcile'") == 1);

  const auto rep = report_of(t);
  CHECK(find(rep, 2)->duration_seconds == 3000 + 480);
  CHECK(find(rep, 5)->duration_seconds == 3000);
  CHECK(find(rep, 5)->present);
  CHECK(find(rep, 4)->duration_seconds == 1800); // not doubled

  // Running it again changes nothing.
  auto again = as::reconcile(t.db(), 1, nlohmann::json{{"participants", participants}});
  REQUIRE(again.has_value());
  CHECK(again->inserted == 0);
  CHECK(again->skipped_existing == 3);
  CHECK(t.count("SELECT COUNT(*) FROM session_attendance WHERE source = 'report'") == 3);
}

TEST_CASE("attendance_service::reconcile refuses malformed input as a whole")
{
  TestDb t;
  seed_attendance(t);
  auto e1 = as::reconcile(t.db(), 1, nlohmann::json::parse(R"({"x":1})"));
  CHECK(e1.error().kind == zc::ErrorKind::invalid_input);
  auto e2 = as::reconcile(t.db(), 1, nlohmann::json::parse(R"([
    {"user_id":"1","name":"A","join_time":"2026-01-10T10:00:00Z","leave_time":"2026-01-10T10:10:00Z"},
    {"user_id":"2","name":"B","join_time":"soon","leave_time":"2026-01-10T10:10:00Z"}])"));
  REQUIRE_FALSE(e2.has_value());
  CHECK(e2.error().message == "participants[1].join_time is missing or not ISO 8601");
  CHECK(as::reconcile(t.db(), 77, nlohmann::json::array()).error().kind == zc::ErrorKind::not_found);
  CHECK(t.count("SELECT COUNT(*) FROM session_attendance WHERE source = 'report'") == 0);
}

TEST_CASE("attendance_service::report of 1,000 participants with 20 cycles each is fast")
{
  TestDb t;
  zc_test::seed_class(t);
  t.exec("UPDATE sessions SET status = 'COMPLETED', actual_start = '2026-01-10T10:00:00Z',"
         " actual_end = '2026-01-10T12:00:00Z' WHERE id = 1");
  {
    zc::db::WriteTransaction tx(t.db());
    SQLite::Statement u(t.db().sql(), "INSERT INTO users (id, email, name, role) VALUES (?, ?, ?, 'learner')");
    SQLite::Statement m(t.db().sql(), "INSERT INTO cohort_members (cohort_id, user_id) VALUES (1, ?)");
    SQLite::Statement a(t.db().sql(),
                        "INSERT INTO session_attendance (session_id, user_id, participant_key,"
                        " participant_name, join_time, leave_time, duration) VALUES (1, ?, ?, ?, ?, ?, 300)");
    const auto start = at("2026-01-10T10:00:00Z");
    for (int i = 0; i < 1000; ++i) {
      const int id = 100 + i;
      u.bind(1, id);
      u.bind(2, "learner" + std::to_string(id) + "@example.com");
      u.bind(3, "Learner " + std::to_string(id));
      u.exec();
      u.reset();
      m.bind(1, id);
      m.exec();
      m.reset();
      for (int c = 0; c < 20; ++c) {
        const auto j = start + std::chrono::minutes(6 * c) + std::chrono::seconds(i % 60);
        a.bind(1, id);
        a.bind(2, std::to_string(id) + "-" + std::to_string(c));
        a.bind(3, "Learner " + std::to_string(id));
        a.bind(4, zc::format_iso8601(j));
        a.bind(5, zc::format_iso8601(j + std::chrono::minutes(5)));
        a.exec();
        a.reset();
      }
    }
    tx.commit();
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto r = as::report(t.db(), 1, 75, at("2026-01-10T13:00:00Z"));
  const auto csv = as::export_csv(*r);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(r.has_value());
  CHECK(r->enrolled == 1004);
  CHECK(r->people.size() == 1004);
  CHECK(find(*r, 100)->duration_seconds == 100 * 60);
  CHECK(find(*r, 100)->cycles == 20);
  MESSAGE("report + CSV of 1,000 x 20 cycles took " << ms << " ms");
  CHECK(ms < 1000);
}
