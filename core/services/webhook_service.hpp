#pragma once
// Zoom webhook deliveries into the database (US-012..US-016): verify, store the
// raw event once (retries and duplicates fold by dedupe key), apply it to
// sessions and session_attendance, and say what the HTTP layer should answer.
// Applying is idempotent and order-independent: the same set of events gives
// the same sessions and attendance rows whatever order and however often they
// arrive, so stored events can be replayed at any time.
//
// Rules: a session is found by zoom_meeting_id (else zoom_meeting_uuid); its
// status only moves forward (SCHEDULED -> IN_PROGRESS -> COMPLETED), the
// earliest start and the latest end win, and a CANCELLED session is left as it
// is (its participant events are still recorded). Attendance rows are keyed by
// participant_uuid, else Zoom's per-join user_id; a leave without its join is
// stored with join_time NULL until the join arrives; meeting.ended closes open
// rows at the end (leave_inferred = 1) and a real leave arriving later
// replaces that. Participants are matched to users by customer_key (our id in
// decimal), then email, then Zoom user id; the rest are guests (user_id NULL).
// One session is one meeting occurrence: a second start of the same meeting id
// after it ended is not split into another session.
//
// A connection is not shared between threads: the daemon opens one Database per
// worker thread; concurrent ingests serialise on the write lock (tested).
// With an empty `secret` every delivery is refused (401): check the
// configuration first and answer 503 when ZOOM_WEBHOOK_SECRET_TOKEN is missing.
//
// Wiring (daemon, POST /api/webhooks/zoom):
//
//   zc::webhook_service::IngestConfig cfg;
//   cfg.secret = config.webhook_secret;
//   auto r = zc::webhook_service::ingest(db, req.body, zc::webhook::Headers::from(req.headers), cfg);
//   res.status = r.http_status;
//   res.set_content(r.body.dump(), "application/json");
//
// CLI: `webhook list [--failed]` -> list_events(db, EventFilter::failed) + to_json;
// `webhook replay ID` -> replay(db, id); `webhook replay --failed` -> replay_failed(db).

#include "core/db.hpp"
#include "core/util/expected.hpp"
#include "core/webhook.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace zc::webhook_service {

/// Secret, timestamp tolerance, body limit and optional fixed "now" for `ingest`.
using IngestConfig = webhook::VerifyOptions;

/// What happened to one delivery.
enum class Outcome {
  applied,        ///< new event, applied and committed
  duplicate,      ///< same dedupe key as a stored event: deliveries counted, nothing applied again
  failed,         ///< stored, but applying it failed (e.g. no session for the meeting); replayable
  ignored,        ///< stored, an event type zoomctl does not act on
  url_validation, ///< endpoint.url_validation answered; nothing stored
  rejected,       ///< not verified or malformed; nothing stored
  error,          ///< the database failed; nothing stored, Zoom should retry
};

/// "applied", "duplicate", "failed", "ignored", "url_validation", "rejected" or "error".
std::string_view to_string(Outcome o);

/// The answer for the HTTP layer.
struct IngestResult {
  int http_status = 500; ///< 200 only after the commit; 401 bad signature; 400 malformed; 413; 500
  nlohmann::json body;   ///< the JSON body to send (the CRC answer for url_validation)
  Outcome outcome = Outcome::error;
  std::optional<std::int64_t> event_id;                    ///< webhook_events.id when stored
  webhook::Rejection rejection = webhook::Rejection::none; ///< why it was rejected, for `rejected`
  std::string event;           ///< the verified `event` name (empty when rejected), for metrics
  std::string message;         ///< one line for the request log (no secrets, no personal data)
  bool outside_window = false; ///< signed correctly but with a timestamp outside the window (accepted)
};

/// Verifies `raw_body` with `headers` under `config`, answers url_validation,
/// and otherwise stores the event in webhook_events and applies it if it is
/// new (or stored as failed before), all in one transaction.
IngestResult ingest(db::Database& db, std::string_view raw_body, const webhook::Headers& headers,
                    const IngestConfig& config);

/// One delivery for `ingest_batch`: its raw body and headers (not owned).
struct Delivery {
  std::string_view raw_body;
  const webhook::Headers* headers = nullptr;
};

/// `ingest` for several deliveries at once with one commit (one fsync) for all
/// of them (group commit); each event is stored and applied under its own
/// savepoint, so a database error on one does not undo the others. Results
/// are in the order of `deliveries` and, like `ingest`'s, final only once this returns.
std::vector<IngestResult> ingest_batch(db::Database& db, std::span<const Delivery> deliveries,
                                       const IngestConfig& config);

/// One stored event, as `list_events` and the replay functions report it.
struct EventRecord {
  std::int64_t id = 0;
  std::string dedupe_key;
  std::string event;
  std::int64_t event_ts = 0; ///< milliseconds
  std::string meeting_id;
  std::string received_at;
  std::int64_t deliveries = 0;
  std::string status; ///< pending, applied, failed or ignored
  std::string error;  ///< why it failed or was ignored (empty otherwise)
  std::string applied_at;
};

/// The JSON form of `r` (the body is not included).
nlohmann::json to_json(const EventRecord& r);

/// Which events `list_events` returns.
enum class EventFilter { all, failed };

/// Stored events, newest first, at most `limit` (0 = all).
Expected<std::vector<EventRecord>> list_events(db::Database& db, EventFilter filter = EventFilter::all, int limit = 0);

/// Applies the stored event `id` again in one transaction and records the new status; not_found for an unknown id.
Expected<EventRecord> replay(db::Database& db, std::int64_t id);

/// Replays every event whose status is failed, oldest first, each in its own transaction; returns their new state.
Expected<std::vector<EventRecord>> replay_failed(db::Database& db);

} // namespace zc::webhook_service
