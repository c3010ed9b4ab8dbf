#include "core/services/directory.hpp"

#include "core/csv.hpp"
#include "core/services/audit.hpp"
#include "core/util/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>

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
  if (!valid_utf8(name)) {
    return make_error(ErrorKind::invalid_input, "name is not valid UTF-8");
  }
  if (utf8_length(name) > 128) {
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
  if (!valid_utf8(name)) {
    return make_error(ErrorKind::invalid_input, "cohort name is not valid UTF-8");
  }
  if (utf8_length(name) > 200) {
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

// ---- user import -------------------------------------------------------------

namespace {

std::string trim_blanks(std::string_view s)
{
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

/// Empty when `name` (already trimmed) can be stored as a person's name, else what is wrong with it.
std::string name_problem(std::string_view name)
{
  if (name.empty()) {
    return "name is empty";
  }
  if (!valid_utf8(name)) {
    return "name is not valid UTF-8 (save the file as UTF-8)";
  }
  if (utf8_length(name) > 128) {
    return "name is longer than 128 characters";
  }
  if (std::any_of(name.begin(), name.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7F;
      })) {
    return "name contains a line break or another control character";
  }
  return {};
}

/// Scheduled or running sessions that `user_id` hosts.
int sessions_hosted(db::Database& db, std::int64_t user_id)
{
  SQLite::Statement q(db.sql(), "SELECT COUNT(*) FROM sessions WHERE instructor_id = ? "
                                "AND status IN ('SCHEDULED', 'IN_PROGRESS')");
  q.bind(1, user_id);
  q.executeStep();
  return q.getColumn(0).getInt();
}

/// One row that passed validation, with what is to be done.
struct PlannedRow {
  int line = 0;
  std::string email;
  std::string name;
  Role role = Role::learner;
  std::optional<User> existing;
  std::optional<Cohort> cohort;
};

} // namespace

std::string_view to_string(UserImportOutcome o)
{
  switch (o) {
  case UserImportOutcome::added:
    return "added";
  case UserImportOutcome::updated:
    return "updated";
  case UserImportOutcome::unchanged:
    return "unchanged";
  }
  return "unchanged";
}

nlohmann::json to_json(const UserImportRow& r)
{
  return {{"line", r.line},
          {"email", r.email},
          {"outcome", to_string(r.outcome)},
          {"changed", r.changed},
          {"cohort", r.cohort ? nlohmann::json(*r.cohort) : nlohmann::json(nullptr)},
          {"enrolled", r.enrolled},
          {"user", to_json(r.user)}};
}

Expected<std::vector<UserImportRow>> import_users(db::Database& db, std::string_view text, std::string_view actor,
                                                  const std::function<void(std::size_t total)>& on_each)
{
  auto rows = csv::parse(text);
  if (!rows) {
    return rows.error();
  }
  if (rows->empty()) {
    return make_error(ErrorKind::invalid_input,
                      "the file is empty: expected the header email,name,role (and optionally cohort)");
  }

  // The header: the three required columns and an optional cohort, in any order and case.
  constexpr std::array<std::string_view, 4> k_known{"email", "name", "role", "cohort"};
  std::map<std::string, std::size_t, std::less<>> column;
  {
    const auto& head = rows->front();
    std::vector<std::string> problems;
    for (std::size_t i = 0; i < head.fields.size(); ++i) {
      auto h = lower_trim(head.fields[i]);
      if (std::find(k_known.begin(), k_known.end(), h) == k_known.end()) {
        problems.push_back(fmt::format("unknown column '{}'", head.fields[i]));
      } else if (!column.emplace(h, i).second) {
        problems.push_back(fmt::format("column '{}' appears twice", h));
      }
    }
    for (const auto* need : {"email", "name", "role"}) {
      if (column.find(need) == column.end()) {
        problems.push_back(fmt::format("no '{}' column", need));
      }
    }
    if (!problems.empty()) {
      std::string list;
      for (const auto& p : problems) {
        list += (list.empty() ? "" : "; ") + p;
      }
      return make_error(ErrorKind::invalid_input,
                        fmt::format("line {}: the header must name the columns email,name,role (any order, "
                                    "optionally cohort): {}",
                                    head.line, list));
    }
  }
  const std::size_t c_email = column["email"];
  const std::size_t c_name = column["name"];
  const std::size_t c_role = column["role"];
  const auto cohort_it = column.find("cohort");
  const std::optional<std::size_t> c_cohort =
      cohort_it == column.end() ? std::nullopt : std::optional<std::size_t>(cohort_it->second);

  // Check every row before writing anything; the lookups run inside the write
  // transaction so that what was checked is what gets written.
  db::WriteTransaction tx(db);
  std::vector<PlannedRow> plan;
  std::vector<std::string> problems;
  std::map<std::string, int, std::less<>> first_line; // email -> line it first appeared on
  std::map<std::string, std::optional<Cohort>, std::less<>> cohorts;
  const std::size_t n_rows = rows->size() - 1;
  for (std::size_t r = 1; r < rows->size(); ++r) {
    const auto& row = (*rows)[r];
    auto problem = [&](const std::string& what) { problems.push_back(fmt::format("line {}: {}", row.line, what)); };
    if (row.fields.size() != column.size()) {
      problem(fmt::format("expected {} fields, found {}", column.size(), row.fields.size()));
      continue;
    }
    PlannedRow p;
    p.line = row.line;
    bool ok = true;
    p.email = lower_trim(row.fields[c_email]);
    if (auto why = email_problem(p.email); !why.empty()) {
      problem(fmt::format("email '{}' {}", row.fields[c_email], why));
      ok = false;
    } else if (const auto [it, fresh] = first_line.emplace(p.email, row.line); !fresh) {
      problem(fmt::format("email {} is already on line {}", p.email, it->second));
      ok = false;
    }
    p.name = trim_blanks(row.fields[c_name]);
    if (auto why = name_problem(p.name); !why.empty()) {
      problem(why);
      ok = false;
    }
    const auto role = parse_role(lower_trim(row.fields[c_role]));
    if (!role) {
      problem(fmt::format("role '{}' is not one of instructor, learner, coordinator, admin", row.fields[c_role]));
      ok = false;
    } else {
      p.role = *role;
    }
    if (c_cohort) {
      const auto key = trim_blanks(row.fields[*c_cohort]);
      if (!key.empty()) {
        auto it = cohorts.find(key);
        if (it == cohorts.end()) {
          auto c = find_cohort(db, key);
          it = cohorts.emplace(key, c ? std::optional<Cohort>(*c) : std::nullopt).first;
        }
        if (!it->second) {
          problem(fmt::format("no cohort '{}' (see 'zoomctl cohort list')", key));
          ok = false;
        } else {
          p.cohort = it->second;
        }
      }
    }
    if (!ok) {
      continue;
    }
    if (auto u = find_user(db, p.email)) {
      if (u->role == Role::instructor && p.role != Role::instructor) {
        if (const int n = sessions_hosted(db, u->id); n > 0) {
          problem(fmt::format("{} hosts {} scheduled session{}, so cannot stop being an instructor (cancel them or "
                              "schedule them under another instructor first)",
                              p.email, n, n == 1 ? "" : "s"));
          continue;
        }
      }
      p.existing = std::move(*u);
    }
    plan.push_back(std::move(p));
  }
  if (!problems.empty()) {
    std::string list;
    for (const auto& p : problems) {
      list += "\n" + p;
    }
    return make_error(ErrorKind::invalid_input,
                      fmt::format("{} problem{} in {} rows; nothing was imported:{}", problems.size(),
                                  problems.size() == 1 ? "" : "s", n_rows, list));
  }

  std::vector<UserImportRow> out;
  out.reserve(plan.size());
  for (const auto& p : plan) {
    UserImportRow r;
    r.line = p.line;
    r.email = p.email;
    std::int64_t id = 0;
    if (!p.existing) {
      SQLite::Statement ins(db.sql(), "INSERT INTO users (email, name, role) VALUES (?, ?, ?)");
      ins.bind(1, p.email);
      ins.bind(2, p.name);
      ins.bind(3, std::string(to_string(p.role)));
      ins.exec();
      id = db.sql().getLastInsertRowid();
      r.outcome = UserImportOutcome::added;
      r.user = *find_user(db, std::to_string(id));
      audit(db.sql(), actor, "user.add", "user", std::to_string(id), nullptr, to_json(r.user));
    } else {
      id = p.existing->id;
      r.user = *p.existing;
      if (p.existing->name != p.name) {
        r.changed.emplace_back("name");
      }
      if (p.existing->role != p.role) {
        r.changed.emplace_back("role");
      }
      if (!r.changed.empty()) {
        SQLite::Statement up(db.sql(), "UPDATE users SET name = ?, role = ?, "
                                       "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?");
        up.bind(1, p.name);
        up.bind(2, std::string(to_string(p.role)));
        up.bind(3, id);
        up.exec();
        r.user = *find_user(db, std::to_string(id));
        audit(db.sql(), actor, "user.update", "user", std::to_string(id), to_json(*p.existing), to_json(r.user));
      }
    }
    if (p.cohort) {
      r.cohort = p.cohort->name;
      SQLite::Statement q(db.sql(), "SELECT 1 FROM cohort_members WHERE cohort_id = ? AND user_id = ?");
      q.bind(1, p.cohort->id);
      q.bind(2, id);
      if (!q.executeStep()) {
        SQLite::Statement ins(db.sql(), "INSERT INTO cohort_members (cohort_id, user_id) VALUES (?, ?)");
        ins.bind(1, p.cohort->id);
        ins.bind(2, id);
        ins.exec();
        audit(db.sql(), actor, "cohort.enroll", "cohort", std::to_string(p.cohort->id), nullptr,
              {{"user_id", id}, {"email", p.email}});
        r.enrolled = true;
        if (p.existing) {
          r.changed.emplace_back("cohort");
        }
      }
    }
    if (p.existing && !r.changed.empty()) {
      r.outcome = UserImportOutcome::updated;
    }
    out.push_back(std::move(r));
    if (on_each) {
      on_each(plan.size());
    }
  }
  tx.commit();
  return out;
}

} // namespace zc::services
