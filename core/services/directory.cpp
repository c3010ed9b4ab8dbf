#include "core/services/directory.hpp"

#include "core/services/audit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace zc::services {

namespace {

constexpr const char* k_user_columns =
    "id, email, name, role, zoom_user_id, zoom_status, license_type, license_assigned_at, created_at, link_generation";

User read_user(SQLite::Statement& q)
{
  User u;
  u.id = q.getColumn(0).getInt64();
  u.email = q.getColumn(1).getString();
  u.name = q.getColumn(2).getString();
  u.role = parse_role(q.getColumn(3).getString()).value_or(Role::learner);
  if (!q.getColumn(4).isNull()) {
    u.zoom_user_id = q.getColumn(4).getString();
  }
  if (!q.getColumn(5).isNull()) {
    u.zoom_status = q.getColumn(5).getString();
  }
  if (!q.getColumn(6).isNull()) {
    u.license_type = q.getColumn(6).getInt();
  }
  if (!q.getColumn(7).isNull()) {
    u.license_assigned_at = q.getColumn(7).getString();
  }
  u.created_at = q.getColumn(8).getString();
  u.link_generation = q.getColumn(9).getInt64();
  return u;
}

std::optional<std::int64_t> parse_id(std::string_view s)
{
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v <= 0) {
    return std::nullopt;
  }
  return v;
}

std::string lower_trim(std::string_view s)
{
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c < 0x80 ? std::tolower(c) : c); });
  return out;
}

} // namespace

nlohmann::json to_json(const User& u)
{
  nlohmann::json j = {{"id", u.id},
                      {"email", u.email},
                      {"name", u.name},
                      {"role", to_string(u.role)},
                      {"zoom_user_id", nullptr},
                      {"zoom_status", nullptr},
                      {"license_type", nullptr},
                      {"license_assigned_at", nullptr},
                      {"created_at", u.created_at}};
  if (u.zoom_user_id) {
    j["zoom_user_id"] = *u.zoom_user_id;
  }
  if (u.zoom_status) {
    j["zoom_status"] = *u.zoom_status;
  }
  if (u.license_type) {
    j["license_type"] = *u.license_type;
  }
  if (u.license_assigned_at) {
    j["license_assigned_at"] = *u.license_assigned_at;
  }
  return j;
}

std::string email_problem(std::string_view email)
{
  if (email.empty()) {
    return "is empty";
  }
  if (email.size() > 128) {
    return "is longer than 128 characters (Zoom's limit)";
  }
  for (const char c : email) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F || c == ',' || c == ';' || c == '<' || c == '>' || c == '"' || c == '(' || c == ')') {
      return "contains a character not allowed in an email address";
    }
  }
  const auto at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) {
    return "must contain exactly one '@'";
  }
  const auto local = email.substr(0, at);
  const auto domain = email.substr(at + 1);
  if (local.empty() || local.size() > 64) {
    return "has an empty or too long part before '@'";
  }
  const auto dot = domain.find('.');
  if (domain.empty() || dot == std::string_view::npos || dot == 0 || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return "has no valid domain after '@'";
  }
  return {};
}

Expected<User> add_user(db::Database& db, std::string_view email_in, std::string_view name, Role role,
                        std::string_view actor)
{
  const std::string email = lower_trim(email_in);
  if (auto why = email_problem(email); !why.empty()) {
    return make_error(ErrorKind::invalid_input, fmt::format("email '{}' {}", email_in, why));
  }
  if (name.empty() || name.find_first_not_of(" \t") == std::string_view::npos) {
    return make_error(ErrorKind::invalid_input, "name must not be empty (use --name)");
  }
  if (name.size() > 128) {
    return make_error(ErrorKind::invalid_input, "name is longer than 128 characters");
  }
  db::WriteTransaction tx(db);
  {
    SQLite::Statement q(db.sql(), "SELECT role FROM users WHERE email = ?");
    q.bind(1, email);
    if (q.executeStep()) {
      return make_error(ErrorKind::conflict, fmt::format("a user with email {} already exists (role {})", email,
                                                         q.getColumn(0).getString()));
    }
  }
  SQLite::Statement ins(db.sql(), "INSERT INTO users (email, name, role) VALUES (?, ?, ?)");
  ins.bind(1, email);
  ins.bind(2, std::string(name));
  ins.bind(3, std::string(to_string(role)));
  ins.exec();
  const auto id = db.sql().getLastInsertRowid();
  auto user = find_user(db, std::to_string(id));
  audit(db.sql(), actor, "user.add", "user", std::to_string(id), nullptr, to_json(*user));
  tx.commit();
  return user;
}

std::vector<User> list_users(db::Database& db, std::optional<Role> role)
{
  std::vector<User> out;
  SQLite::Statement q(
      db.sql(), fmt::format("SELECT {} FROM users {} ORDER BY email", k_user_columns, role ? "WHERE role = ?" : ""));
  if (role) {
    q.bind(1, std::string(to_string(*role)));
  }
  while (q.executeStep()) {
    out.push_back(read_user(q));
  }
  return out;
}

Expected<User> find_user(db::Database& db, std::string_view key)
{
  if (const auto id = parse_id(key)) {
    SQLite::Statement q(db.sql(), fmt::format("SELECT {} FROM users WHERE id = ?", k_user_columns));
    q.bind(1, *id);
    if (q.executeStep()) {
      return read_user(q);
    }
    return make_error(ErrorKind::not_found, fmt::format("no user with id {}", *id));
  }
  const std::string email = lower_trim(key);
  SQLite::Statement q(db.sql(), fmt::format("SELECT {} FROM users WHERE email = ?", k_user_columns));
  q.bind(1, email);
  if (q.executeStep()) {
    return read_user(q);
  }
  return make_error(ErrorKind::not_found, fmt::format("no user with email {} (add it with 'zoomctl user add')", email));
}

nlohmann::json to_json(const Cohort& c)
{
  return {{"id", c.id}, {"name", c.name}, {"members", c.members}, {"created_at", c.created_at}};
}

Expected<Cohort> add_cohort(db::Database& db, std::string_view name_in, std::string_view actor)
{
  std::string name(name_in);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
    name.pop_back();
  }
  while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) {
    name.erase(0, 1);
  }
  if (name.empty()) {
    return make_error(ErrorKind::invalid_input, "cohort name must not be empty");
  }
  if (name.size() > 200) {
    return make_error(ErrorKind::invalid_input, "cohort name is longer than 200 characters");
  }
  if (parse_id(name)) {
    return make_error(ErrorKind::invalid_input,
                      fmt::format("cohort name '{}' is a number, which would be confused with a cohort id", name));
  }
  db::WriteTransaction tx(db);
  {
    SQLite::Statement q(db.sql(), "SELECT id FROM cohorts WHERE name = ?");
    q.bind(1, name);
    if (q.executeStep()) {
      return make_error(ErrorKind::conflict,
                        fmt::format("a cohort named '{}' already exists (id {})", name, q.getColumn(0).getInt64()));
    }
  }
  SQLite::Statement ins(db.sql(), "INSERT INTO cohorts (name) VALUES (?)");
  ins.bind(1, name);
  ins.exec();
  const auto id = db.sql().getLastInsertRowid();
  auto cohort = find_cohort(db, std::to_string(id));
  audit(db.sql(), actor, "cohort.add", "cohort", std::to_string(id), nullptr, to_json(*cohort));
  tx.commit();
  return cohort;
}

Expected<Cohort> find_cohort(db::Database& db, std::string_view key)
{
  const auto id = parse_id(key);
  SQLite::Statement q(db.sql(), std::string("SELECT c.id, c.name, c.created_at, "
                                            "(SELECT COUNT(*) FROM cohort_members m WHERE m.cohort_id = c.id) "
                                            "FROM cohorts c WHERE ") +
                                    (id ? "c.id = ?" : "c.name = ?"));
  if (id) {
    q.bind(1, *id);
  } else {
    q.bind(1, std::string(key));
  }
  if (!q.executeStep()) {
    return make_error(ErrorKind::not_found, fmt::format("no cohort '{}' (see 'zoomctl cohort list')", key));
  }
  return Cohort{q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(3).getInt(),
                q.getColumn(2).getString()};
}

std::vector<Cohort> list_cohorts(db::Database& db)
{
  std::vector<Cohort> out;
  SQLite::Statement q(db.sql(), "SELECT c.id, c.name, c.created_at, "
                                "(SELECT COUNT(*) FROM cohort_members m WHERE m.cohort_id = c.id) "
                                "FROM cohorts c ORDER BY c.name");
  while (q.executeStep()) {
    out.push_back(Cohort{q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(3).getInt(),
                         q.getColumn(2).getString()});
  }
  return out;
}

Expected<EnrollResult> enroll(db::Database& db, std::string_view cohort_key, const std::vector<std::string>& emails,
                              std::string_view actor)
{
  if (emails.empty()) {
    return make_error(ErrorKind::invalid_input, "name at least one email to enroll");
  }
  db::WriteTransaction tx(db);
  auto cohort = find_cohort(db, cohort_key);
  if (!cohort) {
    return cohort.error();
  }
  EnrollResult result;
  std::vector<std::string> unknown;
  std::vector<std::pair<std::int64_t, std::string>> to_add;
  for (const auto& e : emails) {
    const std::string email = lower_trim(e);
    if (auto why = email_problem(email); !why.empty()) {
      return make_error(ErrorKind::invalid_input, fmt::format("email '{}' {}", e, why));
    }
    auto user = find_user(db, email);
    if (!user) {
      unknown.push_back(email);
      continue;
    }
    SQLite::Statement q(db.sql(), "SELECT 1 FROM cohort_members WHERE cohort_id = ? AND user_id = ?");
    q.bind(1, cohort->id);
    q.bind(2, user->id);
    if (q.executeStep()) {
      result.already.push_back(email);
    } else if (std::find_if(to_add.begin(), to_add.end(), [&](const auto& p) { return p.first == user->id; }) ==
               to_add.end()) {
      to_add.emplace_back(user->id, email);
    }
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) {
      list += (list.empty() ? "" : ", ") + u;
    }
    return make_error(ErrorKind::not_found,
                      fmt::format("no user with email {} (add with 'zoomctl user add'); nobody was enrolled", list));
  }
  for (const auto& [uid, email] : to_add) {
    SQLite::Statement ins(db.sql(), "INSERT INTO cohort_members (cohort_id, user_id) VALUES (?, ?)");
    ins.bind(1, cohort->id);
    ins.bind(2, uid);
    ins.exec();
    audit(db.sql(), actor, "cohort.enroll", "cohort", std::to_string(cohort->id), nullptr,
          {{"user_id", uid}, {"email", email}});
    result.added.push_back(email);
  }
  tx.commit();
  result.cohort = *find_cohort(db, std::to_string(cohort->id));
  return result;
}

std::vector<User> cohort_members(db::Database& db, std::int64_t cohort_id)
{
  std::vector<User> out;
  SQLite::Statement q(db.sql(),
                      "SELECT u.id, u.email, u.name, u.role, u.zoom_user_id, u.zoom_status, u.license_type, "
                      "u.license_assigned_at, u.created_at, u.link_generation FROM users u JOIN cohort_members m ON "
                      "m.user_id = u.id WHERE m.cohort_id = ? ORDER BY u.email");
  q.bind(1, cohort_id);
  while (q.executeStep()) {
    out.push_back(read_user(q));
  }
  return out;
}

} // namespace zc::services
