// The attendance API (US-017, US-018), for the platform's back end (and later the
// session's instructor, see daemon/auth.hpp):
//   GET  /api/sessions/{id}/attendance            the report as JSON
//   GET  /api/sessions/{id}/attendance.csv[?bom=1] the report as RFC 4180 CSV
//   POST /api/sessions/{id}/attendance/{user_id}  override {present, reason}

#include "daemon/app.hpp"
#include "daemon/auth.hpp"

#include "core/services/attendance_service.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

namespace zc::daemon {

namespace {

// A positive decimal id from a path segment.
std::optional<std::int64_t> parse_id(const std::string& s)
{
  std::int64_t v = 0;
  const auto* e = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), e, v);
  if (s.empty() || ec != std::errc{} || p != e || v <= 0) {
    return std::nullopt;
  }
  return v;
}

// The session id of the route, after the caller is authorised; answers and returns nothing otherwise.
std::optional<std::pair<std::int64_t, Principal>> session_and_principal(const App& app, const httplib::Request& req,
                                                                        httplib::Response& res)
{
  const auto id = parse_id(req.matches[1].str());
  auto who = authorize_session(app, req, res, id.value_or(0));
  if (!who) {
    return std::nullopt;
  }
  if (!id) {
    send_error(res, 400, fmt::format("session id must be a positive integer, not '{}'", req.matches[1].str()));
    return std::nullopt;
  }
  return std::make_pair(*id, std::move(*who));
}

} // namespace

void add_attendance_routes(httplib::Server& server, App& app)
{
  server.Get(R"(/api/sessions/([^/]+)/attendance)", [&app](const httplib::Request& req, httplib::Response& res) {
    const auto ctx = session_and_principal(app, req, res);
    if (!ctx) {
      return;
    }
    const auto r = attendance_service::report(app.db(), ctx->first, app.cfg().attendance_threshold);
    if (!r) {
      send_error(res, r.error());
      return;
    }
    send_json(res, 200, attendance_service::to_json(*r));
  });

  server.Get(R"(/api/sessions/([^/]+)/attendance\.csv)", [&app](const httplib::Request& req, httplib::Response& res) {
    const auto ctx = session_and_principal(app, req, res);
    if (!ctx) {
      return;
    }
    const auto bom_param = req.get_param_value("bom");
    if (!bom_param.empty() && bom_param != "0" && bom_param != "1") {
      send_error(res, 400, "bom must be 0 or 1");
      return;
    }
    const auto r = attendance_service::report(app.db(), ctx->first, app.cfg().attendance_threshold);
    if (!r) {
      send_error(res, r.error());
      return;
    }
    const auto bom = bom_param == "1" ? attendance_service::Bom::yes : attendance_service::Bom::no;
    res.status = 200;
    res.set_header("Content-Disposition",
                   fmt::format("attachment; filename=\"session-{}-attendance.csv\"", ctx->first));
    res.set_content(attendance_service::export_csv(*r, bom), "text/csv; charset=utf-8");
  });

  server.Post(
      R"(/api/sessions/([^/]+)/attendance/([^/]+))", [&app](const httplib::Request& req, httplib::Response& res) {
        const auto ctx = session_and_principal(app, req, res);
        if (!ctx) {
          return;
        }
        const auto user_id = parse_id(req.matches[2].str());
        if (!user_id) {
          send_error(res, 400, fmt::format("user_id must be a positive integer, not '{}'", req.matches[2].str()));
          return;
        }
        const auto body = json_body(req, res);
        if (!body) {
          return;
        }
        const auto present = body->find("present");
        if (present == body->end() || !present->is_boolean()) {
          send_error(res, 400, "present must be true or false");
          return;
        }
        const auto reason = body->find("reason");
        if (reason == body->end() || !reason->is_string()) {
          send_error(res, 400, "reason must be a string saying why attendance is changed");
          return;
        }
        const auto presence =
            present->get<bool>() ? attendance_service::Presence::present : attendance_service::Presence::absent;
        const auto r = attendance_service::override_attendance(app.db(), ctx->first, std::to_string(*user_id), presence,
                                                               reason->get<std::string>(), ctx->second.actor,
                                                               app.cfg().attendance_threshold);
        if (!r) {
          send_error(res, r.error());
          return;
        }
        send_json(res, 200,
                  {{"override_id", r->override_id},
                   {"session_id", r->session_id},
                   {"user_id", r->user_id},
                   {"before_present", r->before_present},
                   {"present", r->present},
                   {"actor", ctx->second.actor},
                   {"at", r->at}});
      });
}

} // namespace zc::daemon
