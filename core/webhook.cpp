#include "core/webhook.hpp"

#include "core/crypto.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>

namespace zc::webhook {

namespace {

bool iequals(std::string_view a, std::string_view b)
{
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

// Parses a non-negative decimal integer that fits in int64; rejects signs, spaces and other characters.
std::optional<std::int64_t> parse_decimal(std::string_view s)
{
  if (s.empty() || s.size() > 18) {
    return std::nullopt;
  }
  std::int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  return v;
}

// A JSON member as text: strings as they are, integers in decimal, anything else (null, missing) empty.
std::string text(const nlohmann::json& obj, std::string_view key)
{
  if (!obj.is_object()) {
    return {};
  }
  const auto it = obj.find(key);
  if (it == obj.end()) {
    return {};
  }
  if (it->is_string()) {
    return it->get<std::string>();
  }
  if (it->is_number_unsigned()) {
    return std::to_string(it->get<std::uint64_t>());
  }
  if (it->is_number_integer()) {
    return std::to_string(it->get<std::int64_t>());
  }
  return {};
}

// An optional ISO 8601 member: nothing when missing or empty, an error naming `field` when unparsable.
Expected<std::optional<Seconds>> time_field(const nlohmann::json& obj, std::string_view key, std::string_view field)
{
  const std::string s = text(obj, key);
  if (s.empty()) {
    return std::optional<Seconds>{};
  }
  auto t = parse_iso8601(s, true);
  if (!t) {
    return make_error(ErrorKind::invalid_input, fmt::format("{} is not an ISO 8601 time: \"{}\"", field, s));
  }
  return std::optional<Seconds>{*t};
}

std::string join_parts(std::initializer_list<std::string_view> parts)
{
  std::string out = "zoomctl-dedupe-v1";
  for (const auto p : parts) {
    out.push_back('\x1f');
    out.append(p);
  }
  return out;
}

std::string time_text(const std::optional<Seconds>& t)
{
  return t ? format_iso8601(*t) : std::string();
}

} // namespace

Headers::Headers(std::initializer_list<std::pair<std::string, std::string>> pairs) : m_items(pairs) {}

void Headers::add(std::string name, std::string value)
{
  m_items.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Headers::get(std::string_view name) const
{
  for (const auto& [n, v] : m_items) {
    if (iequals(n, name)) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

std::string_view to_string(Rejection r)
{
  switch (r) {
  case Rejection::none:
    return "none";
  case Rejection::body_too_large:
    return "body_too_large";
  case Rejection::missing_signature:
    return "missing_signature";
  case Rejection::missing_timestamp:
    return "missing_timestamp";
  case Rejection::malformed_timestamp:
    return "malformed_timestamp";
  case Rejection::bad_signature:
    return "bad_signature";
  case Rejection::malformed_json:
    return "malformed_json";
  case Rejection::missing_event:
    return "missing_event";
  }
  return "unknown";
}

int http_status(Rejection r)
{
  switch (r) {
  case Rejection::none:
    return 200;
  case Rejection::body_too_large:
    return 413;
  case Rejection::missing_signature:
  case Rejection::missing_timestamp:
  case Rejection::malformed_timestamp:
  case Rejection::bad_signature:
    return 401;
  case Rejection::malformed_json:
  case Rejection::missing_event:
    return 400;
  }
  return 400;
}

std::string signature(std::string_view secret, std::string_view timestamp, std::string_view raw_body)
{
  std::string message;
  message.reserve(4 + timestamp.size() + raw_body.size());
  message.append("v0:").append(timestamp).append(":").append(raw_body);
  return "v0=" + crypto::hmac_sha256_hex(secret, message);
}

Verification verify(std::string_view raw_body, const Headers& headers, const VerifyOptions& options)
{
  Verification v;
  auto reject = [&v](Rejection r, std::string message) {
    v.rejection = r;
    v.message = std::move(message);
    return v;
  };
  if (raw_body.size() > options.max_body) {
    return reject(Rejection::body_too_large,
                  fmt::format("body of {} bytes exceeds the limit of {} bytes", raw_body.size(), options.max_body));
  }
  const auto sig = headers.get(k_signature_header);
  if (!sig || sig->empty()) {
    return reject(Rejection::missing_signature, "missing header x-zm-signature");
  }
  const auto ts = headers.get(k_timestamp_header);
  if (!ts || ts->empty()) {
    return reject(Rejection::missing_timestamp, "missing header x-zm-request-timestamp");
  }
  const auto ts_value = parse_decimal(*ts);
  if (!ts_value) {
    return reject(Rejection::malformed_timestamp, "header x-zm-request-timestamp is not a number of seconds");
  }
  // The secret is mixed in before comparing, and the comparison does not stop at the first difference.
  const std::string expected = signature(options.secret, *ts, raw_body);
  if (options.secret.empty() || !crypto::constant_time_equal(expected, *sig)) {
    return reject(Rejection::bad_signature, "x-zm-signature does not match the body and the webhook secret token");
  }
  const auto now = options.now.value_or(zc::now());
  const std::int64_t now_s = now.time_since_epoch().count();
  const std::int64_t skew = now_s > *ts_value ? now_s - *ts_value : *ts_value - now_s;
  v.skew = skew;
  v.outside_window = skew > options.tolerance.count();
  auto body = nlohmann::json::parse(raw_body.begin(), raw_body.end(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return reject(Rejection::malformed_json, "body is not a JSON object");
  }
  const auto it = body.find("event");
  if (it == body.end() || !it->is_string() || it->get<std::string>().empty()) {
    return reject(Rejection::missing_event, "body has no \"event\" field");
  }
  v.event = it->get<std::string>();
  v.body = std::move(body);
  return v;
}

nlohmann::json url_validation_response(std::string_view secret, std::string_view plain_token)
{
  return nlohmann::json{{"plainToken", std::string(plain_token)},
                        {"encryptedToken", crypto::hmac_sha256_hex(secret, plain_token)}};
}

EventType event_type(std::string_view name)
{
  if (name == "meeting.started") {
    return EventType::meeting_started;
  }
  if (name == "meeting.ended") {
    return EventType::meeting_ended;
  }
  if (name == "meeting.participant_joined") {
    return EventType::participant_joined;
  }
  if (name == "meeting.participant_left") {
    return EventType::participant_left;
  }
  if (name == "endpoint.url_validation") {
    return EventType::url_validation;
  }
  return EventType::other;
}

Expected<Event> parse_event(const nlohmann::json& body, std::string_view raw_body)
{
  if (!body.is_object()) {
    return make_error(ErrorKind::invalid_input, "body is not a JSON object");
  }
  Event e;
  e.name = text(body, "event");
  if (e.name.empty()) {
    return make_error(ErrorKind::invalid_input, "body has no \"event\" field");
  }
  e.type = event_type(e.name);
  if (const auto ts = body.find("event_ts"); ts != body.end() && ts->is_number_integer()) {
    e.event_ts = ts->get<std::int64_t>();
  }
  static const nlohmann::json k_empty = nlohmann::json::object();
  const auto payload_it = body.find("payload");
  const nlohmann::json& payload = payload_it != body.end() && payload_it->is_object() ? *payload_it : k_empty;

  if (e.type == EventType::url_validation) {
    e.plain_token = text(payload, "plainToken");
    if (e.plain_token.empty()) {
      return make_error(ErrorKind::invalid_input, "endpoint.url_validation has no payload.plainToken");
    }
    e.dedupe_key = dedupe_key(e, raw_body);
    return e;
  }
  if (e.type == EventType::other) {
    const auto obj = payload.find("object");
    if (obj != payload.end() && obj->is_object()) {
      e.meeting_id = text(*obj, "id");
      e.meeting_uuid = text(*obj, "uuid");
    }
    e.dedupe_key = dedupe_key(e, raw_body);
    return e;
  }

  const auto obj_it = payload.find("object");
  if (obj_it == payload.end() || !obj_it->is_object()) {
    return make_error(ErrorKind::invalid_input, fmt::format("{} has no payload.object", e.name));
  }
  const nlohmann::json& obj = *obj_it;
  e.meeting_id = text(obj, "id");
  e.meeting_number = parse_decimal(e.meeting_id);
  e.meeting_uuid = text(obj, "uuid");
  if (e.meeting_id.empty() && e.meeting_uuid.empty()) {
    return make_error(ErrorKind::invalid_input, fmt::format("{} has neither payload.object.id nor .uuid", e.name));
  }
  auto start = time_field(obj, "start_time", "payload.object.start_time");
  if (!start) {
    return start.error();
  }
  e.start_time = *start;
  auto end = time_field(obj, "end_time", "payload.object.end_time");
  if (!end) {
    return end.error();
  }
  e.end_time = *end;
  // The occurrence time should come from the payload; event_ts is only a fallback for a missing field.
  const std::optional<Seconds> event_time =
      e.event_ts > 0 ? std::optional<Seconds>(Seconds(std::chrono::seconds(e.event_ts / 1000))) : std::nullopt;
  if (e.type == EventType::meeting_started && !e.start_time) {
    e.start_time = event_time;
    if (!e.start_time) {
      return make_error(ErrorKind::invalid_input, "meeting.started has no payload.object.start_time");
    }
  }
  if (e.type == EventType::meeting_ended && !e.end_time) {
    e.end_time = event_time;
    if (!e.end_time) {
      return make_error(ErrorKind::invalid_input, "meeting.ended has no payload.object.end_time");
    }
  }

  if (e.type == EventType::participant_joined || e.type == EventType::participant_left) {
    const auto p_it = obj.find("participant");
    if (p_it == obj.end() || !p_it->is_object()) {
      return make_error(ErrorKind::invalid_input, fmt::format("{} has no payload.object.participant", e.name));
    }
    const nlohmann::json& pj = *p_it;
    Participant p;
    p.participant_uuid = text(pj, "participant_uuid");
    p.user_id = text(pj, "user_id");
    p.zoom_user_id = text(pj, "id");
    if (p.zoom_user_id.empty()) {
      p.zoom_user_id = text(pj, "participant_user_id");
    }
    p.name = text(pj, "user_name");
    p.email = text(pj, "email");
    p.customer_key = text(pj, "customer_key");
    p.registrant_id = text(pj, "registrant_id");
    p.leave_reason = text(pj, "leave_reason");
    if (!p.participant_uuid.empty()) {
      p.participant_key = p.participant_uuid;
    } else if (!p.user_id.empty()) {
      p.participant_key = p.user_id;
    } else if (!p.zoom_user_id.empty()) {
      p.participant_key = "id:" + p.zoom_user_id;
    } else if (!p.email.empty()) {
      p.participant_key = "email:" + p.email;
    } else if (!p.name.empty()) {
      p.participant_key = "name:" + p.name;
    } else {
      return make_error(
          ErrorKind::invalid_input,
          fmt::format("{} has no participant identity (participant_uuid, user_id, id, email, user_name)", e.name));
    }
    if (e.type == EventType::participant_joined) {
      auto jt = time_field(pj, "join_time", "payload.object.participant.join_time");
      if (!jt) {
        return jt.error();
      }
      if (!*jt) {
        return make_error(ErrorKind::invalid_input, "meeting.participant_joined has no participant.join_time");
      }
      p.join_time = *jt;
    } else {
      auto lt = time_field(pj, "leave_time", "payload.object.participant.leave_time");
      if (!lt) {
        return lt.error();
      }
      if (!*lt) {
        return make_error(ErrorKind::invalid_input, "meeting.participant_left has no participant.leave_time");
      }
      p.leave_time = *lt;
    }
    e.participant = std::move(p);
  }
  e.dedupe_key = dedupe_key(e, raw_body);
  return e;
}

std::string dedupe_key(const Event& e, std::string_view raw_body)
{
  switch (e.type) {
  case EventType::meeting_started:
    return crypto::sha256_hex(join_parts({e.name, e.meeting_uuid, e.meeting_id, time_text(e.start_time)}));
  case EventType::meeting_ended:
    return crypto::sha256_hex(join_parts({e.name, e.meeting_uuid, e.meeting_id, time_text(e.end_time)}));
  case EventType::participant_joined:
  case EventType::participant_left:
    if (e.participant) {
      const auto& p = *e.participant;
      const auto when = time_text(e.type == EventType::participant_joined ? p.join_time : p.leave_time);
      return crypto::sha256_hex(join_parts({e.name, e.meeting_uuid, e.meeting_id, p.participant_key, p.participant_uuid,
                                            p.user_id, p.zoom_user_id, when}));
    }
    break;
  case EventType::url_validation:
  case EventType::other:
    break;
  }
  return crypto::sha256_hex(raw_body);
}

} // namespace zc::webhook
