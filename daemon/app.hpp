#pragma once
// zoomctld's shared state and the route-registration pattern: each daemon/routes_*.cpp
// adds its routes to the server through one function declared here, parses the
// request, calls one core service and formats the answer.

#include "core/config.hpp"
#include "core/db.hpp"
#include "core/util/expected.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <httplib.h>
#include <map>
#include <mutex>
#include <string>

namespace zc::daemon {

/// Request counters for /metrics, keyed by a label string.
class Counters
{
public:
  /// Adds `n` to the counter `name{labels}`.
  void add(const std::string& name, const std::string& labels, double n = 1);
  /// The counters in the Prometheus text format, with `help` lines for known names.
  [[nodiscard]] std::string prometheus() const;

private:
  mutable std::mutex m_mutex;
  std::map<std::string, std::map<std::string, double>> m_values;
};

/// What every route can reach.
struct App {
  config::Loaded loaded;
  const config::Config& cfg() const { return loaded.config; }
  Counters counters;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  /// This thread's database connection (opened on first use; one per worker thread).
  db::Database& db() const;
};

/// Sends `j` with `status` as application/json.
void send_json(httplib::Response& res, int status, const nlohmann::json& j);

/// Sends {"error": message} with the HTTP status matching `err` (400, 404, 409, 502, ...).
void send_error(httplib::Response& res, const Error& err);

/// Sends {"error": message} with `status`.
void send_error(httplib::Response& res, int status, const std::string& message);

/// When the feature behind `variable` is switched off (the variable is empty), answers
/// 503 naming the variable and returns true.
bool feature_off(httplib::Response& res, const std::string& value, const char* variable);

/// The HTTP status for an error of `kind`.
int http_status_for(ErrorKind kind);

/// Parses a JSON request body; answers 400 and returns nothing when it is not a JSON object.
std::optional<nlohmann::json> json_body(const httplib::Request& req, httplib::Response& res);

/// Bearer token of the request, or empty.
std::string bearer_token(const httplib::Request& req);

// Route groups, one per file.
void add_health_routes(httplib::Server& server, App& app);
void add_session_routes(httplib::Server& server, App& app);
void add_webhook_routes(httplib::Server& server, App& app);
void add_attendance_routes(httplib::Server& server, App& app);
void add_join_routes(httplib::Server& server, App& app);

} // namespace zc::daemon
