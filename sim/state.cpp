#include "state.hpp"

#include "core/crypto.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <regex>

namespace zs {
namespace {

constexpr std::size_t k_max_log = 100000;
constexpr std::string_view k_b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view k_b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view k_alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view k_scope =
    "user:read:admin user:write:admin meeting:read:admin meeting:write:admin report:read:admin";
constexpr std::string_view k_host_ended = "left the meeting. Reason : Host ended the meeting.";

std::string lower(std::string s)
{
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool valid_email(const std::string& e)
{
  static const std::regex re(R"([^@\s]+@[^@\s]+\.[^@\s]+)");
  return e.size() <= 128 && std::regex_match(e, re);
}

std::int64_t utc_day(Seconds t)
{
  return t.time_since_epoch().count() / 86400;
}

std::string user_type_name(int type)
{
  switch (type) {
  case 1:
    return "Basic";
  case 2:
    return "Licensed";
  case 3:
    return "On-prem";
  case 4:
    return "No Meetings License";
  default:
    return "None";
  }
}

// Parses a positive page size (Zoom: default 30, max 300).
int page_size_of(const std::string& text)
{
  if (text.empty()) {
    return 30;
  }
  try {
    int n = std::stoi(text);
    return std::clamp(n, 1, 300);
  } catch (const std::exception&) {
    return 30;
  }
}

// Page tokens are opaque to clients: base64 of "o:<offset>".
std::string page_token(std::size_t offset)
{
  std::string b = zc::crypto::base64url_encode("o:" + std::to_string(offset));
  return b;
}

std::size_t offset_of(const std::string& token)
{
  std::string raw;
  if (token.empty() || !zc::crypto::base64url_decode(token, raw) || raw.rfind("o:", 0) != 0) {
    return 0;
  }
  try {
    return static_cast<std::size_t>(std::stoull(raw.substr(2)));
  } catch (const std::exception&) {
    return 0;
  }
}

// One page of a listing: `size` entries from `offset`.
struct Page {
  int size = 30;
  std::size_t offset = 0;

  std::size_t step() const { return static_cast<std::size_t>(size); }
  // `to_json(item)` of each item of `all` on this page.
  template <typename T, typename Fn> OJson items(const std::vector<T>& all, Fn to_json) const
  {
    OJson list = OJson::array();
    for (std::size_t i = offset; i < all.size() && i < offset + step(); ++i) {
      list.push_back(to_json(all[i]));
    }
    return list;
  }
  // The token of the next page of `total` items, "" on the last.
  std::string next_token(std::size_t total) const { return offset + step() < total ? page_token(offset + step()) : ""; }
  std::size_t count(std::size_t total) const { return (total + step() - 1) / step(); }
};

// The page asked for by `page_size` and `next_page_token`.
Page page_of(const std::string& page_size, const std::string& next_page_token)
{
  return Page{page_size_of(page_size), offset_of(next_page_token)};
}

bool is_int(const Json& j)
{
  return j.is_number_integer() || j.is_number_unsigned();
}

} // namespace

State::State(const Options& options, EventSink sink) : m_options(options), m_sink(std::move(sink)), m_rng(options.seed)
{}

// ---------------------------------------------------------------------------
// OAuth

Reply State::issue_token(const std::optional<BasicCredentials>& basic, const std::string& grant_type,
                         const std::string& account_id)
{
  auto token_error = [](std::string reason, std::string error) {
    Reply r;
    r.status = 400;
    r.body = OJson::object();
    r.body["reason"] = std::move(reason);
    r.body["error"] = std::move(error);
    return r;
  };
  if (!basic || !zc::crypto::constant_time_equal(basic->user, m_options.client_id) ||
      !zc::crypto::constant_time_equal(basic->password, m_options.client_secret)) {
    return token_error("Invalid client_id or client_secret", "invalid_client");
  }
  if (grant_type != "account_credentials") {
    return token_error("unsupported grant type", "unsupported_grant_type");
  }
  if (account_id != m_options.account_id) {
    // Zoom's text for a wrong account id is not documented; this is zoomsim's choice.
    return token_error("Invalid account_id", "invalid_request");
  }
  std::string token = "eyJzaW0iOiJ6b29tc2ltIn0." + zc::crypto::random_token(32);
  std::lock_guard lock(m_mutex);
  m_tokens[token] = Token{std::chrono::system_clock::now() + std::chrono::seconds(m_options.token_ttl), false};
  ++m_tokens_issued;
  OJson body = OJson::object();
  body["access_token"] = token;
  body["token_type"] = "bearer";
  body["expires_in"] = m_options.token_ttl;
  body["scope"] = k_scope;
  body["api_url"] = m_options.base_url();
  return ok(std::move(body));
}

TokenCheck State::check_token(const std::string& token)
{
  std::lock_guard lock(m_mutex);
  auto it = m_tokens.find(token);
  if (it == m_tokens.end()) {
    return TokenCheck::invalid;
  }
  if (it->second.revoked || std::chrono::system_clock::now() >= it->second.expires_at) {
    return TokenCheck::expired;
  }
  return TokenCheck::valid;
}

void State::revoke_tokens()
{
  std::lock_guard lock(m_mutex);
  for (auto& [_, t] : m_tokens) {
    t.revoked = true;
  }
}

// ---------------------------------------------------------------------------
// Users

User* State::find_user(const std::string& id_or_email)
{
  auto it = m_users.find(id_or_email);
  if (it != m_users.end()) {
    return &it->second;
  }
  std::string e = lower(id_or_email);
  for (auto& [_, u] : m_users) {
    if (lower(u.email) == e) {
      return &u;
    }
  }
  return nullptr;
}

template <typename Fn> Reply State::with_user(const std::string& id_or_email, Fn fn)
{
  std::lock_guard lock(m_mutex);
  User* u = find_user(id_or_email);
  if (u == nullptr) {
    return zoom_error(404, 1001, "User does not exist: " + id_or_email + ".");
  }
  return fn(*u);
}

int State::paid_users() const
{
  return static_cast<int>(
      std::count_if(m_users.begin(), m_users.end(), [](const auto& kv) { return kv.second.type == 2; }));
}

std::string State::new_user_id()
{
  for (;;) {
    std::string id = random_chars(m_rng, 22, k_b64url);
    if (!m_users.contains(id)) {
      return id;
    }
  }
}

User& State::add_user(User u)
{
  u.id = new_user_id();
  u.created_at = zc::now();
  u.pmi = static_cast<std::int64_t>(2000000000ULL + m_rng() % 7999999999ULL);
  m_user_order.push_back(u.id);
  std::string id = u.id;
  return m_users[id] = std::move(u);
}

OJson State::user_json(const User& u, bool for_list) const
{
  OJson j = OJson::object();
  // Zoom does not return the id of pending users in listings.
  if (!(for_list && u.status == "pending")) {
    j["id"] = u.id;
  }
  j["first_name"] = u.first_name;
  j["last_name"] = u.last_name;
  j["display_name"] = u.display_name;
  j["email"] = u.email;
  j["type"] = u.type;
  j["pmi"] = u.pmi;
  j["timezone"] = u.timezone;
  j["verified"] = u.status == "pending" ? 0 : 1;
  j["dept"] = "";
  j["created_at"] = iso(u.created_at);
  j["language"] = "en-US";
  j["status"] = u.status;
  j["role_id"] = "2";
  if (!for_list) {
    j["role_name"] = "Member";
    j["use_pmi"] = false;
    j["personal_meeting_url"] = fmt::format("https://zoomsim.invalid/j/{}", u.pmi);
    j["account_id"] = m_options.account_id;
    j["account_number"] = 10000001;
    j["cluster"] = "us99";
    j["group_ids"] = OJson::array();
  }
  return j;
}

Reply State::create_user(const Json& body)
{
  if (!body.is_object()) {
    return invalid_json_error();
  }
  std::vector<std::pair<std::string, std::string>> errs;
  std::string action = body.contains("action") && body["action"].is_string() ? body["action"].get<std::string>() : "";
  if (!body.contains("action")) {
    errs.emplace_back("action", "Missing field.");
  } else if (!body["action"].is_string() ||
             (action != "create" && action != "autoCreate" && action != "custCreate" && action != "ssoCreate")) {
    errs.emplace_back("action", "Invalid field.");
  }
  Json info = body.contains("user_info") ? body["user_info"] : Json();
  if (!info.is_object()) {
    errs.emplace_back("user_info", "Missing field.");
    return validation_error(errs);
  }
  std::string email;
  if (!info.contains("email")) {
    errs.emplace_back("user_info.email", "Missing field.");
  } else if (!info["email"].is_string() || !valid_email(info["email"].get<std::string>())) {
    errs.emplace_back("user_info.email", "Invalid field.");
  } else {
    email = info["email"].get<std::string>();
  }
  int type = 0;
  if (!info.contains("type")) {
    errs.emplace_back("user_info.type", "Missing field.");
  } else if (!is_int(info["type"])) {
    errs.emplace_back("user_info.type", "Invalid field.");
  } else {
    type = info["type"].get<int>();
    if (type != 1 && type != 2 && type != 3 && type != 99) {
      errs.emplace_back("user_info.type", "Invalid field.");
    } else if (type == 99 && action != "ssoCreate") {
      errs.emplace_back("user_info.type", "Invalid field.");
    }
  }
  for (const char* f : {"first_name", "last_name", "display_name"}) {
    if (info.contains(f) && (!info[f].is_string() || info[f].get<std::string>().size() > 64)) {
      errs.emplace_back(std::string("user_info.") + f, "Invalid field.");
    }
  }
  if (!errs.empty()) {
    return validation_error(errs);
  }
  std::lock_guard lock(m_mutex);
  if (find_user(email) != nullptr) {
    return zoom_error(409, 1005, "User already in the account: " + email);
  }
  if (type == 2 && paid_users() >= m_options.licenses) {
    return zoom_error(400, 3412,
                      fmt::format("Your request to add a new Licensed user could not be approved at this time because "
                                  "your account has reached the permitted maximum number of {} paying users. Please "
                                  "purchase additional licenses or contact the Zoom support team to provision "
                                  "additional users in your account.",
                                  m_options.licenses));
  }
  User nu;
  nu.email = email;
  nu.first_name = info.value("first_name", std::string{});
  nu.last_name = info.value("last_name", std::string{});
  nu.display_name = info.value("display_name", (nu.first_name + " " + nu.last_name));
  nu.type = type;
  nu.status = action == "create" ? "pending" : "active";
  const User& u = add_user(std::move(nu));
  OJson j = OJson::object();
  j["id"] = u.id;
  j["first_name"] = u.first_name;
  j["last_name"] = u.last_name;
  j["email"] = u.email;
  j["type"] = u.type;
  return ok(std::move(j), 201);
}

Reply State::get_user(const std::string& id_or_email)
{
  return with_user(id_or_email, [this](User& u) { return ok(user_json(u, false)); });
}

Reply State::list_users(const std::string& status, const std::string& page_size, const std::string& next_page_token,
                        const std::string& page_number)
{
  std::string want = status.empty() ? "active" : status;
  if (want != "active" && want != "inactive" && want != "pending") {
    return validation_error({{"status", "Invalid field."}});
  }
  Page page = page_of(page_size, next_page_token);
  std::lock_guard lock(m_mutex);
  std::vector<const User*> matching;
  for (const auto& id : m_user_order) {
    const User& u = m_users.at(id);
    if (u.status == want) {
      matching.push_back(&u);
    }
  }
  if (next_page_token.empty() && !page_number.empty()) {
    try {
      page.offset = static_cast<std::size_t>(std::max(0, std::stoi(page_number) - 1)) * page.step();
    } catch (const std::exception&) {
      page.offset = 0;
    }
  }
  OJson j = OJson::object();
  j["next_page_token"] = page.next_token(matching.size());
  j["page_count"] = page.count(matching.size());
  j["page_number"] = page.offset / page.step() + 1;
  j["page_size"] = page.size;
  j["total_records"] = matching.size();
  j["users"] = page.items(matching, [this](const User* u) { return user_json(*u, true); });
  return ok(std::move(j));
}

Reply State::update_user(const std::string& id_or_email, const Json& body)
{
  if (!body.is_object()) {
    return invalid_json_error();
  }
  return with_user(id_or_email, [this, &body](User& u) {
    if (body.contains("type") && (body.contains("plan_united_type") || body.contains("zoom_one_type"))) {
      return zoom_error(400, 300,
                        "You can't change the \"type\" or \"plan_united_type\" or \"zoom_one_type\" at the same time.");
    }
    std::vector<std::pair<std::string, std::string>> errs;
    std::optional<int> new_type;
    if (body.contains("type")) {
      if (!is_int(body["type"])) {
        errs.emplace_back("type", "Invalid field.");
      } else {
        int t = body["type"].get<int>();
        if (t != 1 && t != 2 && t != 3 && t != 4 && t != 99) {
          errs.emplace_back("type", "Invalid field.");
        } else {
          new_type = t;
        }
      }
    }
    for (const char* f : {"first_name", "last_name", "display_name", "timezone"}) {
      if (body.contains(f) && (!body[f].is_string() || body[f].get<std::string>().size() > 64)) {
        errs.emplace_back(f, "Invalid field.");
      }
    }
    if (!errs.empty()) {
      return validation_error(errs);
    }
    if (new_type && *new_type == 2 && u.type != 2 && paid_users() >= m_options.licenses) {
      return zoom_error(400, 3412,
                        fmt::format("Your request to convert the user type of a \"{}\" user to a \"Licensed\" user was "
                                    "not approved at this time because your account has reached the permitted maximum "
                                    "number of \"{}\" paying users. Please purchase additional licenses or contact the "
                                    "Zoom support team to provision additional users in your account.",
                                    user_type_name(u.type), m_options.licenses));
    }
    if (new_type) {
      u.type = *new_type;
    }
    if (body.contains("first_name")) {
      u.first_name = body["first_name"].get<std::string>();
    }
    if (body.contains("last_name")) {
      u.last_name = body["last_name"].get<std::string>();
    }
    if (body.contains("display_name")) {
      u.display_name = body["display_name"].get<std::string>();
    }
    if (body.contains("timezone")) {
      u.timezone = body["timezone"].get<std::string>();
    }
    return no_content();
  });
}

Reply State::delete_user(const std::string& id_or_email)
{
  return with_user(id_or_email, [this](User& u) {
    std::string id = u.id;
    for (auto it = m_meetings.begin(); it != m_meetings.end();) {
      it = it->second.host_id == id ? m_meetings.erase(it) : std::next(it);
    }
    m_users.erase(id);
    std::erase(m_user_order, id);
    return no_content();
  });
}

Reply State::user_token(const std::string& id_or_email, const std::string& type)
{
  return with_user(id_or_email, [&type](User&) {
    if (!type.empty() && type != "zak" && type != "token") {
      return validation_error({{"type", "Invalid field."}});
    }
    OJson j = OJson::object();
    j["token"] = "eyJ0eXAiOiJKV1QiLCJzdiI6InNpbSJ9." + zc::crypto::random_token(36);
    return ok(std::move(j));
  });
}

Reply State::activate_user(const std::string& id_or_email)
{
  return with_user(id_or_email, [this](User& u) {
    u.status = "active";
    return ok(user_json(u, false));
  });
}

// ---------------------------------------------------------------------------
// Meetings

Meeting* State::find_meeting(const std::string& meeting_id)
{
  if (meeting_id.empty() || meeting_id.size() > 18 ||
      !std::all_of(meeting_id.begin(), meeting_id.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return nullptr;
  }
  return find_meeting(std::stoll(meeting_id));
}

Meeting* State::find_meeting(std::int64_t meeting_id)
{
  auto it = m_meetings.find(meeting_id);
  return it == m_meetings.end() ? nullptr : &it->second;
}

template <typename Fn> Reply State::with_meeting(const std::string& meeting_id, Fn fn)
{
  std::lock_guard lock(m_mutex);
  Meeting* m = find_meeting(meeting_id);
  if (m == nullptr) {
    return meeting_not_found(meeting_id);
  }
  return fn(*m);
}

// Meeting ids have 11 digits, so the decimal text finds exactly what the number does.
template <typename Fn> Reply State::with_meeting(std::int64_t meeting_id, Fn fn)
{
  return with_meeting(std::to_string(meeting_id), std::move(fn));
}

std::int64_t State::new_meeting_id()
{
  for (;;) {
    auto id = static_cast<std::int64_t>(80000000000ULL + m_rng() % 19999999999ULL);
    if (!m_meetings.contains(id)) {
      return id;
    }
  }
}

std::string State::new_meeting_uuid()
{
  // 16 bytes in base64 (22 characters and "=="). Every 7th uuid starts with
  // '/' and every 7th (offset 3) contains "//", so clients must double-encode.
  std::string u = random_chars(m_rng, 21, k_b64) + random_chars(m_rng, 1, "AQgw") + "==";
  ++m_uuid_counter;
  if (m_uuid_counter % 7 == 0) {
    u[0] = '/';
  } else if (m_uuid_counter % 7 == 3) {
    u[5] = '/';
    u[6] = '/';
  }
  return u;
}

Meeting& State::add_meeting(Meeting m)
{
  if (m.password.empty()) {
    m.password = random_chars(m_rng, 6, k_alnum);
  }
  m.encrypted_password = random_chars(m_rng, 32, k_alnum) + ".1";
  m.id = new_meeting_id();
  m.uuid = new_meeting_uuid();
  auto [it, _] = m_meetings.emplace(m.id, std::move(m));
  return it->second;
}

std::optional<Reply> State::check_daily_limit(const std::string& host_id)
{
  auto it = m_daily.find(host_id);
  std::int64_t today = utc_day(zc::now());
  if (it == m_daily.end() || it->second.first != today || it->second.second < m_options.daily_meeting_limit) {
    return std::nullopt;
  }
  Reply r = zoom_error(
      429, 429,
      fmt::format("You have exceeded the daily rate limit ({}) of Meeting Create/Update API requests permitted for "
                  "this particular user. You may resume these requests at GMT 00:00:00.",
                  m_options.daily_meeting_limit));
  Seconds next_midnight{std::chrono::seconds((today + 1) * 86400)};
  r.headers = {{"X-RateLimit-Category", "Medium"},
               {"X-RateLimit-Type", "Daily-limit"},
               {"X-RateLimit-Limit", std::to_string(m_options.daily_meeting_limit)},
               {"X-RateLimit-Remaining", "0"},
               {"Retry-After", iso(next_midnight)}};
  ++m_counters["daily_limit_429"];
  return r;
}

void State::count_daily(const std::string& host_id)
{
  std::int64_t today = utc_day(zc::now());
  auto& [day, count] = m_daily[host_id];
  if (day != today) {
    day = today;
    count = 0;
  }
  ++count;
}

OJson State::meeting_json(const Meeting& m, MeetingView view) const
{
  const bool listed = view == MeetingView::listed;
  OJson j = OJson::object();
  j["uuid"] = m.uuid;
  j["id"] = m.id;
  j["host_id"] = m.host_id;
  if (!listed) {
    j["host_email"] = m.host_email;
  }
  j["topic"] = m.topic;
  j["type"] = m.type;
  if (!listed) {
    j["status"] = m.status;
  }
  j["start_time"] = iso(m.start_time);
  j["duration"] = m.duration;
  j["timezone"] = m.timezone;
  j["agenda"] = m.agenda;
  j["created_at"] = iso(m.created_at);
  if (!listed) {
    // A fresh ZAK in every start_url, as Zoom does (it expires after two hours).
    j["start_url"] = fmt::format("https://zoomsim.invalid/s/{}?zak={}", m.id,
                                 "eyJ0eXAiOiJKV1QiLCJzdiI6InNpbSJ9." + zc::crypto::random_token(36));
  }
  j["join_url"] = fmt::format("https://zoomsim.invalid/j/{}?pwd={}", m.id, m.encrypted_password);
  if (listed) {
    return j;
  }
  j["password"] = m.password;
  j["h323_password"] = m.password;
  if (view == MeetingView::fetched) {
    j["encrypted_password"] = m.encrypted_password;
  }
  j["pre_schedule"] = false;
  j["settings"] = m.settings;
  return j;
}

namespace {

OJson default_settings()
{
  OJson s = OJson::object();
  s["host_video"] = false;
  s["participant_video"] = false;
  s["join_before_host"] = false;
  s["jbh_time"] = 0;
  s["mute_upon_entry"] = false;
  s["watermark"] = false;
  s["use_pmi"] = false;
  s["approval_type"] = 2;
  s["audio"] = "both";
  s["auto_recording"] = "none";
  s["enforce_login"] = false;
  s["enforce_login_domains"] = "";
  s["alternative_hosts"] = "";
  s["waiting_room"] = false;
  s["meeting_authentication"] = false;
  s["encryption_type"] = "enhanced_encryption";
  s["private_meeting"] = false;
  s["email_notification"] = true;
  return s;
}

// Validates and applies meeting fields from `body` to `m`; returns the field errors.
std::vector<std::pair<std::string, std::string>> apply_meeting_fields(Meeting& m, const Json& body)
{
  std::vector<std::pair<std::string, std::string>> errs;
  if (body.contains("topic")) {
    if (!body["topic"].is_string() || body["topic"].get<std::string>().size() > 200) {
      errs.emplace_back("topic", "Invalid field.");
    } else {
      m.topic = body["topic"].get<std::string>();
    }
  }
  if (body.contains("type")) {
    int t = is_int(body["type"]) ? body["type"].get<int>() : -1;
    if (t != 1 && t != 2 && t != 3 && t != 8) {
      errs.emplace_back("type", "Invalid field.");
    } else {
      m.type = t;
    }
  }
  if (body.contains("timezone")) {
    if (!body["timezone"].is_string()) {
      errs.emplace_back("timezone", "Invalid field.");
    } else {
      m.timezone = body["timezone"].get<std::string>();
    }
  }
  if (body.contains("start_time")) {
    // `...Z` is UTC; a local time without a zone is taken as UTC too (zoomsim
    // has no time zone database; see README).
    std::optional<Seconds> t;
    if (body["start_time"].is_string()) {
      t = zc::parse_iso8601(body["start_time"].get<std::string>(), true);
    }
    if (!t) {
      errs.emplace_back("start_time", "Invalid field.");
    } else {
      m.start_time = *t;
    }
  }
  if (body.contains("duration")) {
    if (!is_int(body["duration"]) || body["duration"].get<long long>() < 0 ||
        body["duration"].get<long long>() > 100000) {
      errs.emplace_back("duration", "Invalid field.");
    } else {
      m.duration = body["duration"].get<int>();
    }
  }
  if (body.contains("agenda")) {
    if (!body["agenda"].is_string() || body["agenda"].get<std::string>().size() > 2000) {
      errs.emplace_back("agenda", "Invalid field.");
    } else {
      m.agenda = body["agenda"].get<std::string>();
    }
  }
  if (body.contains("password")) {
    static const std::regex re(R"([A-Za-z0-9@\-_*]{1,10})");
    if (!body["password"].is_string() || !std::regex_match(body["password"].get<std::string>(), re)) {
      errs.emplace_back("password", "Invalid field.");
    } else {
      m.password = body["password"].get<std::string>();
    }
  }
  if (body.contains("settings")) {
    if (!body["settings"].is_object()) {
      errs.emplace_back("settings", "Invalid field.");
    } else {
      for (const auto& [k, v] : body["settings"].items()) {
        if (m.settings.contains(k) && m.settings[k].is_boolean() && !v.is_boolean()) {
          errs.emplace_back("settings." + k, "Invalid field.");
          continue;
        }
        m.settings[k] = v;
      }
      if (m.settings["waiting_room"].is_boolean() && m.settings["waiting_room"].get<bool>()) {
        m.settings["join_before_host"] = false;
      }
    }
  }
  return errs;
}

} // namespace

Reply State::create_meeting(const std::string& user, const Json& body)
{
  if (!body.is_object()) {
    return invalid_json_error();
  }
  return with_user(user, [this, &body](User& u) {
    if (auto limited = check_daily_limit(u.id)) {
      return *limited;
    }
    Meeting m;
    m.host_id = u.id;
    m.host_email = u.email;
    m.topic = "Zoom meeting";
    m.settings = default_settings();
    m.start_time = zc::now();
    m.created_at = zc::now();
    auto errs = apply_meeting_fields(m, body);
    if (!errs.empty()) {
      return validation_error(errs);
    }
    if (m.type == 1) {
      m.timezone = "";
      m.duration = 0;
    }
    count_daily(u.id);
    return ok(meeting_json(add_meeting(std::move(m)), MeetingView::created), 201);
  });
}

Reply State::list_meetings(const std::string& user, const std::string& type, const std::string& page_size,
                           const std::string& next_page_token)
{
  if (!type.empty() && type != "scheduled" && type != "live" && type != "upcoming" && type != "upcoming_meetings" &&
      type != "previous_meetings") {
    return validation_error({{"type", "Invalid field."}});
  }
  return with_user(user, [this, &type, &page_size, &next_page_token](const User& u) {
    Seconds now = zc::now();
    std::vector<const Meeting*> picked;
    for (const auto& [_, m] : m_meetings) {
      if (m.host_id != u.id) {
        continue;
      }
      bool keep = type.empty() || type == "previous_meetings" || (type == "scheduled" && m.type != 1) ||
                  (type == "live" && m.status == "started") ||
                  ((type == "upcoming" || type == "upcoming_meetings") && m.start_time >= now);
      if (keep) {
        picked.push_back(&m);
      }
    }
    std::sort(picked.begin(), picked.end(), [](const Meeting* a, const Meeting* b) {
      return a->start_time != b->start_time ? a->start_time < b->start_time : a->id < b->id;
    });
    Page page = page_of(page_size, next_page_token);
    OJson j = OJson::object();
    j["page_size"] = page.size;
    j["total_records"] = picked.size();
    j["next_page_token"] = page.next_token(picked.size());
    j["meetings"] = page.items(picked, [this](const Meeting* m) { return meeting_json(*m, MeetingView::listed); });
    return ok(std::move(j));
  });
}

Reply State::get_meeting(const std::string& meeting_id)
{
  return with_meeting(meeting_id, [this](const Meeting& m) { return ok(meeting_json(m, MeetingView::fetched)); });
}

Reply State::update_meeting(const std::string& meeting_id, const Json& body)
{
  if (!body.is_object()) {
    return invalid_json_error();
  }
  return with_meeting(meeting_id, [this, &body](Meeting& m) {
    if (auto limited = check_daily_limit(m.host_id)) {
      return *limited;
    }
    Meeting copy = m;
    auto errs = apply_meeting_fields(copy, body);
    if (!errs.empty()) {
      return validation_error(errs);
    }
    m = std::move(copy);
    count_daily(m.host_id);
    return no_content();
  });
}

Reply State::delete_meeting(const std::string& meeting_id)
{
  return with_meeting(meeting_id, [this](const Meeting& m) {
    if (m.status == "started") {
      return zoom_error(400, 3002, "Sorry, you cannot delete this meeting since it is in progress.");
    }
    m_meetings.erase(m.id);
    return no_content();
  });
}

OJson State::participant_json(const ParticipantRecord& p, bool left) const
{
  OJson j = OJson::object();
  j["user_id"] = p.user_id;
  j["user_name"] = p.name;
  j["id"] = p.zoom_user_id;
  j["participant_uuid"] = p.participant_uuid;
  if (left) {
    j["leave_time"] = iso(p.leave_time.value_or(Seconds{}));
    j["leave_reason"] = p.leave_reason;
  } else {
    j["join_time"] = iso(p.join_time);
  }
  j["email"] = p.email;
  // Observed: null in participant_joined, "" in participant_left.
  j["registrant_id"] = left ? OJson("") : OJson(nullptr);
  j["participant_user_id"] = p.zoom_user_id;
  j["customer_key"] = p.customer_key;
  return j;
}

Reply State::participants(const std::string& id_or_uuid, const std::string& page_size,
                          const std::string& next_page_token, ParticipantsShape shape)
{
  std::lock_guard lock(m_mutex);
  const Instance* inst = nullptr;
  if (auto it = m_instances.find(id_or_uuid); it != m_instances.end() && it->second.end_time) {
    inst = &it->second;
  } else {
    // A meeting id names its latest ended instance.
    for (auto rit = m_instance_order.rbegin(); rit != m_instance_order.rend(); ++rit) {
      const Instance& cand = m_instances.at(*rit);
      if (cand.end_time && std::to_string(cand.meeting_id) == id_or_uuid) {
        inst = &cand;
        break;
      }
    }
  }
  if (inst == nullptr) {
    return meeting_not_found(id_or_uuid);
  }
  Page page = page_of(page_size, next_page_token);
  OJson list = page.items(inst->participants, [inst, shape](const ParticipantRecord& p) {
    Seconds leave = p.leave_time.value_or(*inst->end_time);
    OJson j = OJson::object();
    j["id"] = p.zoom_user_id;
    j["user_id"] = p.user_id;
    j["name"] = p.name;
    j["user_email"] = p.email;
    j["join_time"] = iso(p.join_time);
    j["leave_time"] = iso(leave);
    j["duration"] = std::max<std::int64_t>(0, (leave - p.join_time).count());
    if (shape == ParticipantsShape::report) {
      j["attentiveness_score"] = "";
    }
    j["failover"] = false;
    j["status"] = "in_meeting";
    j["customer_key"] = p.customer_key;
    j["participant_user_id"] = p.zoom_user_id;
    j["registrant_id"] = "";
    return j;
  });
  OJson j = OJson::object();
  j["page_count"] = page.count(inst->participants.size());
  j["page_size"] = page.size;
  j["total_records"] = inst->participants.size();
  j["next_page_token"] = page.next_token(inst->participants.size());
  j["participants"] = std::move(list);
  return ok(std::move(j));
}

// ---------------------------------------------------------------------------
// Meeting life

OJson State::event_object(const Instance& inst) const
{
  OJson o = OJson::object();
  o["id"] = std::to_string(inst.meeting_id);
  o["uuid"] = inst.uuid;
  o["host_id"] = inst.host_id;
  o["topic"] = inst.topic;
  o["type"] = inst.type;
  o["start_time"] = iso(inst.start_time);
  o["timezone"] = inst.timezone;
  o["duration"] = inst.duration;
  return o;
}

void State::emit(const std::string& event, OJson object, Seconds at)
{
  ++m_counters["events_" + event];
  // event_ts: the event's own time in ms (scenario time during replay), with
  // the wall clock's milliseconds so events in one second stay distinct.
  std::int64_t ts = at.time_since_epoch().count() * 1000 + now_ms() % 1000;
  if (m_sink) {
    m_sink(event, std::move(object), ts);
  }
}

Instance* State::live_instance(const Meeting& m)
{
  if (m.status != "started") {
    return nullptr;
  }
  auto it = m_instances.find(m.uuid);
  return it == m_instances.end() ? nullptr : &it->second;
}

template <typename Fn> Reply State::with_started_meeting(std::int64_t meeting_id, Fn fn)
{
  return with_meeting(meeting_id, [this, &fn](Meeting& m) {
    Instance* inst = live_instance(m);
    if (inst == nullptr) {
      return zoom_error(409, 3008, "Meeting has not started.");
    }
    return fn(m, *inst);
  });
}

Reply State::start_meeting(std::int64_t meeting_id, std::optional<Seconds> at)
{
  return with_meeting(meeting_id, [this, at](Meeting& m) {
    if (m.status == "started") {
      return zoom_error(409, 3000, "Meeting is already in progress.");
    }
    Instance inst;
    inst.uuid = m.uuid;
    inst.meeting_id = m.id;
    inst.host_id = m.host_id;
    inst.topic = m.topic;
    inst.type = m.type;
    inst.duration = m.duration;
    inst.timezone = m.timezone;
    inst.start_time = at.value_or(zc::now());
    m.status = "started";
    m_instances[inst.uuid] = inst;
    m_instance_order.push_back(inst.uuid);
    emit("meeting.started", event_object(inst), inst.start_time);
    OJson j = OJson::object();
    j["id"] = m.id;
    j["uuid"] = inst.uuid;
    j["start_time"] = iso(inst.start_time);
    return ok(std::move(j));
  });
}

Reply State::end_meeting(std::int64_t meeting_id, std::optional<Seconds> at, OpenParticipants open)
{
  return with_started_meeting(meeting_id, [this, at, open](Meeting& m, Instance& inst) {
    Seconds end = at.value_or(zc::now());
    if (open == OpenParticipants::close) {
      for (auto& p : inst.participants) {
        if (!p.leave_time) {
          p.leave_time = end;
          p.leave_reason = std::string(k_host_ended);
          OJson o = event_object(inst);
          o["participant"] = participant_json(p, true);
          emit("meeting.participant_left", std::move(o), end);
        }
      }
    }
    inst.end_time = end;
    OJson o = event_object(inst);
    o["end_time"] = iso(end);
    emit("meeting.ended", std::move(o), end);
    OJson j = OJson::object();
    j["id"] = m.id;
    j["uuid"] = inst.uuid;
    j["start_time"] = iso(inst.start_time);
    j["end_time"] = iso(end);
    // The next occurrence gets a new uuid, as Zoom's instances do.
    m.status = "waiting";
    m.uuid = new_meeting_uuid();
    return ok(std::move(j));
  });
}

Reply State::join(std::int64_t meeting_id, const Json& body)
{
  if (!body.is_object()) {
    return invalid_json_error();
  }
  std::optional<Seconds> at;
  if (body.contains("at")) {
    if (body["at"].is_string()) {
      at = zc::parse_iso8601(body["at"].get<std::string>());
    }
    if (!at) {
      return validation_error({{"at", "Invalid field."}});
    }
  }
  return with_started_meeting(meeting_id, [this, &body, at](Meeting&, Instance& inst) {
    ParticipantRecord p;
    p.participant_uuid = random_uuid_upper(m_rng);
    p.user_id = std::to_string(16778240 + 1024 * m_join_counter++);
    auto text = [&body](const char* key, const std::string& fallback) {
      return body.contains(key) && body[key].is_string() ? body[key].get<std::string>() : fallback;
    };
    p.name = text("name", "Guest");
    p.email = text("email", "");
    p.customer_key = text("customer_key", "");
    p.zoom_user_id = text("zoom_user_id", "");
    p.join_time = at.value_or(zc::now());
    inst.participants.push_back(p);
    OJson o = event_object(inst);
    o["participant"] = participant_json(p, false);
    emit("meeting.participant_joined", std::move(o), p.join_time);
    OJson j = OJson::object();
    j["participant_uuid"] = p.participant_uuid;
    j["user_id"] = p.user_id;
    j["join_time"] = iso(p.join_time);
    return ok(std::move(j));
  });
}

Reply State::leave(std::int64_t meeting_id, const std::string& participant_uuid, std::optional<Seconds> at,
                   const std::string& reason)
{
  return with_meeting(meeting_id, [&](const Meeting&) {
    // A leave after the end (scenario late_leaves) still finds its instance by uuid.
    Instance* inst = nullptr;
    for (auto rit = m_instance_order.rbegin(); rit != m_instance_order.rend() && inst == nullptr; ++rit) {
      Instance& cand = m_instances.at(*rit);
      if (cand.meeting_id != meeting_id) {
        continue;
      }
      for (const auto& p : cand.participants) {
        if (p.participant_uuid == participant_uuid) {
          inst = &cand;
          break;
        }
      }
    }
    if (inst == nullptr) {
      return zoom_error(404, 3001, "Participant " + participant_uuid + " is not in this meeting.");
    }
    for (auto& p : inst->participants) {
      if (p.participant_uuid != participant_uuid) {
        continue;
      }
      if (p.leave_time) {
        return zoom_error(409, 3000, "Participant " + participant_uuid + " has already left.");
      }
      p.leave_time = at.value_or(zc::now());
      p.leave_reason = reason.empty() ? "left the meeting. Reason : left the meeting" : reason;
      OJson o = event_object(*inst);
      o["participant"] = participant_json(p, true);
      emit("meeting.participant_left", std::move(o), *p.leave_time);
      OJson j = OJson::object();
      j["participant_uuid"] = p.participant_uuid;
      j["user_id"] = p.user_id;
      j["leave_time"] = iso(*p.leave_time);
      return ok(std::move(j));
    }
    return zoom_error(500, 500, "unreachable");
  });
}

std::variant<std::int64_t, Reply> State::ensure_meeting(const std::string& host_email, const std::string& topic,
                                                        int duration, Seconds start_time, int type)
{
  std::lock_guard lock(m_mutex);
  User* u = find_user(host_email);
  if (u == nullptr) {
    User nu;
    nu.email = host_email;
    nu.first_name = "Scenario";
    nu.last_name = "Host";
    nu.display_name = "Scenario Host";
    nu.type = 1;
    nu.status = "active";
    u = &add_user(std::move(nu));
  }
  Meeting m;
  m.host_id = u->id;
  m.host_email = u->email;
  m.topic = topic;
  m.type = type;
  m.duration = duration;
  m.start_time = start_time;
  m.created_at = zc::now();
  m.settings = default_settings();
  return add_meeting(std::move(m)).id;
}

std::optional<std::pair<std::string, Seconds>> State::meeting_host(std::int64_t meeting_id)
{
  std::lock_guard lock(m_mutex);
  const Meeting* m = find_meeting(meeting_id);
  if (m == nullptr) {
    return std::nullopt;
  }
  return std::make_pair(m->host_id, m->start_time);
}

// ---------------------------------------------------------------------------
// Inspection

OJson State::dump()
{
  std::lock_guard lock(m_mutex);
  OJson j = OJson::object();
  j["account_id"] = m_options.account_id;
  OJson users = OJson::array();
  for (const auto& id : m_user_order) {
    users.push_back(user_json(m_users.at(id), false));
  }
  j["users"] = std::move(users);
  OJson lic = OJson::object();
  lic["limit"] = m_options.licenses;
  lic["used"] = paid_users();
  j["licenses"] = std::move(lic);
  OJson meetings = OJson::array();
  for (const auto& [_, m] : m_meetings) {
    OJson mj = meeting_json(m, MeetingView::fetched);
    mj.erase("start_url");
    meetings.push_back(std::move(mj));
  }
  j["meetings"] = std::move(meetings);
  OJson instances = OJson::array();
  for (const auto& uuid : m_instance_order) {
    const Instance& inst = m_instances.at(uuid);
    OJson ij = OJson::object();
    ij["uuid"] = inst.uuid;
    ij["meeting_id"] = inst.meeting_id;
    ij["host_id"] = inst.host_id;
    ij["topic"] = inst.topic;
    ij["start_time"] = iso(inst.start_time);
    ij["end_time"] = inst.end_time ? OJson(iso(*inst.end_time)) : OJson(nullptr);
    OJson ps = OJson::array();
    for (const auto& p : inst.participants) {
      OJson pj = OJson::object();
      pj["participant_uuid"] = p.participant_uuid;
      pj["user_id"] = p.user_id;
      pj["name"] = p.name;
      pj["email"] = p.email;
      pj["customer_key"] = p.customer_key;
      pj["zoom_user_id"] = p.zoom_user_id;
      pj["join_time"] = iso(p.join_time);
      pj["leave_time"] = p.leave_time ? OJson(iso(*p.leave_time)) : OJson(nullptr);
      pj["leave_reason"] = p.leave_reason;
      ps.push_back(std::move(pj));
    }
    ij["participants"] = std::move(ps);
    instances.push_back(std::move(ij));
  }
  j["instances"] = std::move(instances);
  j["tokens_issued"] = m_tokens_issued;
  auto now = std::chrono::system_clock::now();
  j["tokens_active"] = std::count_if(m_tokens.begin(), m_tokens.end(),
                                     [&](const auto& kv) { return !kv.second.revoked && kv.second.expires_at > now; });
  OJson daily = OJson::object();
  std::int64_t today = utc_day(zc::now());
  for (const auto& [host, dc] : m_daily) {
    if (dc.first == today) {
      daily[host] = dc.second;
    }
  }
  j["daily_meeting_requests"] = std::move(daily);
  OJson counters = OJson::object();
  for (const auto& [k, v] : m_counters) {
    counters[k] = v;
  }
  j["counters"] = std::move(counters);
  return j;
}

void State::log_request(RequestLogEntry entry)
{
  std::lock_guard lock(m_mutex);
  entry.seq = ++m_log_seq;
  ++m_counters["requests"];
  ++m_counters["status_" + std::to_string(entry.status)];
  m_log.push_back(std::move(entry));
  while (m_log.size() > k_max_log) {
    m_log.pop_front();
  }
}

OJson State::requests(std::uint64_t since, std::size_t limit, const std::string& prefix)
{
  std::lock_guard lock(m_mutex);
  OJson list = OJson::array();
  std::vector<const RequestLogEntry*> picked;
  for (auto it = m_log.rbegin(); it != m_log.rend() && picked.size() < limit; ++it) {
    if (it->seq <= since) {
      break;
    }
    if (it->path.rfind(prefix, 0) == 0) {
      picked.push_back(&*it);
    }
  }
  for (auto it = picked.rbegin(); it != picked.rend(); ++it) {
    const RequestLogEntry& e = **it;
    OJson j = OJson::object();
    j["seq"] = e.seq;
    j["time"] = e.time;
    j["method"] = e.method;
    j["path"] = e.path;
    j["query"] = e.query;
    j["status"] = e.status;
    j["fault"] = e.fault;
    j["ms"] = e.ms;
    list.push_back(std::move(j));
  }
  OJson j = OJson::object();
  j["last_seq"] = m_log_seq;
  j["requests"] = std::move(list);
  return j;
}

void State::count_fault(const std::string& kind)
{
  std::lock_guard lock(m_mutex);
  ++m_counters["fault_" + kind];
}

int State::touch_rate_window(const std::string& label)
{
  std::lock_guard lock(m_mutex);
  std::int64_t sec = zc::now().time_since_epoch().count();
  auto& [s, count] = m_rate_window[label];
  if (s != sec) {
    s = sec;
    count = 0;
  }
  return count++;
}

void State::reset()
{
  std::lock_guard lock(m_mutex);
  m_users.clear();
  m_user_order.clear();
  m_meetings.clear();
  m_instances.clear();
  m_instance_order.clear();
  m_tokens.clear();
  m_daily.clear();
  m_tokens_issued = 0;
  m_uuid_counter = 0;
  m_join_counter = 0;
  m_log.clear();
  m_counters.clear();
  m_rate_window.clear();
  m_rng.seed(m_options.seed);
}

} // namespace zs
