#pragma once
// Attendance use cases (US-017, US-018): the per-session report, its CSV
// export, manual overrides with an audit trail, and reconciliation with Zoom's
// past-participants report. Reports read the session in a constant number of
// queries and compute in memory (core/attendance).
//
// Wiring:
//   zoomctl attendance report SESSION [--json] -> report(db, id, cfg.attendance_threshold) + to_json
//   zoomctl attendance export SESSION [-o F]   -> export_csv(report(...), Bom::yes or no)
//   zoomctl attendance override SESSION EMAIL --present|--absent --reason T
//                                              -> override_attendance(db, id, "EMAIL", Presence::present, T, actor)
//   zoomctl attendance reconcile SESSION       -> reconcile(db, id, <participants array from
//                                                 GET /past_meetings/{uuid}/participants>, actor)
//   GET  /api/sessions/{id}/attendance[.csv]   -> report + to_json / export_csv
//   POST /api/sessions/{id}/attendance/{uid}   -> override_attendance(db, id, "<uid>", ...)

#include "core/attendance.hpp"
#include "core/db.hpp"
#include "core/util/expected.hpp"
#include "core/util/time.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zc::zoom {
class ZoomClient;
} // namespace zc::zoom

namespace zc::attendance_service {

/// The runs of session `session_id`'s meeting (one per Zoom meeting instance) in time order,
/// as the meeting.started and meeting.ended webhooks recorded them.
std::vector<attendance::Run> meeting_runs(db::Database& db, std::int64_t session_id);

/// Our user for a Zoom participant: `customer_key` (our user id in decimal)
/// first, then `email` (case-insensitive), then `zoom_user_id` against
/// users.zoom_user_id; nothing for a guest. Empty arguments are skipped.
std::optional<std::int64_t> match_user(db::Database& db, std::string_view customer_key, std::string_view email,
                                       std::string_view zoom_user_id);

/// How a person in a report relates to the session.
enum class PersonKind {
  learner,    ///< enrolled in the session's cohort (listed even when they never joined)
  instructor, ///< the session's instructor
  guest,      ///< anyone else: an unmatched participant or a user not in the cohort
};

/// "learner", "instructor" or "guest".
std::string_view to_string(PersonKind k);

/// The latest manual override of one learner's attendance.
struct OverrideInfo {
  bool present = false;
  std::string reason;
  std::string actor;
  std::string at; ///< ISO 8601 UTC
};

/// One line of the report.
struct PersonAttendance {
  std::optional<std::int64_t> user_id; ///< empty for an unmatched guest
  std::string email;                   ///< ours for a matched user, else what Zoom sent (may be empty)
  std::string name;                    ///< ours for a matched user, else Zoom's display name
  PersonKind kind = PersonKind::guest;
  std::optional<Seconds> first_join;
  std::optional<Seconds> last_leave; ///< empty while still in a running meeting, or when they never joined
  std::int64_t duration_seconds = 0; ///< union of their intervals inside the meeting
  double percent = 0.0;              ///< of meeting time
  int cycles = 0;                    ///< join/leave rows seen for them (devices and rejoins)
  bool computed_present = false;     ///< percent >= threshold
  std::optional<OverrideInfo> override_info;
  bool present = false; ///< the override when there is one, else `computed_present`
};

/// The attendance of one session.
struct Report {
  std::int64_t session_id = 0;
  std::string topic;
  std::string status;
  std::optional<Seconds> meeting_start; ///< actual start (scheduled start when Zoom never said)
  std::optional<Seconds> meeting_end;   ///< actual end, or the "as of" time of a running meeting
  bool meeting_ended = false;
  std::int64_t meeting_seconds = 0; ///< from start to end, less `gaps`
  /// When the meeting was not running between its start and end: a class ended and started
  /// again (each Zoom meeting instance is a run; see meeting_runs).
  std::vector<std::pair<Seconds, Seconds>> gaps;
  int threshold = attendance::k_default_threshold;
  std::int64_t enrolled = 0;            ///< learners in the cohort
  std::int64_t present = 0;             ///< enrolled learners whose final `present` is true
  std::int64_t guests = 0;              ///< people listed who are not enrolled (instructor included)
  double attendance_percent = 0.0;      ///< `present` / `enrolled` * 100
  std::vector<PersonAttendance> people; ///< learners (by name), then the instructor, then guests
};

/// The report of session `session_id` at `threshold` percent (0..100); a
/// meeting that has not ended is measured until `as_of` (default now).
Expected<Report> report(db::Database& db, std::int64_t session_id, int threshold = attendance::k_default_threshold,
                        std::optional<Seconds> as_of = std::nullopt);

/// The JSON form of `r` (times as ISO 8601 UTC or null).
nlohmann::json to_json(const Report& r);

/// Whether `export_csv` starts with a UTF-8 byte order mark (Excel needs it to read UTF-8).
enum class Bom { no, yes };

/// `r` as RFC 4180 CSV (CRLF, quoted where needed, UTF-8); cells that a
/// spreadsheet would run as a formula (= + - @ tab CR first) get a leading apostrophe.
std::string export_csv(const Report& r, Bom bom = Bom::no);

/// The value an instructor sets.
enum class Presence { absent, present };

/// What `override_attendance` recorded.
struct OverrideResult {
  std::int64_t override_id = 0;
  std::int64_t session_id = 0;
  std::int64_t user_id = 0;
  bool before_present = false; ///< the final value before this override
  bool present = false;
  std::string at;
};

/// Marks learner `user` (our user id in decimal, or an email) `presence` in
/// session `session_id` for `reason`, by `actor`: appends to
/// attendance_overrides (history kept, latest wins) and writes audit_log
/// "attendance.override" with before/after JSON, in one transaction. Refuses an
/// unknown session or user, an empty reason or actor, and a user not in the
/// session's cohort. `threshold` is the percent the caller reports with (ZOOMCTL_ATTENDANCE_THRESHOLD),
/// so that the audited "before" is what that report showed.
Expected<OverrideResult> override_attendance(db::Database& db, std::int64_t session_id, std::string_view user,
                                             Presence presence, std::string_view reason, std::string_view actor,
                                             int threshold = attendance::k_default_threshold);

/// How far apart a join in Zoom's participants report and the webhook's join may be and still be
/// the same visit, when the report corrects a leave the webhooks never brought.
inline constexpr std::chrono::seconds k_report_join_tolerance{60};

/// What `reconcile` did.
struct ReconcileResult {
  int inserted = 0;         ///< intervals webhooks had missed, now stored with source 'report'
  int shortened = 0;        ///< joins whose leave webhooks never brought, now ending at the report's leave
  int skipped_overlap = 0;  ///< intervals webhooks already brought (overlapping or equal)
  int skipped_existing = 0; ///< intervals an earlier reconcile already stored
};

/// Fills session `session_id` from Zoom's past-participants report
/// `participants` (a JSON array of {id, user_id, name, user_email, join_time,
/// leave_time, duration, customer_key?}, or an object with such a
/// "participants" array): where webhooks have this person's join (within
/// `k_report_join_tolerance`) but never brought its leave, so that it was left
/// open or closed at the end of its run, the report's earlier leave replaces
/// that guess; an interval overlapping or equal to one this person already has
/// from webhooks is skipped; the rest are stored with source 'report'. One
/// transaction with an audit_log entry by `actor`. Malformed input is refused
/// as a whole, naming the element and field.
Expected<ReconcileResult> reconcile(db::Database& db, std::int64_t session_id, const nlohmann::json& participants,
                                    std::string_view actor = "zoomctl");

/// Pulls Zoom's past-participants report of session `session_id` through
/// `client` (by the meeting uuid recorded for the session, else its meeting
/// id) and passes it to `reconcile`. Refuses a session without a Zoom meeting
/// (conflict); Zoom's 3001 for a meeting that has not ended comes back as a
/// conflict saying to wait for the end.
Expected<ReconcileResult> reconcile_from_zoom(db::Database& db, zoom::ZoomClient& client, std::int64_t session_id,
                                              std::string_view actor = "zoomctl");

} // namespace zc::attendance_service
