#pragma once
// Scheduling (US-006, US-007): sessions are Zoom meetings. `schedule` validates
// everything before any Zoom call, reserves the session row under its request
// key (needs_repair = "create") before creating the meeting, then stores the
// meeting; a retry with the same key returns the session or finishes the repair,
// so one request never creates two meetings. When Zoom refuses, the reserved row
// is removed again; when the database write fails after Zoom created the meeting,
// the meeting is deleted again (or left for `repair`). Every change is audited
// without the start URL.
//
// Meeting settings (decided): scheduled meeting (type 2), waiting room on,
// host video on, participant video off (learners choose to turn it on; saves
// bandwidth and protects privacy), mute upon entry, no join before host,
// approval_type 2 (no registration).

#include "core/db.hpp"
#include "core/services/directory.hpp"
#include "core/util/expected.hpp"
#include "core/util/time.hpp"
#include "core/zoom/client.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zc::services {

/// A training session and its Zoom meeting.
struct Session {
  std::int64_t id = 0;
  std::int64_t cohort_id = 0;
  std::string cohort_name;
  std::int64_t instructor_id = 0;
  std::string instructor_email;
  std::string topic;
  std::optional<std::int64_t> zoom_meeting_id;
  std::string zoom_meeting_uuid;
  std::string join_url;
  std::string start_url;  ///< carries the host's token: only for the operator or the authenticated API caller
  std::string start_time; ///< UTC, ISO 8601
  int duration = 0;       ///< minutes
  std::string timezone;
  std::string status;
  std::optional<std::string> needs_repair;
  std::string created_at;
  std::string updated_at;
};

/// Whether the start URL goes into a JSON form.
enum class StartUrl { hide, show };

/// The JSON form of `s`; the start URL only with `StartUrl::show`.
nlohmann::json to_json(const Session& s, StartUrl start_url = StartUrl::hide);

/// How the front end names each input field, so errors name what the caller typed.
struct FieldNames {
  std::string cohort = "--cohort";
  std::string instructor = "--instructor";
  std::string start = "--start";
  std::string duration = "--duration";
  std::string topic = "--topic";
  std::string timezone = "--timezone";
};

/// A request to schedule one session, as text from the front end.
struct ScheduleRequest {
  std::string cohort;     ///< cohort id or name
  std::string instructor; ///< user id or email
  std::string start;      ///< ISO 8601 with Z or an offset (a bare local time only with timezone UTC)
  std::string duration;   ///< minutes, 1..1440
  std::optional<std::string> topic;
  std::optional<std::string> timezone;    ///< IANA name shown in Zoom, default "UTC"
  std::optional<std::string> request_key; ///< idempotency key; default: a hash of the normalised request
  FieldNames names;
};

/// A request that passed validation (no Zoom call made).
struct ValidRequest {
  Cohort cohort;
  User instructor;
  Seconds start{};
  int duration = 0;
  std::string topic;
  std::string timezone;
  std::string request_key;
  std::optional<Session> existing; ///< the session already created under this key
};

/// Checks `req` against the database without calling Zoom: cohort and instructor
/// exist, the instructor is an instructor, the start parses and is in the future,
/// the duration is 1..1440, the topic fits Zoom (1..200 characters), the time zone
/// is known. A request whose key already has a session passes with `existing` set.
Expected<ValidRequest> validate(db::Database& db, const ScheduleRequest& req);

/// The request key of a valid request: SHA-256 of its normalised fields.
std::string request_key_for(std::int64_t cohort_id, std::int64_t instructor_id, Seconds start, int duration,
                            std::string_view topic, std::string_view timezone);

/// What `schedule` did.
enum class ScheduleOutcome { created, exists, repaired };

/// "created", "exists", "repaired".
std::string_view to_string(ScheduleOutcome o);

/// The session and what happened.
struct ScheduleResult {
  Session session;
  ScheduleOutcome outcome = ScheduleOutcome::created;
};

/// Validates `req` and creates the session and its Zoom meeting (see the file comment);
/// the instructor is provisioned first when it has no Zoom user.
Expected<ScheduleResult> schedule(db::Database& db, zoom::ZoomClient& zoom, const ScheduleRequest& req,
                                  std::string_view actor);

/// `schedule` for an already validated request.
Expected<ScheduleResult> schedule_valid(db::Database& db, zoom::ZoomClient& zoom, const ValidRequest& v,
                                        std::string_view actor);

/// What `reschedule` changes; unset fields stay.
struct Reschedule {
  std::optional<std::string> start;
  std::optional<std::string> duration;
  std::optional<std::string> topic;
  std::optional<std::string> timezone;
};

/// Changes the meeting in Zoom (PATCH, counted against the host's daily quota), then
/// the session row. Only SCHEDULED sessions with a meeting can be changed.
Expected<Session> reschedule(db::Database& db, zoom::ZoomClient& zoom, std::int64_t id, const Reschedule& change,
                             std::string_view actor);

/// Deletes the Zoom meeting (already gone, 3001, is fine) and marks the session CANCELLED.
/// Cancelling a cancelled session changes nothing.
Expected<Session> cancel(db::Database& db, zoom::ZoomClient& zoom, std::int64_t id, std::string_view actor);

/// Finishes a half-done change of session `id` (needs_repair set): creates the missing
/// meeting or reads its uuid. A session that needs nothing is returned unchanged.
Expected<Session> repair(db::Database& db, zoom::ZoomClient& zoom, std::int64_t id, std::string_view actor);

/// The ids of the sessions that need repair, oldest first.
std::vector<std::int64_t> sessions_needing_repair(db::Database& db);

/// The session with id `id`.
Expected<Session> get_session(db::Database& db, std::int64_t id);

/// Parses a session id given as text (`field` names it in the error).
Expected<std::int64_t> parse_session_id(std::string_view text, std::string_view field = "ID");

/// Filters of `list_sessions`; empty means any.
struct SessionFilter {
  std::optional<std::string> status;     ///< SCHEDULED, IN_PROGRESS, COMPLETED, CANCELLED (any case)
  std::optional<std::string> from;       ///< ISO 8601: start at or after
  std::optional<std::string> to;         ///< ISO 8601: start before
  std::optional<std::string> instructor; ///< id or email
  std::optional<std::string> cohort;     ///< id or name
  int limit = 0;                         ///< 0 = all
};

/// Sessions matching `filter` ordered by start time (one indexed query).
Expected<std::vector<Session>> list_sessions(db::Database& db, const SessionFilter& filter);

/// The result of one imported row.
struct ImportRow {
  int line = 0;
  std::string outcome; ///< created, exists, repaired, failed, deferred
  std::string reason;  ///< why failed or deferred
  std::optional<Session> session;
};

/// The JSON form of `r` (no start URL).
nlohmann::json to_json(const ImportRow& r);

/// Schedules every row of the CSV `text` (header cohort,instructor,start,duration,topic).
/// The whole file is validated first; any malformed or invalid row refuses the file
/// (error naming each line) before any Zoom call. Rows that would exceed a host's
/// daily meeting quota are reported "deferred" with the time they can proceed and
/// are not attempted. `on_each` is called after each row.
Expected<std::vector<ImportRow>> import_csv(db::Database& db, zoom::ZoomClient& zoom, std::string_view text,
                                            std::string_view actor,
                                            const std::function<void(std::size_t total)>& on_each = {});

} // namespace zc::services
