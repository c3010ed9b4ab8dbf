#include "core/services/provisioning.hpp"

#include "core/services/audit.hpp"
#include "core/util/time.hpp"

#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>

namespace zc::services {

namespace {

// Zoom limits first_name and last_name to 64 characters; cut on a UTF-8 boundary.
std::string cut_utf8(std::string_view s, std::size_t max_bytes)
{
  if (s.size() <= max_bytes) {
    return std::string(s);
  }
  std::size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0U) == 0x80U) {
    --n;
  }
  return std::string(s.substr(0, n));
}

std::pair<std::string, std::string> split_name(std::string_view name)
{
  const auto sp = name.find(' ');
  if (sp == std::string_view::npos) {
    return {cut_utf8(name, 64), ""};
  }
  return {cut_utf8(name.substr(0, sp), 64), cut_utf8(name.substr(sp + 1), 64)};
}

Expected<void> store_zoom_user(db::Database& db, const User& before, const zoom::User& zu, std::string_view status,
                               std::string_view action, std::string_view actor)
{
  try {
    db::WriteTransaction tx(db);
    SQLite::Statement q(db.sql(), "UPDATE users SET zoom_user_id = ?, zoom_status = ?, license_type = ?, "
                                  "updated_at = ? WHERE id = ?");
    q.bind(1, zu.id);
    q.bind(2, std::string(status));
    q.bind(3, zu.type == 0 ? 1 : zu.type);
    q.bind(4, format_iso8601(now()));
    q.bind(5, before.id);
    q.exec();
    User after = before;
    after.zoom_user_id = zu.id;
    after.zoom_status = std::string(status);
    after.license_type = zu.type == 0 ? 1 : zu.type;
    audit(db.sql(), actor, action, "user", std::to_string(before.id), to_json(before), to_json(after));
    tx.commit();
  } catch (const SQLite::Exception& e) {
    if (std::string_view(e.what()).find("UNIQUE") != std::string_view::npos) {
      return make_error(ErrorKind::conflict,
                        fmt::format("Zoom user {} of {} is already linked to another local user; check "
                                    "'zoomctl user list' and 'zoomctl license audit'",
                                    zu.id, before.email));
    }
    return make_error(ErrorKind::database, fmt::format("cannot store the Zoom user of {}: {}", before.email, e.what()));
  }
  return {};
}

Expected<ProvisionResult> provision_user(db::Database& db, zoom::ZoomClient& zoom, const User& user,
                                         std::string_view actor)
{
  if (user.role != Role::instructor) {
    return make_error(ErrorKind::conflict,
                      fmt::format("{} is a {}: only instructors get Zoom users", user.email, to_string(user.role)));
  }
  ProvisionResult r;
  r.user = user;
  if (user.zoom_user_id) {
    r.outcome = ProvisionOutcome::already;
    if (user.zoom_status == "pending") {
      r.reason = "pending activation: the invitation Zoom mailed has not been accepted yet";
    }
    return r;
  }
  const auto [first, last] = split_name(user.name);
  auto created = zoom.create_user(user.email, first, last, zoom::UserType::basic, zoom::CreateAction::create);
  zoom::User zu;
  std::string status;
  if (created) {
    zu = *created;
    status = created->status.empty() ? "pending" : created->status; // action "create" leaves the user pending
    r.outcome = ProvisionOutcome::created;
  } else if (zoom::is_user_exists(created.error())) {
    auto existing = zoom.get_user(user.email);
    if (!existing) {
      Error e = existing.error();
      e.message =
          fmt::format("Zoom says {} is already in the account but looking it up failed: {}", user.email, e.message);
      return e;
    }
    zu = *existing;
    status = existing->status.empty() ? "active" : existing->status;
    r.outcome = ProvisionOutcome::adopted;
  } else {
    return created.error();
  }
  if (zu.id.empty()) {
    return make_error(ErrorKind::zoom, fmt::format("Zoom answered for {} without a user id", user.email));
  }
  if (auto st = store_zoom_user(db, user, zu, status,
                                r.outcome == ProvisionOutcome::created ? "user.provision" : "user.adopt", actor);
      !st) {
    return st.error();
  }
  r.user = value_or_throw(find_user(db, std::to_string(user.id)));
  if (status == "pending") {
    r.reason = "pending activation: Zoom mailed an invitation; the user must accept it before hosting";
  }
  return r;
}

} // namespace

std::string_view to_string(ProvisionOutcome o)
{
  switch (o) {
  case ProvisionOutcome::created:
    return "created";
  case ProvisionOutcome::adopted:
    return "adopted";
  case ProvisionOutcome::already:
    return "already";
  case ProvisionOutcome::failed:
    break;
  }
  return "failed";
}

nlohmann::json to_json(const ProvisionResult& r)
{
  nlohmann::json j = {{"user", to_json(r.user)},
                      {"email", r.user.email},
                      {"outcome", to_string(r.outcome)},
                      {"zoom_user_id", r.user.zoom_user_id ? nlohmann::json(*r.user.zoom_user_id) : nullptr},
                      {"zoom_status", r.user.zoom_status ? nlohmann::json(*r.user.zoom_status) : nullptr},
                      {"pending", r.user.zoom_status == "pending"}};
  j["reason"] = r.reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.reason);
  return j;
}

Expected<ProvisionResult> provision(db::Database& db, zoom::ZoomClient& zoom, std::string_view user_key,
                                    std::string_view actor)
{
  auto user = find_user(db, user_key);
  if (!user) {
    return user.error();
  }
  return provision_user(db, zoom, *user, actor);
}

Expected<User> ensure_provisioned(db::Database& db, zoom::ZoomClient& zoom, const User& user, std::string_view actor)
{
  if (user.zoom_user_id) {
    return user;
  }
  auto r = provision_user(db, zoom, user, actor);
  if (!r) {
    Error e = r.error();
    e.message = fmt::format("cannot give instructor {} a Zoom user: {}", user.email, e.message);
    return e;
  }
  return r->user;
}

std::vector<ProvisionResult> provision_all_instructors(db::Database& db, zoom::ZoomClient& zoom, std::string_view actor,
                                                       const std::function<void(std::size_t total)>& on_each)
{
  const auto instructors = list_users(db, Role::instructor);
  std::vector<ProvisionResult> out;
  out.reserve(instructors.size());
  for (const auto& u : instructors) {
    auto r = provision_user(db, zoom, u, actor);
    if (r) {
      out.push_back(std::move(*r));
    } else {
      ProvisionResult f;
      f.user = u;
      f.outcome = ProvisionOutcome::failed;
      f.reason = r.error().message;
      out.push_back(std::move(f));
    }
    if (on_each) {
      on_each(instructors.size());
    }
  }
  return out;
}

} // namespace zc::services
