// The /sim side: inspection (state, request log, deliveries), faults, token
// revocation, meeting life, webhook options and scenario replay; plus the
// handlers every route shares (request log, Zoom headers, error bodies).

#include "http_util.hpp"
#include "sim.hpp"

#include "core/crypto.hpp"

#include <fmt/format.h>

#include <iostream>
#include <limits>

namespace zs {
namespace {

Reply control_error(int status, const std::string& message)
{
  return zoom_error(status, status, message);
}

std::optional<Seconds> at_of(const Json& body, bool& bad)
{
  bad = false;
  if (!body.is_object() || !body.contains("at") || body["at"].is_null()) {
    return std::nullopt;
  }
  std::optional<Seconds> t;
  if (body["at"].is_string()) {
    t = zc::parse_iso8601(body["at"].get<std::string>());
  }
  bad = !t.has_value();
  return t;
}

// Reads the `since` and `limit` query parameters (keeping the defaults when absent);
// false when either is not a number.
bool since_and_limit(const httplib::Request& req, std::uint64_t& since, std::size_t& limit)
{
  try {
    if (req.has_param("since")) {
      since = std::stoull(req.get_param_value("since"));
    }
    if (req.has_param("limit")) {
      limit = std::stoull(req.get_param_value("limit"));
    }
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

// An optional JSON body: empty means {}.
Json optional_body(const httplib::Request& req)
{
  return req.body.empty() ? Json::object() : parse_body(req);
}

std::string now_iso_ms()
{
  std::int64_t ms = now_ms();
  std::string t = iso(Seconds{std::chrono::seconds(ms / 1000)});
  t.pop_back();
  return t + "." + std::to_string(1000 + ms % 1000).substr(1) + "Z";
}

// Query strings are logged without values of parameters that could carry secrets.
std::string redacted_query(const httplib::Params& params)
{
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) {
      out += "&";
    }
    bool secret = k.find("secret") != std::string::npos || k.find("token") != std::string::npos ||
                  k.find("password") != std::string::npos || k == "zak";
    out += k + "=" + (secret && k != "next_page_token" ? "[redacted]" : v);
  }
  return out;
}

} // namespace

void Sim::reset()
{
  scenario.stop();
  state.reset();
  sender.reset();
  sender.set_config(options.delivery, options.speed);
  sender.set_url(options.webhook_url);
  faults.set(options.faults);
}

void install_common_handlers(httplib::Server& server, Sim& sim)
{
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty() && res.status >= 400 && res.status != 599) {
      send(res, zoom_error(res.status, res.status, res.status == 404 ? "Not Found." : "Request failed."));
    }
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(std::move(ep));
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    send(res, zoom_error(500, 500, "zoomsim internal error: " + what));
  });
  // Runs before the answer is written, so the log order is the order clients saw.
  server.set_post_routing_handler([&sim](const httplib::Request& req, httplib::Response& res) {
    res.set_header("x-zm-trackingid", "v=2.0;clid=sim;rid=WEB_" + zc::crypto::to_hex(zc::crypto::random_bytes(16)));
    if (!res.has_header("Content-Type")) {
      res.set_header("Content-Type", k_json_type);
    }
    RequestContext& ctx = request_context();
    const bool drop = ctx.fault == "drop" || ctx.fault == "drop_after";
    RequestLogEntry e;
    e.time = now_iso_ms();
    e.method = req.method;
    e.path = req.path;
    e.query = redacted_query(req.params);
    if (req.path == "/oauth/token") {
      e.query.clear(); // form bodies land in params too; nothing of them is logged
    }
    e.status = drop ? 0 : res.status;
    e.fault = ctx.fault;
    e.ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - ctx.started).count();
    // Polling /sim (state, pending, status) would crowd the log out; actions stay in it.
    if (req.method != "GET" || req.path.rfind("/sim/", 0) != 0) {
      if (sim.options.verbose) {
        std::cerr << fmt::format("zoomsim: {} {} {} {}ms{}\n", e.method, e.path, e.status, e.ms,
                                 e.fault.empty() ? "" : " fault=" + e.fault);
      }
      sim.state.log_request(std::move(e));
    }
    // Dropped only once logged: a client that sees the connection close and then reads
    // /sim/requests finds the entry there.
    if (drop) {
      drop_connection(req, sim.options.port);
    }
  });
}

void install_control_routes(httplib::Server& server, Sim& sim)
{
  using Req = httplib::Request;
  using Res = httplib::Response;

  // --- Inspection -------------------------------------------------------------
  server.Get("/sim/state", [&sim](const Req&, Res& res) {
    OJson j = sim.state.dump();
    j["faults"] = sim.faults.to_json();
    OJson wh = sim.sender.config_json();
    wh["pending"] = sim.sender.pending();
    j["webhooks"] = std::move(wh);
    j["scenario"] = sim.scenario.status();
    send(res, ok(std::move(j)));
  });
  server.Get("/sim/requests", [&sim](const Req& req, Res& res) {
    std::uint64_t since = 0;
    std::size_t limit = 1000;
    if (!since_and_limit(req, since, limit)) {
      send(res, control_error(400, "since and limit must be numbers"));
      return;
    }
    send(res, ok(sim.state.requests(since, limit, req.get_param_value("prefix"))));
  });
  server.Post("/sim/reset", [&sim](const Req&, Res& res) {
    sim.reset();
    send(res, no_content());
  });

  // --- Faults and tokens ----------------------------------------------------
  server.Get("/sim/faults", [&sim](const Req&, Res& res) { send(res, ok(sim.faults.to_json())); });
  server.Post("/sim/faults", [&sim](const Req& req, Res& res) {
    Json body = parse_body(req);
    if (std::string err = sim.faults.apply(body); !err.empty()) {
      send(res, control_error(400, err));
      return;
    }
    send(res, ok(sim.faults.to_json()));
  });
  server.Post("/sim/tokens/revoke", [&sim](const Req&, Res& res) {
    sim.state.revoke_tokens();
    send(res, no_content());
  });
  server.Post(R"(/sim/users/([^/]+)/activate)",
              [&sim](const Req& req, Res& res) { send(res, sim.state.activate_user(req.matches[1])); });

  // --- Meeting life -----------------------------------------------------------
  server.Post(R"(/sim/meetings/(\d{1,19})/(start|end|join|leave))", [&sim](const Req& req, Res& res) {
    std::int64_t id = 0;
    try {
      id = std::stoll(req.matches[1]);
    } catch (const std::exception&) {
      send(res, meeting_not_found(req.matches[1].str()));
      return;
    }
    std::string action = req.matches[2];
    Json body = optional_body(req);
    if (body.is_discarded() || !body.is_object()) {
      send(res, invalid_json_error());
      return;
    }
    bool bad_at = false;
    auto at = at_of(body, bad_at);
    if (bad_at) {
      send(res, validation_error({{"at", "Invalid field."}}));
      return;
    }
    if (action == "start") {
      send(res, sim.state.start_meeting(id, at));
    } else if (action == "end") {
      // "leave_open": true ends the meeting without a participant_left for those still in it.
      const bool keep =
          body.contains("leave_open") && body["leave_open"].is_boolean() && body["leave_open"].get<bool>();
      send(res, sim.state.end_meeting(id, at, keep ? OpenParticipants::keep : OpenParticipants::close));
    } else if (action == "join") {
      send(res, sim.state.join(id, body));
    } else {
      std::string participant = body.contains("participant_uuid") && body["participant_uuid"].is_string()
                                    ? body["participant_uuid"].get<std::string>()
                                    : "";
      if (participant.empty()) {
        send(res, validation_error({{"participant_uuid", "Missing field."}}));
        return;
      }
      std::string reason =
          body.contains("reason") && body["reason"].is_string() ? body["reason"].get<std::string>() : "";
      send(res, sim.state.leave(id, participant, at, reason));
    }
  });

  // --- Webhooks -------------------------------------------------------------
  server.Get("/sim/webhook-url", [&sim](const Req&, Res& res) {
    OJson j = OJson::object();
    j["url"] = sim.sender.url();
    send(res, ok(std::move(j)));
  });
  server.Post("/sim/webhook-url", [&sim](const Req& req, Res& res) {
    Json body = parse_body(req);
    if (!body.is_object() || !body.contains("url") || !body["url"].is_string()) {
      send(res, control_error(400, "body must be {\"url\": \"http://...\"}"));
      return;
    }
    sim.sender.set_url(body["url"].get<std::string>());
    OJson j = OJson::object();
    j["url"] = sim.sender.url();
    send(res, ok(std::move(j)));
  });
  server.Get("/sim/webhooks/config", [&sim](const Req&, Res& res) { send(res, ok(sim.sender.config_json())); });
  server.Post("/sim/webhooks/config", [&sim](const Req& req, Res& res) {
    if (std::string err = sim.sender.apply_config(parse_body(req)); !err.empty()) {
      send(res, control_error(400, err));
      return;
    }
    send(res, ok(sim.sender.config_json()));
  });
  server.Get("/sim/webhooks", [&sim](const Req& req, Res& res) {
    std::uint64_t since = 0;
    std::size_t limit = std::numeric_limits<std::size_t>::max();
    if (!since_and_limit(req, since, limit)) {
      send(res, control_error(400, "since and limit must be numbers"));
      return;
    }
    send(res, ok(sim.sender.list(req.get_param_value("event"), since, limit)));
  });
  server.Get("/sim/webhooks/pending", [&sim](const Req&, Res& res) {
    OJson j = OJson::object();
    j["pending"] = sim.sender.pending();
    send(res, ok(std::move(j)));
  });
  server.Post("/sim/webhooks/validate", [&sim](const Req&, Res& res) { send(res, ok(sim.sender.validate())); });

  // --- Scenario replay ------------------------------------------------------
  server.Post("/sim/scenario", [&sim](const Req& req, Res& res) {
    Json body = parse_body(req);
    if (body.is_discarded() || !body.is_object()) {
      send(res, invalid_json_error());
      return;
    }
    if (req.has_param("meeting_id")) {
      body["meeting_id"] = req.get_param_value("meeting_id");
    }
    if (req.has_param("speed")) {
      try {
        body["speed"] = std::stod(req.get_param_value("speed"));
      } catch (const std::exception&) {
        send(res, control_error(400, "speed must be a number"));
        return;
      }
    }
    send(res, sim.scenario.start(body));
  });
  server.Get("/sim/scenario", [&sim](const Req&, Res& res) { send(res, ok(sim.scenario.status())); });
}

} // namespace zs
