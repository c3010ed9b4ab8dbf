#include "scratch.hpp"

#include "core/db.hpp"
#include "core/db_migrations.hpp"
#include "core/model.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

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
