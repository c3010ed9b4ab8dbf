#pragma once
// Licenses (US-005): assigning and releasing a Zoom license (user type 2
// Licensed / 1 Basic) and the audit that compares the database with Zoom.

#include "core/db.hpp"
#include "core/services/directory.hpp"
#include "core/util/expected.hpp"
#include "core/zoom/client.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace zc::services {

/// Whether a license change did anything.
enum class LicenseChange { changed, unchanged };

/// The outcome of `assign_license` / `release_license`.
struct LicenseResult {
  User user; ///< as stored afterwards
  LicenseChange change = LicenseChange::changed;
};

/// The JSON form of `r`.
nlohmann::json to_json(const LicenseResult& r);

/// Assigns a license (PATCH type 2) to the instructor with email or id `user_key`,
/// provisioning the Zoom user first when needed, and records license_type and
/// license_assigned_at with an audit entry. When the account has no license left
/// the error says how many are in use, by whom, and how to free one; the local
/// record is not changed.
Expected<LicenseResult> assign_license(db::Database& db, zoom::ZoomClient& zoom, std::string_view user_key,
                                       std::string_view actor);

/// Returns the license of `user_key` (PATCH type 1 Basic) and records it.
Expected<LicenseResult> release_license(db::Database& db, zoom::ZoomClient& zoom, std::string_view user_key,
                                        std::string_view actor);

/// One thing the license audit found.
struct LicenseFinding {
  std::string kind;   ///< unlicensed_with_sessions, idle_license, type_mismatch, missing_in_zoom, id_mismatch,
                      ///< not_in_database
  std::string email;  ///< the person concerned
  std::string detail; ///< one line a person can act on
};

/// The JSON form of `f`.
nlohmann::json to_json(const LicenseFinding& f);

/// Compares the database with Zoom's user list: instructors with upcoming sessions but
/// no license, licensed users without a session in the last or next `idle_days` days,
/// records whose type, existence or id disagree with Zoom, and licensed Zoom users the
/// database does not know. Changes nothing.
Expected<std::vector<LicenseFinding>> audit_licenses(db::Database& db, zoom::ZoomClient& zoom, int idle_days);

} // namespace zc::services
