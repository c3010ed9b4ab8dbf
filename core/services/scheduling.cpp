#include "core/services/scheduling.hpp"

#include "core/crypto.hpp"
#include "core/csv.hpp"
#include "core/log.hpp"
#include "core/services/audit.hpp"
#include "core/services/provisioning.hpp"
#include "core/util/utf8.hpp"
#include "core/zoom/retry.hpp"

#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

namespace zc::services {

namespace {

constexpr const char* k_log = "scheduling";
constexpr int k_max_topic = 200; // Zoom's limit, in characters

constexpr const char* k_select =
    "SELECT s.id, s.cohort_id, c.name, s.instructor_id, u.email, s.topic, s.zoom_meeting_id, s.zoom_meeting_uuid, "
    "s.zoom_join_url, s.zoom_start_url, s.start_time, s.duration, s.timezone, s.status, s.needs_repair, "
    "s.created_at, s.updated_at FROM sessions s JOIN cohorts c ON c.id = s.cohort_id "
    "JOIN users u ON u.id = s.instructor_id";

std::string text_or_empty(const SQLite::Column& c)
{
  return c.isNull() ? std::string() : c.getString();
}

Session read_session(SQLite::Statement& q)
{
  Session s;
  s.id = q.getColumn(0).getInt64();
  s.cohort_id = q.getColumn(1).getInt64();
  s.cohort_name = q.getColumn(2).getString();
  s.instructor_id = q.getColumn(3).getInt64();
  s.instructor_email = q.getColumn(4).getString();
  s.topic = q.getColumn(5).getString();
  if (!q.getColumn(6).isNull()) {
    s.zoom_meeting_id = q.getColumn(6).getInt64();
  }
  s.zoom_meeting_uuid = text_or_empty(q.getColumn(7));
  s.join_url = text_or_empty(q.getColumn(8));
  s.start_url = text_or_empty(q.getColumn(9));
  s.start_time = q.getColumn(10).getString();
  s.duration = q.getColumn(11).getInt();
  s.timezone = q.getColumn(12).getString();
  s.status = q.getColumn(13).getString();
  if (!q.getColumn(14).isNull()) {
    s.needs_repair = q.getColumn(14).getString();
  }
  s.created_at = q.getColumn(15).getString();
  s.updated_at = q.getColumn(16).getString();
  return s;
}

std::optional<Session> session_by_key(db::Database& db, const std::string& key)
{
  SQLite::Statement q(db.sql(), std::string(k_select) + " WHERE s.request_key = ?");
  q.bind(1, key);
  if (q.executeStep()) {
    return read_session(q);
  }
  return std::nullopt;
}

std::string trim(std::string_view s)
{
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// IANA names are checked against the system's zone database when it is installed.
std::string timezone_problem(std::string_view tz)
{
  if (tz.empty() || tz.size() > 64) {
    return "must be an IANA time zone name such as UTC or Asia/Riyadh";
  }
  if (tz == "UTC") {
    return {};
  }
  const bool chars_ok = std::all_of(tz.begin(), tz.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '/' || c == '_' || c == '-' || c == '+';
  });
  if (!chars_ok || tz.front() == '/' || tz.find("..") != std::string_view::npos) {
    return "is not an IANA time zone name (e.g. UTC, Europe/Berlin, Asia/Riyadh)";
  }
  const std::filesystem::path root("/usr/share/zoneinfo");
  std::error_code ec;
  if (std::filesystem::is_directory(root, ec)) {
    if (!std::filesystem::is_regular_file(root / std::string(tz), ec)) {
      return "is not a known time zone (see /usr/share/zoneinfo; e.g. UTC, Europe/Berlin, Asia/Riyadh)";
    }
  }
  return {};
}

std::optional<int> parse_int(std::string_view s)
{
  int v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

Expected<int> check_duration(std::string_view text, std::string_view field)
{
  const auto t = trim(text);
  const auto v = parse_int(t);
  if (!v) {
    return make_error(ErrorKind::invalid_input,
                      fmt::format("{} '{}' is not a whole number of minutes (1 to 1440)", field, text));
  }
  if (*v < 1 || *v > 1440) {
    return make_error(ErrorKind::invalid_input, fmt::format("{} {} is outside 1..1440 minutes", field, *v));
  }
  return *v;
}

Expected<Seconds> check_start(std::string_view text, std::string_view tz, std::string_view field)
{
  const auto t = trim(text);
  auto start = parse_iso8601(t, false);
  if (!start) {
    if (auto local = parse_iso8601(t, true)) {
      if (tz != "UTC") {
        return make_error(ErrorKind::invalid_input,
                          fmt::format("{} '{}' has no time zone offset; give it with Z or an offset such as "
                                      "+03:00 (the time zone {} is only what Zoom shows)",
                                      field, text, tz));
      }
      start = local;
    } else {
      return make_error(ErrorKind::invalid_input,
                        fmt::format("{} '{}' is not an ISO 8601 time such as 2026-12-01T10:00:00Z", field, text));
    }
  }
  return *start;
}

Expected<std::string> check_topic(std::string_view text, std::string_view field)
{
  std::string flat(text);
  std::replace_if(
      flat.begin(), flat.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  auto t = trim(flat);
  if (t.empty()) {
    return make_error(ErrorKind::invalid_input, fmt::format("{} must not be empty", field));
  }
  if (!valid_utf8(t)) {
    return make_error(ErrorKind::invalid_input, fmt::format("{} is not valid UTF-8", field));
  }
  if (utf8_length(t) > static_cast<std::size_t>(k_max_topic)) {
    return make_error(ErrorKind::invalid_input,
                      fmt::format("{} has {} characters; Zoom allows at most {}", field, utf8_length(t), k_max_topic));
  }
  if (std::any_of(t.begin(), t.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20U; })) {
    return make_error(ErrorKind::invalid_input, fmt::format("{} must not contain control characters", field));
  }
  return t;
}

zoom::MeetingSpec meeting_spec(std::string_view topic, Seconds start, int duration, std::string_view tz)
{
  zoom::MeetingSpec spec;
  spec.topic = std::string(topic);
  spec.start_time = start;
  spec.duration = duration;
  spec.timezone = std::string(tz);
  spec.type = zoom::MeetingType::scheduled;
  spec.settings.waiting_room = true;
  spec.settings.host_video = true;
  spec.settings.participant_video = false;
  spec.settings.mute_upon_entry = true;
  spec.settings.join_before_host = false;
  spec.settings.approval_type = 2;
  return spec;
}

void delete_row(db::Database& db, std::int64_t id)
{
  try {
    db::WriteTransaction tx(db);
    SQLite::Statement del(db.sql(), "DELETE FROM sessions WHERE id = ? AND zoom_meeting_id IS NULL");
    del.bind(1, id);
    del.exec();
    tx.commit();
  } catch (const SQLite::Exception& e) {
    log::warn(k_log, "cannot remove the reserved session {}: {}", id, e.what());
  }
}

// How long a reservation belongs to the request that made it: a retry waits that
// long for it to finish before taking it over (longer than the client's retry budget).
constexpr std::chrono::seconds k_lease{120};

// Takes over the unfinished session `id` for repair: atomically marks it as being
// worked on now. With `Lease::respect` it fails while another request's lease runs.
enum class Lease { respect, ignore };
bool claim(db::Database& db, std::int64_t id, Lease lease)
{
  db::WriteTransaction tx(db);
  SQLite::Statement q(db.sql(), lease == Lease::respect
                                    ? "UPDATE sessions SET updated_at = ? WHERE id = ? AND needs_repair IS NOT NULL "
                                      "AND updated_at <= ?"
                                    : "UPDATE sessions SET updated_at = ? WHERE id = ? AND needs_repair IS NOT NULL");
  q.bind(1, format_iso8601(now()));
  q.bind(2, id);
  if (lease == Lease::respect) {
    q.bind(3, format_iso8601(now() - k_lease));
  }
  const bool won = q.exec() == 1;
  tx.commit();
  return won;
}

// A failure after which the request may have reached Zoom (the client did not resend it).
bool may_have_reached_zoom(const Error& e)
{
  return e.http_status == 0 && e.message.find("may have reached Zoom") != std::string::npos;
}

// Creates the meeting of the reserved session `s` (needs_repair set, no meeting yet)
// hosted by `host`, and stores it. On a definite Zoom refusal the reserved row goes.
// Whether to look for a meeting an earlier attempt created before creating one.
enum class Lookup { create_only, find_first };

// The agenda marks the meeting as this session's, so that a repair after a create
// whose answer was lost finds the meeting instead of creating a second one.
std::string agenda_marker(std::int64_t session_id)
{
  return fmt::format("zoomctl session {}", session_id);
}

// The scheduled meetings of `host` carrying the marker of session `session_id`.
Expected<std::vector<std::int64_t>> find_marked_meetings(zoom::ZoomClient& zoom, std::string_view host,
                                                         std::int64_t session_id)
{
  const auto marker = agenda_marker(session_id);
  std::vector<std::int64_t> ids;
  std::string next;
  for (int page = 0; page < 100; ++page) {
    zoom::Query q{{"type", "scheduled"}, {"page_size", "300"}};
    if (!next.empty()) {
      q.emplace_back("next_page_token", next);
    }
    auto r = zoom.request(zoom::Method::get, "/users/" + zoom::url_encode(host) + "/meetings", q);
    if (!r) {
      return r.error();
    }
    if (const auto it = r->find("meetings"); it != r->end() && it->is_array()) {
      for (const auto& m : *it) {
        if (m.value("agenda", std::string()) == marker && m.contains("id") && m["id"].is_number_integer()) {
          ids.push_back(m["id"].get<std::int64_t>());
        }
      }
    }
    next = r->value("next_page_token", std::string());
    if (next.empty()) {
      break;
    }
  }
  return ids;
}

Expected<Session> create_meeting_for(db::Database& db, zoom::ZoomClient& zoom, const Session& s, std::string_view host,
                                     std::string_view action, std::string_view actor, Lookup lookup)
{
  const auto start = parse_iso8601(s.start_time).value_or(Seconds{});
  auto spec = meeting_spec(s.topic, start, s.duration, s.timezone);
  spec.agenda = agenda_marker(s.id);
  Expected<zoom::Meeting> m = make_error(ErrorKind::internal, "no meeting");
  std::optional<std::int64_t> found;
  if (lookup == Lookup::find_first) {
    // An earlier attempt may have created the meeting without us hearing the answer.
    auto f = find_marked_meetings(zoom, host, s.id);
    if (!f) {
      return f.error();
    }
    if (!f->empty()) {
      found = f->front();
      for (std::size_t i = 1; i < f->size(); ++i) { // a request sent twice made two: keep one
        if (auto del = zoom.delete_meeting((*f)[i]); !del) {
          log::warn(k_log, "cannot delete duplicate meeting {} of session {}: {}", (*f)[i], s.id, del.error().message);
        }
      }
    }
  }
  if (found) {
    m = zoom.get_meeting(*found);
  } else {
    m = zoom.create_meeting(host, spec);
  }
  if (!m) {
    Error e = m.error();
    if (may_have_reached_zoom(e)) {
      e.message += fmt::format("; session {} is kept with needs_repair: check Zoom, then run 'zoomctl session "
                               "repair {}' or 'zoomctl session cancel {}'",
                               s.id, s.id, s.id);
    } else {
      delete_row(db, s.id);
    }
    return e;
  }
  if (m->uuid.empty()) {
    if (auto g = zoom.get_meeting(m->id)) {
      m->uuid = g->uuid;
    }
  }
  try {
    db::WriteTransaction tx(db);
    SQLite::Statement q(db.sql(), "UPDATE sessions SET zoom_meeting_id = ?, zoom_meeting_uuid = ?, zoom_join_url = "
                                  "?, zoom_start_url = ?, needs_repair = ?, updated_at = ? WHERE id = ?");
    q.bind(1, m->id);
    q.bind(2, m->uuid);
    q.bind(3, m->join_url);
    q.bind(4, m->start_url);
    if (m->uuid.empty()) {
      q.bind(5, "uuid");
    } else {
      q.bind(5);
    }
    q.bind(6, format_iso8601(now()));
    q.bind(7, s.id);
    q.exec();
    SQLite::Statement r(db.sql(), std::string(k_select) + " WHERE s.id = ?");
    r.bind(1, s.id);
    if (!r.executeStep()) {
      throw SQLite::Exception("the reserved session row disappeared");
    }
    Session after = read_session(r);
    audit(db.sql(), actor, action, "session", std::to_string(s.id), nullptr, to_json(after, StartUrl::hide));
    tx.commit();
    return after;
  } catch (const SQLite::Exception& ex) {
    // The meeting exists but the session could not be stored: take the meeting back.
    const std::string why = ex.what();
    auto del = zoom.delete_meeting(m->id);
    if (del || zoom::is_meeting_gone(del.error())) {
      delete_row(db, s.id);
      return make_error(ErrorKind::database,
                        fmt::format("cannot store session {} ({}); the Zoom meeting {} was deleted again, so "
                                    "nothing was created: try again",
                                    s.id, why, m->id));
    }
    return make_error(ErrorKind::database,
                      fmt::format("cannot store session {} ({}) and cannot delete Zoom meeting {} again ({}); run "
                                  "'zoomctl session repair {}' once the database is writable, and delete meeting {} "
                                  "in Zoom",
                                  s.id, why, m->id, del.error().message, s.id, m->id));
  }
}

Expected<Session> repair_claimed(db::Database& db, zoom::ZoomClient& zoom, std::int64_t id, std::string_view actor);

Expected<User> user_by_id(db::Database& db, std::int64_t id)
{
  return find_user(db, std::to_string(id));
}

} // namespace

nlohmann::json to_json(const Session& s, StartUrl start_url)
{
  nlohmann::json j = {{"id", s.id},
                      {"cohort_id", s.cohort_id},
                      {"cohort", s.cohort_name},
                      {"instructor_id", s.instructor_id},
                      {"instructor", s.instructor_email},
                      {"topic", s.topic},
                      {"zoom_meeting_id", s.zoom_meeting_id ? nlohmann::json(*s.zoom_meeting_id) : nullptr},
                      {"zoom_meeting_uuid", s.zoom_meeting_uuid},
                      {"join_url", s.join_url},
                      {"start_time", s.start_time},
                      {"duration", s.duration},
                      {"timezone", s.timezone},
                      {"status", s.status},
                      {"needs_repair", s.needs_repair ? nlohmann::json(*s.needs_repair) : nullptr},
                      {"created_at", s.created_at},
                      {"updated_at", s.updated_at}};
  if (start_url == StartUrl::show) {
    j["start_url"] = s.start_url;
  }
  return j;
}

std::string request_key_for(std::int64_t cohort_id, std::int64_t instructor_id, Seconds start, int duration,
                            std::string_view topic, std::string_view timezone)
{
  return crypto::sha256_hex(fmt::format("v1\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", cohort_id, instructor_id,
                                        format_iso8601(start), duration, topic, timezone));
}

std::string_view to_string(ScheduleOutcome o)
{
  switch (o) {
  case ScheduleOutcome::created:
    return "created";
  case ScheduleOutcome::exists:
    return "exists";
  case ScheduleOutcome::repaired:
    break;
  }
  return "repaired";
}

Expected<ValidRequest> validate(db::Database& db, const ScheduleRequest& req)
{
  const auto& n = req.names;
  ValidRequest v;
  const auto cohort_key = trim(req.cohort);
  if (cohort_key.empty()) {
    return make_error(ErrorKind::invalid_input, fmt::format("{} is missing: give a cohort id or name", n.cohort));
  }
  auto cohort = find_cohort(db, cohort_key);
  if (!cohort) {
    Error e = cohort.error();
    e.message = fmt::format("{}: {}", n.cohort, e.message);
    return e;
  }
  v.cohort = *cohort;
  const auto instructor_key = trim(req.instructor);
  if (instructor_key.empty()) {
    return make_error(ErrorKind::invalid_input,
                      fmt::format("{} is missing: give an instructor's id or email", n.instructor));
  }
  auto instructor = find_user(db, instructor_key);
  if (!instructor) {
    Error e = instructor.error();
    e.message = fmt::format("{}: {}", n.instructor, e.message);
    return e;
  }
  if (instructor->role != Role::instructor) {
    return make_error(ErrorKind::conflict, fmt::format("{}: {} is a {}, not an instructor: only instructors can host "
                                                       "sessions",
                                                       n.instructor, instructor->email, to_string(instructor->role)));
  }
  v.instructor = *instructor;
  v.timezone = req.timezone ? trim(*req.timezone) : std::string("UTC");
  if (auto why = timezone_problem(v.timezone); !why.empty()) {
    return make_error(ErrorKind::invalid_input, fmt::format("{} '{}' {}", n.timezone, v.timezone, why));
  }
  auto start = check_start(req.start, v.timezone, n.start);
  if (!start) {
    return start.error();
  }
  v.start = *start;
  auto duration = check_duration(req.duration, n.duration);
  if (!duration) {
    return duration.error();
  }
  v.duration = *duration;
  if (req.topic) {
    auto topic = check_topic(*req.topic, n.topic);
    if (!topic) {
      return topic.error();
    }
    v.topic = *topic;
  } else {
    v.topic = fmt::format("{} live session", v.cohort.name);
    if (utf8_length(v.topic) > static_cast<std::size_t>(k_max_topic)) {
      v.topic = "Live session";
    }
  }
  if (req.request_key) {
    const auto key = trim(*req.request_key);
    if (key.empty() || key.size() > 255) {
      return make_error(ErrorKind::invalid_input, "the idempotency key must be 1 to 255 characters");
    }
    v.request_key = "key:" + key;
  } else {
    v.request_key = request_key_for(v.cohort.id, v.instructor.id, v.start, v.duration, v.topic, v.timezone);
  }
  v.existing = session_by_key(db, v.request_key);
  if (v.existing) {
    const auto& e = *v.existing;
    if (e.cohort_id != v.cohort.id || e.instructor_id != v.instructor.id || e.start_time != format_iso8601(v.start) ||
        e.duration != v.duration) {
      return make_error(ErrorKind::conflict,
                        fmt::format("the idempotency key was already used for session {} with different values; use "
                                    "a new key for a new session",
                                    e.id));
    }
    return v;
  }
  if (v.start <= now()) {
    return make_error(ErrorKind::invalid_input, fmt::format("{} {} is in the past (now is {})", n.start,
                                                            format_iso8601(v.start), format_iso8601(now())));
  }
  return v;
}

Expected<ScheduleResult> schedule(db::Database& db, zoom::ZoomClient& zoom, const ScheduleRequest& req,
                                  std::string_view actor)
{
  auto v = validate(db, req);
  if (!v) {
    return v.error();
  }
  return schedule_valid(db, zoom, *v, actor);
}

Expected<ScheduleResult> schedule_valid(db::Database& db, zoom::ZoomClient& zoom, const ValidRequest& v,
                                        std::string_view actor)
{
  // A retry of a request that has a session: return it, wait for the request that is
  // creating it, or finish it when that request is gone (its lease ran out).
  const auto waited_since = std::chrono::steady_clock::now();
  for (auto existing = v.existing ? v.existing : session_by_key(db, v.request_key); existing;
       existing = session_by_key(db, v.request_key)) {
    if (!existing->needs_repair) {
      return ScheduleResult{*existing, ScheduleOutcome::exists};
    }
    if (claim(db, existing->id, Lease::respect)) {
      auto fixed = repair_claimed(db, zoom, existing->id, actor);
      if (!fixed) {
        return fixed.error();
      }
      return ScheduleResult{*fixed, ScheduleOutcome::repaired};
    }
    if (std::chrono::steady_clock::now() - waited_since > k_lease + std::chrono::seconds(10)) {
      return make_error(ErrorKind::conflict,
                        fmt::format("session {} is still being created by another request; run 'zoomctl session "
                                    "repair {}' if that request has died",
                                    existing->id, existing->id));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  auto instructor = ensure_provisioned(db, zoom, v.instructor, actor);
  if (!instructor) {
    return instructor.error();
  }
  // Reserve the row under its key before calling Zoom, so a retry finds it.
  Session reserved;
  try {
    db::WriteTransaction tx(db);
    SQLite::Statement ins(db.sql(), "INSERT INTO sessions (cohort_id, instructor_id, topic, start_time, duration, "
                                    "timezone, status, request_key, needs_repair, created_at, updated_at) "
                                    "VALUES (?, ?, ?, ?, ?, ?, 'SCHEDULED', ?, 'create', ?, ?)");
    ins.bind(1, v.cohort.id);
    ins.bind(2, v.instructor.id);
    ins.bind(3, v.topic);
    ins.bind(4, format_iso8601(v.start));
    ins.bind(5, v.duration);
    ins.bind(6, v.timezone);
    ins.bind(7, v.request_key);
    ins.bind(8, format_iso8601(now())); // the lease starts now (the injectable clock)
    ins.bind(9, format_iso8601(now()));
    ins.exec();
    const auto id = db.sql().getLastInsertRowid();
    tx.commit();
    reserved = value_or_throw(get_session(db, id));
  } catch (const SQLite::Exception& e) {
    if (std::string_view(e.what()).find("UNIQUE") != std::string_view::npos) {
      // Another process reserved the same key first: wait for it as a retry would.
      if (session_by_key(db, v.request_key)) {
        ValidRequest again = v;
        again.existing.reset();
        return schedule_valid(db, zoom, again, actor);
      }
    }
    return make_error(ErrorKind::database, fmt::format("cannot reserve the session: {}", e.what()));
  }
  auto stored =
      create_meeting_for(db, zoom, reserved, *instructor->zoom_user_id, "session.schedule", actor, Lookup::create_only);
  if (!stored) {
    return stored.error();
  }
  return ScheduleResult{*stored, ScheduleOutcome::created};
}

Expected<Session> get_session(db::Database& db, std::int64_t id)
{
  SQLite::Statement q(db.sql(), std::string(k_select) + " WHERE s.id = ?");
  q.bind(1, id);
  if (!q.executeStep()) {
    return make_error(ErrorKind::not_found, fmt::format("no session {} (see 'zoomctl session list')", id));
  }
  return read_session(q);
}

Expected<std::int64_t> parse_session_id(std::string_view text, std::string_view field)
{
  std::int64_t v = 0;
  const auto t = trim(text);
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc{} || p != t.data() + t.size() || v <= 0) {
    return make_error(ErrorKind::invalid_input,
                      fmt::format("{} '{}' is not a session id (a positive number)", field, text));
  }
  return v;
}

Expected<Session> reschedule(db::Database& db, zoom::ZoomClient& zoom, std::int64_t id, const Reschedule& change,
                             std::string_view actor)
{
  if (!change.start && !change.duration && !change.topic && !change.timezone) {
    return make_error(ErrorKind::invalid_input, "nothing to change: give --start, --duration, --topic or --timezone");
  }
  auto s = get_session(db, id);
  if (!s) {
    return s.error();
  }
  const std::string tz = change.timezone ? trim(*change.timezone) : s->timezone;
  if (auto why = timezone_problem(tz); !why.empty()) {
    return make_error(ErrorKind::invalid_input, fmt::format("--timezone '{}' {}", tz, why));
  }
  zoom::MeetingSpec spec;
  Session after = *s;
  if (change.start) {
    auto start = check_start(*change.start, tz, "--start");
    if (!start) {
      return start.error();
    }
    if (*start <= now()) {
      return make_error(ErrorKind::invalid_input, fmt::format("--start {} is in the past (now is {})",
                                                              format_iso8601(*start), format_iso8601(now())));
    }
    spec.start_time = *start;
    after.start_time = format_iso8601(*start);
  }
  if (change.duration) {
    auto d = check_duration(*change.duration, "--duration");
    if (!d) {
      return d.error();
    }
    spec.duration = *d;
    after.duration = *d;
  }
  if (change.topic) {
    auto t = check_topic(*change.topic, "--topic");
    if (!t) {
      return t.error();
    }
    spec.topic = *t;
    after.topic = *t;
  }
  if (change.timezone) {
    spec.timezone = tz;
    after.timezone = tz;
  }
  if (s->status != "SCHEDULED") {
    return make_error(ErrorKind::conflict,
                      fmt::format("session {} is {}: only SCHEDULED sessions can be rescheduled", id, s->status));
  }
  if (!s->zoom_meeting_id) {
    return make_error(ErrorKind::conflict, fmt::format("session {} has no Zoom meeting yet; run 'zoomctl session "
                                                       "repair {}' first",
                                                       id, id));
  }
  auto host = user_by_id(db, s->instructor_id);
  if (!host) {
    return host.error();
  }
  auto r = zoom.update_meeting(*s->zoom_meeting_id, spec, host->zoom_user_id.value_or(""));
  if (!r) {
    Error e = r.error();
    if (zoom::is_meeting_gone(e)) {
      e.message = fmt::format("Zoom no longer has meeting {} of session {}: {}; cancel the session with 'zoomctl "
                              "session cancel {}' and schedule it again",
                              *s->zoom_meeting_id, id, e.message, id);
    }
    return e;
  }
  db::WriteTransaction tx(db);
  SQLite::Statement q(db.sql(), "UPDATE sessions SET start_time = ?, duration = ?, topic = ?, timezone = ?, "
                                "updated_at = ? WHERE id = ?");
  q.bind(1, after.start_time);
  q.bind(2, after.duration);
  q.bind(3, after.topic);
  q.bind(4, after.timezone);
  q.bind(5, format_iso8601(now()));
  q.bind(6, id);
  q.exec();
  audit(db.sql(), actor, "session.reschedule", "session", std::to_string(id), to_json(*s), to_json(after));
  tx.commit();
  return get_session(db, id);
}

Expected<Session> cancel(db::Database& db, zoom::ZoomClient& zoom, std::int64_t id, std::string_view actor)
{
  auto s = get_session(db, id);
  if (!s) {
    return s.error();
  }
  if (s->status == "CANCELLED") {
    return *s;
  }
  if (s->status == "COMPLETED") {
    return make_error(ErrorKind::conflict, fmt::format("session {} is COMPLETED and cannot be cancelled", id));
  }
  if (s->zoom_meeting_id) {
    auto r = zoom.delete_meeting(*s->zoom_meeting_id);
    if (!r && !zoom::is_meeting_gone(r.error())) {
      return r.error();
    }
  }
  db::WriteTransaction tx(db);
  // The request key is released so that the same session can be scheduled again.
  SQLite::Statement q(db.sql(), "UPDATE sessions SET status = 'CANCELLED', request_key = NULL, needs_repair = NULL, "
                                "updated_at = ? WHERE id = ?");
  q.bind(1, format_iso8601(now()));
  q.bind(2, id);
  q.exec();
  Session after = *s;
  after.status = "CANCELLED";
  after.needs_repair.reset();
  audit(db.sql(), actor, "session.cancel", "session", std::to_string(id), to_json(*s), to_json(after));
  tx.commit();
  return get_session(db, id);
}

Expected<Session> repair(db::Database& db, zoom::ZoomClient& zoom, std::int64_t id, std::string_view actor)
{
  auto s = get_session(db, id);
  if (!s) {
    return s.error();
  }
  if (!s->needs_repair) {
    return *s;
  }
  // The operator asked for it: take the session over even while a lease runs.
  claim(db, id, Lease::ignore);
  return repair_claimed(db, zoom, id, actor);
}

namespace {

Expected<Session> repair_claimed(db::Database& db, zoom::ZoomClient& zoom, std::int64_t id, std::string_view actor)
{
  auto s = get_session(db, id);
  if (!s) {
    return s.error();
  }
  if (!s->needs_repair) {
    return *s;
  }
  if (s->status == "CANCELLED") {
    db::WriteTransaction tx(db);
    SQLite::Statement q(db.sql(), "UPDATE sessions SET needs_repair = NULL WHERE id = ?");
    q.bind(1, id);
    q.exec();
    tx.commit();
    return get_session(db, id);
  }
  if (!s->zoom_meeting_id) {
    auto host = user_by_id(db, s->instructor_id);
    if (!host) {
      return host.error();
    }
    auto provisioned = ensure_provisioned(db, zoom, *host, actor);
    if (!provisioned) {
      return provisioned.error();
    }
    return create_meeting_for(db, zoom, *s, *provisioned->zoom_user_id, "session.repair", actor, Lookup::find_first);
  }
  auto m = zoom.get_meeting(*s->zoom_meeting_id);
  if (!m) {
    return m.error();
  }
  db::WriteTransaction tx(db);
  SQLite::Statement q(db.sql(), "UPDATE sessions SET zoom_meeting_uuid = ?, zoom_join_url = ?, needs_repair = NULL, "
                                "updated_at = ? WHERE id = ?");
  q.bind(1, m->uuid);
  q.bind(2, m->join_url.empty() ? s->join_url : m->join_url);
  q.bind(3, format_iso8601(now()));
  q.bind(4, id);
  q.exec();
  Session after = *s;
  after.zoom_meeting_uuid = m->uuid;
  after.needs_repair.reset();
  audit(db.sql(), actor, "session.repair", "session", std::to_string(id), to_json(*s), to_json(after));
  tx.commit();
  return get_session(db, id);
}

} // namespace

std::vector<std::int64_t> sessions_needing_repair(db::Database& db)
{
  std::vector<std::int64_t> ids;
  SQLite::Statement q(db.sql(), "SELECT id FROM sessions WHERE needs_repair IS NOT NULL ORDER BY id");
  while (q.executeStep()) {
    ids.push_back(q.getColumn(0).getInt64());
  }
  return ids;
}

Expected<std::vector<Session>> list_sessions(db::Database& db, const SessionFilter& f)
{
  std::string sql = k_select;
  std::vector<std::string> where;
  std::vector<std::variant<std::string, std::int64_t>> binds;
  if (f.status) {
    std::string st = trim(*f.status);
    std::transform(st.begin(), st.end(), st.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (!parse_session_status(st)) {
      return make_error(
          ErrorKind::invalid_input,
          fmt::format("--status '{}' is not one of SCHEDULED, IN_PROGRESS, COMPLETED, CANCELLED", *f.status));
    }
    where.emplace_back("s.status = ?");
    binds.emplace_back(st);
  }
  for (const auto& [opt, op, name] : {std::tuple{&f.from, ">=", "--from"}, std::tuple{&f.to, "<", "--to"}}) {
    if (*opt) {
      const auto t = parse_iso8601(trim(**opt), true);
      if (!t) {
        return make_error(ErrorKind::invalid_input,
                          fmt::format("{} '{}' is not an ISO 8601 time such as 2026-12-01T10:00:00Z", name, **opt));
      }
      where.push_back(fmt::format("s.start_time {} ?", op));
      binds.emplace_back(format_iso8601(*t));
    }
  }
  if (f.instructor) {
    auto u = find_user(db, trim(*f.instructor));
    if (!u) {
      Error e = u.error();
      e.message = "--instructor: " + e.message;
      return e;
    }
    where.emplace_back("s.instructor_id = ?");
    binds.emplace_back(u->id);
  }
  if (f.cohort) {
    auto c = find_cohort(db, trim(*f.cohort));
    if (!c) {
      Error e = c.error();
      e.message = "--cohort: " + e.message;
      return e;
    }
    where.emplace_back("s.cohort_id = ?");
    binds.emplace_back(c->id);
  }
  if (f.limit < 0) {
    return make_error(ErrorKind::invalid_input, "--limit must be 0 (all) or more");
  }
  for (std::size_t i = 0; i < where.size(); ++i) {
    sql += (i == 0 ? " WHERE " : " AND ") + where[i];
  }
  sql += " ORDER BY s.start_time, s.id";
  if (f.limit > 0) {
    sql += fmt::format(" LIMIT {}", f.limit);
  }
  SQLite::Statement q(db.sql(), sql);
  int i = 1;
  for (const auto& b : binds) {
    if (const auto* s = std::get_if<std::string>(&b)) {
      q.bind(i, *s);
    } else {
      q.bind(i, std::get<std::int64_t>(b));
    }
    ++i;
  }
  std::vector<Session> out;
  while (q.executeStep()) {
    out.push_back(read_session(q));
  }
  return out;
}

nlohmann::json to_json(const ImportRow& r)
{
  nlohmann::json j = {{"line", r.line}, {"outcome", r.outcome}};
  j["reason"] = r.reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.reason);
  j["session"] = r.session ? to_json(*r.session) : nlohmann::json(nullptr);
  return j;
}

Expected<std::vector<ImportRow>> import_csv(db::Database& db, zoom::ZoomClient& zoom, std::string_view text,
                                            std::string_view actor,
                                            const std::function<void(std::size_t total)>& on_each)
{
  auto rows = csv::parse(text);
  if (!rows) {
    return rows.error();
  }
  if (rows->empty()) {
    return make_error(ErrorKind::invalid_input, "the file is empty: expected the header "
                                                "cohort,instructor,start,duration,topic");
  }
  const std::vector<std::string> expected{"cohort", "instructor", "start", "duration", "topic"};
  std::vector<std::string> header;
  for (const auto& h : rows->front().fields) {
    auto t = trim(h);
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    header.push_back(t);
  }
  if (header != expected) {
    return make_error(
        ErrorKind::invalid_input,
        fmt::format("line {}: the header must be exactly cohort,instructor,start,duration,topic", rows->front().line));
  }
  // Validate the whole file before any Zoom call.
  std::vector<std::pair<int, ValidRequest>> valid;
  std::string problems;
  int bad = 0;
  for (std::size_t r = 1; r < rows->size(); ++r) {
    const auto& row = (*rows)[r];
    if (row.fields.size() != expected.size()) {
      problems += fmt::format("{}line {}: expected 5 fields, found {}", problems.empty() ? "" : "\n", row.line,
                              row.fields.size());
      ++bad;
      continue;
    }
    ScheduleRequest req;
    req.cohort = row.fields[0];
    req.instructor = row.fields[1];
    req.start = row.fields[2];
    req.duration = row.fields[3];
    if (!trim(row.fields[4]).empty()) {
      req.topic = row.fields[4];
    }
    req.names = FieldNames{"cohort", "instructor", "start", "duration", "topic", "timezone"};
    auto v = validate(db, req);
    if (!v) {
      problems += fmt::format("{}line {}: {}", problems.empty() ? "" : "\n", row.line, v.error().message);
      ++bad;
      continue;
    }
    valid.emplace_back(row.line, std::move(*v));
  }
  if (bad > 0) {
    return make_error(ErrorKind::invalid_input, fmt::format("{} of {} rows are not valid; nothing was scheduled:\n{}",
                                                            bad, rows->size() - 1, problems));
  }

  // Plan the daily quota: rows beyond what a host has left today are deferred, not attempted.
  std::map<std::int64_t, int> left; // instructor id -> creates left today
  std::set<std::string> planned_keys;
  std::vector<bool> deferred(valid.size(), false);
  const auto resets = format_iso8601(zoom::next_utc_midnight(now()));
  for (std::size_t i = 0; i < valid.size(); ++i) {
    const auto& v = valid[i].second;
    if (v.existing || !planned_keys.insert(v.request_key).second) {
      continue;
    }
    auto it = left.find(v.instructor.id);
    if (it == left.end()) {
      const int used = v.instructor.zoom_user_id ? zoom::meeting_writes_today(db, *v.instructor.zoom_user_id) : 0;
      it = left.emplace(v.instructor.id, zoom::k_daily_meeting_writes - used).first;
    }
    if (it->second <= 0) {
      deferred[i] = true;
    } else {
      --it->second;
    }
  }

  std::vector<ImportRow> out;
  out.reserve(valid.size());
  for (std::size_t i = 0; i < valid.size(); ++i) {
    const auto& [line, v] = valid[i];
    ImportRow r;
    r.line = line;
    if (deferred[i]) {
      r.outcome = "deferred";
      r.reason = fmt::format("{} would exceed the {} meeting creates/updates Zoom allows per host per UTC day; "
                             "not attempted: run the import again after {}",
                             v.instructor.email, zoom::k_daily_meeting_writes, resets);
    } else {
      auto res = schedule_valid(db, zoom, v, actor);
      if (res) {
        r.outcome = std::string(to_string(res->outcome));
        r.session = res->session;
      } else if (zoom::is_daily_limit(res.error())) {
        r.outcome = "deferred";
        r.reason = res.error().message;
      } else {
        r.outcome = "failed";
        r.reason = res.error().message;
      }
    }
    out.push_back(std::move(r));
    if (on_each) {
      on_each(valid.size());
    }
  }
  return out;
}

} // namespace zc::services
