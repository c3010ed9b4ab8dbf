#include "core/services/attendance_service.hpp"

#include "core/log.hpp"
#include "core/zoom/client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <unordered_map>

namespace zc::attendance_service {

namespace {

std::string column_text(const SQLite::Column& c)
{
  return c.isNull() ? std::string() : c.getString();
}

std::optional<Seconds> column_time(const SQLite::Column& c)
{
  if (c.isNull()) {
    return std::nullopt;
  }
  return parse_iso8601(c.getString(), true);
}

std::optional<std::int64_t> parse_id(std::string_view s)
{
  if (s.empty() || s.size() > 18) {
    return std::nullopt;
  }
  std::int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string lower(std::string_view s)
{
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return out;
}

std::string trim(std::string_view s)
{
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) {
    return {};
  }
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Who a row belongs to: our user when matched, else the best identity Zoom gave for a guest.
std::string person_key(std::optional<std::int64_t> user_id, const std::string& zoom_user_id, const std::string& email,
                       const std::string& name, const std::string& participant_key)
{
  if (user_id) {
    return fmt::format("u:{}", *user_id);
  }
  if (!zoom_user_id.empty()) {
    return "z:" + zoom_user_id;
  }
  if (!email.empty()) {
    return "e:" + lower(email);
  }
  if (!name.empty()) {
    return "n:" + name;
  }
  return "k:" + participant_key;
}

std::optional<std::string> time_json(const std::optional<Seconds>& t)
{
  if (t) {
    return format_iso8601(*t);
  }
  return std::nullopt;
}

nlohmann::json opt_time_json(const std::optional<Seconds>& t)
{
  return t ? nlohmann::json(format_iso8601(*t)) : nlohmann::json();
}

double round2(double v)
{
  return std::round(v * 100.0) / 100.0;
}

struct SessionInfo {
  std::int64_t id = 0;
  std::int64_t cohort_id = 0;
  std::int64_t instructor_id = 0;
  std::string topic;
  std::string status;
  std::optional<Seconds> start_time;
  std::optional<Seconds> actual_start;
  std::optional<Seconds> actual_end;
};

Expected<SessionInfo> load_session(db::Database& db, std::int64_t session_id)
{
  SQLite::Statement q(db.sql(), "SELECT id, cohort_id, instructor_id, topic, status, start_time, actual_start,"
                                " actual_end FROM sessions WHERE id = ?");
  q.bind(1, session_id);
  if (!q.executeStep()) {
    return make_error(ErrorKind::not_found, fmt::format("no session {}", session_id));
  }
  SessionInfo s;
  s.id = q.getColumn(0).getInt64();
  s.cohort_id = q.getColumn(1).getInt64();
  s.instructor_id = q.getColumn(2).getInt64();
  s.topic = column_text(q.getColumn(3));
  s.status = column_text(q.getColumn(4));
  s.start_time = column_time(q.getColumn(5));
  s.actual_start = column_time(q.getColumn(6));
  s.actual_end = column_time(q.getColumn(7));
  return s;
}

Expected<Report> build_report(db::Database& db, std::int64_t session_id, int threshold, std::optional<Seconds> as_of)
{
  if (threshold < 0 || threshold > 100) {
    return make_error(ErrorKind::invalid_input, fmt::format("threshold must be 0..100, not {}", threshold));
  }
  auto session = load_session(db, session_id);
  if (!session) {
    return session.error();
  }
  const auto& s = *session;

  struct Acc {
    PersonAttendance person;
    std::vector<attendance::Interval> intervals;
  };
  std::vector<Acc> people;
  std::unordered_map<std::string, std::size_t> index;

  {
    SQLite::Statement q(db.sql(), "SELECT u.id, u.email, u.name FROM cohort_members m JOIN users u ON u.id = m.user_id"
                                  " WHERE m.cohort_id = ?");
    q.bind(1, s.cohort_id);
    while (q.executeStep()) {
      Acc a;
      a.person.user_id = q.getColumn(0).getInt64();
      a.person.email = column_text(q.getColumn(1));
      a.person.name = column_text(q.getColumn(2));
      a.person.kind = PersonKind::learner;
      index.emplace(fmt::format("u:{}", *a.person.user_id), people.size());
      people.push_back(std::move(a));
    }
  }
  const auto enrolled = static_cast<std::int64_t>(people.size());

  bool any_rows = false;
  {
    SQLite::Statement q(db.sql(), "SELECT a.user_id, a.participant_key, a.participant_name, a.participant_email,"
                                  " a.zoom_user_id, a.join_time, a.leave_time, u.email, u.name"
                                  " FROM session_attendance a LEFT JOIN users u ON u.id = a.user_id"
                                  " WHERE a.session_id = ? ORDER BY a.id");
    q.bind(1, session_id);
    while (q.executeStep()) {
      any_rows = true;
      const std::optional<std::int64_t> user_id =
          q.getColumn(0).isNull() ? std::nullopt : std::optional<std::int64_t>(q.getColumn(0).getInt64());
      const std::string zoom_name = column_text(q.getColumn(2));
      const std::string zoom_email = column_text(q.getColumn(3));
      const std::string key =
          person_key(user_id, column_text(q.getColumn(4)), zoom_email, zoom_name, column_text(q.getColumn(1)));
      auto [it, inserted] = index.emplace(key, people.size());
      if (inserted) {
        Acc a;
        a.person.user_id = user_id;
        if (user_id) {
          a.person.email = column_text(q.getColumn(7));
          a.person.name = column_text(q.getColumn(8));
          a.person.kind = *user_id == s.instructor_id ? PersonKind::instructor : PersonKind::guest;
        } else {
          a.person.email = zoom_email;
          a.person.name = zoom_name;
          a.person.kind = PersonKind::guest;
        }
        people.push_back(std::move(a));
      }
      auto& acc = people[it->second];
      if (acc.person.email.empty() && !zoom_email.empty()) {
        acc.person.email = zoom_email;
      }
      if (acc.person.name.empty() && !zoom_name.empty()) {
        acc.person.name = zoom_name;
      }
      // A leave the webhooks inferred is the end of the run this join was in (see meeting_runs).
      acc.intervals.push_back(attendance::Interval{column_time(q.getColumn(5)), column_time(q.getColumn(6))});
    }
  }

  std::unordered_map<std::int64_t, OverrideInfo> overrides;
  {
    SQLite::Statement q(db.sql(), "SELECT user_id, present, reason, actor, created_at FROM attendance_overrides"
                                  " WHERE session_id = ? ORDER BY id");
    q.bind(1, session_id);
    while (q.executeStep()) {
      overrides[q.getColumn(0).getInt64()] = OverrideInfo{q.getColumn(1).getInt() != 0, column_text(q.getColumn(2)),
                                                          column_text(q.getColumn(3)), column_text(q.getColumn(4))};
    }
  }

  Report r;
  r.session_id = s.id;
  r.topic = s.topic;
  r.status = s.status;
  r.threshold = threshold;
  r.enrolled = enrolled;
  const Seconds now = as_of.value_or(zc::now());
  attendance::Window window{};
  if (s.actual_start || s.actual_end || any_rows) {
    const Seconds start = s.actual_start.value_or(s.start_time.value_or(s.actual_end.value_or(now)));
    window = attendance::make_window(start, s.actual_end, now);
    window.gaps = attendance::gaps_between(meeting_runs(db, s.id));
    r.meeting_start = window.start;
    r.meeting_end = window.end;
    r.meeting_ended = window.ended;
    r.gaps = window.gaps;
  } else {
    const Seconds start = s.start_time.value_or(now);
    window = attendance::Window{start, start, false, {}};
  }
  r.meeting_seconds = window.seconds();

  r.people.reserve(people.size());
  for (auto& a : people) {
    auto& p = a.person;
    const auto totals = attendance::compute(window, a.intervals, threshold);
    p.first_join = totals.first_join;
    p.last_leave = totals.last_leave;
    p.duration_seconds = totals.seconds;
    p.percent = totals.percent;
    p.cycles = static_cast<int>(a.intervals.size());
    p.computed_present = totals.present;
    p.present = totals.present;
    if (p.user_id) {
      if (const auto o = overrides.find(*p.user_id); o != overrides.end()) {
        p.override_info = o->second;
        p.present = o->second.present;
      }
    }
    if (p.kind == PersonKind::learner) {
      r.present += p.present ? 1 : 0;
    } else {
      ++r.guests;
    }
    r.people.push_back(std::move(p));
  }
  std::sort(r.people.begin(), r.people.end(), [](const PersonAttendance& x, const PersonAttendance& y) {
    if (x.kind != y.kind) {
      return static_cast<int>(x.kind) < static_cast<int>(y.kind);
    }
    if (x.name != y.name) {
      return x.name < y.name;
    }
    if (x.email != y.email) {
      return x.email < y.email;
    }
    return x.user_id.value_or(0) < y.user_id.value_or(0);
  });
  r.attendance_percent = attendance::cohort_percent(r.present, r.enrolled);
  return r;
}

std::string csv_cell(std::string_view value)
{
  std::string v(value);
  if (!v.empty() && (v.front() == '=' || v.front() == '+' || v.front() == '-' || v.front() == '@' ||
                     v.front() == '\t' || v.front() == '\r')) {
    v.insert(v.begin(), '\'');
  }
  if (v.find_first_of(",\"\r\n") == std::string::npos) {
    return v;
  }
  std::string out = "\"";
  for (const char c : v) {
    if (c == '"') {
      out += "\"\"";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string yes_no(bool b)
{
  return b ? "yes" : "no";
}

} // namespace

std::vector<attendance::Run> meeting_runs(db::Database& db, std::int64_t session_id)
{
  std::vector<attendance::Run> runs;
  SQLite::Statement q(db.sql(), "SELECT start_time, end_time FROM meeting_instances WHERE session_id = ?");
  q.bind(1, session_id);
  while (q.executeStep()) {
    runs.push_back(attendance::Run{column_time(q.getColumn(0)), column_time(q.getColumn(1))});
  }
  return attendance::order_runs(std::move(runs));
}

std::optional<std::int64_t> match_user(db::Database& db, std::string_view customer_key, std::string_view email,
                                       std::string_view zoom_user_id)
{
  if (const auto id = parse_id(trim(customer_key))) {
    SQLite::Statement q(db.sql(), "SELECT id FROM users WHERE id = ?");
    q.bind(1, *id);
    if (q.executeStep()) {
      return q.getColumn(0).getInt64();
    }
  }
  if (const auto e = trim(email); !e.empty()) {
    SQLite::Statement q(db.sql(), "SELECT id FROM users WHERE email = ? COLLATE NOCASE");
    q.bind(1, e);
    if (q.executeStep()) {
      return q.getColumn(0).getInt64();
    }
  }
  if (!zoom_user_id.empty()) {
    SQLite::Statement q(db.sql(), "SELECT id FROM users WHERE zoom_user_id = ?");
    q.bind(1, std::string(zoom_user_id));
    if (q.executeStep()) {
      return q.getColumn(0).getInt64();
    }
  }
  return std::nullopt;
}

std::string_view to_string(PersonKind k)
{
  switch (k) {
  case PersonKind::learner:
    return "learner";
  case PersonKind::instructor:
    return "instructor";
  case PersonKind::guest:
    return "guest";
  }
  return "guest";
}

Expected<Report> report(db::Database& db, std::int64_t session_id, int threshold, std::optional<Seconds> as_of)
{
  try {
    return build_report(db, session_id, threshold, as_of);
  } catch (const SQLite::Exception& ex) {
    return make_error(ErrorKind::database,
                      fmt::format("cannot read attendance of session {}: {}", session_id, ex.what()));
  }
}

namespace {

nlohmann::json gaps_json(const std::vector<std::pair<Seconds, Seconds>>& gaps)
{
  auto out = nlohmann::json::array();
  for (const auto& [from, to] : gaps) {
    out.push_back({{"from", format_iso8601(from)}, {"to", format_iso8601(to)}});
  }
  return out;
}

} // namespace

nlohmann::json to_json(const Report& r)
{
  nlohmann::json people = nlohmann::json::array();
  for (const auto& p : r.people) {
    nlohmann::json o;
    o["user_id"] = p.user_id ? nlohmann::json(*p.user_id) : nlohmann::json();
    o["email"] = p.email;
    o["name"] = p.name;
    o["kind"] = std::string(to_string(p.kind));
    o["first_join"] = opt_time_json(p.first_join);
    o["last_leave"] = opt_time_json(p.last_leave);
    o["duration_seconds"] = p.duration_seconds;
    o["percent"] = round2(p.percent);
    o["cycles"] = p.cycles;
    o["computed_present"] = p.computed_present;
    if (p.override_info) {
      o["override"] = nlohmann::json{{"present", p.override_info->present},
                                     {"reason", p.override_info->reason},
                                     {"actor", p.override_info->actor},
                                     {"at", p.override_info->at}};
    } else {
      o["override"] = nullptr;
    }
    o["present"] = p.present;
    people.push_back(std::move(o));
  }
  return nlohmann::json{{"session_id", r.session_id},
                        {"topic", r.topic},
                        {"status", r.status},
                        {"meeting_start", opt_time_json(r.meeting_start)},
                        {"meeting_end", opt_time_json(r.meeting_end)},
                        {"meeting_ended", r.meeting_ended},
                        {"meeting_seconds", r.meeting_seconds},
                        {"gaps", gaps_json(r.gaps)},
                        {"threshold", r.threshold},
                        {"enrolled", r.enrolled},
                        {"present", r.present},
                        {"guests", r.guests},
                        {"attendance_percent", round2(r.attendance_percent)},
                        {"people", std::move(people)}};
}

std::string export_csv(const Report& r, Bom bom)
{
  std::string out;
  out.reserve(128 * (r.people.size() + 1));
  if (bom == Bom::yes) {
    out += "\xEF\xBB\xBF";
  }
  out += "user_id,email,name,kind,first_join,last_leave,duration_seconds,percent,computed_present,"
         "override,override_reason,override_actor,override_at,present\r\n";
  for (const auto& p : r.people) {
    const std::vector<std::string> cells = {
        p.user_id ? std::to_string(*p.user_id) : std::string(),
        p.email,
        p.name,
        std::string(to_string(p.kind)),
        time_json(p.first_join).value_or(""),
        time_json(p.last_leave).value_or(""),
        std::to_string(p.duration_seconds),
        fmt::format("{:.1f}", p.percent),
        yes_no(p.computed_present),
        p.override_info ? yes_no(p.override_info->present) : std::string(),
        p.override_info ? p.override_info->reason : std::string(),
        p.override_info ? p.override_info->actor : std::string(),
        p.override_info ? p.override_info->at : std::string(),
        yes_no(p.present),
    };
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) {
        out.push_back(',');
      }
      out += csv_cell(cells[i]);
    }
    out += "\r\n";
  }
  return out;
}

Expected<OverrideResult> override_attendance(db::Database& db, std::int64_t session_id, std::string_view user,
                                             Presence presence, std::string_view reason, std::string_view actor,
                                             int threshold)
{
  const std::string why = trim(reason);
  if (why.empty()) {
    return make_error(ErrorKind::invalid_input, "a reason is required for an attendance override");
  }
  const std::string who = trim(actor);
  if (who.empty()) {
    return make_error(ErrorKind::invalid_input, "the actor of an attendance override must be named");
  }
  const std::string user_text = trim(user);
  if (user_text.empty()) {
    return make_error(ErrorKind::invalid_input, "no user given (an email or a user id)");
  }
  try {
    db::WriteTransaction tx(db);
    auto session = load_session(db, session_id);
    if (!session) {
      return session.error();
    }
    std::int64_t user_id = 0;
    std::string email;
    {
      const auto as_id = parse_id(user_text);
      SQLite::Statement q(db.sql(), as_id ? "SELECT id, email FROM users WHERE id = ?"
                                          : "SELECT id, email FROM users WHERE email = ? COLLATE NOCASE");
      if (as_id) {
        q.bind(1, *as_id);
      } else {
        q.bind(1, user_text);
      }
      if (!q.executeStep()) {
        return make_error(ErrorKind::not_found, fmt::format("no user {}", user_text));
      }
      user_id = q.getColumn(0).getInt64();
      email = q.getColumn(1).getString();
    }
    {
      SQLite::Statement q(db.sql(), "SELECT 1 FROM cohort_members WHERE cohort_id = ? AND user_id = ?");
      q.bind(1, session->cohort_id);
      q.bind(2, user_id);
      if (!q.executeStep()) {
        return make_error(ErrorKind::invalid_input,
                          fmt::format("user {} is not in cohort {} of session {}; only its learners can be marked",
                                      email, session->cohort_id, session_id));
      }
    }
    auto before_report = build_report(db, session_id, threshold, std::nullopt);
    if (!before_report) {
      return before_report.error();
    }
    nlohmann::json before = nlohmann::json::object();
    for (const auto& p : before_report->people) {
      if (p.user_id == user_id) {
        before["present"] = p.present;
        before["computed_present"] = p.computed_present;
        before["duration_seconds"] = p.duration_seconds;
        if (p.override_info) {
          before["override"] = nlohmann::json{{"present", p.override_info->present},
                                              {"reason", p.override_info->reason},
                                              {"actor", p.override_info->actor},
                                              {"at", p.override_info->at}};
        } else {
          before["override"] = nullptr;
        }
      }
    }
    const bool present = presence == Presence::present;
    const std::string at = format_iso8601(zc::now());
    SQLite::Statement ins(db.sql(), "INSERT INTO attendance_overrides (session_id, user_id, present, reason, actor,"
                                    " created_at) VALUES (?, ?, ?, ?, ?, ?)");
    ins.bind(1, session_id);
    ins.bind(2, user_id);
    ins.bind(3, present ? 1 : 0);
    ins.bind(4, why);
    ins.bind(5, who);
    ins.bind(6, at);
    ins.exec();
    const std::int64_t override_id = db.sql().getLastInsertRowid();
    const nlohmann::json after{{"present", present}, {"reason", why}, {"override_id", override_id}};
    SQLite::Statement audit(db.sql(),
                            "INSERT INTO audit_log (at, actor, action, entity, entity_id, before_json,"
                            " after_json) VALUES (?, ?, 'attendance.override', 'session_attendance', ?, ?, ?)");
    audit.bind(1, at);
    audit.bind(2, who);
    audit.bind(3, fmt::format("{}:{}", session_id, user_id));
    audit.bind(4, before.dump());
    audit.bind(5, after.dump());
    audit.exec();
    tx.commit();
    log::info("attendance", "override session {} user {} -> {} by {}", session_id, user_id,
              present ? "present" : "absent", who);
    OverrideResult out;
    out.override_id = override_id;
    out.session_id = session_id;
    out.user_id = user_id;
    out.before_present = before.value("present", false);
    out.present = present;
    out.at = at;
    return out;
  } catch (const SQLite::Exception& ex) {
    return make_error(ErrorKind::database, fmt::format("cannot store the override: {}", ex.what()));
  }
}

Expected<ReconcileResult> reconcile(db::Database& db, std::int64_t session_id, const nlohmann::json& participants,
                                    std::string_view actor)
{
  const nlohmann::json* list = &participants;
  if (participants.is_object() && participants.contains("participants")) {
    list = &participants["participants"];
  }
  if (!list->is_array()) {
    return make_error(ErrorKind::invalid_input, "participants must be a JSON array");
  }

  struct Entry {
    std::string report_user_id; // Zoom's per-join id
    std::string zoom_user_id;   // `id`
    std::string name;
    std::string email;
    std::string customer_key;
    Seconds join;
    Seconds leave;
  };
  auto str = [](const nlohmann::json& o, const char* k) -> std::string {
    const auto it = o.find(k);
    if (it == o.end() || it->is_null()) {
      return {};
    }
    if (it->is_string()) {
      return it->get<std::string>();
    }
    if (it->is_number_integer()) {
      return std::to_string(it->get<std::int64_t>());
    }
    return {};
  };
  std::vector<Entry> entries;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto& o = (*list)[i];
    if (!o.is_object()) {
      return make_error(ErrorKind::invalid_input, fmt::format("participants[{}] is not an object", i));
    }
    Entry e{str(o, "user_id"), str(o, "id"), str(o, "name"), str(o, "user_email"), str(o, "customer_key"), {}, {}};
    const auto j = parse_iso8601(str(o, "join_time"), true);
    if (!j) {
      return make_error(ErrorKind::invalid_input,
                        fmt::format("participants[{}].join_time is missing or not ISO 8601", i));
    }
    const auto l = parse_iso8601(str(o, "leave_time"), true);
    if (!l) {
      return make_error(ErrorKind::invalid_input,
                        fmt::format("participants[{}].leave_time is missing or not ISO 8601", i));
    }
    if (*l < *j) {
      return make_error(ErrorKind::invalid_input, fmt::format("participants[{}] leaves before it joins", i));
    }
    e.join = *j;
    e.leave = *l;
    entries.push_back(std::move(e));
  }

  try {
    db::WriteTransaction tx(db);
    auto session = load_session(db, session_id);
    if (!session) {
      return session.error();
    }
    // What webhooks already brought, per person; an open interval runs on indefinitely.
    struct Known {
      std::int64_t rowid;
      Seconds join;
      Seconds leave;
      bool guessed; // no leave came: open, or closed at the end of its run
    };
    std::unordered_map<std::string, std::vector<Known>> known;
    {
      SQLite::Statement q(db.sql(), "SELECT user_id, zoom_user_id, participant_email, participant_name,"
                                    " participant_key, join_time, leave_time, leave_inferred, id"
                                    " FROM session_attendance"
                                    " WHERE session_id = ? AND source = 'webhook' AND join_time IS NOT NULL");
      q.bind(1, session_id);
      while (q.executeStep()) {
        const std::optional<std::int64_t> uid =
            q.getColumn(0).isNull() ? std::nullopt : std::optional<std::int64_t>(q.getColumn(0).getInt64());
        const auto key = person_key(uid, column_text(q.getColumn(1)), column_text(q.getColumn(2)),
                                    column_text(q.getColumn(3)), column_text(q.getColumn(4)));
        const auto join = column_time(q.getColumn(5));
        const auto leave = column_time(q.getColumn(6));
        if (join) {
          known[key].push_back(Known{q.getColumn(8).getInt64(), *join, leave.value_or(Seconds::max()),
                                     !leave || q.getColumn(7).getInt() != 0});
        }
      }
    }
    // A leave webhooks never brought, which Zoom's report has: the report's leave replaces the guess.
    SQLite::Statement shorten(db.sql(), "UPDATE session_attendance SET leave_time = ?1, duration = ?2,"
                                        " leave_inferred = 0 WHERE id = ?3");
    auto correct_guess = [&](std::vector<Known>& rows, Seconds join, Seconds leave) {
      for (auto& k : rows) {
        const auto apart = k.join > join ? k.join - join : join - k.join;
        if (!k.guessed || apart > k_report_join_tolerance || leave >= k.leave || leave < k.join) {
          continue;
        }
        shorten.reset();
        shorten.bind(1, format_iso8601(leave));
        shorten.bind(2, static_cast<std::int64_t>((leave - k.join).count()));
        shorten.bind(3, k.rowid);
        shorten.exec();
        k.leave = leave;
        k.guessed = false;
        return true;
      }
      return false;
    };
    ReconcileResult out;
    SQLite::Statement ins(db.sql(), "INSERT OR IGNORE INTO session_attendance (session_id, user_id, participant_key,"
                                    " participant_name, participant_email, zoom_user_id, customer_key, join_time,"
                                    " leave_time, duration, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'report')");
    for (const auto& e : entries) {
      const auto uid = match_user(db, e.customer_key, e.email, e.zoom_user_id);
      const auto key = person_key(uid, e.zoom_user_id, e.email, e.name, e.report_user_id);
      bool overlaps = false;
      if (const auto it = known.find(key); it != known.end()) {
        if (correct_guess(it->second, e.join, e.leave)) {
          ++out.shortened;
          continue;
        }
        for (const auto& [rowid, a, b, guessed] : it->second) {
          const bool strict = std::max(a, e.join) < std::min(b, e.leave);
          const bool equal = a == e.join && b == e.leave;
          const bool point_inside = e.join == e.leave && a <= e.join && e.join <= b;
          if (strict || equal || point_inside) {
            overlaps = true;
            break;
          }
        }
      }
      if (overlaps) {
        ++out.skipped_overlap;
        continue;
      }
      const std::string identity =
          !e.report_user_id.empty() ? e.report_user_id : (!e.zoom_user_id.empty() ? e.zoom_user_id : e.name);
      ins.reset();
      ins.clearBindings();
      ins.bind(1, session_id);
      if (uid) {
        ins.bind(2, *uid);
      } else {
        ins.bind(2);
      }
      ins.bind(3, "report:" + identity);
      auto bind_opt = [&ins](int i, const std::string& v) {
        if (v.empty()) {
          ins.bind(i);
        } else {
          ins.bind(i, v);
        }
      };
      bind_opt(4, e.name);
      bind_opt(5, e.email);
      bind_opt(6, e.zoom_user_id);
      bind_opt(7, e.customer_key);
      ins.bind(8, format_iso8601(e.join));
      ins.bind(9, format_iso8601(e.leave));
      ins.bind(10, static_cast<std::int64_t>((e.leave - e.join).count()));
      if (ins.exec() > 0) {
        ++out.inserted;
      } else {
        ++out.skipped_existing;
      }
    }
    SQLite::Statement audit(db.sql(), "INSERT INTO audit_log (at, actor, action, entity, entity_id, after_json)"
                                      " VALUES (?, ?, 'attendance.reconcile', 'session', ?, ?)");
    audit.bind(1, format_iso8601(zc::now()));
    audit.bind(2, std::string(actor.empty() ? "zoomctl" : actor));
    audit.bind(3, std::to_string(session_id));
    audit.bind(4, nlohmann::json{{"inserted", out.inserted},
                                 {"shortened", out.shortened},
                                 {"skipped_overlap", out.skipped_overlap},
                                 {"skipped_existing", out.skipped_existing},
                                 {"participants", entries.size()}}
                      .dump());
    audit.exec();
    tx.commit();
    log::info("attendance",
              "reconcile session {}: {} inserted, {} guessed leaves corrected, {} already from webhooks, {} already "
              "reconciled",
              session_id, out.inserted, out.shortened, out.skipped_overlap, out.skipped_existing);
    return out;
  } catch (const SQLite::Exception& ex) {
    return make_error(ErrorKind::database, fmt::format("cannot reconcile session {}: {}", session_id, ex.what()));
  }
}

Expected<ReconcileResult> reconcile_from_zoom(db::Database& db, zoom::ZoomClient& client, std::int64_t session_id,
                                              std::string_view actor)
{
  // Every run of the meeting that ended has its own participants report, under its instance uuid;
  // without a recorded run, the meeting's uuid (or id) names the one there was.
  std::vector<std::string> refs;
  try {
    SQLite::Statement q(db.sql(), "SELECT zoom_meeting_id, zoom_meeting_uuid FROM sessions WHERE id = ?");
    q.bind(1, session_id);
    if (!q.executeStep()) {
      return make_error(ErrorKind::not_found, fmt::format("no session {}", session_id));
    }
    const std::string id = q.getColumn(0).isNull() ? std::string() : std::to_string(q.getColumn(0).getInt64());
    const std::string uuid = column_text(q.getColumn(1));
    SQLite::Statement runs(db.sql(), "SELECT uuid FROM meeting_instances WHERE session_id = ? AND uuid <> ''"
                                     " AND end_time IS NOT NULL ORDER BY COALESCE(start_time, end_time)");
    runs.bind(1, session_id);
    while (runs.executeStep()) {
      refs.push_back(runs.getColumn(0).getString());
    }
    if (refs.empty()) {
      refs.push_back(uuid.empty() ? id : uuid);
    }
    if (refs.front().empty()) {
      return make_error(ErrorKind::conflict,
                        fmt::format("session {} has no Zoom meeting to reconcile with", session_id));
    }
  } catch (const SQLite::Exception& ex) {
    return make_error(ErrorKind::database, fmt::format("cannot read session {}: {}", session_id, ex.what()));
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& ref : refs) {
    auto people = client.past_meeting_participants(ref);
    if (!people) {
      if (zoom::is_meeting_gone(people.error())) {
        return make_error(ErrorKind::conflict,
                          fmt::format("Zoom has no ended meeting {} for session {} yet; reconcile after the meeting "
                                      "has ended ({})",
                                      ref, session_id, people.error().message));
      }
      return people.error();
    }
    for (const auto& p : *people) {
      list.push_back(p.raw);
    }
  }
  return reconcile(db, session_id, list, actor);
}

} // namespace zc::attendance_service
