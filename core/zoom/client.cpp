#include "core/zoom/client.hpp"

#include "core/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <random>
#include <set>
#include <thread>

namespace zc::zoom {

namespace {

constexpr std::string_view k_log = "zoom";
constexpr int k_page_size = 300;
constexpr int k_max_pages = 10'000;

// Appended by the licence calls when Zoom answers with the legacy code 200, so that
// `is_license_limit` can tell it from the same code meaning "no privilege" elsewhere.
constexpr std::string_view k_license_hint =
    "no Zoom licence is free: release one (`zoomctl license release EMAIL`, see `zoomctl license audit`) "
    "or add licences to the Zoom account";

constexpr std::array<long, 4> k_license_codes{2033, 2034, 2038, 3412};

double random_jitter()
{
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

std::string json_string(const nlohmann::json& j, const char* key)
{
  if (j.is_object()) {
    if (auto it = j.find(key); it != j.end()) {
      if (it->is_string()) {
        return it->get<std::string>();
      }
      if (it->is_number_integer()) {
        return std::to_string(it->get<std::int64_t>());
      }
    }
  }
  return {};
}

int json_int(const nlohmann::json& j, const char* key)
{
  if (j.is_object()) {
    if (auto it = j.find(key); it != j.end() && it->is_number()) {
      return it->get<int>();
    }
  }
  return 0;
}

std::optional<Seconds> json_time(const nlohmann::json& j, const char* key)
{
  const std::string s = json_string(j, key);
  if (s.empty()) {
    return std::nullopt;
  }
  return parse_iso8601(s, true);
}

bool contains_ci(std::string_view haystack, std::string_view needle)
{
  const auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != haystack.end();
}

std::string hint_for(long status, long code)
{
  if (code == 124 || status == 401) {
    return "the access token was refused; run the command again, and if it persists check that the "
           "Server-to-Server OAuth app is activated (ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET)";
  }
  if (code == 4700 || code == 4711) {
    return "add the missing scopes to the Server-to-Server OAuth app in the Zoom App Marketplace, then run "
           "`zoomctl zoom token --refresh` (a cached token keeps its old scopes)";
  }
  if (code == 1001 || code == 1120 || code == 1010) {
    return "check the email or Zoom user id; `zoomctl user provision EMAIL` creates the Zoom user";
  }
  if (code == 1005 || code == 1009 || status == 409) {
    return "the user already exists in Zoom; `zoomctl user provision EMAIL` adopts the existing user";
  }
  if (std::find(k_license_codes.begin(), k_license_codes.end(), code) != k_license_codes.end()) {
    return std::string(k_license_hint);
  }
  if (code == 3001) {
    return "the meeting no longer exists in Zoom (deleted or expired); reschedule or cancel the session";
  }
  if (code == 3161) {
    return "the Zoom user may not host meetings; give them a licence (`zoomctl license assign EMAIL`) or check "
           "the account's meeting settings";
  }
  if (code == 300) {
    return "fix the fields Zoom names and try again";
  }
  if (status == 429) {
    return "Zoom's rate limit was hit; wait a little and try again";
  }
  if (status >= 500) {
    return "Zoom is failing; try again later (https://status.zoom.us)";
  }
  if (status == 403 || code == 200) {
    return "the Server-to-Server OAuth app or its account lacks the permission; check the app's scopes and role";
  }
  if (status == 404) {
    return "check the id in the request";
  }
  return fmt::format("see https://developers.zoom.us/docs/api/errors for code {}", code);
}

ErrorKind kind_for(long status, long code)
{
  if (code == 1001 || code == 1120 || code == 3001 || status == 404) {
    return ErrorKind::not_found;
  }
  if (code == 1005 || code == 1009 || status == 409) {
    return ErrorKind::conflict;
  }
  if (code == 124 || code == 4700 || code == 4711 || status == 401 || status == 403) {
    return ErrorKind::auth;
  }
  return ErrorKind::zoom;
}

// Replaces the what-to-do hint `map_api_error` put at the end of `error`'s message by `hint`.
void replace_hint(Error& error, std::string_view hint)
{
  const std::string old = "; " + hint_for(error.http_status, error.zoom_code);
  if (error.message.ends_with(old)) {
    error.message.resize(error.message.size() - old.size());
  }
  error.message += fmt::format("; {}", hint);
}

// For calls that hand out licences: Zoom's legacy code 200 means "no paid seat left" there.
Error license_call_error(Error error)
{
  if (error.zoom_code == 200 && error.message.find(k_license_hint) == std::string::npos) {
    replace_hint(error, k_license_hint);
    error.kind = ErrorKind::zoom;
  }
  return error;
}

const char* action_name(CreateAction action)
{
  switch (action) {
  case CreateAction::create:
    return "create";
  case CreateAction::auto_create:
    return "autoCreate";
  case CreateAction::cust_create:
    return "custCreate";
  case CreateAction::sso_create:
    return "ssoCreate";
  }
  return "create";
}

const char* status_name(UserStatus status)
{
  switch (status) {
  case UserStatus::active:
    return "active";
  case UserStatus::inactive:
    return "inactive";
  case UserStatus::pending:
    return "pending";
  }
  return "active";
}

} // namespace

// ---------------------------------------------------------------- parsing

nlohmann::json to_json(const MeetingSpec& spec, bool for_create)
{
  nlohmann::json j = nlohmann::json::object();
  if (spec.topic) {
    j["topic"] = *spec.topic;
  }
  if (spec.type) {
    j["type"] = static_cast<int>(*spec.type);
  } else if (for_create) {
    j["type"] = static_cast<int>(MeetingType::scheduled);
  }
  if (spec.start_time) {
    j["start_time"] = format_iso8601(*spec.start_time);
  }
  if (spec.duration) {
    j["duration"] = *spec.duration;
  }
  if (spec.timezone) {
    j["timezone"] = *spec.timezone;
  }
  if (spec.agenda) {
    j["agenda"] = *spec.agenda;
  }
  if (spec.password) {
    j["password"] = *spec.password;
  }
  nlohmann::json s = nlohmann::json::object();
  const auto& st = spec.settings;
  if (st.waiting_room) {
    s["waiting_room"] = *st.waiting_room;
  }
  if (st.join_before_host) {
    s["join_before_host"] = *st.join_before_host;
  }
  if (st.host_video) {
    s["host_video"] = *st.host_video;
  }
  if (st.participant_video) {
    s["participant_video"] = *st.participant_video;
  }
  if (st.mute_upon_entry) {
    s["mute_upon_entry"] = *st.mute_upon_entry;
  }
  if (st.approval_type) {
    s["approval_type"] = *st.approval_type;
  }
  if (st.audio) {
    s["audio"] = *st.audio;
  }
  if (st.auto_recording) {
    s["auto_recording"] = *st.auto_recording;
  }
  if (st.extra.is_object()) {
    s.update(st.extra);
  }
  if (!s.empty()) {
    j["settings"] = s;
  }
  return j;
}

Expected<Meeting> parse_meeting(const nlohmann::json& json)
{
  if (!json.is_object()) {
    return make_error(ErrorKind::zoom, "Zoom answered with something that is not a meeting object");
  }
  Meeting m;
  const auto it = json.find("id");
  if (it != json.end() && it->is_number_integer()) {
    m.id = it->get<std::int64_t>();
  } else if (it != json.end() && it->is_string()) {
    const auto s = it->get<std::string>();
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) || s.size() > 18) {
      return make_error(ErrorKind::zoom, fmt::format("Zoom answered with a malformed meeting id '{}'", s));
    }
    m.id = std::stoll(s);
  } else {
    return make_error(ErrorKind::zoom, "Zoom answered with a meeting without an id");
  }
  m.uuid = json_string(json, "uuid");
  m.host_id = json_string(json, "host_id");
  m.host_email = json_string(json, "host_email");
  m.topic = json_string(json, "topic");
  m.type = json_int(json, "type");
  m.status = json_string(json, "status");
  m.start_time = json_time(json, "start_time");
  m.duration = json_int(json, "duration");
  m.timezone = json_string(json, "timezone");
  m.join_url = json_string(json, "join_url");
  m.start_url = json_string(json, "start_url");
  m.password = json_string(json, "password");
  m.raw = json;
  return m;
}

User parse_user(const nlohmann::json& json)
{
  User u;
  u.id = json_string(json, "id");
  u.email = json_string(json, "email");
  u.first_name = json_string(json, "first_name");
  u.last_name = json_string(json, "last_name");
  u.type = json_int(json, "type");
  u.status = json_string(json, "status");
  u.timezone = json_string(json, "timezone");
  u.raw = json;
  return u;
}

Participant parse_participant(const nlohmann::json& json)
{
  Participant p;
  p.id = json_string(json, "id");
  p.participant_user_id = json_string(json, "participant_user_id");
  p.user_id = json_string(json, "user_id");
  p.name = json_string(json, "name");
  p.user_email = json_string(json, "user_email");
  p.customer_key = json_string(json, "customer_key");
  p.join_time = json_time(json, "join_time");
  p.leave_time = json_time(json, "leave_time");
  p.duration = json_int(json, "duration");
  p.raw = json;
  return p;
}

// ---------------------------------------------------------------- errors

bool is_user_not_found(const Error& error)
{
  return error.zoom_code == 1001 || error.zoom_code == 1120;
}

bool is_user_exists(const Error& error)
{
  return error.zoom_code == 1005 || error.zoom_code == 1009 || error.http_status == 409;
}

bool is_license_limit(const Error& error)
{
  if (std::find(k_license_codes.begin(), k_license_codes.end(), error.zoom_code) != k_license_codes.end()) {
    return true;
  }
  return error.zoom_code == 200 && error.message.find(k_license_hint) != std::string::npos;
}

bool is_meeting_gone(const Error& error)
{
  return error.zoom_code == 3001;
}

bool is_daily_limit(const Error& error)
{
  return error.http_status == 429 && error.message.find("daily limit") != std::string::npos;
}

Error map_api_error(long status, std::string_view body, std::string_view context)
{
  const auto json = nlohmann::json::parse(body, nullptr, false);
  long code = 0;
  std::string message;
  std::string details;
  if (json.is_object()) {
    if (auto it = json.find("code"); it != json.end() && it->is_number_integer()) {
      code = it->get<long>();
    }
    message = json_string(json, "message");
    if (auto it = json.find("errors"); it != json.end() && it->is_array()) {
      for (const auto& e : *it) {
        const auto field = json_string(e, "field");
        const auto text = json_string(e, "message");
        details += fmt::format("{}{}{}{}", details.empty() ? " [" : "; ", field, field.empty() ? "" : ": ", text);
      }
      if (!details.empty()) {
        details += "]";
      }
    }
  }
  if (message.empty()) {
    // Not Zoom's JSON error shape (a proxy, an HTML page): show a little of it.
    std::string snippet(body.substr(0, std::min<std::size_t>(body.size(), 200)));
    std::replace(snippet.begin(), snippet.end(), '\n', ' ');
    message = snippet.empty() ? "(empty body)" : snippet;
  }
  Error e;
  e.kind = kind_for(status, code);
  e.http_status = static_cast<int>(status);
  e.zoom_code = code;
  e.message = fmt::format("Zoom said {}/{}: {}{}{}; {}", status, code, message, details,
                          context.empty() ? std::string() : fmt::format(" ({})", context), hint_for(status, code));
  return e;
}

std::string encode_meeting_id(std::string_view id_or_uuid)
{
  const bool twice = id_or_uuid.starts_with('/') || id_or_uuid.find("//") != std::string_view::npos;
  return twice ? url_encode(url_encode(id_or_uuid)) : url_encode(id_or_uuid);
}

// ---------------------------------------------------------------- client

namespace {

std::string utc_day(Seconds t)
{
  return format_iso8601(t).substr(0, 10);
}

int quota_used(db::Database& db, std::string_view host, const std::string& day)
{
  SQLite::Statement q(db.sql(), "SELECT count FROM zoom_quota WHERE zoom_user_id = ? AND day = ?");
  q.bind(1, std::string(host));
  q.bind(2, day);
  return q.executeStep() ? q.getColumn(0).getInt() : 0;
}

// Adds one call to `host`'s count of `day`, or sets it to the limit when Zoom said it is reached.
void quota_count(db::Database& db, std::string_view host, const std::string& day, bool exhausted)
{
  SQLite::Statement q(db.sql(), exhausted ? "INSERT INTO zoom_quota (zoom_user_id, day, count) VALUES (?, ?, ?) "
                                            "ON CONFLICT (zoom_user_id, day) DO UPDATE SET count = MAX(count, ?)"
                                          : "INSERT INTO zoom_quota (zoom_user_id, day, count) VALUES (?, ?, 1) "
                                            "ON CONFLICT (zoom_user_id, day) DO UPDATE SET count = count + 1");
  q.bind(1, std::string(host));
  q.bind(2, day);
  if (exhausted) {
    q.bind(3, k_daily_meeting_writes);
    q.bind(4, k_daily_meeting_writes);
  }
  q.exec();
}

} // namespace

int meeting_writes_today(db::Database& db, std::string_view zoom_user_id)
{
  return quota_used(db, zoom_user_id, utc_day(now()));
}

struct ZoomClient::Impl {
  Impl(const config::Config& c, db::Database& d, std::unique_ptr<Transport> t, ClientOptions o)
      : config(c), db(d), transport(std::move(t)), options(o), tokens(config, d, *transport, o.retry)
  {}

  // Runs `call` (a meeting create/update of `host`) within the host's daily quota.
  template <typename T, typename Call> Expected<T> within_quota(std::string_view host, Call&& call)
  {
    if (host.empty()) {
      return call();
    }
    const auto day = utc_day(now());
    try {
      if (const int used = quota_used(db, host, day); used >= k_daily_meeting_writes) {
        Error e = make_error(
            ErrorKind::zoom,
            fmt::format("Zoom user {} has used the {} meeting creates/updates Zoom allows per host per day ({} "
                        "counted today); Zoom's daily limit is reached: it resets at {}, try again after that",
                        host, k_daily_meeting_writes, used, format_iso8601(next_utc_midnight(now()))));
        e.http_status = 429;
        return e;
      }
    } catch (const SQLite::Exception& e) {
      log::warn(k_log, "cannot read the meeting quota: {}", e.what());
    }
    auto result = call();
    try {
      if (result) {
        quota_count(db, host, day, false);
      } else if (is_daily_limit(result.error())) {
        quota_count(db, host, day, true);
      }
    } catch (const SQLite::Exception& e) {
      log::warn(k_log, "cannot count the meeting quota: {}", e.what());
    }
    return result;
  }

  config::Config config;
  db::Database& db;
  std::unique_ptr<Transport> transport;
  ClientOptions options;
  TokenProvider tokens;
};

ZoomClient::ZoomClient(const config::Config& config, db::Database& db, ClientOptions options)
    : ZoomClient(config, db, std::make_unique<CurlTransport>(options.http), options)
{}

ZoomClient::ZoomClient(const config::Config& config, db::Database& db, std::unique_ptr<Transport> transport,
                       ClientOptions options)
    : m_impl(std::make_unique<Impl>(config, db, std::move(transport), options))
{}

ZoomClient::~ZoomClient() = default;

Expected<Token> ZoomClient::token(Refresh refresh)
{
  if (refresh == Refresh::force) {
    const auto current = m_impl->tokens.peek();
    return m_impl->tokens.get(Refresh::force, current ? current->access_token : std::string());
  }
  return m_impl->tokens.get();
}

Expected<std::string> ZoomClient::api_url()
{
  if (m_impl->config.api_url_explicit) {
    return m_impl->config.api_url;
  }
  auto t = m_impl->tokens.get();
  if (!t) {
    return t.error();
  }
  return effective_api_url(m_impl->config, *t);
}

Expected<nlohmann::json> ZoomClient::request(Method method, std::string_view path, const Query& query,
                                             const std::optional<nlohmann::json>& body)
{
  auto& counters = metrics();
  auto token = m_impl->tokens.get();
  if (!token) {
    counters.errors.fetch_add(1, std::memory_order_relaxed);
    return token.error();
  }
  const std::string context = fmt::format("{} {}", to_string(method), path);
  std::string target(path);
  if (!target.starts_with('/')) {
    target.insert(0, "/");
  }
  if (!query.empty()) {
    target += (target.find('?') == std::string::npos ? "?" : "&") + encode_query(query);
  }

  HttpRequest req;
  req.method = method;
  if (body) {
    req.body = body->dump();
    req.headers.set("Content-Type", "application/json");
  }
  req.headers.set("Accept", "application/json");
  const Resend resend = method == Method::post ? Resend::only_if_unsent : Resend::always;
  const auto category = category_for(method, path);

  bool refreshed = false;
  const auto started = std::chrono::steady_clock::now();
  for (int attempt = 1;; ++attempt) {
    req.url = effective_api_url(m_impl->config, *token) + target;
    req.headers.set("Authorization", "Bearer " + token->access_token);
    if (m_impl->options.client_rate_limit) {
      rate_limiter().acquire(category);
    }
    counters.calls.fetch_add(1, std::memory_order_relaxed);
    if (attempt > 1) {
      counters.retries.fetch_add(1, std::memory_order_relaxed);
    }
    const auto sent = std::chrono::steady_clock::now();
    auto result = m_impl->transport->send(req);
    const auto now_steady = std::chrono::steady_clock::now();
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now_steady - started);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(now_steady - sent);

    if (auto* net = std::get_if<NetworkError>(&result)) {
      const bool unsent = never_reached_server(*net);
      log::debug(k_log, "{} -> network failure after {} ms: {}", context, took.count(), net->message);
      const auto d =
          decide(attempt, 0, Headers{}, elapsed, m_impl->options.retry, now(), random_jitter(), resend, unsent);
      if (d.action == RetryAction::retry) {
        std::this_thread::sleep_for(d.delay);
        continue;
      }
      counters.errors.fetch_add(1, std::memory_order_relaxed);
      std::string next = "check the network and ZOOM_API_URL, then try again";
      if (!unsent && resend == Resend::only_if_unsent) {
        next = "the request may have reached Zoom: check in Zoom before repeating it";
      }
      return make_error(ErrorKind::zoom,
                        fmt::format("cannot reach Zoom ({}) after {} attempt{} in {:.1f} s: {}; {}", context, attempt,
                                    attempt == 1 ? "" : "s", static_cast<double>(elapsed.count()) / 1000.0,
                                    net->message, next));
    }

    auto& response = std::get<HttpResponse>(result);
    log::debug(k_log, "{} -> {} in {} ms", context, response.status, took.count());

    if (response.status == 401 && !refreshed) {
      const auto err = map_api_error(response.status, response.body, context);
      if (err.zoom_code == 124 || err.zoom_code == 0) {
        refreshed = true;
        log::debug(k_log, "token refused (code {}); fetching a new one", err.zoom_code);
        token = m_impl->tokens.get(Refresh::force, token->access_token);
        if (!token) {
          counters.errors.fetch_add(1, std::memory_order_relaxed);
          return token.error();
        }
        continue;
      }
    }

    if (response.status == 429) {
      counters.rate_limited.fetch_add(1, std::memory_order_relaxed);
    }
    auto d = decide(attempt, response.status, response.headers, elapsed, m_impl->options.retry, now(), random_jitter(),
                    resend, false);
    if (response.status == 429 && d.action != RetryAction::daily_limit) {
      // Zoom does not always send X-RateLimit-Type; its daily-limit messages say "daily".
      const auto j = nlohmann::json::parse(response.body, nullptr, false);
      if (contains_ci(json_string(j, "message"), "daily")) {
        d.action = RetryAction::daily_limit;
        std::optional<std::chrono::milliseconds> after;
        if (auto v = response.headers.get("Retry-After")) {
          after = parse_retry_after(*v, now());
        }
        d.resets_at = after ? now() + std::chrono::ceil<std::chrono::seconds>(*after) : next_utc_midnight(now());
      }
    }
    switch (d.action) {
    case RetryAction::retry:
      log::debug(k_log, "{} -> {}; retry {} in {} ms", context, response.status, attempt, d.delay.count());
      std::this_thread::sleep_for(d.delay);
      continue;
    case RetryAction::daily_limit: {
      counters.errors.fetch_add(1, std::memory_order_relaxed);
      Error e = map_api_error(response.status, response.body, context);
      const auto resets = format_iso8601(d.resets_at.value_or(next_utc_midnight(now())));
      replace_hint(e, fmt::format("Zoom's daily limit is reached: it resets at {}, try again after that", resets));
      return e;
    }
    case RetryAction::give_up: {
      counters.errors.fetch_add(1, std::memory_order_relaxed);
      Error e = map_api_error(response.status, response.body, context);
      e.message += fmt::format(" (gave up after {} attempt{} in {:.1f} s{})", attempt, attempt == 1 ? "" : "s",
                               static_cast<double>(elapsed.count()) / 1000.0,
                               response.headers.has("Retry-After")
                                   ? "; Zoom sent Retry-After: " + response.headers.get("Retry-After").value_or("")
                                   : std::string());
      return e;
    }
    case RetryAction::done:
      break;
    }
    if (response.status >= 200 && response.status < 300) {
      if (response.body.empty()) {
        return nlohmann::json(nullptr);
      }
      auto parsed = nlohmann::json::parse(response.body, nullptr, false);
      if (parsed.is_discarded()) {
        counters.errors.fetch_add(1, std::memory_order_relaxed);
        Error e = make_error(ErrorKind::zoom, fmt::format("Zoom answered {} to {} with a body that is not JSON",
                                                          response.status, context));
        e.http_status = static_cast<int>(response.status);
        return e;
      }
      return parsed;
    }
    counters.errors.fetch_add(1, std::memory_order_relaxed);
    return map_api_error(response.status, response.body, context);
  }
}

Expected<User> ZoomClient::create_user(std::string_view email, std::string_view first_name, std::string_view last_name,
                                       UserType type, CreateAction action)
{
  nlohmann::json info = {{"email", email}, {"type", static_cast<int>(type)}};
  if (!first_name.empty()) {
    info["first_name"] = first_name;
  }
  if (!last_name.empty()) {
    info["last_name"] = last_name;
  }
  const nlohmann::json body = {{"action", action_name(action)}, {"user_info", info}};
  auto r = request(Method::post, "/users", {}, body);
  if (!r) {
    return type == UserType::basic ? r.error() : license_call_error(r.error());
  }
  return parse_user(*r);
}

Expected<User> ZoomClient::get_user(std::string_view id_or_email)
{
  auto r = request(Method::get, "/users/" + url_encode(id_or_email));
  if (!r) {
    return r.error();
  }
  return parse_user(*r);
}

Expected<std::vector<User>> ZoomClient::list_users(UserStatus status)
{
  std::vector<User> users;
  std::string next;
  std::set<std::string> seen;
  for (int page = 0; page < k_max_pages; ++page) {
    Query q{{"status", status_name(status)}, {"page_size", std::to_string(k_page_size)}};
    if (!next.empty()) {
      q.emplace_back("next_page_token", next);
    }
    auto r = request(Method::get, "/users", q);
    if (!r) {
      return r.error();
    }
    if (auto it = r->find("users"); it != r->end() && it->is_array()) {
      for (const auto& u : *it) {
        users.push_back(parse_user(u));
      }
    }
    next = json_string(*r, "next_page_token");
    if (next.empty() || !seen.insert(next).second) {
      break;
    }
  }
  return users;
}

Expected<void> ZoomClient::update_user_type(std::string_view zoom_user_id, UserType type)
{
  auto r = request(Method::patch, "/users/" + url_encode(zoom_user_id), {},
                   nlohmann::json{{"type", static_cast<int>(type)}});
  if (!r) {
    return type == UserType::basic ? r.error() : license_call_error(r.error());
  }
  return {};
}

Expected<Meeting> ZoomClient::create_meeting(std::string_view zoom_user_id, const MeetingSpec& spec)
{
  return m_impl->within_quota<Meeting>(zoom_user_id, [&]() -> Expected<Meeting> {
    auto r = request(Method::post, "/users/" + url_encode(zoom_user_id) + "/meetings", {}, to_json(spec, true));
    if (!r) {
      return r.error();
    }
    return parse_meeting(*r);
  });
}

Expected<Meeting> ZoomClient::get_meeting(std::int64_t meeting_id)
{
  auto r = request(Method::get, fmt::format("/meetings/{}", meeting_id));
  if (!r) {
    return r.error();
  }
  return parse_meeting(*r);
}

Expected<void> ZoomClient::update_meeting(std::int64_t meeting_id, const MeetingSpec& spec,
                                          std::string_view host_zoom_user_id)
{
  return m_impl->within_quota<void>(host_zoom_user_id, [&]() -> Expected<void> {
    auto r = request(Method::patch, fmt::format("/meetings/{}", meeting_id), {}, to_json(spec, false));
    if (!r) {
      return r.error();
    }
    return {};
  });
}

Expected<void> ZoomClient::delete_meeting(std::int64_t meeting_id)
{
  auto r = request(Method::del, fmt::format("/meetings/{}", meeting_id));
  if (!r) {
    return r.error();
  }
  return {};
}

Expected<std::string> ZoomClient::get_zak(std::string_view zoom_user_id)
{
  auto r = request(Method::get, "/users/" + url_encode(zoom_user_id) + "/token", {{"type", "zak"}});
  if (!r) {
    return r.error();
  }
  std::string zak = json_string(*r, "token");
  if (zak.empty()) {
    return make_error(ErrorKind::zoom, "Zoom answered the ZAK request without a token");
  }
  log::add_secret(zak);
  return zak;
}

Expected<std::vector<Participant>> ZoomClient::past_meeting_participants(std::string_view meeting_id_or_uuid)
{
  std::vector<Participant> out;
  std::string next;
  std::set<std::string> seen;
  const std::string path = "/report/meetings/" + encode_meeting_id(meeting_id_or_uuid) + "/participants";
  for (int page = 0; page < k_max_pages; ++page) {
    Query q{{"page_size", std::to_string(k_page_size)}};
    if (!next.empty()) {
      q.emplace_back("next_page_token", next);
    }
    auto r = request(Method::get, path, q);
    if (!r) {
      Error e = r.error();
      if (is_meeting_gone(e)) {
        // For a report, 3001 usually means "not held yet" rather than "deleted".
        replace_hint(e, "Zoom has no participants report for this meeting: it has not been held (or not ended) "
                        "yet, was deleted, or is older than the report's retention");
      }
      return e;
    }
    if (auto it = r->find("participants"); it != r->end() && it->is_array()) {
      for (const auto& p : *it) {
        out.push_back(parse_participant(p));
      }
    }
    next = json_string(*r, "next_page_token");
    if (next.empty() || !seen.insert(next).second) {
      break;
    }
  }
  return out;
}

} // namespace zc::zoom
