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

/// Shorthand for an ISO 8601 UTC time.
inline zc::Seconds at(std::string_view iso)
{
  return *zc::parse_iso8601(iso);
}

} // namespace zc_test
