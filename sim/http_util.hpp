#pragma once
// Glue between httplib and the emulator: writing a Reply, reading JSON bodies,
// per-request context shared by the pre-routing handler, the routes and the
// logger (all run on the same server thread), and dropping a connection.

#include "common.hpp"

#include <chrono>
#include <httplib.h>
#include <optional>
#include <string>

namespace zs {

/// What the handlers of one request learn about it, kept per server thread.
struct RequestContext {
  std::chrono::steady_clock::time_point started;
  std::string rate_label; ///< Light, Medium, Heavy for `/v2`, else empty
  std::string fault;      ///< injected fault, if any
};

/// The context of the request this thread is handling.
RequestContext& request_context();

/// Writes `reply` into `res` with Zoom's JSON content type.
void send(httplib::Response& res, const Reply& reply);

/// The request body as JSON (discarded when it is not JSON).
Json parse_body(const httplib::Request& req);

/// Closes the connection `req` came in on without answering (finds the socket
/// whose peer is `req.remote_port` and whose local port is `listen_port`).
void drop_connection(const httplib::Request& req, int listen_port);

/// Shuts down every accepted connection on `listen_port` (at exit, so idle
/// keep-alive connections do not hold the server's threads for seconds).
void close_connections(int listen_port);

/// Zoom's JSON content type.
inline constexpr const char* k_json_type = "application/json;charset=UTF-8";

} // namespace zs
