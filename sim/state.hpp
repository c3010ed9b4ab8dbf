#pragma once
// The emulated Zoom account: users, licences, meetings and their instances,
// participants, access tokens, the per-host daily meeting quota, counters and
// the request log. Every public member locks one mutex, so the multithreaded
// HTTP server can call it from any thread.

#include "common.hpp"
#include "options.hpp"

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

namespace zs {

/// A user of the account.
struct User {
  std::string id;
  std::string email;
  std::string first_name;
  std::string last_name;
  std::string display_name;
  int type = 1;
  std::string status = "active";
  Seconds created_at{};
  std::int64_t pmi = 0;
  std::string timezone = "UTC";
};

/// One join/leave cycle of one participant in one meeting instance.
struct ParticipantRecord {
  std::string participant_uuid;
  std::string user_id; ///< per-join numeric string
  std::string name;
  std::string email;
  std::string customer_key;
  std::string zoom_user_id; ///< empty for guests
  Seconds join_time{};
  std::optional<Seconds> leave_time;
  std::string leave_reason;
};

/// One occurrence of a meeting, from start to end; its uuid is what
/// `/past_meetings/{uuid}` names.
struct Instance {
  std::string uuid;
  std::int64_t meeting_id = 0;
  std::string host_id;
  std::string topic;
  int type = 2;
  int duration = 0;
  std::string timezone;
  Seconds start_time{};
  std::optional<Seconds> end_time;
  std::vector<ParticipantRecord> participants;
};

/// A scheduled meeting.
struct Meeting {
  std::int64_t id = 0;
  std::string uuid; ///< the current (or next) instance
  std::string host_id;
  std::string host_email;
  std::string topic;
  int type = 2;
  Seconds start_time{};
  int duration = 60;
  std::string timezone = "UTC";
  std::string agenda;
  std::string password;
  std::string encrypted_password;
  Seconds created_at{};
  OJson settings;
  std::string status = "waiting"; ///< waiting | started
};

/// An issued access token.
struct Token {
  std::chrono::system_clock::time_point expires_at;
  bool revoked = false;
};

/// Whether a bearer token is acceptable.
enum class TokenCheck { valid, invalid, expired };

/// Client credentials from a Basic `Authorization` header.
struct BasicCredentials {
  std::string user;
  std::string password;
};

/// Which participants listing a request asked for.
enum class ParticipantsShape { past_meetings, report };

/// What ending a meeting does with participants still in it.
enum class OpenParticipants { close, keep };

/// The sink for webhook events: event name, `payload.object`, event time in ms.
using EventSink = std::function<void(const std::string&, OJson, std::int64_t)>;

/// One line of the request log.
struct RequestLogEntry {
  std::uint64_t seq = 0;
  std::string time;
  std::string method;
  std::string path;
  std::string query;
  int status = 0;
  std::string fault;
  std::int64_t ms = 0;
};

class State
{
public:
  /// A state for the account in `options`; events go to `sink`.
  State(const Options& options, EventSink sink);

  // --- OAuth -------------------------------------------------------------
  /// Answers `POST /oauth/token` given the Basic credentials and the grant parameters.
  Reply issue_token(const std::optional<BasicCredentials>& basic, const std::string& grant_type,
                    const std::string& account_id);
  /// Checks a bearer token.
  TokenCheck check_token(const std::string& token);
  /// Expires every issued token.
  void revoke_tokens();

  // --- Users ---------------------------------------------------------------
  /// `POST /users`: validates, enforces unique email and the licence count, creates.
  Reply create_user(const Json& body);
  /// `GET /users/{id or email}`.
  Reply get_user(const std::string& id_or_email);
  /// `GET /users`: users of one `status`, paged by `page_size` and `next_page_token` (or `page_number`).
  Reply list_users(const std::string& status, const std::string& page_size, const std::string& next_page_token,
                   const std::string& page_number);
  /// `PATCH /users/{id}`: type (licence) and names; 204.
  Reply update_user(const std::string& id_or_email, const Json& body);
  /// `DELETE /users/{id}` with the user's meetings; 204.
  Reply delete_user(const std::string& id_or_email);
  /// `GET /users/{id}/token?type=zak`: a fresh ZAK.
  Reply user_token(const std::string& id_or_email, const std::string& type);
  /// Control: a pending user confirms the invitation.
  Reply activate_user(const std::string& id_or_email);

  // --- Meetings ------------------------------------------------------------
  /// `POST /users/{id}/meetings`: validates, applies the daily quota, creates; 201.
  Reply create_meeting(const std::string& user, const Json& body);
  /// `GET /users/{id}/meetings`: the host's meetings, paged (`type` scheduled|live|upcoming, default all).
  Reply list_meetings(const std::string& user, const std::string& type, const std::string& page_size,
                      const std::string& next_page_token);
  /// `GET /meetings/{id}`.
  Reply get_meeting(const std::string& meeting_id);
  /// `PATCH /meetings/{id}`: counts against the host's daily quota; 204.
  Reply update_meeting(const std::string& meeting_id, const Json& body);
  /// `DELETE /meetings/{id}`: refused while started; 204.
  Reply delete_meeting(const std::string& meeting_id);
  /// Participants of an ended instance named by uuid or meeting id, in the `shape` of
  /// `/past_meetings` or `/report/meetings`.
  Reply participants(const std::string& id_or_uuid, const std::string& page_size, const std::string& next_page_token,
                     ParticipantsShape shape);

  // --- Meeting life (control) ---------------------------------------------
  /// Starts the meeting at `at` (default now) and sends meeting.started.
  Reply start_meeting(std::int64_t meeting_id, std::optional<Seconds> at);
  /// Ends the meeting at `at`; with `open` = close, participants still in get
  /// participant_left at `at`; then sends meeting.ended.
  Reply end_meeting(std::int64_t meeting_id, std::optional<Seconds> at, OpenParticipants open);
  /// A participant joins; answers `{participant_uuid, user_id}`.
  Reply join(std::int64_t meeting_id, const Json& body);
  /// A participant leaves.
  Reply leave(std::int64_t meeting_id, const std::string& participant_uuid, std::optional<Seconds> at,
              const std::string& reason);
  /// Creates (or finds) an active basic user with `email` and a meeting under it;
  /// used by scenario replay. Returns the meeting id or a reply with the error.
  std::variant<std::int64_t, Reply> ensure_meeting(const std::string& host_email, const std::string& topic,
                                                   int duration, Seconds start_time, int type);
  /// The host id and start time of a meeting, if it exists.
  std::optional<std::pair<std::string, Seconds>> meeting_host(std::int64_t meeting_id);

  // --- Inspection ----------------------------------------------------------
  /// Everything, as JSON.
  OJson dump();
  /// Appends one request to the log and the counters.
  void log_request(RequestLogEntry entry);
  /// Up to `limit` most recent log entries after `since` whose path starts with `prefix`.
  OJson requests(std::uint64_t since, std::size_t limit, const std::string& prefix);
  /// Counts an injected fault of `kind`.
  void count_fault(const std::string& kind);
  /// Requests seen in the current second for rate label `label` (then counts this one).
  int touch_rate_window(const std::string& label);
  /// Forgets everything except the configuration.
  void reset();

private:
  User* find_user(const std::string& id_or_email);
  Meeting* find_meeting(const std::string& meeting_id);
  Meeting* find_meeting(std::int64_t meeting_id);
  // Under the lock, `fn(User&)` on the user named, else 404 1001.
  template <typename Fn> Reply with_user(const std::string& id_or_email, Fn fn);
  // Under the lock, `fn(Meeting&)` on the meeting named, else 404 3001.
  template <typename Fn> Reply with_meeting(const std::string& meeting_id, Fn fn);
  template <typename Fn> Reply with_meeting(std::int64_t meeting_id, Fn fn);
  // As with_meeting, `fn(Meeting&, Instance&)` on its running instance, else 409 3008.
  template <typename Fn> Reply with_started_meeting(std::int64_t meeting_id, Fn fn);
  int paid_users() const;
  // Gives `u` an id, creation time and PMI and adds it to the account.
  User& add_user(User u);
  // Gives `m` its password (a random one unless set), encrypted password, id and uuid and adds it.
  Meeting& add_meeting(Meeting m);
  std::string new_user_id();
  std::int64_t new_meeting_id();
  std::string new_meeting_uuid();
  // Which fields of a meeting an answer carries: the create answer, `GET /meetings/{id}`
  // (adds encrypted_password) or one entry of a listing (no host_email, status, start_url, passwords, settings).
  enum class MeetingView { created, fetched, listed };
  OJson meeting_json(const Meeting& m, MeetingView view) const;
  OJson user_json(const User& u, bool for_list) const;
  OJson event_object(const Instance& inst) const;
  OJson participant_json(const ParticipantRecord& p, bool left) const;
  void emit(const std::string& event, OJson object, Seconds at);
  std::optional<Reply> check_daily_limit(const std::string& host_id);
  void count_daily(const std::string& host_id);
  Instance* live_instance(const Meeting& m);

  const Options& m_options;
  EventSink m_sink;
  std::mutex m_mutex;
  std::mt19937_64 m_rng;
  std::map<std::string, User> m_users; ///< by id
  std::vector<std::string> m_user_order;
  std::map<std::int64_t, Meeting> m_meetings;
  std::map<std::string, Instance> m_instances; ///< by uuid
  std::vector<std::string> m_instance_order;
  std::map<std::string, Token> m_tokens;
  std::map<std::string, std::pair<std::int64_t, int>> m_daily; ///< host id -> (UTC day, count)
  std::uint64_t m_tokens_issued = 0;
  std::uint64_t m_uuid_counter = 0;
  std::uint64_t m_join_counter = 0;
  std::deque<RequestLogEntry> m_log;
  std::uint64_t m_log_seq = 0;
  std::map<std::string, std::uint64_t> m_counters;
  std::map<std::string, std::pair<std::int64_t, int>> m_rate_window; ///< label -> (second, count)
};

} // namespace zs
