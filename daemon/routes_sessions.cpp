// POST /api/sessions: the platform's back end schedules a session (Bearer
// ZOOMCTL_API_TOKEN). Same core service as `zoomctl session schedule`.
//
// Body {cohort_id, instructor_id, start_time, duration, topic?, timezone?}; ids may
// be numbers or strings (a cohort name, an instructor email). Optional header
// Idempotency-Key: a retry with the same key returns the same session (200) and
// never creates a second meeting. Answers: 201 created (with join_url and, for
// this authenticated caller only, start_url), 200 existing, 400 naming the field,
// 401, 404 unknown cohort/instructor, 409 not an instructor or key reused for other
// values, 502 Zoom refused (zoom_code), 429 a host's daily meeting quota is used up.

#include "daemon/app.hpp"

#include "core/crypto.hpp"
#include "core/services/scheduling.hpp"
#include "core/zoom/client.hpp"

#include <fmt/format.h>

namespace zc::daemon {

namespace {

constexpr const char* k_actor = "api";

// Reads `field` of `body` as text: a string, or an integer when `numbers` allows it.
std::optional<std::string> text_field(const nlohmann::json& body, const char* field, bool numbers, std::string& problem)
{
  const auto it = body.find(field);
  if (it == body.end() || it->is_null()) {
    return std::nullopt;
  }
  if (it->is_string()) {
    return it->get<std::string>();
  }
  if (numbers && it->is_number_integer()) {
    return std::to_string(it->get<std::int64_t>());
  }
  problem = fmt::format("{} must be {}", field, numbers ? "a number or a string" : "a string");
  return std::nullopt;
}

void send_failure(httplib::Response& res, const Error& err)
{
  nlohmann::json j = {{"error", err.message}};
  int status = http_status_for(err.kind);
  if (err.kind == ErrorKind::zoom || err.http_status != 0) { // Zoom's answer, whatever its kind
    status = 502;
    if (zoom::is_daily_limit(err)) {
      status = 429;
    }
    j["zoom_code"] = err.zoom_code;
    j["zoom_status"] = err.http_status;
  }
  send_json(res, status, j);
}

} // namespace

void add_session_routes(httplib::Server& server, App& app)
{
  server.Post("/api/sessions", [&app](const httplib::Request& req, httplib::Response& res) {
    if (feature_off(res, app.cfg().api_token, "ZOOMCTL_API_TOKEN")) {
      return;
    }
    const auto token = bearer_token(req);
    if (token.empty() || !crypto::constant_time_equal(token, app.cfg().api_token)) {
      res.set_header("WWW-Authenticate", "Bearer");
      send_error(res, 401, "missing or wrong bearer token (Authorization: Bearer ZOOMCTL_API_TOKEN)");
      return;
    }
    if (feature_off(res, app.cfg().client_secret, "ZOOM_CLIENT_SECRET")) {
      return;
    }
    const auto body = json_body(req, res);
    if (!body) {
      return;
    }
    services::ScheduleRequest sr;
    sr.names = services::FieldNames{"cohort_id", "instructor_id", "start_time", "duration", "topic", "timezone"};
    std::string problem;
    auto required = [&](const char* field, bool numbers, std::string& out) {
      if (!problem.empty()) {
        return;
      }
      auto v = text_field(*body, field, numbers, problem);
      if (problem.empty() && !v) {
        problem = fmt::format("{} is required", field);
      }
      if (v) {
        out = *v;
      }
    };
    required("cohort_id", true, sr.cohort);
    required("instructor_id", true, sr.instructor);
    required("start_time", false, sr.start);
    required("duration", true, sr.duration);
    if (problem.empty()) {
      sr.topic = text_field(*body, "topic", false, problem);
    }
    if (problem.empty()) {
      sr.timezone = text_field(*body, "timezone", false, problem);
    }
    if (!problem.empty()) {
      send_json(res, 400, {{"error", problem}});
      return;
    }
    if (req.has_header("Idempotency-Key")) {
      sr.request_key = req.get_header_value("Idempotency-Key");
    }
    try {
      auto& database = app.db();
      auto valid = services::validate(database, sr); // before any Zoom call
      if (!valid) {
        send_failure(res, valid.error());
        return;
      }
      zoom::ZoomClient client(app.cfg(), database);
      auto r = services::schedule_valid(database, client, *valid, k_actor);
      if (!r) {
        send_failure(res, r.error());
        return;
      }
      auto j = services::to_json(r->session, services::StartUrl::show);
      j["outcome"] = services::to_string(r->outcome);
      app.counters.add("zoomctld_sessions_scheduled_total",
                       fmt::format("outcome=\"{}\"", services::to_string(r->outcome)));
      send_json(res, r->outcome == services::ScheduleOutcome::created ? 201 : 200, j);
    } catch (const std::exception& e) {
      send_json(res, 500, {{"error", fmt::format("cannot schedule the session: {}", e.what())}});
    }
  });
}

} // namespace zc::daemon
