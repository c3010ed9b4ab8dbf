#include "core/services/join_service.hpp"

#include "core/log.hpp"
#include "core/services/audit.hpp"
#include "core/services/meeting_status.hpp"
#include "core/zoom/client.hpp"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <mutex>

namespace zc::services {

namespace {

constexpr const char* k_card_select =
    "SELECT s.id, s.topic, s.cohort_id, c.name, s.instructor_id, u.name, s.start_time, s.duration, s.status,"
    " s.zoom_meeting_id, s.instructor_id = ?1,"
    " EXISTS (SELECT 1 FROM cohort_members m WHERE m.cohort_id = s.cohort_id AND m.user_id = ?1), s.actual_end"
    " FROM sessions s JOIN cohorts c ON c.id = s.cohort_id JOIN users u ON u.id = s.instructor_id";

// Fills the viewer-dependent flags of `c` for time `now`.
void decide(SessionCard& c, Seconds now)
{
  const bool has_meeting = c.meeting_number.has_value();
  const auto start = parse_iso8601(c.start_time, true);
  const bool in_window = start && now >= *start - k_start_window;
  // A class ended by mistake may be started again for a while after its end.
  bool restartable = false;
  if (c.status == SessionStatus::completed && start) {
    auto ended = *start + std::chrono::minutes(c.duration);
    if (c.actual_end && *c.actual_end > ended) {
      ended = *c.actual_end;
    }
    restartable = now < ended + k_restart_grace;
  }
  c.can_start = c.is_instructor && has_meeting && in_window &&
                (c.status == SessionStatus::scheduled || c.status == SessionStatus::in_progress || restartable);
  c.can_join = c.is_member && has_meeting && c.status == SessionStatus::in_progress;
}

SessionCard read_card(SQLite::Statement& q, Seconds now)
{
  SessionCard c;
  c.id = q.getColumn(0).getInt64();
  c.topic = q.getColumn(1).getString();
  c.cohort_id = q.getColumn(2).getInt64();
  c.cohort = q.getColumn(3).getString();
  c.instructor_id = q.getColumn(4).getInt64();
  c.instructor_name = q.getColumn(5).getString();
  c.start_time = q.getColumn(6).getString();
  c.duration = q.getColumn(7).getInt();
  c.status = parse_session_status(q.getColumn(8).getString()).value_or(SessionStatus::scheduled);
  if (!q.getColumn(9).isNull()) {
    c.meeting_number = q.getColumn(9).getInt64();
  }
  c.is_instructor = q.getColumn(10).getInt() != 0;
  c.is_member = q.getColumn(11).getInt() != 0;
  if (!q.getColumn(12).isNull()) {
    c.actual_end = parse_iso8601(q.getColumn(12).getString(), true);
  }
  decide(c, now);
  return c;
}

// The session with `where` (binding ?2 to `key`) as `viewer` sees it, or nothing.
std::optional<SessionCard> find_card(db::Database& db, const Viewer& viewer, const char* where, std::int64_t key,
                                     Seconds now)
{
  SQLite::Statement q(db.sql(), fmt::format("{} WHERE {}", k_card_select, where));
  q.bind(1, viewer.user.id);
  q.bind(2, key);
  if (q.executeStep()) {
    return read_card(q, now);
  }
  return std::nullopt;
}

Error forbidden(std::string message)
{
  return make_error(ErrorKind::auth, std::move(message));
}

// Meeting passwords fetched from Zoom, by meeting number, for the life of the process:
// the sessions table does not keep them and learners need them to join.
std::mutex g_password_mutex;
std::map<std::int64_t, std::string> g_passwords;

void remember_password(std::int64_t meeting_number, const std::string& password)
{
  const std::lock_guard lock(g_password_mutex);
  g_passwords[meeting_number] = password;
}

std::string meeting_password(db::Database& db, const config::Config& cfg, std::int64_t meeting_number)
{
  {
    const std::lock_guard lock(g_password_mutex);
    if (const auto it = g_passwords.find(meeting_number); it != g_passwords.end()) {
      return it->second;
    }
  }
  if (!cfg.has_zoom_api()) {
    return {};
  }
  zoom::ZoomClient client(cfg, db);
  auto meeting = client.get_meeting(meeting_number);
  if (!meeting) {
    // Joining still works for meetings without a passcode; the SDK asks for one otherwise.
    log::warn("join", "meeting {}: password unknown: {}", meeting_number, meeting.error().message);
    return {};
  }
  remember_password(meeting_number, meeting->password);
  return meeting->password;
}

// Whether Zoom should be asked if the meeting of `c` has started: a cohort member's card of a
// SCHEDULED session with a meeting, from `k_start_window` before its start until
// `k_status_grace` after its scheduled end. Everything else never costs a call.
bool wants_status_check(const SessionCard& c, Seconds now)
{
  if (!c.is_member || c.is_instructor || c.status != SessionStatus::scheduled || !c.meeting_number) {
    return false;
  }
  const auto start = parse_iso8601(c.start_time, true);
  return start && now >= *start - k_start_window && now < *start + std::chrono::minutes(c.duration) + k_status_grace;
}

// The meeting.started webhook is what moves a session to IN_PROGRESS; when it is late or lost a
// class runs on Zoom while learners are told it has not started. For a card that qualifies, ask
// Zoom (cached, bounded in time) and when it says "started" move the session SCHEDULED ->
// IN_PROGRESS here, audited as coming from Zoom's API. actual_start stays NULL: the webhook,
// when it comes, fills it. On any failure the card is left as it was.
void confirm_started(db::Database& db, const config::Config& cfg, SessionCard& c, Seconds now)
{
  if (!wants_status_check(c, now) || !cfg.has_zoom_api()) {
    return;
  }
  const auto check = check_meeting_status(db, cfg, *c.meeting_number);
  if (check.status != LiveStatus::error) {
    remember_password(*c.meeting_number, check.password);
  }
  if (check.status != LiveStatus::started) {
    return;
  }
  try {
    db::WriteTransaction tx(db);
    SQLite::Statement up(db.sql(), "UPDATE sessions SET status = 'IN_PROGRESS', updated_at = ?1"
                                   " WHERE id = ?2 AND status = 'SCHEDULED'");
    up.bind(1, format_iso8601(now));
    up.bind(2, c.id);
    const bool changed = up.exec() == 1;
    if (changed) {
      audit(db.sql(), "zoomctld", "session.start_from_zoom_status", "session", std::to_string(c.id),
            {{"status", "SCHEDULED"}},
            {{"status", "IN_PROGRESS"},
             {"source", "zoom_api"},
             {"zoom_meeting_id", *c.meeting_number},
             {"zoom_status", "started"},
             {"note", "GET /meetings/{id} said started before any meeting.started webhook"}});
    }
    SQLite::Statement q(db.sql(), "SELECT status FROM sessions WHERE id = ?");
    q.bind(1, c.id);
    if (q.executeStep()) {
      c.status = parse_session_status(q.getColumn(0).getString()).value_or(c.status);
    }
    tx.commit();
    if (changed) {
      log::info("join",
                "session {} (meeting {}) marked IN_PROGRESS from Zoom's meeting status (GET /meetings/{{id}} says "
                "started), not from a webhook: the meeting.started webhook has not arrived",
                c.id, *c.meeting_number);
    }
  } catch (const SQLite::Exception& e) {
    log::warn("join", "session {}: Zoom says meeting {} has started but the session could not be updated: {}", c.id,
              *c.meeting_number, e.what());
    return;
  }
  decide(c, now);
}

// Reads a positive integer given as a JSON number or a string of digits.
std::optional<std::int64_t> coerce_int(const nlohmann::json& v)
{
  if (v.is_number_integer()) {
    return v.get<std::int64_t>();
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d >= 0 && d < 9.0e15 && static_cast<double>(static_cast<std::int64_t>(d)) == d) {
      return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    std::int64_t out = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc{} && p == s.data() + s.size() && !s.empty()) {
      return out;
    }
  }
  return std::nullopt;
}

} // namespace

nlohmann::json to_json(const Viewer& v)
{
  nlohmann::json j = {{"id", v.user.id},
                      {"name", v.user.name},
                      {"email", v.user.email},
                      {"role", std::string(to_string(v.user.role))},
                      {"lang", v.lang}};
  j["session_id"] = v.claims.session_id ? nlohmann::json(*v.claims.session_id) : nlohmann::json(nullptr);
  j["expires_at"] = format_iso8601(v.claims.expires_at);
  return j;
}

Expected<Viewer> authenticate(db::Database& db, std::string_view link_secret, std::string_view token, Seconds now)
{
  if (link_secret.empty()) {
    return make_error(ErrorKind::config, "access links are switched off: ZOOMCTL_LINK_SECRET is not set on the server");
  }
  auto claims = access::verify_token(link_secret, token, now);
  if (!claims) {
    return claims.error();
  }
  auto user = find_user(db, std::to_string(claims->uid));
  if (!user) {
    return make_error(ErrorKind::auth,
                      "the person this link was made for is no longer on the platform; ask for a new link");
  }
  if (claims->generation != user->link_generation) {
    return make_error(ErrorKind::auth, "this link was revoked; ask for a new link");
  }
  Viewer v;
  v.user = std::move(*user);
  v.claims = *claims;
  v.lang = claims->lang.value_or("en");
  return v;
}

nlohmann::json to_json(const SessionCard& c)
{
  return {{"id", c.id},
          {"topic", c.topic},
          {"cohort_id", c.cohort_id},
          {"cohort", c.cohort},
          {"instructor_id", c.instructor_id},
          {"instructor_name", c.instructor_name},
          {"start_time", c.start_time},
          {"duration", c.duration},
          {"status", std::string(to_string(c.status))},
          {"meeting_number", c.meeting_number ? nlohmann::json(std::to_string(*c.meeting_number)) : nlohmann::json()},
          {"my_role", c.is_instructor ? "instructor" : "learner"},
          {"can_start", c.can_start},
          {"can_join", c.can_join}};
}

std::vector<SessionCard> my_sessions(db::Database& db, const config::Config& cfg, const Viewer& viewer, Seconds now)
{
  std::vector<SessionCard> out;
  SQLite::Statement q(db.sql(), fmt::format("{} WHERE s.instructor_id = ?1 OR s.cohort_id IN"
                                            " (SELECT cohort_id FROM cohort_members WHERE user_id = ?1)"
                                            " ORDER BY s.start_time, s.id",
                                            k_card_select));
  q.bind(1, viewer.user.id);
  while (q.executeStep()) {
    out.push_back(read_card(q, now));
  }
  q.reset();
  // Cards are checked one after another; once the budget of one check is spent, the rest keep
  // their answer from the database (each check is cached, so the next poll finds them quickly).
  const auto deadline = std::chrono::steady_clock::now() + k_status_budget;
  for (auto& c : out) {
    if (std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    confirm_started(db, cfg, c, now);
  }
  return out;
}

nlohmann::json my_sessions_json(const Viewer& viewer, const std::vector<SessionCard>& sessions, Seconds now)
{
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& s : sessions) {
    arr.push_back(to_json(s));
  }
  return {{"now", format_iso8601(now)},
          {"start_window_minutes", k_start_window.count()},
          {"user", to_json(viewer)},
          {"sessions", std::move(arr)}};
}

Expected<SessionCard> session_for(db::Database& db, const config::Config& cfg, const Viewer& viewer,
                                  std::int64_t session_id, Seconds now)
{
  auto card = find_card(db, viewer, "s.id = ?2", session_id, now);
  if (!card) {
    return make_error(ErrorKind::not_found, fmt::format("no session {}", session_id));
  }
  if (!card->is_instructor && !card->is_member) {
    return forbidden(
        fmt::format("session {} is not one of yours: you neither teach it nor belong to its cohort", session_id));
  }
  confirm_started(db, cfg, *card, now);
  return *card;
}

Expected<void> check_instructor_of(db::Database& db, const Viewer& viewer, std::int64_t session_id)
{
  auto card = find_card(db, viewer, "s.id = ?2", session_id, now());
  if (!card) {
    return make_error(ErrorKind::not_found, fmt::format("no session {}", session_id));
  }
  if (!card->is_instructor) {
    return forbidden(fmt::format("only the instructor of session {} can see and change its attendance", session_id));
  }
  return {};
}

ParsedSignatureRequest parse_signature_request(const nlohmann::json& body)
{
  ParsedSignatureRequest out;
  auto& r = out.request;
  const bool has_mn = body.contains("meetingNumber") && !body["meetingNumber"].is_null();
  const bool has_sid = body.contains("sessionId") && !body["sessionId"].is_null();
  if (has_mn) {
    const auto& v = body["meetingNumber"];
    std::string text;
    if (v.is_string()) {
      text = v.get<std::string>();
    } else if (auto n = coerce_int(v)) {
      text = std::to_string(*n);
    } else {
      text = "?";
    }
    auto mn = signature::normalize_meeting_number(text);
    if (mn) {
      r.meeting_number = *mn;
    } else {
      out.errors.push_back({"meetingNumber", "must be a Zoom meeting number (digits, as a number or a string)"});
    }
  }
  if (has_sid) {
    auto sid = coerce_int(body["sessionId"]);
    if (sid && *sid > 0) {
      r.session_id = *sid;
    } else {
      out.errors.push_back({"sessionId", "must be a positive integer (the session's id)"});
    }
  }
  if (!has_mn && !has_sid) {
    out.errors.push_back({"meetingNumber", "is required (or give sessionId)"});
  }
  if (!body.contains("role") || body["role"].is_null()) {
    out.errors.push_back({"role", "is required: 0 (participant) or 1 (host)"});
  } else {
    auto role = coerce_int(body["role"]);
    if (role && (*role == 0 || *role == 1)) {
      r.role = *role == 1 ? signature::SdkRole::host : signature::SdkRole::participant;
    } else {
      out.errors.push_back({"role", "must be 0 (participant) or 1 (host)"});
    }
  }
  if (body.contains("expirationSeconds") && !body["expirationSeconds"].is_null()) {
    auto ttl = coerce_int(body["expirationSeconds"]);
    if (ttl && signature::check_ttl(std::chrono::seconds(*ttl))) {
      r.ttl = std::chrono::seconds(*ttl);
    } else {
      out.errors.push_back({"expirationSeconds", "must be between 1800 (30 minutes) and 172800 (48 hours)"});
    }
  }
  return out;
}

nlohmann::json to_json(const std::vector<FieldError>& errors)
{
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& e : errors) {
    arr.push_back({{"property", e.property}, {"reason", e.reason}});
  }
  return {{"errors", std::move(arr)}};
}

nlohmann::json to_json(const JoinGrant& g)
{
  nlohmann::json j = {{"signature", g.signature.jwt},
                      {"sdkKey", g.sdk_key},
                      {"expiresAt", format_iso8601(g.signature.expires_at)},
                      {"meetingNumber", g.signature.meeting_number},
                      {"role", static_cast<int>(g.signature.role)},
                      {"sessionId", g.session_id},
                      {"userName", g.user_name},
                      {"userEmail", g.user_email},
                      {"customerKey", g.customer_key},
                      {"password", g.password}};
  if (g.zak) {
    j["zak"] = *g.zak;
  }
  return j;
}

Expected<JoinGrant> grant_signature(db::Database& db, const config::Config& cfg, const Viewer& viewer,
                                    const SignatureRequest& request, Seconds now)
{
  if (cfg.sdk_key.empty() || cfg.sdk_secret.empty()) {
    return make_error(ErrorKind::config,
                      "signatures are switched off: ZOOM_SDK_KEY and ZOOM_SDK_SECRET must be set on the server");
  }
  std::optional<SessionCard> card;
  if (request.session_id) {
    card = find_card(db, viewer, "s.id = ?2", *request.session_id, now);
    if (!card) {
      return make_error(ErrorKind::not_found, fmt::format("no session {}", *request.session_id));
    }
    if (request.meeting_number &&
        (!card->meeting_number || std::to_string(*card->meeting_number) != *request.meeting_number)) {
      return make_error(ErrorKind::invalid_input, fmt::format("meetingNumber {} is not the meeting of session {}",
                                                              *request.meeting_number, *request.session_id));
    }
  } else if (request.meeting_number) {
    std::int64_t mn = 0;
    const auto& s = *request.meeting_number;
    std::from_chars(s.data(), s.data() + s.size(), mn);
    card = find_card(db, viewer, "s.zoom_meeting_id = ?2", mn, now);
    if (!card) {
      return make_error(ErrorKind::not_found, fmt::format("no session uses meeting {}", s));
    }
  } else {
    return make_error(ErrorKind::invalid_input, "meetingNumber or sessionId is required");
  }

  const bool host = request.role == signature::SdkRole::host;
  if (host && !card->is_instructor) {
    return forbidden(fmt::format("only the instructor of session {} may start it as host (role 1)", card->id));
  }
  if (!card->is_instructor && !card->is_member) {
    return forbidden(fmt::format("you are not enrolled in the cohort of session {}, so you cannot join it", card->id));
  }
  const bool restart = host && card->status == SessionStatus::completed && card->can_start;
  if (card->status == SessionStatus::cancelled || (card->status == SessionStatus::completed && !restart)) {
    return make_error(ErrorKind::conflict,
                      fmt::format("session {} is {}; there is nothing to join", card->id,
                                  card->status == SessionStatus::cancelled ? "cancelled" : "over"));
  }
  if (!card->meeting_number) {
    return make_error(ErrorKind::conflict,
                      fmt::format("session {} has no Zoom meeting yet; ask the operator to repair it", card->id));
  }
  if (host && !card->can_start) {
    const auto start = parse_iso8601(card->start_time, true);
    return make_error(ErrorKind::conflict,
                      fmt::format("session {} can be started from {} ({} minutes before its start)", card->id,
                                  start ? format_iso8601(*start - k_start_window) : card->start_time,
                                  k_start_window.count()));
  }
  if (!host) {
    confirm_started(db, cfg, *card, now);
  }
  if (!host && !card->is_instructor && card->status != SessionStatus::in_progress) {
    return make_error(
        ErrorKind::conflict,
        fmt::format("session {} has not started yet; Join opens when the instructor starts it", card->id));
  }

  auto sig = signature::make_sdk_signature(cfg.sdk_key, cfg.sdk_secret, std::to_string(*card->meeting_number),
                                           request.role, now, request.ttl);
  if (!sig) {
    return sig.error();
  }
  JoinGrant g;
  g.signature = std::move(*sig);
  g.sdk_key = cfg.sdk_key;
  g.session_id = card->id;
  g.user_name = viewer.user.name;
  g.user_email = viewer.user.email;
  g.customer_key = std::to_string(viewer.user.id);
  if (host) {
    if (!viewer.user.zoom_user_id || viewer.user.zoom_user_id->empty()) {
      return make_error(ErrorKind::conflict,
                        fmt::format("{} has no Zoom user yet, so Zoom cannot let them host; run 'zoomctl user "
                                    "provision {}'",
                                    viewer.user.email, viewer.user.email));
    }
    if (!cfg.has_zoom_api()) {
      return make_error(ErrorKind::config, "starting as host needs the host's ZAK from Zoom: ZOOM_ACCOUNT_ID, "
                                           "ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET must be set on the server");
    }
    zoom::ZoomClient client(cfg, db);
    auto zak = client.get_zak(*viewer.user.zoom_user_id);
    if (!zak) {
      return zak.error();
    }
    g.zak = std::move(*zak);
  }
  g.password = meeting_password(db, cfg, *card->meeting_number);
  return g;
}

Expected<signature::SdkSignature> operator_signature(const config::Config& cfg, std::string_view meeting_number,
                                                     signature::SdkRole role, std::chrono::seconds ttl, Seconds now)
{
  return signature::make_sdk_signature(cfg.sdk_key, cfg.sdk_secret, meeting_number, role, now, ttl);
}

nlohmann::json to_json(const AccessLink& l)
{
  return {{"url", l.url},
          {"path", l.path},
          {"user",
           {{"id", l.user.id},
            {"email", l.user.email},
            {"name", l.user.name},
            {"role", std::string(to_string(l.user.role))}}},
          {"session_id", l.session_id ? nlohmann::json(*l.session_id) : nlohmann::json()},
          {"expires_at", format_iso8601(l.expires_at)}};
}

Expected<AccessLink> make_link(db::Database& db, const config::Config& cfg, const LinkRequest& request, Seconds now)
{
  if (cfg.link_secret.empty()) {
    return make_error(ErrorKind::config, "access links need ZOOMCTL_LINK_SECRET to be set (16 or more characters)");
  }
  if (auto ok = access::check_ttl(request.ttl); !ok) {
    return ok.error();
  }
  if (request.lang) {
    if (auto ok = access::check_lang(*request.lang); !ok) {
      return ok.error();
    }
  }
  if (request.page && *request.page != access::Page::home && !request.session_id) {
    return make_error(ErrorKind::invalid_input, "--page join and --page attendance need --session ID");
  }
  auto user = find_user(db, request.user);
  if (!user) {
    return user.error();
  }
  Viewer viewer;
  viewer.user = *user;
  if (request.session_id) {
    auto card = find_card(db, viewer, "s.id = ?2", *request.session_id, now);
    if (!card) {
      return make_error(ErrorKind::not_found, fmt::format("--session: no session {}", *request.session_id));
    }
    if (!card->is_instructor && !card->is_member) {
      return make_error(ErrorKind::conflict,
                        fmt::format("{} neither teaches session {} nor belongs to its cohort '{}'; enroll them first "
                                    "('zoomctl cohort enroll')",
                                    user->email, card->id, card->cohort));
    }
    if (request.page == access::Page::attendance && !card->is_instructor) {
      return make_error(
          ErrorKind::invalid_input,
          fmt::format("--page attendance: {} is not the instructor of session {}", user->email, card->id));
    }
  }
  const auto page = request.page.value_or(request.session_id ? access::Page::join : access::Page::home);
  const auto path_role = page == access::Page::attendance ? Role::instructor : user->role;
  auto path = access::page_path(page, path_role, request.session_id);
  if (!path) {
    return path.error();
  }
  access::LinkClaims claims;
  claims.uid = user->id;
  claims.expires_at = now + request.ttl;
  claims.session_id = request.session_id;
  claims.lang = request.lang;
  claims.generation = user->link_generation;
  AccessLink link;
  link.path = *path;
  link.url = access::link_url(cfg.public_url, *path, access::sign_token(cfg.link_secret, claims));
  link.user = std::move(*user);
  link.session_id = request.session_id;
  link.expires_at = claims.expires_at;
  return link;
}

Expected<Revocation> revoke_links(db::Database& db, std::string_view user, std::string_view actor)
{
  try {
    db::WriteTransaction tx(db);
    auto found = find_user(db, user);
    if (!found) {
      return found.error();
    }
    const auto before = found->link_generation;
    SQLite::Statement up(db.sql(), "UPDATE users SET link_generation = link_generation + 1,"
                                   " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?");
    up.bind(1, found->id);
    up.exec();
    audit(db.sql(), actor, "link.revoke", "user", std::to_string(found->id), {{"link_generation", before}},
          {{"link_generation", before + 1}});
    tx.commit();
    found->link_generation = before + 1;
    return Revocation{std::move(*found), before + 1};
  } catch (const SQLite::Exception& e) {
    return make_error(ErrorKind::database, fmt::format("revoking the links failed: {}", e.what()));
  }
}

} // namespace zc::services
