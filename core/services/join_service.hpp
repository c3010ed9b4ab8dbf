#pragma once
// Joining inside the platform: who may open which page and get which Meeting SDK
// role for which session, the data the pages show, and the access links that
// lead there. The daemon's /api/me, /api/me/sessions, /api/sessions/{id} and
// /api/signature routes and the `zoomctl link` / `zoomctl signature` commands
// are thin front ends over these functions.
//
// Rules: role 1 (host) only for the session's instructor, from 15 minutes before
// the start; role 0 for the instructor and the members of the session's cohort,
// learners only while the session is IN_PROGRESS; never for a cancelled session,
// nor for a completed one except that its instructor may start it again until
// `k_restart_grace` after it ended (or was to end), for a class ended by mistake:
// the restart's meeting.started makes it IN_PROGRESS again and learners rejoin.
// The meeting's start URL is never returned by anything here.
//
// IN_PROGRESS normally comes from the meeting.started webhook. When a learner's card or
// signature request finds a SCHEDULED session with a meeting inside its start window
// (`k_start_window` before the start until `k_status_grace` after the scheduled end) and the
// Zoom API credentials are set, Zoom is asked (`check_meeting_status`: cached, bounded in
// time); if it says "started" the session moves to IN_PROGRESS (audited, actual_start left
// for the webhook) and the learner may join.

#include "core/access.hpp"
#include "core/config.hpp"
#include "core/db.hpp"
#include "core/model.hpp"
#include "core/services/directory.hpp"
#include "core/signature.hpp"
#include "core/util/expected.hpp"
#include "core/util/time.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zc::services {

/// How long before its start time an instructor may start a session.
inline constexpr std::chrono::minutes k_start_window{15};

/// How long after a session ended (or its scheduled end, if later) its instructor may start it again.
inline constexpr std::chrono::minutes k_restart_grace{60};

/// The person an access-link token names, as the API sees them.
struct Viewer {
  User user;
  access::LinkClaims claims;
  std::string lang = "en"; ///< the token's language, "en" when it has none
};

/// The JSON for GET /api/me: {id, name, email, role, lang, session_id?}.
nlohmann::json to_json(const Viewer& v);

/// Verifies access-link `token` with `link_secret` at `now` and loads its person. Errors:
/// config when `link_secret` is empty (names ZOOMCTL_LINK_SECRET); auth (answer 401) when
/// the token is missing, malformed, forged or expired or its person no longer exists.
Expected<Viewer> authenticate(db::Database& db, std::string_view link_secret, std::string_view token, Seconds now);

/// A session as the pages show it: never a start or join URL.
struct SessionCard {
  std::int64_t id = 0;
  std::string topic;
  std::int64_t cohort_id = 0;
  std::string cohort;
  std::int64_t instructor_id = 0;
  std::string instructor_name;
  std::string start_time; ///< ISO 8601 UTC
  int duration = 0;       ///< minutes
  SessionStatus status = SessionStatus::scheduled;
  std::optional<std::int64_t> meeting_number;
  std::optional<Seconds> actual_end; ///< when its meeting last ended, as the webhooks said
  bool is_instructor = false;        ///< the viewer is the session's instructor
  bool is_member = false;            ///< the viewer is in the session's cohort
  bool can_start = false; ///< instructor, meeting exists, now >= start - 15 min, and SCHEDULED, IN_PROGRESS or
                          ///< COMPLETED less than `k_restart_grace` ago
  bool can_join = false;  ///< cohort member, IN_PROGRESS, meeting exists
};

/// The JSON of `c` for the pages (meeting_number as a string; `my_role` instructor|learner).
nlohmann::json to_json(const SessionCard& c);

/// The viewer's sessions ordered by start: those they teach and those of their cohorts. Cards
/// that qualify are confirmed with Zoom under `cfg`'s credentials (see the top of this file).
std::vector<SessionCard> my_sessions(db::Database& db, const config::Config& cfg, const Viewer& viewer, Seconds now);

/// The JSON for GET /api/me/sessions: {now, user, sessions[]}.
nlohmann::json my_sessions_json(const Viewer& viewer, const std::vector<SessionCard>& sessions, Seconds now);

/// Session `session_id` for `viewer`: not_found when there is none, auth (answer 403)
/// when the viewer neither teaches it nor belongs to its cohort. Confirmed with Zoom like `my_sessions`.
Expected<SessionCard> session_for(db::Database& db, const config::Config& cfg, const Viewer& viewer,
                                  std::int64_t session_id, Seconds now);

/// Succeeds when `viewer` is the instructor of session `session_id` (not_found / auth otherwise):
/// the check behind the attendance routes for access-link tokens.
Expected<void> check_instructor_of(db::Database& db, const Viewer& viewer, std::int64_t session_id);

/// One problem with a signature request, as Zoom's auth-endpoint sample reports it.
struct FieldError {
  std::string property;
  std::string reason;
};

/// What POST /api/signature asks for.
struct SignatureRequest {
  std::optional<std::string> meeting_number; ///< normalised digits
  std::optional<std::int64_t> session_id;
  signature::SdkRole role = signature::SdkRole::participant;
  std::chrono::seconds ttl = signature::k_default_ttl; ///< `expirationSeconds`
};

/// A parsed request, or every problem with it.
struct ParsedSignatureRequest {
  SignatureRequest request;
  std::vector<FieldError> errors;
};

/// Parses the JSON body {meetingNumber | sessionId, role, expirationSeconds?}; numbers may
/// come as strings (coerced as Zoom's sample does).
ParsedSignatureRequest parse_signature_request(const nlohmann::json& body);

/// {"errors":[{property, reason}]} for `errors`.
nlohmann::json to_json(const std::vector<FieldError>& errors);

/// What a page needs to join: the signature and the SDK's join parameters.
struct JoinGrant {
  signature::SdkSignature signature;
  std::string sdk_key;
  std::int64_t session_id = 0;
  std::string user_name;
  std::string user_email;
  std::string customer_key;       ///< our user id, decimal: attendance matches on it
  std::string password;           ///< the meeting password when known, else empty
  std::optional<std::string> zak; ///< the host's ZAK, role 1 only
};

/// The JSON answer of POST /api/signature (never a start URL).
nlohmann::json to_json(const JoinGrant& g);

/// Grants `viewer` a signature for `request` at `now` under the rules above (a learner's request
/// for a SCHEDULED session is confirmed with Zoom like `my_sessions`). Errors:
/// config (SDK credentials unset), invalid_input (meeting number and session disagree),
/// not_found (no such session or meeting), auth (answer 403: not allowed that role),
/// conflict (cancelled, completed, not started yet, too early to start, no Zoom meeting,
/// instructor without a Zoom user), zoom (fetching the ZAK failed).
Expected<JoinGrant> grant_signature(db::Database& db, const config::Config& cfg, const Viewer& viewer,
                                    const SignatureRequest& request, Seconds now);

/// A signature for an operator (`zoomctl signature`): no person, no session check.
Expected<signature::SdkSignature> operator_signature(const config::Config& cfg, std::string_view meeting_number,
                                                     signature::SdkRole role, std::chrono::seconds ttl, Seconds now);

/// What `zoomctl link` asks for.
struct LinkRequest {
  std::string user; ///< email or user id
  std::optional<std::int64_t> session_id;
  std::optional<access::Page> page; ///< default: join with a session, else home
  std::chrono::seconds ttl = access::k_default_ttl;
  std::optional<std::string> lang;
};

/// A signed page link for one person.
struct AccessLink {
  std::string url;
  std::string path;
  User user;
  std::optional<std::int64_t> session_id;
  Seconds expires_at;
};

/// The JSON of `l` for `zoomctl link --json`: {url, path, user{id,email,name,role}, session_id, expires_at}.
nlohmann::json to_json(const AccessLink& l);

/// Makes a link for `request` with `cfg`'s ZOOMCTL_LINK_SECRET and ZOOMCTL_PUBLIC_URL at `now`.
/// Refuses (invalid_input) a bad ttl, language or page, (not_found) an unknown person or
/// session, (conflict) a session the person neither teaches nor belongs to.
Expected<AccessLink> make_link(db::Database& db, const config::Config& cfg, const LinkRequest& request, Seconds now);

/// What revoking a person's links did.
struct Revocation {
  User user;
  std::int64_t generation = 0; ///< the new link generation: links made before carry a lower one
};

/// Revokes every access link made for `user` (email or id) until now, in one write transaction
/// with an audit entry by `actor`; links made afterwards work. (not_found) an unknown person.
Expected<Revocation> revoke_links(db::Database& db, std::string_view user, std::string_view actor);

} // namespace zc::services
