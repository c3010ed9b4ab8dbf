#include "core/db.hpp"

#include "core/db_migrations.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sqlite3.h>
#include <thread>
#include <unistd.h>

namespace zc::db {

namespace {

constexpr int k_busy_timeout_ms = 10000;

// Creates the file (and its directory) with owner-only permissions before SQLite opens it.
Expected<void> prepare_file(const std::string& path)
{
  const std::filesystem::path p(path);
  if (p.has_parent_path()) {
    std::error_code ec;
    if (!std::filesystem::exists(p.parent_path(), ec)) {
      std::filesystem::create_directories(p.parent_path(), ec);
      if (ec) {
        return make_error(ErrorKind::database,
                          fmt::format("cannot create directory {}: {}", p.parent_path().string(), ec.message()));
      }
      std::filesystem::permissions(p.parent_path(), std::filesystem::perms::owner_all, ec);
    }
  }
  // Create the file owner-only, but never open()/close() an existing one: closing any descriptor of
  // the file drops every POSIX lock this process's SQLite connections hold on it (another process
  // could then checkpoint and delete the WAL under a live connection, losing committed writes).
  const int fd =
      ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600); // NOLINT(cppcoreguidelines-pro-type-vararg)
  if (fd < 0) {
    if (errno == EEXIST) {
      return {};
    }
    return make_error(ErrorKind::database, fmt::format("cannot open database {}: {}", path, std::strerror(errno)));
  }
  ::close(fd);
  return {};
}

// Switches the file to WAL. On a file not yet in WAL (its first use) the switch upgrades a read lock to
// the write lock, and SQLite answers SQLITE_BUSY at once instead of waiting on the busy timeout when
// another process holds the write lock (say the daemon and a cron job starting together on a fresh
// install): retry until the busy timeout has passed. On a WAL file it changes nothing and cannot be busy.
void set_wal(SQLite::Database& db, const std::string& path)
{
  if (path == ":memory:") {
    db.exec("PRAGMA journal_mode = WAL");
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(k_busy_timeout_ms);
  while (true) {
    try {
      SQLite::Statement q(db, "PRAGMA journal_mode = WAL");
      const std::string mode = q.executeStep() ? q.getColumn(0).getString() : std::string();
      if (mode != "wal") {
        throw SQLite::Exception(fmt::format("the database could not be switched to WAL (journal mode is '{}')", mode));
      }
      return;
    } catch (const SQLite::Exception& e) {
      const int code = e.getErrorCode() & 0xff;
      if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) || std::chrono::steady_clock::now() >= deadline) {
        throw;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int current_version(SQLite::Database& db)
{
  if (!db.tableExists("schema_migrations")) {
    return 0;
  }
  SQLite::Statement q(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  q.executeStep();
  return q.getColumn(0).getInt();
}

} // namespace

int latest_version()
{
  const auto& all = embedded_migrations();
  return all.empty() ? 0 : all.back().version;
}

Database::Database(std::unique_ptr<SQLite::Database> db, std::string path)
    : m_db(std::move(db)), m_path(std::move(path))
{}

Expected<Database> Database::open(const std::string& path, Migrate migrate)
{
  if (path != ":memory:") {
    if (auto ok = prepare_file(path); !ok) {
      return ok.error();
    }
  }
  try {
    auto sdb =
        std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX);
    sdb->setBusyTimeout(k_busy_timeout_ms);
    set_wal(*sdb, path);
    sdb->exec("PRAGMA synchronous = FULL");
    sdb->exec("PRAGMA foreign_keys = ON");
    Database db(std::move(sdb), path);
    const int version = current_version(db.sql());
    if (version > latest_version()) {
      return make_error(ErrorKind::database,
                        fmt::format("database {} has schema version {}, newer than this zoomctl knows ({}); "
                                    "upgrade zoomctl instead of using an older binary on it",
                                    path, version, latest_version()));
    }
    if (migrate == Migrate::yes && version < latest_version()) {
      if (auto n = db.migrate(); !n) {
        return n.error();
      }
    }
    return db;
  } catch (const SQLite::Exception& e) {
    return make_error(ErrorKind::database, fmt::format("cannot open database {}: {}", path, e.what()));
  }
}

Expected<int> Database::migrate()
{
  int applied = 0;
  try {
    m_db->exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
               " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
               " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))");
    for (const auto& m : embedded_migrations()) {
      WriteTransaction tx(*this);
      // Re-read inside the write lock: another process may have migrated meanwhile.
      const int version = current_version(*m_db);
      if (version > latest_version()) {
        return make_error(ErrorKind::database, fmt::format("database schema version {} is newer than this binary ({})",
                                                           version, latest_version()));
      }
      if (m.version <= version) {
        continue;
      }
      m_db->exec(std::string(m.sql));
      SQLite::Statement ins(*m_db, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)");
      ins.bind(1, m.version);
      ins.bind(2, std::string(m.name));
      ins.exec();
      tx.commit();
      ++applied;
    }
  } catch (const SQLite::Exception& e) {
    return make_error(ErrorKind::database, fmt::format("migration failed on {}: {}", m_path, e.what()));
  }
  return applied;
}

Status Database::status()
{
  Status s;
  s.path = m_path;
  s.version = current_version(*m_db);
  s.latest = latest_version();
  SQLite::Statement q(*m_db, "PRAGMA journal_mode");
  if (q.executeStep()) {
    s.journal_mode = q.getColumn(0).getString();
  }
  return s;
}

WriteTransaction::WriteTransaction(Database& db) : m_db(db.sql())
{
  m_db.exec("BEGIN IMMEDIATE");
}

WriteTransaction::~WriteTransaction()
{
  if (!m_done) {
    try {
      m_db.exec("ROLLBACK");
    } catch (...) { // NOLINT(bugprone-empty-catch): nothing to do in a destructor
    }
  }
}

void WriteTransaction::commit()
{
  m_db.exec("COMMIT");
  m_done = true;
}

} // namespace zc::db
