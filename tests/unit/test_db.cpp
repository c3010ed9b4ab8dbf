#include "scratch.hpp"

#include "core/db.hpp"
#include "core/db_migrations.hpp"
#include "core/model.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <string>
#include <vector>

TEST_CASE("db::open creates a migrated database readable by its owner only")
{
  zc::test::Scratch dir;
  const auto path = dir.file("sub/dir/z.db");
  auto db = zc::db::Database::open(path, zc::db::Migrate::yes);
  REQUIRE(db);
  const auto st = db->status();
  CHECK(st.version == zc::db::latest_version());
  CHECK(st.journal_mode == "wal");
  struct stat sb {};
  REQUIRE(::stat(path.c_str(), &sb) == 0);
  CHECK((sb.st_mode & 0777) == 0600);
  CHECK(db->sql().tableExists("sessions"));
  CHECK(db->sql().tableExists("session_attendance"));
  CHECK(db->sql().tableExists("webhook_events"));
  SQLite::Statement fk(db->sql(), "PRAGMA foreign_keys");
  REQUIRE(fk.executeStep());
  CHECK(fk.getColumn(0).getInt() == 1);
}

TEST_CASE("db::migrate is a no-op when current")
{
  zc::test::Scratch dir;
  auto db = zc::db::Database::open(dir.file("z.db"), zc::db::Migrate::no);
  REQUIRE(db);
  CHECK(db->status().version == 0);
  auto first = db->migrate();
  REQUIRE(first);
  CHECK(*first == static_cast<int>(zc::db::embedded_migrations().size()));
  auto again = db->migrate();
  REQUIRE(again);
  CHECK(*again == 0);
  SQLite::Statement q(db->sql(), "SELECT COUNT(*) FROM schema_migrations");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getInt() == static_cast<int>(zc::db::embedded_migrations().size()));
}

TEST_CASE("db::open refuses a database newer than the binary")
{
  zc::test::Scratch dir;
  const auto path = dir.file("z.db");
  {
    auto db = zc::db::Database::open(path, zc::db::Migrate::yes);
    REQUIRE(db);
    db->sql().exec("INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')");
  }
  auto db = zc::db::Database::open(path, zc::db::Migrate::yes);
  REQUIRE_FALSE(db);
  CHECK(db.error().kind == zc::ErrorKind::database);
  CHECK(db.error().message.find("newer") != std::string::npos);
  CHECK(db.error().message.find("9999") != std::string::npos);
}

TEST_CASE("db: the sessions status CHECK matches SessionStatus")
{
  zc::test::Scratch dir;
  auto db = zc::db::Database::open(dir.file("z.db"), zc::db::Migrate::yes);
  REQUIRE(db);
  auto& sql = db->sql();
  sql.exec("INSERT INTO users (email, name, role) VALUES ('i@x.io', 'I', 'instructor')");
  sql.exec("INSERT INTO cohorts (name) VALUES ('c')");
  for (const auto s : {zc::SessionStatus::scheduled, zc::SessionStatus::in_progress, zc::SessionStatus::completed,
                       zc::SessionStatus::cancelled}) {
    SQLite::Statement ins(sql, "INSERT INTO sessions (cohort_id, instructor_id, topic, start_time, duration, status) "
                               "VALUES (1, 1, 't', '2026-12-01T10:00:00Z', 60, ?)");
    ins.bind(1, std::string(zc::to_string(s)));
    CHECK_NOTHROW(ins.exec());
  }
  CHECK_THROWS(sql.exec("INSERT INTO sessions (cohort_id, instructor_id, topic, start_time, duration, status) "
                        "VALUES (1, 1, 't', '2026-12-01T10:00:00Z', 60, 'STARTED')"));
  CHECK_THROWS(sql.exec("INSERT INTO sessions (cohort_id, instructor_id, topic, start_time, duration) "
                        "VALUES (1, 1, 't', '2026-12-01T10:00:00Z', 0)"));
  CHECK_THROWS(sql.exec("INSERT INTO sessions (cohort_id, instructor_id, topic, start_time, duration) "
                        "VALUES (99, 1, 't', '2026-12-01T10:00:00Z', 60)"));
}

TEST_CASE("db::WriteTransaction rolls back unless committed")
{
  zc::test::Scratch dir;
  auto db = zc::db::Database::open(dir.file("z.db"), zc::db::Migrate::yes);
  REQUIRE(db);
  {
    zc::db::WriteTransaction tx(*db);
    db->sql().exec("INSERT INTO cohorts (name) VALUES ('gone')");
  }
  {
    zc::db::WriteTransaction tx(*db);
    db->sql().exec("INSERT INTO cohorts (name) VALUES ('kept')");
    tx.commit();
  }
  SQLite::Statement q(db->sql(), "SELECT group_concat(name) FROM cohorts");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getString() == "kept");
}

TEST_CASE("model: SessionStatus and Role round-trip through their stored names")
{
  for (const auto s : {zc::SessionStatus::scheduled, zc::SessionStatus::in_progress, zc::SessionStatus::completed,
                       zc::SessionStatus::cancelled}) {
    CHECK(zc::parse_session_status(zc::to_string(s)) == s);
  }
  CHECK(zc::to_string(zc::SessionStatus::in_progress) == "IN_PROGRESS");
  CHECK_FALSE(zc::parse_session_status("in_progress"));
  CHECK(zc::parse_role("instructor") == zc::Role::instructor);
  CHECK_FALSE(zc::parse_role("wizard"));
}

TEST_CASE("db: session listings filtered by instructor or cohort use an index that fits every filter")
{
  // The WHERE shapes `session list` builds (core/services/scheduling.cpp); SQLite has no
  // statistics here, so the plan must follow from the indexes alone.
  zc::test::Scratch dir;
  auto db = zc::db::Database::open(dir.file("z.db"), zc::db::Migrate::yes);
  REQUIRE(db);
  const std::pair<const char*, const char*> cases[] = {
      {"s.status = 'SCHEDULED' AND s.start_time >= '2026' AND s.instructor_id = 1",
       "sessions_instructor_status (instructor_id=? AND status=? AND start_time>?)"},
      {"s.status = 'SCHEDULED' AND s.start_time >= '2026' AND s.cohort_id = 1",
       "sessions_cohort_status (cohort_id=? AND status=? AND start_time>?)"},
      {"s.start_time >= '2026' AND s.start_time < '2027' AND s.instructor_id = 1",
       "sessions_instructor (instructor_id=? AND start_time>? AND start_time<?)"},
      {"s.start_time >= '2026' AND s.start_time < '2027'", "sessions_start (start_time>? AND start_time<?)"},
  };
  for (const auto& [where, index] : cases) {
    SQLite::Statement q(db->sql(), std::string("EXPLAIN QUERY PLAN SELECT s.id, s.topic FROM sessions s WHERE ") +
                                       where + " ORDER BY s.start_time, s.id");
    std::string plan;
    while (q.executeStep()) {
      plan += q.getColumn(3).getString() + "\n";
    }
    CAPTURE(plan);
    CHECK(plan.find(index) != std::string::npos);
  }
}

TEST_CASE("db: version 6 keeps each session's meeting run from before as its first run")
{
  zc::test::Scratch dir;
  auto db = zc::db::Database::open(dir.file("z.db"), zc::db::Migrate::no);
  REQUIRE(db);
  auto& sql = db->sql();
  // A version-5 file with one finished, one running and one unstarted session.
  sql.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
           " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))");
  for (const auto& m : zc::db::embedded_migrations()) {
    if (m.version <= 5) {
      sql.exec(std::string(m.sql));
      SQLite::Statement ins(sql, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)");
      ins.bind(1, m.version);
      ins.bind(2, std::string(m.name));
      ins.exec();
    }
  }
  sql.exec("INSERT INTO users (id, email, name, role) VALUES (1, 'i@example.com', 'I', 'instructor')");
  sql.exec("INSERT INTO cohorts (id, name) VALUES (1, 'C')");
  sql.exec("INSERT INTO sessions (id, cohort_id, instructor_id, topic, zoom_meeting_id, zoom_meeting_uuid, start_time,"
           " duration, status, actual_start, actual_end) VALUES"
           " (1, 1, 1, 'done', 11, 'u1==', '2026-01-10T10:00:00Z', 60, 'COMPLETED', '2026-01-10T10:01:00Z',"
           "  '2026-01-10T11:00:00Z'),"
           " (2, 1, 1, 'running', 12, NULL, '2026-01-10T10:00:00Z', 60, 'IN_PROGRESS', '2026-01-10T10:02:00Z', NULL),"
           " (3, 1, 1, 'later', 13, 'u3==', '2026-01-11T10:00:00Z', 60, 'SCHEDULED', NULL, NULL)");
  auto applied = db->migrate();
  REQUIRE(applied);
  CHECK(*applied == static_cast<int>(zc::db::embedded_migrations().size()) - 5);
  SQLite::Statement q(sql, "SELECT session_id, uuid, start_time, COALESCE(end_time, '-') FROM meeting_instances"
                           " ORDER BY session_id");
  std::vector<std::string> rows;
  while (q.executeStep()) {
    rows.push_back(fmt::format("{} {} {} {}", q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                               q.getColumn(2).getString(), q.getColumn(3).getString()));
  }
  CHECK(rows ==
        std::vector<std::string>{"1 u1== 2026-01-10T10:01:00Z 2026-01-10T11:00:00Z", "2  2026-01-10T10:02:00Z -"});
}
