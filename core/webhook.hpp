#pragma once
// Zoom webhooks without a database: signature and timestamp verification,
// the endpoint.url_validation (CRC) answer, event parsing that tolerates every
// payload variant Zoom has been seen to send, and the dedupe key that folds
// retries and duplicate deliveries into one stored event.

#include "core/util/expected.hpp"
#include "core/util/time.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zc::webhook {

/// Header of the signature, `v0=<hex>`.
inline constexpr std::string_view k_signature_header = "x-zm-signature";
/// Header of the request timestamp, epoch seconds.
inline constexpr std::string_view k_timestamp_header = "x-zm-request-timestamp";
/// Default largest body accepted (Zoom's events are a few KiB).
inline constexpr std::size_t k_default_max_body = 256U * 1024U;
/// Default tolerance between the request timestamp and now, in both directions.
inline constexpr std::chrono::seconds k_default_tolerance{300};

/// Request headers with case-insensitive lookup; build it from whatever the HTTP layer has.
class Headers
{
public:
  Headers() = default;
  /// Headers from `{name, value}` pairs.
  Headers(std::initializer_list<std::pair<std::string, std::string>> pairs);

  /// Headers from any range of name/value pairs (e.g. `httplib::Request::headers`, a `std::map`).
  template <typename Range> static Headers from(const Range& range)
  {
    Headers h;
    for (const auto& [name, value] : range) {
      h.add(std::string(name), std::string(value));
    }
    return h;
  }

  /// Adds a header `name: value` (a repeated name keeps the first value for `get`).
  void add(std::string name, std::string value);
  /// The value of header `name` compared case-insensitively, if present.
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;

private:
  std::vector<std::pair<std::string, std::string>> m_items;
};

/// Why a delivery was rejected; `none` when it was accepted.
enum class Rejection {
  none,
  body_too_large,      ///< the body exceeds the configured limit (HTTP 413)
  missing_signature,   ///< no `x-zm-signature` header (HTTP 401)
  missing_timestamp,   ///< no `x-zm-request-timestamp` header (HTTP 401)
  malformed_timestamp, ///< the timestamp is not an integer number of seconds (HTTP 401)
  bad_signature,       ///< the signature does not match the secret and body (HTTP 401)
  malformed_json,      ///< the body is not a JSON object (HTTP 400)
  missing_event,       ///< the JSON has no string `event` field (HTTP 400)
};

/// The snake_case name of `r` ("bad_signature", ...), for logs and JSON answers.
std::string_view to_string(Rejection r);

/// The HTTP status an endpoint answers for `r` (200 for `none`).
int http_status(Rejection r);

/// What `verify` needs: the secret, the window and the body limit.
struct VerifyOptions {
  std::string secret;                                   ///< ZOOM_WEBHOOK_SECRET_TOKEN
  std::chrono::seconds tolerance = k_default_tolerance; ///< |now - timestamp| beyond which `outside_window` is set
  std::size_t max_body = k_default_max_body;            ///< largest body accepted, in bytes
  std::optional<Seconds> now;                           ///< the current time; `zc::now()` when empty
};

/// The outcome of `verify`: either a rejection with a reason and a message, or the parsed body.
struct Verification {
  Rejection rejection = Rejection::none;
  std::string message;         ///< why it was rejected, safe to log and to send back (no secrets)
  nlohmann::json body;         ///< the parsed body when accepted
  std::string event;           ///< the `event` field when accepted
  std::int64_t skew = 0;       ///< |now - x-zm-request-timestamp| in seconds, when the signature matched
  bool outside_window = false; ///< `skew` exceeds the tolerance: accepted all the same (see `verify`)

  /// True when the delivery is authentic and well formed.
  [[nodiscard]] bool ok() const { return rejection == Rejection::none; }
};

/// The expected `x-zm-signature` for `raw_body` sent at `timestamp` under `secret`:
/// "v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + raw_body)).
std::string signature(std::string_view secret, std::string_view timestamp, std::string_view raw_body);

/// Checks a delivery in this order: body size, headers present, timestamp
/// syntax, signature (constant time, over the raw bytes), JSON object, `event`
/// field. A correctly signed delivery whose timestamp lies outside the window
/// is accepted with `outside_window` set, not rejected: Zoom does not document
/// the window or whether its retries (+5, +20, +60 min) are signed afresh, and
/// it never retries a 4xx, so a rejection would lose the event for good, as
/// would a server clock that drifted. A replayed delivery is a duplicate that
/// the dedupe key folds, so accepting it changes nothing.
Verification verify(std::string_view raw_body, const Headers& headers, const VerifyOptions& options);

/// The answer to `endpoint.url_validation`:
/// {"plainToken": `plain_token`, "encryptedToken": hex(HMAC-SHA256(`secret`, `plain_token`))}.
nlohmann::json url_validation_response(std::string_view secret, std::string_view plain_token);

/// The kinds of event zoomctl acts on.
enum class EventType { meeting_started, meeting_ended, participant_joined, participant_left, url_validation, other };

/// The `EventType` of Zoom's event name `name`.
EventType event_type(std::string_view name);

/// A participant as a participant_joined/left event describes them. Empty strings mean "not sent".
struct Participant {
  std::string participant_key;  ///< `participant_uuid` when sent, else the per-join `user_id`
  std::string participant_uuid; ///< missing in 2019-era payloads
  std::string user_id;          ///< Zoom's per-join numeric id (changes on rejoin)
  std::string zoom_user_id;     ///< `id`, else `participant_user_id`: the Zoom account id when signed in
  std::string name;             ///< `user_name`
  std::string email;            ///< may be empty, missing or masked
  std::string customer_key;     ///< the Meeting SDK `customerKey` (our user id when we set it)
  std::string registrant_id;    ///< null, "" and missing all read as empty
  std::string leave_reason;
  std::optional<Seconds> join_time;  ///< participant_joined's `join_time`
  std::optional<Seconds> leave_time; ///< participant_left's `leave_time`
};

/// One parsed event. Meeting times come from the payload, never from the delivery time.
struct Event {
  EventType type = EventType::other;
  std::string name;                           ///< the `event` field as sent
  std::int64_t event_ts = 0;                  ///< `event_ts`, epoch milliseconds (0 when absent)
  std::string meeting_id;                     ///< `object.id` as decimal text (Zoom sends a string or a number)
  std::optional<std::int64_t> meeting_number; ///< `object.id` when it is a number
  std::string meeting_uuid;                   ///< `object.uuid`
  std::optional<Seconds> start_time;          ///< `object.start_time`
  std::optional<Seconds> end_time;            ///< `object.end_time` (meeting.ended)
  std::optional<Participant> participant;     ///< participant events only
  std::string plain_token;                    ///< endpoint.url_validation only
  std::string dedupe_key;                     ///< see `dedupe_key`
};

/// Parses a verified `body` (its raw bytes in `raw_body`, used for the dedupe
/// key of events zoomctl does not act on). Fails with `invalid_input` naming
/// the field when a known event lacks what applying it needs.
Expected<Event> parse_event(const nlohmann::json& body, std::string_view raw_body);

/// A stable key for `event`: SHA-256 over (event name, meeting uuid/id,
/// participant identity, join/leave time or start/end time), so retries and
/// duplicates with a different x-zm-request-id or event_ts fold into one; for
/// other events SHA-256 of `raw_body`.
std::string dedupe_key(const Event& event, std::string_view raw_body);

} // namespace zc::webhook
