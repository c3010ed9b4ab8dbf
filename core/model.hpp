#pragma once
// Enumerations of the data model with their string forms as stored in SQLite.

#include <optional>
#include <string_view>

namespace zc {

/// SessionStatus (US-003): the life of a training session.
enum class SessionStatus { scheduled, in_progress, completed, cancelled };

/// "SCHEDULED", "IN_PROGRESS", "COMPLETED" or "CANCELLED".
std::string_view to_string(SessionStatus s);
/// Parses the stored form (case-sensitive, as the CHECK constraint is).
std::optional<SessionStatus> parse_session_status(std::string_view s);

/// The role of a person on the platform.
enum class Role { instructor, learner, coordinator, admin };

/// "instructor", "learner", "coordinator" or "admin".
std::string_view to_string(Role r);
/// Parses a role name (lower case).
std::optional<Role> parse_role(std::string_view s);

} // namespace zc
