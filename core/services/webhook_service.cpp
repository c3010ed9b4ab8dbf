#include "core/services/webhook_service.hpp"

#include "core/attendance.hpp"
#include "core/log.hpp"
#include "core/services/attendance_service.hpp"
#include "core/util/time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>

namespace zc::webhook_service {

namespace {

using webhook::Event;
using webhook::EventType;

struct SessionRef {
  std::int64_t id = 0;
  std::string status;
};

std::optional<Seconds> column_time(const SQLite::Column& c)
{
  if (c.isNull()) {
    return std::nullopt;
  }
  return parse_iso8601(c.getString(), true);
}

void bind_text_or_null(SQLite::Statement& st, int index, const std::string& value)
{
  if (value.empty()) {
    st.bind(index);
  } else {
    st.bind(index, value);
  }
}

void bind_time_or_null(SQLite::Statement& st, int index, const std::optional<Seconds>& t)
{
  if (t) {
    st.bind(index, format_iso8601(*t));
  } else {
    st.bind(index);
  }
}

Expected<SessionRef> find_session(db::Database& db, const Event& e)
{
  auto read = [](SQLite::Statement& q) {
    SessionRef s;
    s.id = q.getColumn(0).getInt64();
    s.status = q.getColumn(1).getString();
    return s;
  };
  if (e.meeting_number) {
    SQLite::Statement q(db.sql(), "SELECT id, status FROM sessions WHERE zoom_meeting_id = ?");
    q.bind(1, *e.meeting_number);
    if (q.executeStep()) {
      return read(q);
    }
  }
  if (!e.meeting_uuid.empty()) {
    SQLite::Statement q(db.sql(), "SELECT id, status FROM sessions WHERE zoom_meeting_uuid = ?1"
                                  " OR id IN (SELECT session_id FROM meeting_instances WHERE uuid = ?1)"
                                  " ORDER BY id LIMIT 1");
    q.bind(1, e.meeting_uuid);
    if (q.executeStep()) {
      return read(q);
    }
  }
  return make_error(ErrorKind::not_found,
                    fmt::format("no session for meeting {}", e.meeting_id.empty() ? e.meeting_uuid : e.meeting_id));
}

std::string now_text()
{
  return format_iso8601(zc::now());
}

// Folds a meeting.started or meeting.ended into its instance's row: the earliest start and the
// latest end win. An event that names no instance belongs to the latest run, as there is no telling.
void record_run(db::Database& db, std::int64_t session_id, const Event& e)
{
  std::string uuid = e.meeting_uuid;
  if (uuid.empty()) {
    SQLite::Statement q(db.sql(), "SELECT uuid FROM meeting_instances WHERE session_id = ?"
                                  " ORDER BY COALESCE(start_time, end_time) DESC LIMIT 1");
    q.bind(1, session_id);
    if (q.executeStep()) {
      uuid = q.getColumn(0).getString();
    }
  }
  const std::optional<Seconds> end = e.type == EventType::meeting_ended ? e.end_time : std::nullopt;
  SQLite::Statement u(db.sql(), "INSERT INTO meeting_instances (session_id, uuid, start_time, end_time)"
                                " VALUES (?1, ?2, ?3, ?4)"
                                " ON CONFLICT (session_id, uuid) DO UPDATE SET"
                                " start_time = CASE WHEN excluded.start_time IS NOT NULL AND (start_time IS NULL"
                                "              OR start_time > excluded.start_time) THEN excluded.start_time"
                                "              ELSE start_time END,"
                                " end_time = CASE WHEN excluded.end_time IS NOT NULL AND (end_time IS NULL"
                                "            OR end_time < excluded.end_time) THEN excluded.end_time"
                                "            ELSE end_time END");
  u.bind(1, session_id);
  u.bind(2, uuid);
  bind_time_or_null(u, 3, e.start_time);
  bind_time_or_null(u, 4, end);
  u.exec();
}

// Sets what the runs say on the session row: the earliest start, the latest end unless a run is
// still going, and IN_PROGRESS while the last run goes (again, after a restart) or COMPLETED once
// it has ended. Then every join no leave closed ends where its run ended (attendance::inferred_leave).
void refresh_from_runs(db::Database& db, std::int64_t session_id, const std::string& meeting_uuid)
{
  const auto runs = attendance_service::meeting_runs(db, session_id);
  const auto sum = attendance::summarize(runs);
  SQLite::Statement u(db.sql(), "UPDATE sessions SET"
                                " status = CASE WHEN status = 'CANCELLED' THEN status ELSE ?1 END,"
                                " actual_start = ?2, actual_end = ?3,"
                                " zoom_meeting_uuid = COALESCE(zoom_meeting_uuid, ?4),"
                                " updated_at = ?5"
                                " WHERE id = ?6");
  u.bind(1, sum.live ? "IN_PROGRESS" : "COMPLETED");
  bind_time_or_null(u, 2, sum.start);
  bind_time_or_null(u, 3, sum.end);
  bind_text_or_null(u, 4, meeting_uuid);
  u.bind(5, now_text());
  u.bind(6, session_id);
  u.exec();

  struct Open {
    std::int64_t rowid;
    Seconds join;
    std::optional<Seconds> leave;
  };
  std::vector<Open> open;
  {
    SQLite::Statement q(db.sql(), "SELECT id, join_time, leave_time FROM session_attendance"
                                  " WHERE session_id = ? AND source = 'webhook' AND join_time IS NOT NULL"
                                  "   AND (leave_time IS NULL OR leave_inferred = 1)");
    q.bind(1, session_id);
    while (q.executeStep()) {
      if (const auto join = column_time(q.getColumn(1))) {
        open.push_back(Open{q.getColumn(0).getInt64(), *join, column_time(q.getColumn(2))});
      }
    }
  }
  SQLite::Statement set(db.sql(), "UPDATE session_attendance SET leave_time = ?1, duration = ?2,"
                                  " leave_inferred = ?3 WHERE id = ?4");
  for (const auto& o : open) {
    const auto leave = attendance::inferred_leave(runs, o.join);
    if (leave == o.leave) {
      continue;
    }
    set.reset();
    set.clearBindings();
    bind_time_or_null(set, 1, leave);
    if (leave) {
      set.bind(2, static_cast<std::int64_t>((*leave - o.join).count()));
      set.bind(3, 1);
    } else {
      set.bind(2);
      set.bind(3, 0);
    }
    set.bind(4, o.rowid);
    set.exec();
  }
}

// meeting.started and meeting.ended: the run is recorded, then the session and the open joins
// follow from all the runs known, so the result does not depend on the order events arrive in.
std::string apply_run_event(db::Database& db, const SessionRef& s, const Event& e)
{
  if (s.status == "CANCELLED") {
    return fmt::format("session {} is CANCELLED; left unchanged", s.id);
  }
  record_run(db, s.id, e);
  refresh_from_runs(db, s.id, e.meeting_uuid);
  return {};
}

struct Identity {
  std::string name;
  std::string email;
  std::string zoom_user_id;
  std::string customer_key;
};

void fill_gaps(Identity& into, const Identity& from)
{
  auto fill = [](std::string& a, const std::string& b) {
    if (a.empty()) {
      a = b;
    }
  };
  fill(into.name, from.name);
  fill(into.email, from.email);
  fill(into.zoom_user_id, from.zoom_user_id);
  fill(into.customer_key, from.customer_key);
}

// participant_joined/left: rebuild the rows of this participant key from every
// join and leave time known for it, so the result does not depend on arrival order.
std::string apply_participant(db::Database& db, const SessionRef& s, const Event& e)
{
  const auto& p = *e.participant;
  std::set<Seconds> joins;
  std::set<Seconds> leaves;
  Identity from_joins;
  Identity from_leaves;
  {
    SQLite::Statement q(db.sql(), "SELECT join_time, leave_time, leave_inferred, participant_name, participant_email,"
                                  " zoom_user_id, customer_key FROM session_attendance"
                                  " WHERE session_id = ? AND participant_key = ? AND source = 'webhook'"
                                  " ORDER BY id");
    q.bind(1, s.id);
    q.bind(2, p.participant_key);
    while (q.executeStep()) {
      const auto join = column_time(q.getColumn(0));
      const auto leave = column_time(q.getColumn(1));
      const bool inferred = q.getColumn(2).getInt() != 0;
      if (join) {
        joins.insert(*join);
      }
      if (leave && !inferred) {
        leaves.insert(*leave);
      }
      Identity id{q.getColumn(3).isNull() ? "" : q.getColumn(3).getString(),
                  q.getColumn(4).isNull() ? "" : q.getColumn(4).getString(),
                  q.getColumn(5).isNull() ? "" : q.getColumn(5).getString(),
                  q.getColumn(6).isNull() ? "" : q.getColumn(6).getString()};
      fill_gaps(join ? from_joins : from_leaves, id);
    }
  }
  const Identity incoming{p.name, p.email, p.zoom_user_id, p.customer_key};
  if (e.type == EventType::participant_joined) {
    joins.insert(*p.join_time);
    // What a join says about the person wins over what a leave said.
    Identity merged = incoming;
    fill_gaps(merged, from_joins);
    from_joins = merged;
  } else {
    leaves.insert(*p.leave_time);
    fill_gaps(from_leaves, incoming);
  }
  Identity identity = from_joins;
  fill_gaps(identity, from_leaves);

  const auto user_id = attendance_service::match_user(db, identity.customer_key, identity.email, identity.zoom_user_id);

  // Pair in time order: a leave closes the latest open join; joins sort before leaves at the same second.
  struct Row {
    std::optional<Seconds> join;
    std::optional<Seconds> leave;
    bool inferred = false;
  };
  std::vector<Row> rows;
  std::vector<Seconds> open;
  auto li = leaves.begin();
  auto ji = joins.begin();
  while (ji != joins.end() || li != leaves.end()) {
    if (ji != joins.end() && (li == leaves.end() || *ji <= *li)) {
      open.push_back(*ji++);
    } else {
      if (open.empty()) {
        rows.push_back(Row{std::nullopt, *li, false});
      } else {
        rows.push_back(Row{open.back(), *li, false});
        open.pop_back();
      }
      ++li;
    }
  }
  const auto runs = open.empty() ? std::vector<attendance::Run>{} : attendance_service::meeting_runs(db, s.id);
  for (const auto join : open) {
    const auto leave = attendance::inferred_leave(runs, join);
    rows.push_back(Row{join, leave, leave.has_value()});
  }

  SQLite::Statement del(
      db.sql(), "DELETE FROM session_attendance WHERE session_id = ? AND participant_key = ? AND source = 'webhook'");
  del.bind(1, s.id);
  del.bind(2, p.participant_key);
  del.exec();
  SQLite::Statement ins(db.sql(), "INSERT INTO session_attendance (session_id, user_id, participant_key,"
                                  " participant_name, participant_email, zoom_user_id, customer_key, join_time,"
                                  " leave_time, duration, source, leave_inferred)"
                                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'webhook', ?)");
  for (const auto& r : rows) {
    ins.reset();
    ins.clearBindings();
    ins.bind(1, s.id);
    if (user_id) {
      ins.bind(2, *user_id);
    } else {
      ins.bind(2);
    }
    ins.bind(3, p.participant_key);
    bind_text_or_null(ins, 4, identity.name);
    bind_text_or_null(ins, 5, identity.email);
    bind_text_or_null(ins, 6, identity.zoom_user_id);
    bind_text_or_null(ins, 7, identity.customer_key);
    bind_time_or_null(ins, 8, r.join);
    bind_time_or_null(ins, 9, r.leave);
    if (r.join && r.leave) {
      ins.bind(10, static_cast<std::int64_t>((*r.leave - *r.join).count()));
    } else {
      ins.bind(10);
    }
    ins.bind(11, r.inferred ? 1 : 0);
    ins.exec();
  }
  return {};
}

struct Applied {
  std::string status; // applied | ignored
  std::string note;   // why ignored, or a remark
};

// Applies a parsed event inside the caller's transaction; an error leaves the caller to roll back.
Expected<Applied> apply(db::Database& db, const Event& e)
{
  if (e.type == EventType::other || e.type == EventType::url_validation) {
    return Applied{"ignored", fmt::format("event {} is not handled", e.name)};
  }
  auto s = find_session(db, e);
  if (!s) {
    return s.error();
  }
  std::string note;
  switch (e.type) {
  case EventType::meeting_started:
  case EventType::meeting_ended:
    note = apply_run_event(db, *s, e);
    break;
  case EventType::participant_joined:
  case EventType::participant_left:
    note = apply_participant(db, *s, e);
    break;
  case EventType::url_validation:
  case EventType::other:
    break;
  }
  if (e.participant) {
    const auto& p = *e.participant;
    const auto when = e.type == EventType::participant_joined ? p.join_time : p.leave_time;
    log::info("webhook", "applied {} meeting {} session {} participant {} at {}", e.name, e.meeting_id, s->id,
              p.participant_key, when ? format_iso8601(*when) : "");
  } else {
    const auto when = e.type == EventType::meeting_started ? e.start_time : e.end_time;
    log::info("webhook", "applied {} meeting {} session {} at {}{}{}", e.name, e.meeting_id, s->id,
              when ? format_iso8601(*when) : "", note.empty() ? "" : ": ", note);
  }
  if (!note.empty()) {
    return Applied{"ignored", note};
  }
  return Applied{"applied", {}};
}

struct StoredOutcome {
  std::string status;
  std::string error;
};

// Runs `apply` under a savepoint so that a failure undoes its partial writes
// while the event row itself is kept; records the result on row `id`.
StoredOutcome apply_and_record(db::Database& db, std::int64_t id, const Expected<Event>& parsed)
{
  StoredOutcome out;
  if (!parsed) {
    out = {"failed", parsed.error().message};
  } else {
    db.sql().exec("SAVEPOINT zc_apply");
    try {
      auto r = apply(db, *parsed);
      if (r) {
        db.sql().exec("RELEASE zc_apply");
        out = {r->status, r->note};
      } else {
        db.sql().exec("ROLLBACK TO zc_apply");
        db.sql().exec("RELEASE zc_apply");
        out = {"failed", r.error().message};
      }
    } catch (const SQLite::Exception& ex) {
      db.sql().exec("ROLLBACK TO zc_apply");
      db.sql().exec("RELEASE zc_apply");
      out = {"failed", fmt::format("database error while applying: {}", ex.what())};
    }
  }
  if (out.status == "failed") {
    log::warn("webhook", "event {} failed: {}", id, out.error);
  }
  SQLite::Statement u(db.sql(), "UPDATE webhook_events SET status = ?, error = ?,"
                                " applied_at = CASE WHEN ? = 'applied' THEN ? ELSE applied_at END WHERE id = ?");
  u.bind(1, out.status);
  bind_text_or_null(u, 2, out.error);
  u.bind(3, out.status);
  u.bind(4, now_text());
  u.bind(5, id);
  u.exec();
  return out;
}

Expected<Event> parse_stored(std::string_view raw)
{
  auto body = nlohmann::json::parse(raw.begin(), raw.end(), nullptr, false);
  if (body.is_discarded()) {
    return make_error(ErrorKind::invalid_input, "stored body is not JSON");
  }
  return webhook::parse_event(body, raw);
}

EventRecord read_record(SQLite::Statement& q)
{
  auto str = [&q](int i) { return q.getColumn(i).isNull() ? std::string() : q.getColumn(i).getString(); };
  EventRecord r;
  r.id = q.getColumn(0).getInt64();
  r.dedupe_key = str(1);
  r.event = str(2);
  r.event_ts = q.getColumn(3).isNull() ? 0 : q.getColumn(3).getInt64();
  r.meeting_id = str(4);
  r.received_at = str(5);
  r.deliveries = q.getColumn(6).getInt64();
  r.status = str(7);
  r.error = str(8);
  r.applied_at = str(9);
  return r;
}

constexpr const char* k_record_columns =
    "id, dedupe_key, event, event_ts, meeting_id, received_at, deliveries, status, error, applied_at";

Expected<EventRecord> get_record(db::Database& db, std::int64_t id)
{
  SQLite::Statement q(db.sql(), fmt::format("SELECT {} FROM webhook_events WHERE id = ?", k_record_columns));
  q.bind(1, id);
  if (!q.executeStep()) {
    return make_error(ErrorKind::not_found, fmt::format("no webhook event {}", id));
  }
  return read_record(q);
}

IngestResult rejected(webhook::Rejection r, const std::string& message)
{
  IngestResult out;
  out.outcome = Outcome::rejected;
  out.rejection = r;
  out.http_status = webhook::http_status(r);
  out.message = message;
  out.body = nlohmann::json{{"error", std::string(webhook::to_string(r))}, {"message", message}};
  return out;
}

} // namespace

std::string_view to_string(Outcome o)
{
  switch (o) {
  case Outcome::applied:
    return "applied";
  case Outcome::duplicate:
    return "duplicate";
  case Outcome::failed:
    return "failed";
  case Outcome::ignored:
    return "ignored";
  case Outcome::url_validation:
    return "url_validation";
  case Outcome::rejected:
    return "rejected";
  case Outcome::error:
    return "error";
  }
  return "error";
}

namespace {

// A verified delivery ready to be stored: what `ingest` knows before it opens the transaction.
struct Prepared {
  std::string_view raw_body;
  std::string event;
  Expected<Event> parsed;
  std::string key;
  std::string meeting_id;
  std::int64_t event_ts = 0;
  bool outside_window = false;
};

// Verifies and parses one delivery; answers rejections and url_validation at once (`done`),
// otherwise fills `prepared` for `store_and_apply`.
std::optional<IngestResult> prepare(std::string_view raw_body, const webhook::Headers& headers,
                                    const IngestConfig& config, std::optional<Prepared>& prepared)
{
  auto v = webhook::verify(raw_body, headers, config);
  if (!v.ok()) {
    log::warn("webhook", "rejected delivery: {}", v.message);
    return rejected(v.rejection, v.message);
  }
  if (v.outside_window) {
    // Accepted all the same (see webhook::verify): a retry signed at its first attempt, or a clock that drifted.
    log::warn("webhook",
              "accepted {} signed {} s away from this server's clock (more than the {} s window): "
              "check the clock (NTP) if this repeats",
              v.event, v.skew, config.tolerance.count());
  }
  auto parsed = webhook::parse_event(v.body, raw_body);
  if (webhook::event_type(v.event) == EventType::url_validation) {
    if (!parsed) {
      return rejected(webhook::Rejection::malformed_json, parsed.error().message);
    }
    IngestResult out;
    out.event = v.event;
    out.outcome = Outcome::url_validation;
    out.http_status = 200;
    out.body = webhook::url_validation_response(config.secret, parsed->plain_token);
    out.message = "answered endpoint.url_validation";
    out.outside_window = v.outside_window;
    return out;
  }

  const std::string key = parsed ? parsed->dedupe_key : webhook::dedupe_key(webhook::Event{}, raw_body);
  std::string meeting_id;
  if (parsed) {
    meeting_id = parsed->meeting_id.empty() ? parsed->meeting_uuid : parsed->meeting_id;
  } else if (const auto obj = v.body.value("/payload/object"_json_pointer, nlohmann::json()); obj.is_object()) {
    // Keep the meeting of an event that could not be read, so that `webhook list` shows it.
    if (const auto id = obj.find("id"); id != obj.end() && (id->is_string() || id->is_number_integer())) {
      meeting_id = id->is_string() ? id->get<std::string>() : std::to_string(id->get<std::int64_t>());
    }
  }
  std::int64_t event_ts = 0;
  if (const auto ts = v.body.find("event_ts"); ts != v.body.end() && ts->is_number_integer()) {
    event_ts = ts->get<std::int64_t>();
  }
  prepared.emplace(
      Prepared{raw_body, v.event, std::move(parsed), key, std::move(meeting_id), event_ts, v.outside_window});
  return std::nullopt;
}

// Stores `p` in webhook_events and applies it when new (or stored as failed before), inside the
// caller's transaction; throws on a database error. The answer is final only after the commit.
IngestResult store_and_apply(db::Database& db, const Prepared& p)
{
  IngestResult out;
  out.event = p.event;
  out.outside_window = p.outside_window;
  SQLite::Statement ins(db.sql(), "INSERT INTO webhook_events (dedupe_key, event, event_ts, meeting_id, body)"
                                  " VALUES (?, ?, ?, ?, ?)"
                                  " ON CONFLICT (dedupe_key) DO UPDATE SET deliveries = deliveries + 1"
                                  " RETURNING id, deliveries, status");
  ins.bind(1, p.key);
  ins.bind(2, p.event);
  if (p.event_ts != 0) {
    ins.bind(3, p.event_ts);
  } else {
    ins.bind(3);
  }
  bind_text_or_null(ins, 4, p.meeting_id);
  ins.bind(5, std::string(p.raw_body));
  if (!ins.executeStep()) {
    throw SQLite::Exception("INSERT ... RETURNING gave no row");
  }
  const std::int64_t id = ins.getColumn(0).getInt64();
  const std::int64_t deliveries = ins.getColumn(1).getInt64();
  const std::string prior = ins.getColumn(2).getString();
  ins.reset();
  out.event_id = id;
  // A redelivery of an event that failed before gets another chance; applied ones are not touched.
  if (deliveries == 1 || prior == "failed" || prior == "pending") {
    const auto r = apply_and_record(db, id, p.parsed);
    out.outcome = r.status == "applied" ? Outcome::applied : r.status == "ignored" ? Outcome::ignored : Outcome::failed;
    out.message = r.error;
  } else {
    out.outcome = Outcome::duplicate;
    out.message = fmt::format("duplicate of event {} (delivery {})", id, deliveries);
  }
  out.http_status = 200;
  out.body = nlohmann::json{{"status", std::string(to_string(out.outcome))}, {"event_id", *out.event_id}};
  if (!out.message.empty()) {
    out.body["message"] = out.message;
  }
  return out;
}

IngestResult database_error(const std::string& event, const char* what)
{
  log::error("webhook", "storing event {} failed: {}", event, what);
  IngestResult err;
  err.event = event;
  err.outcome = Outcome::error;
  err.http_status = 500;
  err.message = "database error";
  err.body = nlohmann::json{{"error", "database_error"}, {"message", "the event could not be stored; retry"}};
  return err;
}

} // namespace

IngestResult ingest(db::Database& db, std::string_view raw_body, const webhook::Headers& headers,
                    const IngestConfig& config)
{
  std::optional<Prepared> p;
  if (auto done = prepare(raw_body, headers, config, p)) {
    return std::move(*done);
  }
  try {
    db::WriteTransaction tx(db);
    auto out = store_and_apply(db, *p);
    tx.commit();
    return out;
  } catch (const std::exception& ex) {
    return database_error(p->event, ex.what());
  }
}

std::vector<IngestResult> ingest_batch(db::Database& db, std::span<const Delivery> deliveries,
                                       const IngestConfig& config)
{
  std::vector<IngestResult> results(deliveries.size());
  std::vector<std::optional<Prepared>> prepared(deliveries.size());
  bool any = false;
  for (std::size_t i = 0; i < deliveries.size(); ++i) {
    if (auto done = prepare(deliveries[i].raw_body, *deliveries[i].headers, config, prepared[i])) {
      results[i] = std::move(*done);
    } else {
      any = true;
    }
  }
  if (!any) {
    return results;
  }
  try {
    db::WriteTransaction tx(db);
    for (std::size_t i = 0; i < deliveries.size(); ++i) {
      if (!prepared[i]) {
        continue;
      }
      // Each event under its own savepoint: a database error on one leaves the others to commit.
      db.sql().exec("SAVEPOINT zc_batch_event");
      try {
        results[i] = store_and_apply(db, *prepared[i]);
        db.sql().exec("RELEASE zc_batch_event");
      } catch (const SQLite::Exception& ex) {
        db.sql().exec("ROLLBACK TO zc_batch_event");
        db.sql().exec("RELEASE zc_batch_event");
        results[i] = database_error(prepared[i]->event, ex.what());
      }
    }
    tx.commit();
  } catch (const std::exception& ex) {
    // Nothing of the batch was committed: every stored answer becomes an error Zoom retries.
    for (std::size_t i = 0; i < deliveries.size(); ++i) {
      if (prepared[i]) {
        results[i] = database_error(prepared[i]->event, ex.what());
      }
    }
  }
  return results;
}

nlohmann::json to_json(const EventRecord& r)
{
  auto null_if_empty = [](const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); };
  return nlohmann::json{{"id", r.id},
                        {"dedupe_key", r.dedupe_key},
                        {"event", r.event},
                        {"event_ts", r.event_ts == 0 ? nlohmann::json() : nlohmann::json(r.event_ts)},
                        {"meeting_id", null_if_empty(r.meeting_id)},
                        {"received_at", r.received_at},
                        {"deliveries", r.deliveries},
                        {"status", r.status},
                        {"error", null_if_empty(r.error)},
                        {"applied_at", null_if_empty(r.applied_at)}};
}

Expected<std::vector<EventRecord>> list_events(db::Database& db, EventFilter filter, int limit)
{
  try {
    std::string sql = fmt::format("SELECT {} FROM webhook_events", k_record_columns);
    if (filter == EventFilter::failed) {
      sql += " WHERE status = 'failed'";
    }
    sql += " ORDER BY id DESC";
    if (limit > 0) {
      sql += fmt::format(" LIMIT {}", limit);
    }
    SQLite::Statement q(db.sql(), sql);
    std::vector<EventRecord> out;
    while (q.executeStep()) {
      out.push_back(read_record(q));
    }
    return out;
  } catch (const SQLite::Exception& ex) {
    return make_error(ErrorKind::database, fmt::format("cannot list webhook events: {}", ex.what()));
  }
}

Expected<EventRecord> replay(db::Database& db, std::int64_t id)
{
  try {
    db::WriteTransaction tx(db);
    std::string body;
    {
      SQLite::Statement q(db.sql(), "SELECT body FROM webhook_events WHERE id = ?");
      q.bind(1, id);
      if (!q.executeStep()) {
        return make_error(ErrorKind::not_found, fmt::format("no webhook event {}", id));
      }
      body = q.getColumn(0).getString();
    }
    apply_and_record(db, id, parse_stored(body));
    auto rec = get_record(db, id);
    tx.commit();
    return rec;
  } catch (const SQLite::Exception& ex) {
    return make_error(ErrorKind::database, fmt::format("cannot replay webhook event {}: {}", id, ex.what()));
  }
}

Expected<std::vector<EventRecord>> replay_failed(db::Database& db)
{
  std::vector<std::int64_t> ids;
  try {
    SQLite::Statement q(db.sql(), "SELECT id FROM webhook_events WHERE status = 'failed' ORDER BY id");
    while (q.executeStep()) {
      ids.push_back(q.getColumn(0).getInt64());
    }
  } catch (const SQLite::Exception& ex) {
    return make_error(ErrorKind::database, fmt::format("cannot list failed webhook events: {}", ex.what()));
  }
  std::vector<EventRecord> out;
  out.reserve(ids.size());
  for (const auto id : ids) {
    auto r = replay(db, id);
    if (!r) {
      return r.error();
    }
    out.push_back(std::move(*r));
  }
  return out;
}

} // namespace zc::webhook_service
