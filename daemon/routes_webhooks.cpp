// POST /api/webhooks/zoom: Zoom's signed deliveries. The raw body and headers go
// to webhook_service::ingest, which verifies, stores and applies the event in one
// transaction; the answer is exactly what it says (200 only after the commit).

#include "daemon/app.hpp"

#include "core/services/webhook_service.hpp"
#include "core/webhook.hpp"

#include <fmt/format.h>

namespace zc::daemon {

namespace {

constexpr std::size_t k_max_label = 64;

// A metrics label value: verified event names are Zoom's, but keep the series bounded anyway.
std::string label_value(const std::string& s, const char* fallback)
{
  std::string out;
  for (const char c : s) {
    if (out.size() >= k_max_label) {
      break;
    }
    const bool plain =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    out.push_back(plain ? c : '_');
  }
  return out.empty() ? std::string(fallback) : out;
}

} // namespace

void add_webhook_routes(httplib::Server& server, App& app)
{
  server.Post("/api/webhooks/zoom", [&app](const httplib::Request& req, httplib::Response& res) {
    if (feature_off(res, app.cfg().webhook_secret, "ZOOM_WEBHOOK_SECRET_TOKEN")) {
      app.counters.add("zoomctld_webhook_events_total", R"(event="unknown",outcome="switched_off")");
      return;
    }
    webhook_service::IngestConfig cfg;
    cfg.secret = app.cfg().webhook_secret;
    const auto r = webhook_service::ingest(app.db(), req.body, webhook::Headers::from(req.headers), cfg);
    const auto outcome = std::string(webhook_service::to_string(r.outcome));
    app.counters.add("zoomctld_webhook_events_total",
                     fmt::format(R"(event="{}",outcome="{}")", label_value(r.event, "unverified"), outcome));
    if (r.outcome == webhook_service::Outcome::rejected) {
      app.counters.add("zoomctld_webhook_rejections_total",
                       fmt::format(R"(reason="{}")", webhook::to_string(r.rejection)));
    }
    send_json(res, r.http_status, r.body);
  });
}

} // namespace zc::daemon
