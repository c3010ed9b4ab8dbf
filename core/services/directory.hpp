#pragma once
// The local directory: people (instructors, learners, staff) and cohorts.

#include "core/db.hpp"
#include "core/model.hpp"
#include "core/util/expected.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
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
