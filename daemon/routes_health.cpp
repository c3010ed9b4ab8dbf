// GET /healthz (the database answers and its schema is current) and GET /metrics.

#include "daemon/app.hpp"
#include "zoomctl_version.hpp"

#include "core/services/meeting_status.hpp"
#include "core/zoom/retry.hpp"

#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>

namespace zc::daemon {

void add_health_routes(httplib::Server& server, App& app)
{
  server.Get("/healthz", [&app](const httplib::Request&, httplib::Response& res) {
    nlohmann::json features = {{"zoom_api", !app.cfg().client_secret.empty()},
                               {"webhooks", !app.cfg().webhook_secret.empty()},
                               {"signatures", !app.cfg().sdk_secret.empty()},
                               {"scheduling_api", !app.cfg().api_token.empty()},
                               {"access_links", !app.cfg().link_secret.empty()}};
    try {
      auto& database = app.db();
      SQLite::Statement q(database.sql(), "SELECT 1");
      q.executeStep();
      const auto st = database.status();
      const bool current = st.version == st.latest;
      send_json(res, current ? 200 : 503,
                {{"status", current ? "ok" : "schema out of date"},
                 {"version", ZOOMCTL_VERSION},
                 {"database", "ok"},
                 {"schema_version", st.version},
                 {"features", features}});
    } catch (const std::exception& e) {
      send_json(res, 503, {{"status", "database unavailable"}, {"database", e.what()}, {"features", features}});
    }
  });

  server.Get("/metrics", [&app](const httplib::Request&, httplib::Response& res) {
    // The Zoom client's process-wide counters (calls, retries, rate-limit waits, token fetches).
    std::string out = app.counters.prometheus();
    for (const auto& [name, value] : zoom::metric_values(zoom::metrics())) {
      out += fmt::format("# TYPE {} counter\n{} {}\n", name, name, value);
    }
    // Zoom asked whether a meeting has started (the fallback for a late meeting.started webhook).
    const auto& checks = services::status_check_counts();
    out += "# HELP zoomctld_meeting_status_checks_total Zoom asked for a meeting's status, by answer\n"
           "# TYPE zoomctld_meeting_status_checks_total counter\n";
    for (const auto& [outcome, n] : {std::pair{"started", &checks.started}, std::pair{"waiting", &checks.waiting},
                                     std::pair{"error", &checks.error}}) {
      out += fmt::format("zoomctld_meeting_status_checks_total{{outcome=\"{}\"}} {}\n", outcome, n->load());
    }
    res.set_content(out, "text/plain; version=0.0.4");
  });
}

} // namespace zc::daemon
