#include "core/model.hpp"

#include <array>
#include <utility>

namespace zc {

namespace {

constexpr std::array<std::pair<SessionStatus, std::string_view>, 4> k_statuses = {{
    {SessionStatus::scheduled, "SCHEDULED"},
    {SessionStatus::in_progress, "IN_PROGRESS"},
    {SessionStatus::completed, "COMPLETED"},
    {SessionStatus::cancelled, "CANCELLED"},
}};

constexpr std::array<std::pair<Role, std::string_view>, 4> k_roles = {{
    {Role::instructor, "instructor"},
    {Role::learner, "learner"},
    {Role::coordinator, "coordinator"},
    {Role::admin, "admin"},
}};

} // namespace

std::string_view to_string(SessionStatus s)
{
  for (const auto& [v, n] : k_statuses) {
    if (v == s) {
      return n;
    }
  }
  return "?";
}

std::optional<SessionStatus> parse_session_status(std::string_view s)
{
  for (const auto& [v, n] : k_statuses) {
    if (n == s) {
      return v;
    }
  }
  return std::nullopt;
}

std::string_view to_string(Role r)
{
  for (const auto& [v, n] : k_roles) {
    if (v == r) {
      return n;
    }
  }
  return "?";
}

std::optional<Role> parse_role(std::string_view s)
{
  for (const auto& [v, n] : k_roles) {
    if (n == s) {
      return v;
    }
  }
  return std::nullopt;
}

} // namespace zc
