#include "daemon/app.hpp"

#include <fmt/format.h>

#include <optional>
#include <unordered_map>

namespace zc::daemon {

void Counters::add(const std::string& name, const std::string& labels, double n)
{
  const std::lock_guard lock(m_mutex);
  m_values[name][labels] += n;
}

std::string Counters::prometheus() const
{
  static const std::map<std::string, std::string> k_help = {
      {"zoomctld_http_requests_total", "HTTP requests answered, by route and status"},
      {"zoomctld_webhook_events_total", "Webhook deliveries, by event type and outcome"},
      {"zoomctld_signatures_total", "Meeting SDK signatures issued, by role"},
      {"zoomctld_zoom_api_calls_total", "Calls to the Zoom API"},
      {"zoomctld_zoom_api_retries_total", "Zoom API calls retried"},
      {"zoomctld_zoom_rate_limit_waits_total", "Waits caused by Zoom rate limits"},
      {"zoomctld_zoom_token_refreshes_total", "OAuth tokens fetched"},
  };
  const std::lock_guard lock(m_mutex);
  std::string out;
  for (const auto& [name, series] : m_values) {
    if (const auto it = k_help.find(name); it != k_help.end()) {
      out += fmt::format("# HELP {} {}\n", name, it->second);
    }
    out += fmt::format("# TYPE {} counter\n", name);
    for (const auto& [labels, v] : series) {
      out += fmt::format("{}{}{}{} {}\n", name, labels.empty() ? "" : "{", labels, labels.empty() ? "" : "}", v);
    }
  }
  return out;
}

db::Database& App::db() const
{
  // One connection per worker thread: SQLite connections are not shared between threads.
  thread_local std::unordered_map<std::string, db::Database> t_connections;
  const auto& path = loaded.config.db_path;
  auto it = t_connections.find(path);
  if (it == t_connections.end()) {
    it = t_connections.emplace(path, value_or_throw(db::Database::open(path, db::Migrate::no))).first;
  }
  return it->second;
}

void send_json(httplib::Response& res, int status, const nlohmann::json& j)
{
  res.status = status;
  res.set_content(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

int http_status_for(ErrorKind kind)
{
  switch (kind) {
  case ErrorKind::invalid_input:
    return 400;
  case ErrorKind::not_found:
    return 404;
  case ErrorKind::conflict:
    return 409;
  case ErrorKind::config:
    return 503;
  case ErrorKind::zoom:
    return 502;
  case ErrorKind::auth:
    return 403;
  case ErrorKind::database:
    return 500;
  case ErrorKind::internal:
    return 500;
  }
  return 500;
}

void send_error(httplib::Response& res, const Error& err)
{
  send_error(res, http_status_for(err.kind), err.message);
}

void send_error(httplib::Response& res, int status, const std::string& message)
{
  send_json(res, status, {{"error", message}});
}

bool feature_off(httplib::Response& res, const std::string& value, const char* variable)
{
  if (!value.empty()) {
    return false;
  }
  send_json(res, 503,
            {{"error", fmt::format("this endpoint is switched off: {} is not set on the server", variable)},
             {"variable", variable}});
  return true;
}

std::optional<nlohmann::json> json_body(const httplib::Request& req, httplib::Response& res)
{
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    send_error(res, 400, "request body must be a JSON object");
    return std::nullopt;
  }
  return j;
}

std::string bearer_token(const httplib::Request& req)
{
  const auto h = req.get_header_value("Authorization");
  constexpr std::string_view k_prefix = "Bearer ";
  if (h.size() > k_prefix.size() && std::string_view(h).substr(0, k_prefix.size()) == k_prefix) {
    return h.substr(k_prefix.size());
  }
  return {};
}

} // namespace zc::daemon
