#pragma once
// The SQLite database: opening with the pragmas zoomctl relies on, embedded
// migrations, and write transactions that take the write lock up front.

#include "core/util/expected.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <memory>
#include <string>

namespace zc::db {

/// Whether `open` may run pending migrations.
enum class Migrate { no, yes };

/// The schema state of a database file.
struct Status {
  int version = 0; ///< highest applied migration
  int latest = 0;  ///< highest migration this binary knows
  std::string path;
  std::string journal_mode;
};

/// An open database. Move-only; one per thread (SQLite connections are not shared).
class Database
{
public:
  /// Opens (creating, readable by its owner only) the file at `path`, sets WAL,
  /// foreign keys and a busy timeout, refuses a schema newer than this binary,
  /// and applies pending migrations when `migrate` is yes.
  static Expected<Database> open(const std::string& path, Migrate migrate);

  /// Applies every pending migration, each in its own transaction; returns how many ran.
  Expected<int> migrate();

  /// The schema version and related facts.
  Status status();

  /// The underlying SQLiteCpp connection.
  SQLite::Database& sql() { return *m_db; }

  /// The file path.
  [[nodiscard]] const std::string& path() const { return m_path; }

private:
  Database(std::unique_ptr<SQLite::Database> db, std::string path);
  std::unique_ptr<SQLite::Database> m_db;
  std::string m_path;
};

/// A write transaction started with BEGIN IMMEDIATE, so that concurrent writers
/// wait on the busy timeout instead of failing at commit. Rolls back unless committed.
class WriteTransaction
{
public:
  explicit WriteTransaction(Database& db);
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  ~WriteTransaction();
  /// Commits; throws on failure.
  void commit();

private:
  SQLite::Database& m_db;
  bool m_done = false;
};

/// The highest migration version embedded in this binary.
int latest_version();

} // namespace zc::db
