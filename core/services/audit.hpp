#pragma once
// The audit log: every change an operator or instructor makes, with before and after.

#include <SQLiteCpp/Database.h>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace zc::services {

/// Appends an audit entry inside the caller's transaction: `actor` did `action` on
/// `entity` `entity_id`, changing it from `before` to `after` (null when absent).
void audit(SQLite::Database& db, std::string_view actor, std::string_view action, std::string_view entity,
           std::string_view entity_id, const nlohmann::json& before, const nlohmann::json& after);

/// The OS user running this process, as the default actor ("unknown" when it cannot be told).
std::string os_user();

} // namespace zc::services
