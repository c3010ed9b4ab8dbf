#pragma once
// Shared types of zoomsim: JSON aliases, the reply a handler produces, Zoom's
// error bodies, and small helpers for ids and times.

#include "core/util/time.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zs {

using Json = nlohmann::json;
/// JSON that keeps insertion order, so bodies look like Zoom's.
using OJson = nlohmann::ordered_json;
using zc::Seconds;

/// What a route answers: status, a JSON body (null means no body) and extra headers.
struct Reply {
  int status = 200;
  OJson body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// A REST error `{code, message}` with HTTP `status`.
Reply zoom_error(int status, long code, std::string message);

/// A validation error: HTTP 400, code 300 "Validation Failed." and `errors[]` of `{field, message}`.
Reply validation_error(const std::vector<std::pair<std::string, std::string>>& field_messages);

/// HTTP 400 code 300 "Request Body should be a valid JSON object."
Reply invalid_json_error();

/// HTTP 404 code 3001 "Meeting <id> is not found or has expired."
Reply meeting_not_found(std::string_view meeting_id);

/// A 200 reply carrying `body`.
Reply ok(OJson body, int status = 200);

/// A reply with no body (204 unless told otherwise).
Reply no_content(int status = 204);

/// Serialises `j` compactly, replacing invalid UTF-8 instead of throwing.
std::string dump_compact(const OJson& j);

/// `n` characters drawn from `alphabet` with `rng`.
std::string random_chars(std::mt19937_64& rng, std::size_t n, std::string_view alphabet);

/// Upper-case hex UUID `8-4-4-4-12` drawn from `rng`, like Zoom's `participant_uuid`.
std::string random_uuid_upper(std::mt19937_64& rng);

/// Current wall-clock time with milliseconds since the epoch.
std::int64_t now_ms();

/// `t` as `YYYY-MM-DDTHH:MM:SSZ`.
inline std::string iso(Seconds t)
{
  return zc::format_iso8601(t);
}

/// Decodes `%XX` escapes in `s` once (a `+` stays a `+`).
std::string url_decode(std::string_view s);

} // namespace zs
