#pragma once
// The local directory: people (instructors, learners, staff) and cohorts.

#include "core/db.hpp"
#include "core/model.hpp"
#include "core/util/expected.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zc::services {

/// A person known to the platform.
struct User {
  std::int64_t id = 0;
  std::string email;
  std::string name;
  Role role = Role::learner;
  std::optional<std::string> zoom_user_id;
  std::optional<std::string> zoom_status;
  std::optional<int> license_type;
  std::optional<std::string> license_assigned_at;
  std::string created_at;
  std::int64_t link_generation = 0; ///< moved on by `zoomctl link --revoke`; links carry the one they were made in
};

/// The JSON form of `u` used by `--json` output and the API.
nlohmann::json to_json(const User& u);

/// Returns an empty string when `email` is a plausible address, else what is wrong with it.
std::string email_problem(std::string_view email);

/// Adds a person; refuses a malformed email, an empty name or an email already present.
Expected<User> add_user(db::Database& db, std::string_view email, std::string_view name, Role role,
                        std::string_view actor);

/// Every person, optionally only those with `role`, ordered by email.
std::vector<User> list_users(db::Database& db, std::optional<Role> role = std::nullopt);

/// The person with email (case-insensitive) or numeric id `key`.
Expected<User> find_user(db::Database& db, std::string_view key);

/// What a user import did with one row.
enum class UserImportOutcome { added, updated, unchanged };

/// "added", "updated" or "unchanged".
std::string_view to_string(UserImportOutcome o);

/// The result of one row of a user import.
struct UserImportRow {
  int line = 0; ///< 1-based line of the row in the file
  std::string email;
  UserImportOutcome outcome = UserImportOutcome::unchanged;
  std::vector<std::string> changed;  ///< for `updated`: "name", "role", "cohort"
  User user;                         ///< the person as stored after the import
  std::optional<std::string> cohort; ///< the cohort the row named, if any
  bool enrolled = false;             ///< whether this import enrolled the person in `cohort`
};

/// The JSON form of `r`: `{line, email, outcome, changed, cohort, enrolled, user}`.
nlohmann::json to_json(const UserImportRow& r);

/// Imports people from the CSV `text` (RFC 4180, UTF-8, optional BOM, CRLF or LF)
/// with the header `email,name,role` in any order and any case, plus an optional
/// `cohort` column (a cohort name or id; empty cells enroll nowhere). Every row is
/// checked first: a plausible email, not repeated in the file, a non-empty name, a
/// known role, an existing cohort, and no instructor who still has scheduled
/// sessions losing that role; any problem refuses the whole file with one line per
/// problem naming its line number, and nothing is written. Otherwise, in one write
/// transaction, a new email is added, a person whose name or role differs is updated
/// (audited with before and after), the rest are left unchanged; a named cohort the
/// person is not in yet is joined. Memberships are only ever added. `on_each` is
/// called after each row with the number of rows.
Expected<std::vector<UserImportRow>> import_users(db::Database& db, std::string_view text, std::string_view actor,
                                                  const std::function<void(std::size_t total)>& on_each = {});

/// A cohort: the group of learners expected at its sessions.
struct Cohort {
  std::int64_t id = 0;
  std::string name;
  int members = 0;
  std::string created_at;
};

/// The JSON form of `c`.
nlohmann::json to_json(const Cohort& c);

/// Adds a cohort; refuses an empty or duplicate name.
Expected<Cohort> add_cohort(db::Database& db, std::string_view name, std::string_view actor);

/// The cohort with name (case-insensitive) or numeric id `key`.
Expected<Cohort> find_cohort(db::Database& db, std::string_view key);

/// Every cohort with its member count, ordered by name.
std::vector<Cohort> list_cohorts(db::Database& db);

/// Outcome of enrolling people in a cohort.
struct EnrollResult {
  Cohort cohort;
  std::vector<std::string> added;   ///< emails newly enrolled
  std::vector<std::string> already; ///< emails that were members before
};

/// Enrolls the people with `emails` in cohort `cohort_key`: all or nothing, so an
/// unknown email or cohort changes nothing.
Expected<EnrollResult> enroll(db::Database& db, std::string_view cohort_key, const std::vector<std::string>& emails,
                              std::string_view actor);

/// The members of cohort `cohort_id`, ordered by email.
std::vector<User> cohort_members(db::Database& db, std::int64_t cohort_id);

} // namespace zc::services
