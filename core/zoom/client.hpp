#pragma once
// The Zoom REST client: authenticated, rate-limited, retried requests and the
// typed calls zoomctl needs (users, licences, meetings, ZAK, participants).
// Errors come back as `Error` values whose message quotes Zoom's status, code
// and text and says what to do next; decide on `zoom_code`, never on the text.

#include "core/config.hpp"
#include "core/db.hpp"
#include "core/util/expected.hpp"
#include "core/util/time.hpp"
#include "core/zoom/http.hpp"
#include "core/zoom/oauth.hpp"
#include "core/zoom/retry.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zc::zoom {

/// Query parameters, in order; values are percent-encoded by the client.
using Query = std::vector<std::pair<std::string, std::string>>;

// ---------------------------------------------------------------- users

/// Zoom user types (`user_info.type`, `PATCH {type}`).
enum class UserType : int { basic = 1, licensed = 2, on_prem = 3, no_meetings_license = 4, none = 99 };

/// How `create_user` creates the user (`action`).
enum class CreateAction { create, auto_create, cust_create, sso_create };

/// Which users `list_users` returns (`status`).
enum class UserStatus { active, inactive, pending };

/// A Zoom user as the API returns it; `raw` keeps every field.
struct User {
  std::string id; ///< empty for pending users in listings
  std::string email;
  std::string first_name;
  std::string last_name;
  int type = 0;       ///< see `UserType`
  std::string status; ///< "active", "inactive", "pending" (empty when Zoom did not say)
  std::string timezone;
  nlohmann::json raw;
};

// ---------------------------------------------------------------- meetings

/// Meeting settings zoomctl sets; unset fields are not sent. `extra` is merged in as is.
struct MeetingSettings {
  std::optional<bool> waiting_room;
  std::optional<bool> join_before_host;
  std::optional<bool> host_video;
  std::optional<bool> participant_video;
  std::optional<bool> mute_upon_entry;
  std::optional<int> approval_type;          ///< 0 auto, 1 manual, 2 no registration
  std::optional<std::string> audio;          ///< "both", "telephony", "voip"
  std::optional<std::string> auto_recording; ///< "local", "cloud", "none"
  nlohmann::json extra = nlohmann::json::object();
};

/// Meeting types (`type`).
enum class MeetingType : int { instant = 1, scheduled = 2, recurring_no_time = 3, recurring_fixed = 8 };

/// What to create or change. For `update_meeting` only the set fields are sent.
struct MeetingSpec {
  std::optional<std::string> topic;
  std::optional<Seconds> start_time;   ///< sent as `YYYY-MM-DDTHH:MM:SSZ`
  std::optional<int> duration;         ///< minutes
  std::optional<std::string> timezone; ///< IANA name, e.g. "UTC", "Asia/Riyadh"
  std::optional<std::string> agenda;
  std::optional<std::string> password;
  std::optional<MeetingType> type; ///< create defaults to scheduled when unset
  MeetingSettings settings;
};

/// The request body for `spec` (create: `type` defaults to 2).
nlohmann::json to_json(const MeetingSpec& spec, bool for_create);

/// A meeting as the API returns it; `raw` keeps every field (`start_url` carries the host's ZAK: never log it).
struct Meeting {
  std::int64_t id = 0;
  std::string uuid;
  std::string host_id;
  std::string host_email;
  std::string topic;
  int type = 0;
  std::string status; ///< "waiting", "started" (GET only)
  std::optional<Seconds> start_time;
  int duration = 0; ///< minutes
  std::string timezone;
  std::string join_url;
  std::string start_url;
  std::string password;
  nlohmann::json raw;
};

/// Parses a meeting object (create/get response) into `Meeting`.
Expected<Meeting> parse_meeting(const nlohmann::json& json);

/// Parses a user object (create/get/list response) into `User`.
User parse_user(const nlohmann::json& json);

/// One row of the participants report (one join/leave cycle of one device).
struct Participant {
  std::string id;                  ///< Zoom user id when signed in, else empty
  std::string participant_user_id; ///< stable per signed-in user (may be empty)
  std::string user_id;             ///< per-join id (changes on rejoin)
  std::string name;
  std::string user_email;   ///< may be empty
  std::string customer_key; ///< the Meeting SDK customerKey (our user id), may be empty
  std::optional<Seconds> join_time;
  std::optional<Seconds> leave_time;
  int duration = 0; ///< seconds
  nlohmann::json raw;
};

/// Parses one participant row of the report.
Participant parse_participant(const nlohmann::json& json);

// ---------------------------------------------------------------- errors

/// Zoom said the user does not exist (codes 1001, 1120).
bool is_user_not_found(const Error& error);
/// Zoom said the user already exists (codes 1005, 1009, or HTTP 409).
bool is_user_exists(const Error& error);
/// Zoom said no licence (or user seat) is left (2033, 2034, 2038, 3412; legacy 200 on licence calls).
bool is_license_limit(const Error& error);
/// Zoom said the meeting is not found or has expired (3001).
bool is_meeting_gone(const Error& error);
/// Meeting creates/updates Zoom allows per host per UTC day.
constexpr int k_daily_meeting_writes = 100;

/// Meeting creates/updates counted today (UTC) for host `zoom_user_id` in table zoom_quota (0 when none).
int meeting_writes_today(db::Database& db, std::string_view zoom_user_id);

/// A daily rate limit was hit (Zoom's answer or zoomctl's own count); the message says when it resets.
bool is_daily_limit(const Error& error);

/// Turns a non-2xx REST answer into an `Error`: kind (not_found, conflict, auth or zoom),
/// `http_status`, `zoom_code`, message "Zoom said <status>/<code>: <message>" with the
/// validation errors and a hint. `context` names the call ("create user a@b.c").
Error map_api_error(long status, std::string_view body, std::string_view context);

/// Encodes a meeting id or UUID for a path: UUIDs that start with '/' or contain '//' are encoded twice.
std::string encode_meeting_id(std::string_view id_or_uuid);

// ---------------------------------------------------------------- client

/// Knobs of a `ZoomClient`; the defaults are for production.
struct ClientOptions {
  RetryPolicy retry;
  CurlOptions http;
  bool client_rate_limit = true; ///< pace requests with the process-wide `rate_limiter()`
};

/// Authenticated access to the Zoom REST API for one credential set. Holds one
/// reused HTTP connection, so use one client per thread (each thread with its own
/// `Database`); tokens, rate limits and metrics are shared process-wide.
class ZoomClient
{
public:
  /// A client for `config`'s credentials and URLs that caches tokens in `db`.
  ZoomClient(const config::Config& config, db::Database& db, ClientOptions options = {});
  /// The same over a caller-provided `transport` (tests).
  ZoomClient(const config::Config& config, db::Database& db, std::unique_ptr<Transport> transport,
             ClientOptions options = {});
  ~ZoomClient();
  ZoomClient(const ZoomClient&) = delete;
  ZoomClient& operator=(const ZoomClient&) = delete;

  /// Sends `method` to `path` (below the API base, e.g. "/users/me", already encoded)
  /// with `query` and a JSON `body`; returns the parsed JSON (null for 204/empty).
  /// Retries 429/5xx/network failures, refetches the token once on 401/124.
  Expected<nlohmann::json> request(Method method, std::string_view path, const Query& query = {},
                                   const std::optional<nlohmann::json>& body = std::nullopt);

  /// A usable token (cached or fetched; a new one with `Refresh::force`): for `zoomctl zoom token`.
  Expected<Token> token(Refresh refresh = Refresh::if_needed);

  /// The REST base URL in use (config or the token's api_url).
  Expected<std::string> api_url();

  /// `POST /users`: creates a user with `email`, names and `type` using `action`.
  Expected<User> create_user(std::string_view email, std::string_view first_name, std::string_view last_name,
                             UserType type = UserType::basic, CreateAction action = CreateAction::create);

  /// `GET /users/{id}`: `id_or_email` is a Zoom user id, an email address or "me".
  Expected<User> get_user(std::string_view id_or_email);

  /// `GET /users?status=...`, every page (page_size 300, following next_page_token).
  Expected<std::vector<User>> list_users(UserStatus status = UserStatus::active);

  /// `PATCH /users/{id} {type}`: assigns (licensed) or releases (basic) a licence.
  Expected<void> update_user_type(std::string_view zoom_user_id, UserType type);

  /// `POST /users/{id}/meetings`: schedules a meeting hosted by `zoom_user_id`. Counts the
  /// call in table zoom_quota and fails at once (a daily-limit error) when the host has used
  /// Zoom's 100 meeting creates/updates of the UTC day; callers need not count themselves.
  Expected<Meeting> create_meeting(std::string_view zoom_user_id, const MeetingSpec& spec);

  /// `GET /meetings/{id}`: the meeting (fresh `start_url`).
  Expected<Meeting> get_meeting(std::int64_t meeting_id);

  /// `PATCH /meetings/{id}`: changes the set fields of `spec`; when `host_zoom_user_id` is
  /// given the call is counted against that host's daily quota like `create_meeting`.
  Expected<void> update_meeting(std::int64_t meeting_id, const MeetingSpec& spec,
                                std::string_view host_zoom_user_id = {});

  /// `DELETE /meetings/{id}`: cancels the meeting.
  Expected<void> delete_meeting(std::int64_t meeting_id);

  /// `GET /users/{id}/token?type=zak`: the host's ZAK (valid 2 h). Never log it.
  Expected<std::string> get_zak(std::string_view zoom_user_id);

  /// `GET /report/meetings/{id-or-uuid}/participants`, every page. A UUID names one
  /// occurrence (double-encoded when needed); a numeric id names the latest one.
  Expected<std::vector<Participant>> past_meeting_participants(std::string_view meeting_id_or_uuid);

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace zc::zoom
