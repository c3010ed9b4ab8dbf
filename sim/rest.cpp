// The Zoom side: /oauth/token and the /v2 REST routes zoomctl uses, with
// bearer-token checks, injected faults and Zoom's response headers.

#include "http_util.hpp"
#include "sim.hpp"

#include "core/crypto.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

namespace zs {
namespace {

// Standard base64 (with padding) via the base64url decoder.
bool base64_decode(std::string in, std::string& out)
{
  std::replace(in.begin(), in.end(), '+', '-');
  std::replace(in.begin(), in.end(), '/', '_');
  while (!in.empty() && in.back() == '=') {
    in.pop_back();
  }
  return zc::crypto::base64url_decode(in, out);
}

std::string rate_label(const std::string& method, const std::string& path)
{
  if (path.rfind("/v2/report/", 0) == 0) {
    return "Heavy";
  }
  bool meetings_create = (method == "POST" || method == "GET") && path.size() > 9 && path.ends_with("/meetings");
  if (meetings_create || (method == "GET" && path == "/v2/users") || path.rfind("/v2/past_meetings/", 0) == 0) {
    return "Medium";
  }
  return "Light";
}

int rate_limit_of(const std::string& label)
{
  return label == "Heavy" ? 10 : label == "Medium" ? 20 : 30;
}

// A uuid path parameter: httplib decoded it once; a double-encoded uuid needs a second pass.
std::string uuid_param(const std::string& captured)
{
  return captured.find('%') != std::string::npos ? url_decode(captured) : captured;
}

httplib::Server::HandlerResponse pre_route(Sim& sim, const httplib::Request& req, httplib::Response& res)
{
  RequestContext& ctx = request_context();
  ctx = RequestContext{};
  ctx.started = std::chrono::steady_clock::now();
  if (req.path.rfind("/v2/", 0) != 0) {
    return httplib::Server::HandlerResponse::Unhandled;
  }
  ctx.rate_label = rate_label(req.method, req.path);
  int used = sim.state.touch_rate_window(ctx.rate_label);
  int limit = rate_limit_of(ctx.rate_label);
  res.set_header("X-RateLimit-Category", ctx.rate_label);
  res.set_header("X-RateLimit-Type", "QPS");
  res.set_header("X-RateLimit-Limit", std::to_string(limit));

  std::string auth = req.get_header_value("Authorization");
  std::string token;
  if (auth.size() > 7 && (auth.rfind("Bearer ", 0) == 0 || auth.rfind("bearer ", 0) == 0)) {
    token = auth.substr(7);
  }
  TokenCheck check = token.empty() ? TokenCheck::invalid : sim.state.check_token(token);
  if (check != TokenCheck::valid) {
    res.set_header("X-RateLimit-Remaining", std::to_string(std::max(0, limit - used - 1)));
    send(res,
         zoom_error(401, 124, check == TokenCheck::expired ? "Access token is expired." : "Invalid access token."));
    return httplib::Server::HandlerResponse::Handled;
  }

  if (used >= limit && sim.faults.enforce_qps()) {
    ctx.fault = "qps";
    sim.state.count_fault("qps");
    Reply r = sim.faults.reply_for(FaultDecision::Kind::too_many);
    r.headers = {{"X-RateLimit-Type", "QPS"}, {"X-RateLimit-Remaining", "0"}, {"Retry-After", "1"}};
    send(res, r);
    return httplib::Server::HandlerResponse::Handled;
  }

  FaultDecision d = sim.faults.decide();
  if (d.latency_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(d.latency_ms));
  }
  switch (d.kind) {
  case FaultDecision::Kind::none:
    res.set_header("X-RateLimit-Remaining", std::to_string(std::max(0, limit - used - 1)));
    return httplib::Server::HandlerResponse::Unhandled;
  case FaultDecision::Kind::drop_after:
    // The route runs (and changes state); the post-routing handler then drops the connection.
    ctx.fault = "drop_after";
    sim.state.count_fault("drop_after");
    res.set_header("X-RateLimit-Remaining", std::to_string(std::max(0, limit - used - 1)));
    return httplib::Server::HandlerResponse::Unhandled;
  case FaultDecision::Kind::drop:
    ctx.fault = "drop";
    sim.state.count_fault("drop");
    res.status = 599; // never sent: the post-routing handler logs the request, then drops the connection
    return httplib::Server::HandlerResponse::Handled;
  default: {
    Reply r = sim.faults.reply_for(d.kind);
    ctx.fault = std::to_string(r.status);
    sim.state.count_fault(ctx.fault);
    res.set_header("X-RateLimit-Remaining", r.status == 429 ? "0" : std::to_string(std::max(0, limit - used - 1)));
    send(res, r);
    return httplib::Server::HandlerResponse::Handled;
  }
  }
}

} // namespace

void install_zoom_routes(httplib::Server& server, Sim& sim)
{
  server.set_pre_routing_handler(
      [&sim](const httplib::Request& req, httplib::Response& res) { return pre_route(sim, req, res); });

  // --- OAuth (Server-to-Server: grant_type=account_credentials) -------------
  server.Post("/oauth/token", [&sim](const httplib::Request& req, httplib::Response& res) {
    std::string auth = req.get_header_value("Authorization");
    std::optional<BasicCredentials> basic;
    std::string decoded;
    if (auth.size() > 6 && (auth.rfind("Basic ", 0) == 0 || auth.rfind("basic ", 0) == 0) &&
        base64_decode(auth.substr(6), decoded)) {
      if (auto colon = decoded.find(':'); colon != std::string::npos) {
        basic = BasicCredentials{decoded.substr(0, colon), decoded.substr(colon + 1)};
      }
    }
    // httplib merges the query and a form-encoded body into req.params.
    send(res, sim.state.issue_token(basic, req.get_param_value("grant_type"), req.get_param_value("account_id")));
  });

  // --- Users --------------------------------------------------------------
  server.Post("/v2/users", [&sim](const httplib::Request& req, httplib::Response& res) {
    send(res, sim.state.create_user(parse_body(req)));
  });
  server.Get("/v2/users", [&sim](const httplib::Request& req, httplib::Response& res) {
    send(res, sim.state.list_users(req.get_param_value("status"), req.get_param_value("page_size"),
                                   req.get_param_value("next_page_token"), req.get_param_value("page_number")));
  });
  server.Get(R"(/v2/users/([^/]+))", [&sim](const httplib::Request& req, httplib::Response& res) {
    send(res, sim.state.get_user(req.matches[1]));
  });
  server.Patch(R"(/v2/users/([^/]+))", [&sim](const httplib::Request& req, httplib::Response& res) {
    send(res, sim.state.update_user(req.matches[1], parse_body(req)));
  });
  server.Delete(R"(/v2/users/([^/]+))", [&sim](const httplib::Request& req, httplib::Response& res) {
    send(res, sim.state.delete_user(req.matches[1]));
  });
  server.Get(R"(/v2/users/([^/]+)/token)", [&sim](const httplib::Request& req, httplib::Response& res) {
    send(res, sim.state.user_token(req.matches[1], req.get_param_value("type")));
  });

  // --- Meetings -------------------------------------------------------------
  server.Post(R"(/v2/users/([^/]+)/meetings)", [&sim](const httplib::Request& req, httplib::Response& res) {
    send(res, sim.state.create_meeting(req.matches[1], parse_body(req)));
  });
  server.Get(R"(/v2/users/([^/]+)/meetings)", [&sim](const httplib::Request& req, httplib::Response& res) {
    send(res, sim.state.list_meetings(req.matches[1], req.get_param_value("type"), req.get_param_value("page_size"),
                                      req.get_param_value("next_page_token")));
  });
  server.Get(R"(/v2/meetings/([^/]+))", [&sim](const httplib::Request& req, httplib::Response& res) {
    send(res, sim.state.get_meeting(req.matches[1]));
  });
  server.Patch(R"(/v2/meetings/([^/]+))", [&sim](const httplib::Request& req, httplib::Response& res) {
    send(res, sim.state.update_meeting(req.matches[1], parse_body(req)));
  });
  server.Delete(R"(/v2/meetings/([^/]+))", [&sim](const httplib::Request& req, httplib::Response& res) {
    send(res, sim.state.delete_meeting(req.matches[1]));
  });

  // --- Past participants (uuid may be double-encoded) ------------------------
  server.Get(R"(/v2/past_meetings/(.+)/participants)", [&sim](const httplib::Request& req, httplib::Response& res) {
    send(res, sim.state.participants(uuid_param(req.matches[1]), req.get_param_value("page_size"),
                                     req.get_param_value("next_page_token"), ParticipantsShape::past_meetings));
  });
  server.Get(R"(/v2/report/meetings/(.+)/participants)", [&sim](const httplib::Request& req, httplib::Response& res) {
    send(res, sim.state.participants(uuid_param(req.matches[1]), req.get_param_value("page_size"),
                                     req.get_param_value("next_page_token"), ParticipantsShape::report));
  });
}

} // namespace zs
