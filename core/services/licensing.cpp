#include "core/services/licensing.hpp"

#include "core/services/audit.hpp"
#include "core/services/provisioning.hpp"
#include "core/util/time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

namespace zc::services {

namespace {

constexpr int k_basic = static_cast<int>(zoom::UserType::basic);
constexpr int k_licensed = static_cast<int>(zoom::UserType::licensed);

std::string lower(std::string s)
{
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(c < 0x80 ? std::tolower(c) : c); });
  return s;
}

// Every Zoom user of the account (active, pending and inactive), keyed by lower-case email.
Expected<std::map<std::string, zoom::User>> zoom_users_by_email(zoom::ZoomClient& zoom)
{
  std::map<std::string, zoom::User> out;
  for (const auto status : {zoom::UserStatus::active, zoom::UserStatus::pending, zoom::UserStatus::inactive}) {
    auto users = zoom.list_users(status);
    if (!users) {
      return users.error();
    }
    for (auto& u : *users) {
      if (u.status.empty()) {
        u.status = status == zoom::UserStatus::active    ? "active"
                   : status == zoom::UserStatus::pending ? "pending"
                                                         : "inactive";
      }
      out.emplace(lower(u.email), std::move(u));
    }
  }
  return out;
}

// The message for a full account: who holds the licenses and how to free one.
std::string license_limit_message(zoom::ZoomClient& zoom, const User& user, const Error& err)
{
  std::string holders;
  std::size_t count = 0;
  if (auto users = zoom_users_by_email(zoom)) {
    for (const auto& [email, u] : *users) {
      if (u.type == k_licensed) {
        ++count;
        holders += fmt::format("{}{}", holders.empty() ? "" : ", ", u.email);
      }
    }
  } else {
    holders = "(cannot list them: " + users.error().message + ")";
  }
  return fmt::format("no Zoom license is free for {}: the account has {} license{} in use ({}); free one with "
                     "'zoomctl license release EMAIL' or buy more in Zoom, then run 'zoomctl license assign {}' "
                     "again. [Zoom code {}]",
                     user.email, count, count == 1 ? "" : "s", holders.empty() ? "none listed" : holders, user.email,
                     err.zoom_code);
}

Expected<LicenseResult> set_type(db::Database& db, zoom::ZoomClient& zoom, User user, int type, std::string_view actor)
{
  if (!user.zoom_user_id) {
    return make_error(ErrorKind::conflict, fmt::format("{} has no Zoom user; run 'zoomctl user provision {}' first",
                                                       user.email, user.email));
  }
  auto r = zoom.update_user_type(*user.zoom_user_id, static_cast<zoom::UserType>(type));
  if (!r) {
    if (type == k_licensed && zoom::is_license_limit(r.error())) {
      Error e = r.error();
      e.message = license_limit_message(zoom, user, r.error());
      return e;
    }
    if (zoom::is_user_not_found(r.error())) {
      Error e = r.error();
      e.message = fmt::format("Zoom no longer knows the Zoom user {} of {}: {}; run 'zoomctl license audit'",
                              *user.zoom_user_id, user.email, e.message);
      return e;
    }
    return r.error();
  }
  const User before = user;
  const bool changed = user.license_type != type;
  user.license_type = type;
  user.license_assigned_at = type == k_licensed ? std::optional<std::string>(changed || !before.license_assigned_at
                                                                                 ? format_iso8601(now())
                                                                                 : *before.license_assigned_at)
                                                : std::nullopt;
  db::WriteTransaction tx(db);
  SQLite::Statement q(db.sql(),
                      "UPDATE users SET license_type = ?, license_assigned_at = ?, updated_at = ? WHERE id = ?");
  q.bind(1, type);
  if (user.license_assigned_at) {
    q.bind(2, *user.license_assigned_at);
  } else {
    q.bind(2);
  }
  q.bind(3, format_iso8601(now()));
  q.bind(4, user.id);
  q.exec();
  if (changed) {
    audit(db.sql(), actor, type == k_licensed ? "license.assign" : "license.release", "user", std::to_string(user.id),
          to_json(before), to_json(user));
  }
  tx.commit();
  return LicenseResult{user, changed ? LicenseChange::changed : LicenseChange::unchanged};
}

} // namespace

nlohmann::json to_json(const LicenseResult& r)
{
  return {{"user", to_json(r.user)},
          {"email", r.user.email},
          {"license_type", r.user.license_type ? nlohmann::json(*r.user.license_type) : nullptr},
          {"license_assigned_at",
           r.user.license_assigned_at ? nlohmann::json(*r.user.license_assigned_at) : nlohmann::json(nullptr)},
          {"changed", r.change == LicenseChange::changed}};
}

nlohmann::json to_json(const LicenseFinding& f)
{
  return {{"kind", f.kind}, {"email", f.email}, {"detail", f.detail}};
}

Expected<LicenseResult> assign_license(db::Database& db, zoom::ZoomClient& zoom, std::string_view user_key,
                                       std::string_view actor)
{
  auto user = find_user(db, user_key);
  if (!user) {
    return user.error();
  }
  if (user->role != Role::instructor) {
    return make_error(ErrorKind::conflict, fmt::format("{} is a {}: only instructors get Zoom licenses", user->email,
                                                       to_string(user->role)));
  }
  auto provisioned = ensure_provisioned(db, zoom, *user, actor);
  if (!provisioned) {
    return provisioned.error();
  }
  return set_type(db, zoom, *provisioned, k_licensed, actor);
}

Expected<LicenseResult> release_license(db::Database& db, zoom::ZoomClient& zoom, std::string_view user_key,
                                        std::string_view actor)
{
  auto user = find_user(db, user_key);
  if (!user) {
    return user.error();
  }
  return set_type(db, zoom, *user, k_basic, actor);
}

Expected<std::vector<LicenseFinding>> audit_licenses(db::Database& db, zoom::ZoomClient& zoom, int idle_days)
{
  if (idle_days < 1 || idle_days > 3650) {
    return make_error(ErrorKind::invalid_input, fmt::format("--idle-days {} must be between 1 and 3650", idle_days));
  }
  auto zoom_users = zoom_users_by_email(zoom);
  if (!zoom_users) {
    return zoom_users.error();
  }
  std::map<std::string, const zoom::User*> by_id;
  for (const auto& [email, u] : *zoom_users) {
    if (!u.id.empty()) {
      by_id.emplace(u.id, &u);
    }
  }
  const auto t = now();
  const auto since = format_iso8601(t - std::chrono::days(idle_days));
  const auto until = format_iso8601(t + std::chrono::days(idle_days));
  const auto now_text = format_iso8601(t);

  // Per user: upcoming scheduled sessions, and sessions within the idle window (one query each, no N+1).
  std::map<std::int64_t, int> upcoming;
  std::map<std::int64_t, int> recent;
  {
    SQLite::Statement q(db.sql(), "SELECT instructor_id, "
                                  "SUM(CASE WHEN status = 'SCHEDULED' AND start_time >= ? THEN 1 ELSE 0 END), "
                                  "SUM(CASE WHEN status != 'CANCELLED' AND start_time >= ? AND start_time <= ? "
                                  "THEN 1 ELSE 0 END) FROM sessions GROUP BY instructor_id");
    q.bind(1, now_text);
    q.bind(2, since);
    q.bind(3, until);
    while (q.executeStep()) {
      upcoming[q.getColumn(0).getInt64()] = q.getColumn(1).getInt();
      recent[q.getColumn(0).getInt64()] = q.getColumn(2).getInt();
    }
  }

  std::vector<LicenseFinding> out;
  std::set<std::string> known_emails;
  for (const auto& u : list_users(db)) {
    known_emails.insert(lower(u.email));
    const zoom::User* zu = nullptr;
    if (auto it = zoom_users->find(lower(u.email)); it != zoom_users->end()) {
      zu = &it->second;
    }
    if (u.zoom_user_id && zu != nullptr && zu->id.empty() && !by_id.contains(*u.zoom_user_id)) {
      // Listings leave out the id of pending users: ask for this one.
      if (auto one = zoom.get_user(u.email)) {
        auto& slot = (*zoom_users)[lower(u.email)];
        slot.id = one->id;
        if (!one->id.empty()) {
          by_id.emplace(one->id, &slot);
        }
      }
    }
    if (u.zoom_user_id) {
      const auto by = by_id.find(*u.zoom_user_id);
      if (by == by_id.end() && zu == nullptr) {
        out.push_back({"missing_in_zoom", u.email,
                       fmt::format("{} has Zoom user {} in the database but Zoom has no such user; run 'zoomctl "
                                   "user provision {}' after clearing it, or check the account",
                                   u.email, *u.zoom_user_id, u.email)});
        continue;
      }
      if (by == by_id.end() && zu != nullptr && !zu->id.empty() && zu->id != *u.zoom_user_id) {
        out.push_back({"id_mismatch", u.email,
                       fmt::format("{}: the database says Zoom user {} but Zoom has {} for this email", u.email,
                                   *u.zoom_user_id, zu->id)});
        continue;
      }
      if (by != by_id.end()) {
        zu = by->second;
      }
    } else if (zu != nullptr && u.role == Role::instructor) {
      out.push_back({"id_mismatch", u.email,
                     fmt::format("{} is in Zoom ({}) but not linked in the database; run 'zoomctl user provision "
                                 "{}' to adopt it",
                                 u.email, zu->id.empty() ? "pending" : zu->id, u.email)});
    }
    const int zoom_type = zu != nullptr ? zu->type : 0;
    if (zu != nullptr && u.zoom_user_id && u.license_type.value_or(0) != zoom_type) {
      out.push_back({"type_mismatch", u.email,
                     fmt::format("{}: the database says license type {} but Zoom says {}; run 'zoomctl license {} "
                                 "{}' to make them agree",
                                 u.email, u.license_type ? std::to_string(*u.license_type) : "none", zoom_type,
                                 zoom_type == k_licensed ? "assign" : "release", u.email)});
    }
    const int n_upcoming = upcoming.contains(u.id) ? upcoming[u.id] : 0;
    const int n_recent = recent.contains(u.id) ? recent[u.id] : 0;
    if (u.role == Role::instructor && n_upcoming > 0 && zoom_type != k_licensed) {
      out.push_back({"unlicensed_with_sessions", u.email,
                     fmt::format("{} hosts {} upcoming session{} but has no Zoom license (Zoom type {}); run "
                                 "'zoomctl license assign {}'",
                                 u.email, n_upcoming, n_upcoming == 1 ? "" : "s", zoom_type, u.email)});
    }
    if (zoom_type == k_licensed && n_recent == 0 && n_upcoming == 0) {
      out.push_back({"idle_license", u.email,
                     fmt::format("{} holds a license but has no session within {} days; free it with 'zoomctl "
                                 "license release {}'",
                                 u.email, idle_days, u.email)});
    }
  }
  for (const auto& [email, zu] : *zoom_users) {
    if (zu.type == k_licensed && !known_emails.contains(email)) {
      out.push_back({"not_in_database", zu.email,
                     fmt::format("{} holds a Zoom license but is not in the database; add it with 'zoomctl user "
                                 "add' or free the license in Zoom",
                                 zu.email)});
    }
  }
  return out;
}

} // namespace zc::services
