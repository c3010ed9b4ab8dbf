#pragma once
// Shared set-up for the webhook and attendance tests: a scratch directory with a
// fresh migrated database, plain-SQL seeding, and signed deliveries.

#include "core/db.hpp"
#include "core/util/time.hpp"
#include "core/webhook.hpp"

#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace zc_test {

/// A scratch directory removed at the end of the test.
class ScratchDir
{
public:
  ScratchDir()
  {
    std::string templ = (std::filesystem::temp_directory_path() / "zoomctl-att-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    m_path = templ;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir()
  {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

private:
  std::filesystem::path m_path;
};

/// A fresh migrated database: in a scratch directory, or in memory for loops that need thousands.
class TestDb
{
public:
  enum class Where { file, memory };
  explicit TestDb(Where where = Where::file)
      : m_db(zc::value_or_throw(zc::db::Database::open(where == Where::file ? (m_dir.path() / "zoomctl.db").string()
                                                                            : std::string(":memory:"),
                                                       zc::db::Migrate::yes)))
  {
    m_db.sql().exec("PRAGMA synchronous = OFF");
  }
  zc::db::Database& db() { return m_db; }
  void exec(const std::string& sql) { m_db.sql().exec(sql); }
  std::int64_t count(const std::string& sql)
  {
    SQLite::Statement q(m_db.sql(), sql);
    q.executeStep();
    return q.getColumn(0).getInt64();
  }
  std::string text(const std::string& sql)
  {
    SQLite::Statement q(m_db.sql(), sql);
    if (!q.executeStep() || q.getColumn(0).isNull()) {
      return {};
    }
    return q.getColumn(0).getString();
  }

private:
  ScratchDir m_dir;
  zc::db::Database m_db;
};

/// Seeds: instructor 1, learners 2 (Ali, customer key use), 3 (Sara, email match), 4 (Omar, zoom id match),
/// 5 (Layla, never joins), 6 (not in the cohort); cohort 1; session 1 on meeting 86431910364.
inline void seed_class(TestDb& t)
{
  t.exec("INSERT INTO users (id, email, name, role, zoom_user_id) VALUES"
         " (1, 'inst@example.com', 'Instructor Ines', 'instructor', 'tUo7WohjTs6ELvl9WR3JAA'),"
         " (2, 'ali@example.com', 'Ali Hassan', 'learner', NULL),"
         " (3, 'Sara@Example.com', 'Sara Nour', 'learner', NULL),"
         " (4, 'omar@example.com', 'Omar Zaki', 'learner', 'ZoomOmar123'),"
         " (5, 'layla@example.com', 'Layla Amin', 'learner', NULL),"
         " (6, 'other@example.com', 'Other Person', 'learner', NULL)");
  t.exec("INSERT INTO cohorts (id, name) VALUES (1, 'Cohort A'), (2, 'Cohort B')");
  t.exec("INSERT INTO cohort_members (cohort_id, user_id) VALUES (1, 2), (1, 3), (1, 4), (1, 5), (2, 6)");
  t.exec("INSERT INTO sessions (id, cohort_id, instructor_id, topic, zoom_meeting_id, start_time, duration)"
         " VALUES (1, 1, 1, 'Week 1', 86431910364, '2022-03-23T12:30:00Z', 60)");
}

/// The secret used by the tests (the one of ../shared/zoom/test_vectors.txt).
inline constexpr std::string_view k_secret = "zoom_test_secret";

/// Headers Zoom would send for `body` at `ts` (epoch seconds) under `k_secret`.
inline zc::webhook::Headers signed_headers(std::string_view body, std::int64_t ts)
{
  const std::string t = std::to_string(ts);
  return zc::webhook::Headers{{"x-zm-request-timestamp", t},
                              {"x-zm-signature", zc::webhook::signature(k_secret, t, body)},
                              {"x-zm-request-id", "6009d653_d487_445d_8406_42b654974899"},
                              {"content-type", "application/json; charset=utf-8"}};
}

// payloads/captured_2022_*.json: real deliveries (object.id a string, registrant_id null then "").
inline constexpr std::string_view k_captured_started = R"({
    "event": "meeting.started",
    "payload": {
        "account_id": "PX5yQAcnT5azdXF5ma2Apw",
        "object": {
            "duration": 0,
            "start_time": "2022-03-23T12:33:26Z",
            "timezone": "",
            "topic": "Jan Šimonek's Zoom Meeting",
            "id": "86431910364",
            "type": 1,
            "uuid": "hwkAADUySwyG3GyUkqc0vA==",
            "host_id": "tUo7WohjTs6ELvl9WR3JAA"
        }
    },
    "event_ts": 1648038806658
})";

inline constexpr std::string_view k_captured_joined = R"({
    "payload": {
        "account_id": "PX5yQAcnT5azdXF5ma2Apw",
        "object": {
            "uuid": "hwkAADUySwyG3GyUkqc0vA==",
            "participant": {
                "user_id": "16778240",
                "user_name": "Jan Šimonek",
                "registrant_id": null,
                "participant_user_id": "tUo7WohjTs6ELvl9WR3JAA",
                "id": "tUo7WohjTs6ELvl9WR3JAA",
                "join_time": "2022-03-23T12:33:26Z",
                "email": "jan.simonek@gmail.com"
            },
            "id": "86431910364",
            "type": 1,
            "topic": "Jan Šimonek's Zoom Meeting",
            "host_id": "tUo7WohjTs6ELvl9WR3JAA",
            "duration": 0,
            "start_time": "2022-03-23T12:33:26Z",
            "timezone": ""
        }
    },
    "event_ts": 1648038809439,
    "event": "meeting.participant_joined"
})";

inline constexpr std::string_view k_captured_left = R"({
    "payload": {
        "account_id": "PX5yQAcnT5azdXF5ma2Apw",
        "object": {
            "uuid": "hwkAADUySwyG3GyUkqc0vA==",
            "participant": {
                "leave_time": "2022-03-23T12:33:39Z",
                "user_id": "16778240",
                "user_name": "Jan Šimonek",
                "registrant_id": "",
                "participant_user_id": "tUo7WohjTs6ELvl9WR3JAA",
                "id": "tUo7WohjTs6ELvl9WR3JAA",
                "leave_reason": "left the meeting. Reason : Host ended the meeting.",
                "email": "jan.simonek@gmail.com"
            },
            "id": "86431910364",
            "type": 1,
            "topic": "Jan Šimonek's Zoom Meeting",
            "host_id": "tUo7WohjTs6ELvl9WR3JAA",
            "duration": 0,
            "start_time": "2022-03-23T12:33:26Z",
            "timezone": ""
        }
    },
    "event_ts": 1648038821536,
    "event": "meeting.participant_left"
})";

inline constexpr std::string_view k_captured_ended = R"({
    "event": "meeting.ended",
    "payload": {
        "account_id": "PX5yQAcnT5azdXF5ma2Apw",
        "object": {
            "duration": 0,
            "start_time": "2022-03-23T12:33:26Z",
            "timezone": "",
            "end_time": "2022-03-23T12:33:39Z",
            "topic": "Jan Šimonek's Zoom Meeting",
            "id": "86431910364",
            "type": 1,
            "uuid": "hwkAADUySwyG3GyUkqc0vA==",
            "host_id": "tUo7WohjTs6ELvl9WR3JAA"
        }
    },
    "event_ts": 1648038819111
})";

// payloads/devforum_2019_*.json: no participant_uuid, no email, user_id differs between join and leave.
inline constexpr std::string_view k_2019_joined =
    R"({"event": "meeting.participant_joined", "payload": {"object": {"id": "842077624", "type": 2, "uuid": "tubFEWg9SAaVamwu6V0+kw==", "topic": "Erhan Ali Yılmaz - 1262", "host_id": "0suXBYNISdOR71g8xuvdxQ", "duration": 60, "timezone": "Europe/Istanbul", "start_time": "2019-11-02T19:42:04Z", "participant": {"id": "0suXBYNISdOR71g8xuvdxQ", "user_id": "16780288", "join_time": "2019-11-02T19:43:16Z", "user_name": "Host"}}, "account_id": "8uNqtHFMTI680LJICbjrPA"}})";
inline constexpr std::string_view k_2019_left =
    R"({"event": "meeting.participant_left", "payload": {"object": {"id": "842077624", "type": 2, "uuid": "tubFEWg9SAaVamwu6V0+kw==", "topic": "Erhan Ali Yılmaz - 1262", "host_id": "0suXBYNISdOR71g8xuvdxQ", "duration": 60, "timezone": "Europe/Istanbul", "start_time": "2019-11-02T19:42:04Z", "participant": {"id": "0suXBYNISdOR71g8xuvdxQ", "user_id": "16778240", "user_name": "Host", "leave_time": "2019-11-02T19:43:48Z"}}, "account_id": "8uNqtHFMTI680LJICbjrPA"}})";

/// Shorthand for an ISO 8601 UTC time.
inline zc::Seconds at(std::string_view iso)
{
  return *zc::parse_iso8601(iso);
}

} // namespace zc_test
